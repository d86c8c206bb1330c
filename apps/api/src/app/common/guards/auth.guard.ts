import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PrincipalResolver } from '../auth/principal-resolver';
import type { AuthenticatedRequest } from '../decorators/current-principal.decorator';
import { IS_PUBLIC } from '../decorators/public.decorator';
import { AppError } from '../errors/app-error';

/** Global: every route needs a principal unless it is marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.principals.resolve(request);
    if (!principal) throw AppError.unauthorized();
    request.principal = principal;
    return true;
  }
}
