import type { Role } from '@gatehouse/shared/auth';
import type { Principal } from '../common/auth/principal';
import { sha256Hex } from '../common/crypto/tokens';
import type { AppError } from '../common/errors/app-error';
import { UserEvents } from '../common/events/user-events';
import { Clock } from '../common/time/clock';
import type { AppConfig, KeyUpperBounds } from '../config/app-config';
import { UserEntity } from '../users/user.entity';
import type { KeyCache } from './key-cache';
import { KeyEntity } from './key.entity';
import type { KeysRepository } from './keys.repository';
import { KeysService } from './keys.service';

class FixedClock extends Clock {
  now(): Date {
    return new Date(Date.UTC(2026, 0, 1));
  }
}

const NO_BOUNDS: KeyUpperBounds = {
  maxBudget: null,
  durationMs: null,
  tpmLimit: null,
  rpmLimit: null,
  maxParallelRequests: null,
};

function aUser(fields: Partial<UserEntity> = {}): UserEntity {
  return Object.assign(new UserEntity(), {
    userId: 'u1',
    email: 'u1@example.com',
    alias: null,
    role: 'internal_user',
    maxBudget: null,
    spend: 0,
    models: [],
    tpmLimit: null,
    rpmLimit: null,
    budgetDuration: null,
    budgetResetAt: null,
    metadata: {},
    createdAt: new Date(0),
    createdBy: null,
    updatedAt: new Date(0),
    updatedBy: null,
    ...fields,
  });
}

function aKey(fields: Partial<KeyEntity> = {}): KeyEntity {
  const secretHash = sha256Hex('sk-original');
  return Object.assign(new KeyEntity(), {
    token: secretHash,
    secretHash,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    keyName: 'sk-...inal',
    keyAlias: null,
    userId: 'u1',
    teamId: null,
    models: [],
    maxBudget: null,
    spend: 0,
    budgetDuration: null,
    budgetResetAt: null,
    expires: null,
    tpmLimit: null,
    rpmLimit: null,
    maxParallelRequests: null,
    metadata: {},
    blocked: false,
    createdAt: new Date(0),
    createdBy: 'u1',
    updatedAt: new Date(0),
    updatedBy: 'u1',
    ...fields,
  });
}

const principal = (role: Role, userId = 'u1'): Principal => ({
  method: 'session',
  userId,
  email: null,
  role,
});

