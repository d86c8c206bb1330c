import type { Permission } from '@gatehouse/shared/auth';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Principal } from '../auth/principal';
import { PrincipalResolver } from '../auth/principal-resolver';
import { ANY_AUTHENTICATED } from '../decorators/authenticated.decorator';
import { IS_PUBLIC } from '../decorators/public.decorator';
import { REQUIRED_PERMISSION } from '../decorators/require-permission.decorator';
import { type AppError } from '../errors/app-error';
import { AuthGuard } from './auth.guard';
import { PermissionGuard } from './permission.guard';

type Meta = Partial<
  Record<typeof IS_PUBLIC | typeof ANY_AUTHENTICATED | typeof REQUIRED_PERMISSION, unknown>
>;

function context(meta: Meta, request: Record<string, unknown> = {}): ExecutionContext {
  const handler = function handler(): string {
    return 'handler';
  };
  const controller = class Controller {};
  for (const [key, value] of Object.entries(meta)) Reflect.defineMetadata(key, value, handler);
  return {
    getHandler: () => handler,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const principal = (role: Principal['role']): Principal => ({
  method: 'session',
  userId: 'u1',
  email: 'u@x.io',
  role,
});

class FixedResolver extends PrincipalResolver {
  constructor(private readonly result: Principal | null) {
    super();
  }
  resolve(): Promise<Principal | null> {
    return Promise.resolve(this.result);
  }
}

function status(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as AppError).status;
  }
}

describe('AuthGuard', () => {
  const reflector = new Reflector();

  it('lets public routes through without resolving credentials', async () => {
    const resolve = jest.fn();
    const sut = new AuthGuard(reflector, { resolve });
    await expect(sut.canActivate(context({ [IS_PUBLIC]: true }))).resolves.toBe(true);
    expect(resolve).not.toHaveBeenCalled();
  });

  it('refuses a route when no principal can be resolved', async () => {
    const sut = new AuthGuard(reflector, new FixedResolver(null));
    await expect(sut.canActivate(context({}))).rejects.toMatchObject({ status: 401 });
  });

  it('attaches the resolved principal to the request', async () => {
    const request: Record<string, unknown> = {};
    const sut = new AuthGuard(reflector, new FixedResolver(principal('internal_user')));
    await expect(sut.canActivate(context({}, request))).resolves.toBe(true);
    expect(request['principal']).toEqual(principal('internal_user'));
  });
});

describe('PermissionGuard', () => {
  const sut = new PermissionGuard(new Reflector());
  const need = (permission: Permission): Meta => ({ [REQUIRED_PERMISSION]: permission });

  it('allows a role that holds the permission', () => {
    expect(
      sut.canActivate(context(need('key.create.self'), { principal: principal('internal_user') })),
    ).toBe(true);
  });

  it('refuses a role that lacks it with 403', () => {
    expect(
      status(() =>
        sut.canActivate(
          context(need('key.create.self'), { principal: principal('internal_user_viewer') }),
        ),
      ),
    ).toBe(403);
    expect(
      status(() =>
        sut.canActivate(
          context(need('user.create'), { principal: principal('proxy_admin_viewer') }),
        ),
      ),
    ).toBe(403);
  });

  it('refuses even proxy_admin on a route that states no permission (secure by default)', () => {
    expect(
      status(() => sut.canActivate(context({}, { principal: principal('proxy_admin') }))),
    ).toBe(403);
  });

  it('lets any signed-in role through @Authenticated routes, and nobody anonymous', () => {
    expect(
      sut.canActivate(
        context({ [ANY_AUTHENTICATED]: true }, { principal: principal('internal_user_viewer') }),
      ),
    ).toBe(true);
    expect(status(() => sut.canActivate(context({ [ANY_AUTHENTICATED]: true }, {})))).toBe(401);
  });

  it('skips public routes', () => {
    expect(sut.canActivate(context({ [IS_PUBLIC]: true }))).toBe(true);
  });

  it.each([
    // key type, method, route meta, allowed (issue 11, finding 1)
    ['default', 'POST', need('key.create.self'), true],
    ['llm_api', 'GET', need('key.read.self'), false],
    ['llm_api', 'POST', { [ANY_AUTHENTICATED]: true }, false],
    ['management', 'POST', need('key.create.self'), true],
    ['read_only', 'GET', need('key.read.self'), true],
    ['read_only', 'GET', { [ANY_AUTHENTICATED]: true }, true],
    ['read_only', 'POST', need('user.update.self'), false],
  ] as const)(
    'a %s key, %s on a route needing %j: allowed %s',
    (keyType, method, meta, allowed) => {
      const request = {
        method,
        principal: { ...principal('internal_user'), method: 'virtual_key', keyToken: 't', keyType },
      };
      expect(status(() => sut.canActivate(context(meta, request)))).toBe(allowed ? undefined : 403);
    },
  );
});
