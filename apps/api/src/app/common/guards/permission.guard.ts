import { hasPermission, keyTypeAllows, type Permission } from '@gatehouse/shared/auth';
import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ANY_AUTHENTICATED } from '../decorators/authenticated.decorator';
import type { AuthenticatedRequest } from '../decorators/current-principal.decorator';
import { IS_PUBLIC } from '../decorators/public.decorator';
import { REQUIRED_PERMISSION } from '../decorators/require-permission.decorator';
import { AppError } from '../errors/app-error';

/**
 * Global, after AuthGuard: the route's @RequirePermission must be in the caller's role. A
 * route that states neither a permission nor @Authenticated() is refused (secure by default).
 * A virtual key must also be of a type that reaches the management API (and, for `read_only`
 * keys, the route must be a read).
 */
@Injectable()
export class PermissionGuard implements CanActivate {
  private readonly logger = new Logger(PermissionGuard.name);

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.principal;
    if (!principal) throw AppError.unauthorized();
    const anyAuthenticated = this.reflector.getAllAndOverride<boolean>(ANY_AUTHENTICATED, targets);
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(
      REQUIRED_PERMISSION,
      targets,
    );
    if (
      principal.keyType !== undefined &&
      !keyTypeAllows(principal.keyType, permission ?? null, request.method)
    ) {
      throw AppError.forbidden(`A ${principal.keyType} key may not call this route`);
    }
    if (anyAuthenticated) return true;
    if (!permission) {
      this.logger.error(
        `${context.getClass().name}.${context.getHandler().name} states no permission`,
      );
      throw AppError.forbidden();
    }
    if (!hasPermission(principal.role, permission)) {
      throw AppError.forbidden(
        `Your role (${principal.role}) may not do this (needs ${permission})`,
      );
    }
    return true;
  }
}
