import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { isCrossSiteLogin } from './login-origin';

@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  constructor(private readonly config: AppConfig) {
    super();
  }

  /** Refuses a cross-site login before any credential is looked at (login CSRF). */
  override canActivate(context: ExecutionContext) {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (isCrossSiteLogin(request.headers, this.config.baseUrl)) {
      throw AppError.forbidden('Cross-site login refused').withCode('cross_site_login');
    }
    return super.canActivate(context);
  }

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
