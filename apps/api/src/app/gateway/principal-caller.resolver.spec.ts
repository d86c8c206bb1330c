import type { UserSessionPrincipal } from '../auth/session-principal';
import type { CachedKey, CachedKeyOwner } from '../keys/key-cache';
import type { KeyPrincipal } from '../keys/key-authenticator';
import type { Principal } from '../common/auth/principal';
import { PrincipalCallerResolver } from './principal-caller.resolver';

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

/** aKey()'s owner as the ledger and limiter see it. */
const OWNER_LIMITS = {
  maxBudget: 20,
  spend: 3,
  budgetDuration: '7d',
  budgetResetAt: new Date(Date.UTC(2026, 11, 3)),
  tpmLimit: null,
  rpmLimit: 100,
  maxParallelRequests: null,
  models: ['gpt-4o', 'gpt-4o-mini'],
};

describe('PrincipalCallerResolver', () => {
  const sut = new PrincipalCallerResolver();

  it("maps a key principal to the key's, owner's and team's limits without a lookup", () => {
    const caller = sut.fromPrincipal(keyPrincipal(aKey()));
    expect(caller).toEqual({
      keyToken: 'tok',
      userId: 'u1',
      teamId: 'team-1',
      role: 'internal_user',
      allowedModels: ['gpt-4o'],
      key: {
        maxBudget: 5,
        spend: 1.25,
        budgetDuration: '30d',
        budgetResetAt: new Date(Date.UTC(2026, 11, 1)),
        tpmLimit: 1000,
        rpmLimit: 10,
        maxParallelRequests: 2,
      },
      user: OWNER_LIMITS,
      team: {
        maxBudget: 50,
        spend: 7,
        budgetDuration: null,
        budgetResetAt: null,
        tpmLimit: 5000,
        rpmLimit: null,
        maxParallelRequests: null,
        models: [],
      },
    });
  });

  it('leaves out the team of a personal key', () => {
    const caller = sut.fromPrincipal(keyPrincipal(aKey({ teamId: null, team: null })));
    expect(caller.teamId).toBeNull();
    expect(caller.team).toBeNull();
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
        allowedModels: [],
        key: null,
        user: null,
        team: null,
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
      allowedModels: [],
      key: null,
      user: OWNER_LIMITS,
      team: null,
    });
  });
});
