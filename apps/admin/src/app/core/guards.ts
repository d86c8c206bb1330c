import { inject } from '@angular/core';
import { Router, type ActivatedRouteSnapshot, type CanActivateFn } from '@angular/router';
import type { Permission } from '@gatehouse/shared/auth';
import { SessionService } from '../data-access/session.service';

/**
 * Starts fetching the lazy chunks of the page being opened (the shell and the page below it)
 * while `/me` is in flight. The router loads a route's component only after its guards pass,
 * so a fresh tab otherwise waits for `/me`, then the shell's chunk, then the page's, one after
 * another (BENCHMARKS.md "Console at scale"). The router's own load later finds the modules
 * fetched; chunks are public files, and the guards still decide what renders.
 */
export function prefetchChunks(route: ActivatedRouteSnapshot): void {
  for (let r: ActivatedRouteSnapshot | null = route; r; r = r.firstChild) {
    const loaded = r.routeConfig?.loadComponent?.();
    if (loaded instanceof Promise) loaded.catch(() => undefined); // the router reports it
  }
}

/** Signed in, or off to the login page (remembering where we were going). */
export const authGuard: CanActivateFn = async (route, state) => {
  const router = inject(Router);
  prefetchChunks(route);
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
