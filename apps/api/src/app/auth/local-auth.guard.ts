import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../common/errors/app-error';

@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override handleRequest<T>(
    error: unknown,
    user: T | false,
    _info: unknown,
    _context: unknown,
    status?: unknown,
  ): T {
    if (error instanceof Error) throw error;
    if (error) throw AppError.unauthorized('Invalid email or password');
    if (!user) {
      // passport-local fails with 400 when a field is missing before our validate runs.
      if (status === 400)
        throw AppError.badRequest('username and password are required', 'username');
      throw AppError.unauthorized('Invalid email or password');
    }
    return user;
  }
}
