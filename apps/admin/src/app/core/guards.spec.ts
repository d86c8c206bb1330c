import type { ActivatedRouteSnapshot, Route } from '@angular/router';
import { prefetchChunks } from './guards';

/** A snapshot chain shell → page, each with the route config the router matched. */
function chain(...configs: Route[]): ActivatedRouteSnapshot {
  let child: ActivatedRouteSnapshot | null = null;
  for (const routeConfig of [...configs].reverse()) {
    child = { routeConfig, firstChild: child } as unknown as ActivatedRouteSnapshot;
  }
  return child as ActivatedRouteSnapshot;
}

describe('prefetchChunks', () => {
  it('starts loading the shell and the page below it at once, before any guard resolves', () => {
    const shell = jest.fn(() => new Promise<never>(() => undefined));
    const page = jest.fn(() => new Promise<never>(() => undefined));
    prefetchChunks(
      chain({ path: '', loadComponent: shell }, { path: 'keys', loadComponent: page }),
    );
    expect(shell).toHaveBeenCalledTimes(1);
    expect(page).toHaveBeenCalledTimes(1);
  });

  it('skips routes without a lazy component, and a chunk that fails to load is not unhandled', async () => {
    const failing = jest.fn(() => Promise.reject(new Error('chunk 404')));
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      prefetchChunks(
        chain({ path: '', redirectTo: 'keys' }, { path: 'x', loadComponent: failing }),
      );
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(failing).toHaveBeenCalledTimes(1);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
