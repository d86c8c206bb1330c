import type { CachedKey } from '../keys/key-cache';
import type { KeyPrincipal } from '../keys/key-authenticator';
import type { Principal } from '../common/auth/principal';
import { VirtualKeyCallerResolver } from './virtual-key-caller.resolver';

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
    owner: {
      userId: 'u1',
      email: 'u1@example.com',
      role: 'internal_user',
      models: ['gpt-4o', 'gpt-4o-mini'],
      maxBudget: 20,
      spend: 3,
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
    key,
  };
}

describe('VirtualKeyCallerResolver', () => {
  const sut = new VirtualKeyCallerResolver();

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
      user: {
        maxBudget: 20,
        spend: 3,
        budgetDuration: null,
        budgetResetAt: null,
        tpmLimit: null,
        rpmLimit: 100,
        maxParallelRequests: null,
        models: ['gpt-4o', 'gpt-4o-mini'],
      },
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

  it('gives the master key and sessions no key limits', () => {
    const master: Principal = {
      method: 'master_key',
      userId: 'admin',
      email: null,
      role: 'proxy_admin',
    };
    expect(sut.fromPrincipal(master)).toMatchObject({
      keyToken: null,
      key: null,
      user: null,
      team: null,
      allowedModels: [],
    });
  });
});
