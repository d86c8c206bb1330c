import type { Permission } from '@gatehouse/shared/auth';
import { SetMetadata } from '@nestjs/common';

export const REQUIRED_PERMISSION = 'gatehouse:permission';

/**
 * The narrowest permission that lets any caller into the route; ownership is the service's
 * business. Every non-public route must carry one (the permission guard refuses otherwise).
 */
export const RequirePermission = (permission: Permission): MethodDecorator =>
  SetMetadata(REQUIRED_PERMISSION, permission);
