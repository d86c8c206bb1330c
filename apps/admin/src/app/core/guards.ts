import { inject } from '@angular/core';
import { Router, type CanActivateFn } from '@angular/router';
import type { Permission } from '@gatehouse/shared/auth';
import { SessionService } from '../data-access/session.service';

/** Signed in, or off to the login page (remembering where we were going). */
export const authGuard: CanActivateFn = async (_route, state) => {
  const router = inject(Router);
  const me = await inject(SessionService).ensureLoaded();
  return me ? true : router.createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
};

/** A page a role may not see sends it to the keys page (which every role has). */
export function permissionGuard(permission: Permission): CanActivateFn {
  return async () => {
    const session = inject(SessionService);
    const router = inject(Router);
    await session.ensureLoaded();
    return session.can(permission) ? true : router.createUrlTree(['/keys']);
  };
}