describe('KeysService', () => {
  let save: jest.Mock;
  let insert: jest.Mock;
  let archive: jest.Mock;
  let invalidateToken: jest.Mock;
  let invalidateUser: jest.Mock;
  let events: UserEvents;
  let key: KeyEntity;
  let bounds: KeyUpperBounds;
  let sut: KeysService;

  beforeEach(() => {
    key = aKey();
    bounds = { ...NO_BOUNDS };
    save = jest.fn((k: KeyEntity) => Promise.resolve(k));
    insert = jest.fn(() => Promise.resolve());
    archive = jest.fn(() => Promise.resolve());
    invalidateToken = jest.fn();
    invalidateUser = jest.fn();
    const repository = {
      findByToken: (token: string) => Promise.resolve(token === key.token ? key : null),
      findByAnySecretHash: (hash: string) => Promise.resolve(hash === key.secretHash ? key : null),
      findByAlias: () => Promise.resolve(null),
      findByAliases: () => Promise.resolve([]),
      findByUser: () => Promise.resolve([key]),
      findOwner: (userId: string) => Promise.resolve(aUser({ userId })),
      insert,
      save,
      archive,
    } as unknown as KeysRepository;
    const cache = { invalidateToken, invalidateUser } as unknown as KeyCache;
    events = new UserEvents();
    const config = { keyUpperBounds: bounds } as unknown as AppConfig;
    sut = new KeysService(repository, cache, new FixedClock(), config, events);
    sut.onModuleInit();
  });

  afterEach(() => sut.onModuleDestroy());

  describe('invalidates the key cache on every change', () => {
    it('update', async () => {
      await sut.update(principal('internal_user'), { key: key.token, key_alias: 'x' });
      expect(save).toHaveBeenCalled();
      expect(invalidateToken).toHaveBeenCalledWith(key.token);
    });

    it('block', async () => {
      await sut.block(principal('internal_user'), { key: 'sk-original' });
      expect(key.blocked).toBe(true);
      expect(invalidateToken).toHaveBeenCalledWith(key.token);
    });

    it('unblock', async () => {
      key.blocked = true;
      await sut.unblock(principal('proxy_admin', 'admin-user'), { key: key.token });
      expect(key.blocked).toBe(false);
      expect(invalidateToken).toHaveBeenCalledWith(key.token);
    });

    it('delete', async () => {
      await sut.delete(principal('internal_user'), { keys: [key.token] });
      expect(archive).toHaveBeenCalledWith([key], expect.any(Date), 'u1');
      expect(invalidateToken).toHaveBeenCalledWith(key.token);
    });

    it('regenerate (keeping the old hash for the grace period)', async () => {
      const oldHash = key.secretHash;
      const res = await sut.regenerate(principal('internal_user'), {
        key: key.token,
        grace_period: '10m',
      });
      expect(res.token).toBe(key.token);
      expect(key.secretHash).toBe(sha256Hex(res.key));
      expect(key.previousSecretHash).toBe(oldHash);
      expect(key.previousSecretExpiresAt?.getTime()).toBe(Date.UTC(2026, 0, 1) + 600_000);
      expect(invalidateToken).toHaveBeenCalledWith(key.token);
    });

    it("an owner's update, and an owner's deletion (which also archives their keys)", async () => {
      await events.publish({ type: 'user.updated', userId: 'u1', actorId: 'admin' });
      expect(invalidateUser).toHaveBeenCalledWith('u1');
      expect(archive).not.toHaveBeenCalled();
      await events.publish({ type: 'user.deleted', userId: 'u1', actorId: 'admin' });
      expect(archive).toHaveBeenCalledWith([key], expect.any(Date), 'admin');
      expect(invalidateToken).toHaveBeenCalledWith(key.token);
    });
  });

  describe('does not invalidate (nor write) when refused', () => {
    it.each([
      ['update', (s: KeysService, p: Principal) => s.update(p, { key: key.token })],
      ['block', (s: KeysService, p: Principal) => s.block(p, { key: key.token })],
      ['regenerate', (s: KeysService, p: Principal) => s.regenerate(p, { key: key.token })],
      ['delete', (s: KeysService, p: Principal) => s.delete(p, { keys: [key.token] })],
    ])("%s of another user's key answers 404", async (_name, act) => {
      const error = (await act(sut, principal('internal_user', 'u2')).catch(
        (e: unknown) => e,
      )) as AppError;
      expect(error.status).toBe(404);
      expect(save).not.toHaveBeenCalled();
      expect(archive).not.toHaveBeenCalled();
      expect(invalidateToken).not.toHaveBeenCalled();
    });

    it('unblock by the owning internal_user answers 403', async () => {
      key.blocked = true;
      const error = (await sut
        .unblock(principal('internal_user'), { key: key.token })
        .catch((e: unknown) => e)) as AppError;
      expect(error.status).toBe(403);
      expect(key.blocked).toBe(true);
      expect(invalidateToken).not.toHaveBeenCalled();
    });

    it('a proxy_admin_viewer may read but not change any key (403)', async () => {
      const viewer = principal('proxy_admin_viewer', 'v1');
      await expect(sut.info(viewer, { key: key.token })).resolves.toMatchObject({
        key: key.token,
      });
      const error = (await sut
        .block(viewer, { key: key.token })
        .catch((e: unknown) => e)) as AppError;
      expect(error.status).toBe(403);
    });
  });

  describe('limits for non-admins', () => {
    it('fills absent values in from the upper bounds on generate', async () => {
      Object.assign(bounds, { maxBudget: 10, durationMs: 3_600_000, tpmLimit: 100 });
      const res = await sut.generate(principal('internal_user'), {});
      expect(res).toMatchObject({
        max_budget: 10,
        tpm_limit: 100,
        expires: new Date(Date.UTC(2026, 0, 1) + 3_600_000).toISOString(),
      });
    });

    it('refuses values over the bounds naming the field', async () => {
      Object.assign(bounds, { maxBudget: 10, durationMs: 3_600_000, rpmLimit: 5 });
      for (const [request, param] of [
        [{ max_budget: 11 }, 'max_budget'],
        [{ duration: '2h' }, 'duration'],
        [{ rpm_limit: 6 }, 'rpm_limit'],
      ] as const) {
        const error = (await sut
          .generate(principal('internal_user'), request)
          .catch((e: unknown) => e)) as AppError;
        expect(error).toMatchObject({ status: 400, param });
      }
      expect(insert).not.toHaveBeenCalled();
    });

    it("never lets proxy_admin's keys be bound", async () => {
      Object.assign(bounds, { maxBudget: 10 });
      await expect(
        sut.generate(principal('proxy_admin', 'a1'), { max_budget: 1000 }),
      ).resolves.toMatchObject({ max_budget: 1000 });
    });
  });
});
