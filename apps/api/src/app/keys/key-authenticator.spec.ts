import { sha256Hex } from '../common/crypto/tokens';
import type { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { isKeyPrincipal, KeyAuthenticator } from './key-authenticator';
import type { CachedKey, KeyCache, KeyLookup } from './key-cache';

class FakeClock extends Clock {
  ms = Date.UTC(2026, 0, 1);
  now(): Date {
    return new Date(this.ms);
  }
}

const owner = {
  userId: 'u1',
  email: 'u1@example.com',
  role: 'internal_user' as const,
  models: [],
  maxBudget: null,
  spend: 0,
  budgetDuration: null,
  budgetResetAt: null,
  tpmLimit: null,
  rpmLimit: null,
};

function aKey(fields: Partial<CachedKey> = {}): CachedKey {
  return {
    token: 't1',
    keyName: 'sk-...abcd',
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
    createdByRole: 'proxy_admin',
    owner,
    team: null,
    ...fields,
  };
}

describe('KeyAuthenticator', () => {
  let clock: FakeClock;
  let lookup: KeyLookup;
  let lookupFn: jest.Mock<Promise<KeyLookup>, [string]>;
  let sut: KeyAuthenticator;

  beforeEach(() => {
    clock = new FakeClock();
    lookup = { status: 'active', key: aKey(), graceExpiresAt: null };
    lookupFn = jest.fn((_hash: string) => Promise.resolve(lookup));
    sut = new KeyAuthenticator({ lookup: lookupFn } as unknown as KeyCache, clock);
  });

  const refusal = async (secret = 'sk-secret'): Promise<string> =>
    ((await sut.authenticate(secret).catch((e: unknown) => e)) as AppError).message;

  it('looks the secret up by its SHA-256 and answers with the owner as principal', async () => {
    const { principal, key } = await sut.authenticate('sk-secret');
    expect(lookupFn).toHaveBeenCalledWith(sha256Hex('sk-secret'));
    expect(principal).toEqual({
      method: 'virtual_key',
      userId: 'u1',
      email: 'u1@example.com',
      role: 'internal_user',
      keyToken: 't1',
      keyType: 'default',
      key,
    });
    // The gateway reads the key's limits from the principal without another lookup.
    expect(isKeyPrincipal(principal)).toBe(true);
    expect(key).toBe((lookup as { key: CachedKey }).key);
  });

  it.each([
    // A proxy_admin's key made by an internal_user team admin is no admin credential.
    ['proxy_admin', 'internal_user', 'default', 'internal_user'],
    ['proxy_admin', 'proxy_admin', 'default', 'proxy_admin'],
    ['internal_user', 'proxy_admin', 'default', 'internal_user'],
    ['proxy_admin', 'proxy_admin', 'read_only', 'proxy_admin_viewer'],
  ] as const)(
    'acts with the meet of the owner role (%s) and the maker role (%s), %s key: %s',
    async (ownerRole, createdByRole, keyType, expected) => {
      lookup = {
        status: 'active',
        key: aKey({ owner: { ...owner, role: ownerRole }, createdByRole, keyType }),
        graceExpiresAt: null,
      };
      const { principal } = await sut.authenticate('sk-secret');
      expect(principal.role).toBe(expected);
      expect(principal.keyType).toBe(keyType);
    },
  );

  it('uses the hash the caller already computed (the principal resolver hashes once)', async () => {
    await sut.authenticate('sk-secret', sha256Hex('sk-secret'));
    expect(lookupFn).toHaveBeenCalledTimes(1);
    expect(lookupFn).toHaveBeenCalledWith(sha256Hex('sk-secret'));
  });

  it('refuses with a distinct message for each reason', async () => {
    lookup = { status: 'unknown' };
    expect(await refusal()).toBe('Invalid API key');
    lookup = { status: 'deleted', token: 't1' };
    expect(await refusal()).toBe('API key was deleted');
    lookup = { status: 'active', key: aKey({ blocked: true }), graceExpiresAt: null };
    expect(await refusal()).toBe('API key is blocked');
    lookup = { status: 'active', key: aKey({ expires: clock.ms }), graceExpiresAt: null };
    expect(await refusal()).toBe('API key expired');
    lookup = { status: 'active', key: aKey({ owner: null }), graceExpiresAt: null };
    expect(await refusal()).toBe('Invalid API key');
  });

  it('refuses a team key whose team is blocked, or whose team row is gone', async () => {
    const team = {
      teamId: 'team-1',
      blocked: false,
      models: [],
      maxBudget: null,
      spend: 0,
      tpmLimit: null,
      rpmLimit: null,
    };
    lookup = { status: 'active', key: aKey({ teamId: 'team-1', team }), graceExpiresAt: null };
    await expect(sut.authenticate('sk-secret')).resolves.toBeDefined();
    lookup = {
      status: 'active',
      key: aKey({ teamId: 'team-1', team: { ...team, blocked: true } }),
      graceExpiresAt: null,
    };
    expect(await refusal()).toBe('Team is blocked');
    lookup = {
      status: 'active',
      key: aKey({ teamId: 'team-1', team: null }),
      graceExpiresAt: null,
    };
    expect(await refusal()).toBe('Invalid API key');
  });

  it('accepts an old secret during its grace period only', async () => {
    lookup = { status: 'active', key: aKey(), graceExpiresAt: clock.ms + 1000 };
    await expect(sut.authenticate('sk-old')).resolves.toBeDefined();
    clock.ms += 1000;
    expect(await refusal('sk-old')).toBe('API key was regenerated; use the new key');
  });

  it('never looks up something that is not an sk- secret', async () => {
    expect(await refusal('0'.repeat(64))).toBe('Invalid API key');
    expect(lookupFn).not.toHaveBeenCalled();
  });
});
