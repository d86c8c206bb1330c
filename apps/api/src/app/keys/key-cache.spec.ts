import { Clock } from '../common/time/clock';
import {
  InMemoryKeyCache,
  KeyInvalidationBus,
  type CachedKey,
  type KeyInvalidation,
  type KeyLookup,
  type KeyLookupSource,
} from './key-cache';

class FakeClock extends Clock {
  ms = Date.UTC(2026, 0, 1);
  now(): Date {
    return new Date(this.ms);
  }
}

class FakeBus extends KeyInvalidationBus {
  published: KeyInvalidation[] = [];
  handler: ((message: KeyInvalidation) => void) | null = null;
  publish(message: KeyInvalidation): void {
    this.published.push(message);
  }
  onRemote(handler: (message: KeyInvalidation) => void): void {
    this.handler = handler;
  }
}

function aCachedKey(token: string, userId = 'u1', teamId: string | null = null): CachedKey {
  return {
    token,
    keyName: 'sk-...abcd',
    keyAlias: null,
    userId,
    teamId,
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
    owner: null,
    team: null,
  };
}

describe('InMemoryKeyCache', () => {
  let clock: FakeClock;
  let bus: FakeBus;
  let rows: Map<string, KeyLookup>;
  let load: jest.Mock<Promise<KeyLookup>, [string]>;
  let sut: InMemoryKeyCache;

  beforeEach(() => {
    clock = new FakeClock();
    bus = new FakeBus();
    rows = new Map([
      ['h1', { status: 'active', key: aCachedKey('t1'), graceExpiresAt: null }],
      ['h2', { status: 'active', key: aCachedKey('t2', 'u2', 'team-2'), graceExpiresAt: null }],
      ['h-old', { status: 'active', key: aCachedKey('t1'), graceExpiresAt: clock.ms + 1000 }],
    ]);
    load = jest.fn((hash: string) =>
      Promise.resolve<KeyLookup>(rows.get(hash) ?? { status: 'unknown' }),
    );
    const source = { load } as unknown as KeyLookupSource;
    sut = new InMemoryKeyCache(source, clock, bus, {
      maxEntries: 100,
      ttlMs: 600_000,
      maxNegativeEntries: 3,
      negativeTtlMs: 30_000,
    });
  });

  it('loads a miss once and answers later lookups from memory', async () => {
    await sut.lookup('h1');
    await sut.lookup('h1');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads concurrent misses of one hash once', async () => {
    await Promise.all([sut.lookup('h1'), sut.lookup('h1'), sut.lookup('h1')]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('remembers unknown hashes for the negative TTL, in a bounded LRU', async () => {
    await sut.lookup('nope');
    await sut.lookup('nope');
    expect(load).toHaveBeenCalledTimes(1);
    clock.ms += 30_001;
    await sut.lookup('nope');
    expect(load).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 50; i++) await sut.lookup(`spray-${i}`);
    expect(sut.sizes().missing).toBe(3);
  });

  it('keeps found keys when random hashes are sprayed', async () => {
    await sut.lookup('h1');
    for (let i = 0; i < 50; i++) await sut.lookup(`spray-${i}`);
    await sut.lookup('h1');
    expect(load.mock.calls.filter(([hash]) => hash === 'h1')).toHaveLength(1);
  });

  it('forgets every hash of a token (current and old secret) and publishes it', async () => {
    await sut.lookup('h1');
    await sut.lookup('h-old');
    await sut.lookup('h2');
    sut.invalidateToken('t1');
    expect(bus.published).toEqual([{ kind: 'token', token: 't1' }]);
    await sut.lookup('h1');
    await sut.lookup('h-old');
    await sut.lookup('h2');
    expect(load).toHaveBeenCalledTimes(5);
  });

  it("forgets a user's keys", async () => {
    await sut.lookup('h1');
    await sut.lookup('h2');
    sut.invalidateUser('u2');
    await sut.lookup('h1');
    await sut.lookup('h2');
    expect(load.mock.calls.map(([hash]) => hash)).toEqual(['h1', 'h2', 'h2']);
  });

  it("forgets a team's keys and publishes it", async () => {
    await sut.lookup('h1');
    await sut.lookup('h2');
    sut.invalidateTeam('team-2');
    expect(bus.published).toEqual([{ kind: 'team', teamId: 'team-2' }]);
    await sut.lookup('h1');
    await sut.lookup('h2');
    expect(load.mock.calls.map(([hash]) => hash)).toEqual(['h1', 'h2', 'h2']);
  });

  it('applies invalidations from other instances without publishing them again', async () => {
    await sut.lookup('h1');
    bus.handler?.({ kind: 'token', token: 't1' });
    await sut.lookup('h1');
    expect(load).toHaveBeenCalledTimes(2);
    expect(bus.published).toEqual([]);
  });

  it('does not cache a load that raced an invalidation', async () => {
    let release: (value: KeyLookup) => void = () => undefined;
    load.mockImplementationOnce(() => new Promise<KeyLookup>((resolve) => (release = resolve)));
    const pending = sut.lookup('h1');
    sut.invalidateToken('t1');
    release({ status: 'active', key: aCachedKey('t1'), graceExpiresAt: null });
    await pending;
    await sut.lookup('h1');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('trusts found keys only for the TTL', async () => {
    await sut.lookup('h1');
    clock.ms += 600_001;
    await sut.lookup('h1');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
