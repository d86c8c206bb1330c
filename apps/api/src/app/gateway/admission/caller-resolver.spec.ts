import type { UserSessionPrincipal } from '../../auth/session-principal';
import type { Principal } from '../../common/auth/principal';
import type { KeyPrincipal } from '../../keys/key-authenticator';
import type { CachedKey, CachedKeyOwner } from '../../keys/key-cache';
import { CallerResolver } from './caller-resolver';
import type { Limits } from './limits';

function aKey(fields: Partial<CachedKey> = {}): CachedKey {
  return {
    token: 'tok',
    keyName: 'sk-...abcd',
    keyAlias: 'laptop',
    userId: 'u1',
    teamId: 'team-1',
    models: ['gpt-4o'],
    maxBudget: 5,
    spend: 1.25,
    budgetDuration: '30d',
    budgetResetAt: Date.UTC(2026, 11, 1),
    expires: null,
    tpmLimit: 1000,
    rpmLimit: 10,
    maxParallelRequests: 2,
    metadata: {},
    blocked: false,
    keyType: 'default',
    createdByRole: 'proxy_admin',
    owner: {
      userId: 'u1',
      email: 'u1@example.com',
      role: 'internal_user',
      models: ['gpt-4o', 'gpt-4o-mini'],
      maxBudget: 20,
      spend: 3,
      budgetDuration: '7d',
      budgetResetAt: Date.UTC(2026, 11, 3),
      tpmLimit: null,
      rpmLimit: 100,
    },
    team: {
      teamId: 'team-1',
      blocked: false,
      models: [],
      maxBudget: 50,
      spend: 7,
      tpmLimit: 5000,
      rpmLimit: null,
    },
    ...fields,
  };
}

function keyPrincipal(key: CachedKey): KeyPrincipal {
  return {
    method: 'virtual_key',
    userId: 'u1',
    email: 'u1@example.com',
    role: 'internal_user',
    keyToken: key.token,
    keyType: key.keyType,
    key,
  };
}

const USD = 1e9;

/** aKey()'s owner as the admission sees it (nano-dollars, epoch ms). */
const OWNER_LIMITS: Limits = {
  scope: 'user',
  id: 'u1',
  maxBudgetNanos: 20 * USD,
  spendNanos: 3 * USD,
  budgetDuration: '7d',
  budgetResetAtMs: Date.UTC(2026, 11, 3),
  rpmLimit: 100,
  tpmLimit: null,
  maxParallelRequests: null,
};

describe('CallerResolver', () => {
  const sut = new CallerResolver();

  it("maps a key principal to the key's, owner's and team's limits without a lookup", () => {
    const caller = sut.fromPrincipal(keyPrincipal(aKey()));
    expect(caller).toEqual({
      keyToken: 'tok',
      userId: 'u1',
      teamId: 'team-1',
      role: 'internal_user',
      allowLists: [['gpt-4o'], ['gpt-4o', 'gpt-4o-mini'], []],
      limits: [
        {
          scope: 'key',
          id: 'tok',
          maxBudgetNanos: 5 * USD,
          spendNanos: 1.25 * USD,
          budgetDuration: '30d',
          budgetResetAtMs: Date.UTC(2026, 11, 1),
          rpmLimit: 10,
          tpmLimit: 1000,
          maxParallelRequests: 2,
        },
        OWNER_LIMITS,
        {
          scope: 'team',
          id: 'team-1',
          maxBudgetNanos: 50 * USD,
          spendNanos: 7 * USD,
          budgetDuration: null,
          budgetResetAtMs: null,
          rpmLimit: null,
          tpmLimit: 5000,
          maxParallelRequests: null,
        },
      ],
    });
  });

  it('builds the limits once per cached key entry (a new entry after a change gets new ones)', () => {
    const key = aKey();
    const first = sut.fromPrincipal(keyPrincipal(key));
    expect(sut.fromPrincipal(keyPrincipal(key)).limits).toBe(first.limits);
    const changed = aKey({ rpmLimit: 1 });
    expect(sut.fromPrincipal(keyPrincipal(changed)).limits[0].rpmLimit).toBe(1);
  });

  it('leaves out the team of a personal key', () => {
    const caller = sut.fromPrincipal(keyPrincipal(aKey({ teamId: null, team: null })));
    expect(caller.teamId).toBeNull();
    expect(caller.limits.map((l) => l.scope)).toEqual(['key', 'user']);
  });

  it('gives the master key and its console sessions no limits', () => {
    const master: Principal = {
      method: 'master_key',
      userId: 'admin',
      email: null,
      role: 'proxy_admin',
    };
    const masterSession: Principal = { ...master, method: 'session', sessionId: 's0' };
    for (const principal of [master, masterSession]) {
      expect(sut.fromPrincipal(principal)).toEqual({
        keyToken: null,
        userId: 'admin',
        teamId: null,
        role: 'proxy_admin',
        allowLists: [],
        limits: [],
      });
    }
  });

  it("holds a user's console session to the user's models, budget, period and rate limits", () => {
    const session: UserSessionPrincipal = {
      method: 'session',
      userId: 'u1',
      email: 'u1@example.com',
      role: 'internal_user',
      sessionId: 's1',
      user: aKey().owner as CachedKeyOwner,
    };
    expect(sut.fromPrincipal(session)).toEqual({
      keyToken: null,
      userId: 'u1',
      teamId: null,
      role: 'internal_user',
      allowLists: [['gpt-4o', 'gpt-4o-mini']],
      limits: [OWNER_LIMITS],
    });
  });
});
