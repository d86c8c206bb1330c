import type { Role } from '@gatehouse/shared/auth';
import type { GenerateKeyRequest } from '@gatehouse/shared/dto';
import type { Principal } from '../common/auth/principal';
import { sha256Hex } from '../common/crypto/tokens';
import type { AppError } from '../common/errors/app-error';
import { TeamEvents } from '../common/events/team-events';
import { UserEvents } from '../common/events/user-events';
import { Clock } from '../common/time/clock';
import type { AppConfig, KeyUpperBounds } from '../config/app-config';
import { TeamEntity } from '../teams/team.entity';
import { UserEntity } from '../users/user.entity';
import type { KeyCache } from './key-cache';
import type { KeyTeamsRepository } from './key-teams.repository';
import { KeyEntity } from './key.entity';
import type { KeysRepository } from './keys.repository';
import { KeysService } from './keys.service';
import { inlineTransactions, recordingAudit } from '../audit/audit.fakes';

/** Fixed by default; `tick` makes every reading later than the last (time passing mid-request). */
class FixedClock extends Clock {
  ms = Date.UTC(2026, 0, 1);
  tick = 0;

  now(): Date {
    const now = new Date(this.ms);
    this.ms += this.tick;
    return now;
  }
}

const NO_BOUNDS: KeyUpperBounds = {
  maxBudget: null,
  durationMs: null,
  tpmLimit: null,
  rpmLimit: null,
  maxParallelRequests: null,
  minBudgetDurationMs: null,
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

function aTeam(fields: Partial<TeamEntity> = {}): TeamEntity {
  return Object.assign(new TeamEntity(), {
    teamId: 'team-1',
    alias: null,
    models: [],
    maxBudget: null,
    spend: 0,
    tpmLimit: null,
    rpmLimit: null,
    blocked: false,
    createdAt: new Date(0),
    createdBy: 'admin',
    updatedAt: new Date(0),
    updatedBy: 'admin',
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
    keyType: 'default',
    createdByRole: 'internal_user',
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
  let invalidateTeam: jest.Mock;
  let events: UserEvents;
  let teamEvents: TeamEvents;
  /** team id -> the team row; (team id, user id) -> team role. */
  let teamRows: Map<string, TeamEntity>;
  let roles: Map<string, 'admin' | 'user'>;
  let findByTeams: jest.Mock;
  let findByUserAndTeam: jest.Mock;
  let list: jest.Mock;
  let key: KeyEntity;
  let bounds: KeyUpperBounds;
  let clock: FixedClock;
  let sut: KeysService;

  beforeEach(() => {
    key = aKey();
    bounds = { ...NO_BOUNDS };
    save = jest.fn((k: KeyEntity) => Promise.resolve(k));
    insert = jest.fn(() => Promise.resolve());
    archive = jest.fn(() => Promise.resolve());
    invalidateToken = jest.fn();
    invalidateUser = jest.fn();
    invalidateTeam = jest.fn();
    teamRows = new Map([['team-1', aTeam()]]);
    roles = new Map();
    findByTeams = jest.fn(() => Promise.resolve([key]));
    findByUserAndTeam = jest.fn(() => Promise.resolve([key]));
    list = jest.fn(() => Promise.resolve([[key], 1]));
    const teams = {
      findTeam: (teamId: string) => Promise.resolve(teamRows.get(teamId) ?? null),
      memberRole: (teamId: string, userId: string) =>
        Promise.resolve(roles.get(`${teamId}/${userId}`) ?? null),
    } as unknown as KeyTeamsRepository;
    const repository = {
      findByToken: (token: string) => Promise.resolve(token === key.token ? key : null),
      findByAnySecretHash: (hash: string) => Promise.resolve(hash === key.secretHash ? key : null),
      findByOwnerAndAlias: () => Promise.resolve(null),
      countByUsers: () => Promise.resolve(new Map()),
      findByAliases: () => Promise.resolve([]),
      findByUser: () => Promise.resolve([key]),
      findOwner: (userId: string) => Promise.resolve(aUser({ userId })),
      findByTeams,
      findByUserAndTeam,
      list,
      insert,
      save,
      archive,
    } as unknown as KeysRepository;
    const cache = { invalidateToken, invalidateUser, invalidateTeam } as unknown as KeyCache;
    events = new UserEvents();
    teamEvents = new TeamEvents();
    const config = { keyUpperBounds: bounds, keyMaxPerUser: 1000 } as unknown as AppConfig;
    clock = new FixedClock();
    sut = new KeysService(
      repository,
      teams,
      cache,
      clock,
      config,
      events,
      teamEvents,
      inlineTransactions(),
      recordingAudit(),
    );
    sut.onModuleInit();
  });

  afterEach(() => sut.onModuleDestroy());

  it('never lets a key made through an expiring key outlive it, however long the request takes', async () => {
    const expires = new Date(clock.ms + 3_600_000);
    key = aKey({ userId: 'u1', expires });
    clock.tick = 7;
    const viaKey: Principal = {
      ...principal('internal_user'),
      method: 'virtual_key',
      keyToken: key.token,
    };
    const child = await sut.generate(viaKey, {});
    expect(child.expires).toBe(expires.toISOString());
    const shorter = await sut.generate(viaKey, { duration: '10m' });
    expect(Date.parse(shorter.expires ?? '')).toBeLessThan(expires.getTime());
  });

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

  describe('teams', () => {
    const fail = async (promise: Promise<unknown>): Promise<AppError> =>
      (await promise.then(
        () => {
          throw new Error('expected a rejection');
        },
        (e: unknown) => e,
      )) as AppError;

    describe('team events', () => {
      it('a team update invalidates its cached keys and archives nothing', async () => {
        await teamEvents.publish({ type: 'team.updated', teamId: 'team-1', actorId: 'admin' });
        expect(invalidateTeam).toHaveBeenCalledWith('team-1');
        expect(archive).not.toHaveBeenCalled();
      });

      it("a member's removal archives their keys of that team, deleted_by the actor", async () => {
        await teamEvents.publish({
          type: 'team.member_removed',
          teamId: 'team-1',
          userId: 'u1',
          actorId: 'a1',
        });
        expect(findByUserAndTeam).toHaveBeenCalledWith('u1', 'team-1');
        expect(archive).toHaveBeenCalledWith([key], expect.any(Date), 'a1');
        expect(invalidateToken).toHaveBeenCalledWith(key.token);
      });

      it("a team's deletion archives all its keys and invalidates them", async () => {
        await teamEvents.publish({ type: 'team.deleted', teamIds: ['team-1'], actorId: 'a1' });
        expect(findByTeams).toHaveBeenCalledWith(['team-1']);
        expect(archive).toHaveBeenCalledWith([key], expect.any(Date), 'a1');
        expect(invalidateToken).toHaveBeenCalledWith(key.token);
        expect(invalidateTeam).toHaveBeenCalledWith('team-1');
      });
    });

    describe('who may make team keys', () => {
      it('answers 404 team_id for an unknown team, to admins too', async () => {
        const error = await fail(
          sut.generate(principal('proxy_admin', 'a1'), { user_id: 'u1', team_id: 'nope' }),
        );
        expect(error).toMatchObject({ status: 404, param: 'team_id' });
      });

      it('answers a non-member exactly like an unknown team (no existence oracle)', async () => {
        const hidden = await fail(sut.generate(principal('internal_user'), { team_id: 'team-1' }));
        const unknown = await fail(sut.generate(principal('internal_user'), { team_id: 'nope' }));
        expect([hidden.status, hidden.param, hidden.message]).toEqual([
          unknown.status,
          unknown.param,
          unknown.message,
        ]);
        expect(hidden.status).toBe(404);
        expect(insert).not.toHaveBeenCalled();
      });

      it('lets any member make a team key for themselves', async () => {
        roles.set('team-1/u1', 'user');
        await expect(
          sut.generate(principal('internal_user'), { team_id: 'team-1' }),
        ).resolves.toMatchObject({ user_id: 'u1', team_id: 'team-1' });
      });

      it('lets a team admin make one for another member, not for a non-member (403)', async () => {
        roles.set('team-1/u1', 'admin');
        roles.set('team-1/u2', 'user');
        await expect(
          sut.generate(principal('internal_user'), { team_id: 'team-1', user_id: 'u2' }),
        ).resolves.toMatchObject({ user_id: 'u2', team_id: 'team-1' });
        const outsider = await fail(
          sut.generate(principal('internal_user'), { team_id: 'team-1', user_id: 'u3' }),
        );
        expect(outsider).toMatchObject({ status: 403, param: 'user_id' });
      });

      it('refuses a plain member a key for another member (403 user_id)', async () => {
        roles.set('team-1/u1', 'user');
        roles.set('team-1/u2', 'user');
        const error = await fail(
          sut.generate(principal('internal_user'), { team_id: 'team-1', user_id: 'u2' }),
        );
        expect(error).toMatchObject({ status: 403, param: 'user_id' });
      });
    });

    describe("the team's limits", () => {
      beforeEach(() => {
        roles.set('team-1/u1', 'user');
        teamRows.set(
          'team-1',
          aTeam({ models: ['gpt-4o', 'o3'], maxBudget: 10, tpmLimit: 100, rpmLimit: 5 }),
        );
      });

      it('refuses wider models (403) and limits over the team (400), naming the field', async () => {
        const cases: [GenerateKeyRequest, number, string][] = [
          [{ models: ['gpt-4o', 'claude'] }, 403, 'models'],
          [{ max_budget: 11 }, 400, 'max_budget'],
          [{ max_budget: null }, 400, 'max_budget'],
          [{ tpm_limit: 101 }, 400, 'tpm_limit'],
          [{ rpm_limit: 6 }, 400, 'rpm_limit'],
        ];
        for (const [request, status, param] of cases) {
          const error = await fail(
            sut.generate(principal('internal_user'), { team_id: 'team-1', ...request }),
          );
          expect(error).toMatchObject({ status, param });
        }
        expect(insert).not.toHaveBeenCalled();
      });

      it('accepts values within the team, and an empty models list', async () => {
        await expect(
          sut.generate(principal('internal_user'), {
            team_id: 'team-1',
            models: ['o3'],
            max_budget: 10,
            tpm_limit: 100,
          }),
        ).resolves.toMatchObject({ models: ['o3'], max_budget: 10 });
        await expect(
          sut.generate(principal('internal_user'), { team_id: 'team-1', models: [] }),
        ).resolves.toMatchObject({ models: [] });
      });

      it('lowers a budget filled in from an upper bound to the team budget', async () => {
        Object.assign(bounds, { maxBudget: 50 });
        await expect(
          sut.generate(principal('internal_user'), { team_id: 'team-1' }),
        ).resolves.toMatchObject({ max_budget: 10 });
      });

      it('checks a key moved into the team with its current values', async () => {
        key.maxBudget = 20;
        const error = await fail(
          sut.update(principal('internal_user'), { key: key.token, team_id: 'team-1' }),
        );
        expect(error).toMatchObject({ status: 400, param: 'max_budget' });
        expect(save).not.toHaveBeenCalled();
      });

      it('never binds proxy_admin', async () => {
        await expect(
          sut.generate(principal('proxy_admin', 'a1'), {
            user_id: 'u1',
            team_id: 'team-1',
            models: ['claude'],
            max_budget: 1000,
          }),
        ).resolves.toMatchObject({ max_budget: 1000, models: ['claude'] });
      });
    });

    describe('access to team keys', () => {
      beforeEach(() => {
        key.teamId = 'team-1';
        key.userId = 'u2';
      });

      it("lets a team admin see and manage a member's team key", async () => {
        roles.set('team-1/u1', 'admin');
        await expect(
          sut.info(principal('internal_user'), { key: key.token }),
        ).resolves.toBeDefined();
        await sut.block(principal('internal_user'), { key: key.token });
        expect(key.blocked).toBe(true);
        const unblock = await fail(sut.unblock(principal('internal_user'), { key: key.token }));
        expect(unblock.status).toBe(403);
      });

      it("lets a team admin regenerate a member's llm_api key only, capping its maker role (findings 1, 2)", async () => {
        roles.set('team-1/u1', 'admin');
        roles.set('team-1/u2', 'user');
        key.createdByRole = 'proxy_admin';
        const refused = await fail(sut.regenerate(principal('internal_user'), { key: key.token }));
        expect(refused).toMatchObject({ status: 403, param: 'key' });
        expect(save).not.toHaveBeenCalled();
        key.keyType = 'llm_api';
        await sut.regenerate(principal('internal_user'), { key: key.token });
        expect(key.createdByRole).toBe('internal_user');
      });

      it("answers 404 to a plain member asking for another member's key", async () => {
        roles.set('team-1/u1', 'user');
        const error = await fail(sut.info(principal('internal_user'), { key: key.token }));
        expect(error.status).toBe(404);
      });

      it('/key/list?team_id: the whole team to team admins, own keys to plain members', async () => {
        roles.set('team-1/u1', 'admin');
        roles.set('team-1/u3', 'user');
        await sut.list(principal('internal_user'), { team_id: 'team-1', user_id: 'u2' });
        expect(list).toHaveBeenLastCalledWith(
          expect.objectContaining({ teamId: 'team-1', userId: 'u2' }),
        );
        await sut.list(principal('internal_user', 'u3'), { team_id: 'team-1' });
        expect(list).toHaveBeenLastCalledWith(
          expect.objectContaining({ teamId: 'team-1', userId: 'u3' }),
        );
        await expect(
          sut.list(principal('internal_user', 'u3'), { team_id: 'team-1', user_id: 'u2' }),
        ).resolves.toMatchObject({ keys: [], total_count: 0 });
        expect(list).toHaveBeenCalledTimes(2);
      });

      it('/key/list?team_id: 404 to non-members and for unknown teams (admins too)', async () => {
        for (const [who, teamId] of [
          [principal('internal_user', 'u9'), 'team-1'],
          [principal('internal_user', 'u9'), 'nope'],
          [principal('proxy_admin_viewer', 'v1'), 'nope'],
        ] as const) {
          const error = await fail(sut.list(who, { team_id: teamId }));
          expect(error).toMatchObject({ status: 404, param: 'team_id' });
        }
        expect(list).not.toHaveBeenCalled();
      });

      it('lets an internal_user_viewer team admin read but not change (403)', async () => {
        roles.set('team-1/u1', 'admin');
        await expect(
          sut.info(principal('internal_user_viewer'), { key: key.token }),
        ).resolves.toBeDefined();
        const error = await fail(sut.block(principal('internal_user_viewer'), { key: key.token }));
        expect(error.status).toBe(403);
      });
    });
  });
});
