import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { RedisLink } from '../cluster/redis-link';
import type { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import type { PasswordGuess } from './login-throttle';
import { RedisLoginThrottle } from './redis-login-throttle';

/** Runs against the shared Redis on 127.0.0.1:6379 (REDIS_URL), under a prefix of its own. */
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

class FakeClock extends Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
}

async function refusal(
  sut: RedisLoginThrottle,
  guess: PasswordGuess,
): Promise<AppError | undefined> {
  try {
    await sut.take(guess);
    return undefined;
  } catch (error) {
    return error as AppError;
  }
}

/** A port nothing listens on: a Redis that is down. */
function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

describe('RedisLoginThrottle (one Lua script per call, on a real Redis)', () => {
  const limits = { perAccount: 3, perClient: 5, windowMs: 60_000, maxKeys: 1000 };
  const prefix = `gatehouse-test:${randomBytes(6).toString('hex')}:{login}:`;
  let link: RedisLink;
  let clock: FakeClock;
  let sut: RedisLoginThrottle;
  /** A second instance on the same Redis (its own clock object, the same time). */
  let other: RedisLoginThrottle;

  beforeAll(async () => {
    link = new RedisLink({ url: REDIS_URL, failureMode: 'closed' });
    await link.ready();
    if (!link.up) throw new Error(`Redis is not reachable at ${REDIS_URL}`);
  });

  afterAll(async () => {
    const keys = await link.commands.keys(`${prefix}*`);
    if (keys.length > 0) await link.commands.del(...keys);
    await link.close();
  });

  beforeEach(async () => {
    const keys = await link.commands.keys(`${prefix}*`);
    if (keys.length > 0) await link.commands.del(...keys);
    clock = new FakeClock();
    sut = new RedisLoginThrottle(clock, limits, link, prefix);
    other = new RedisLoginThrottle(clock, limits, link, prefix);
  });

  it('charges atomically: 10 parallel guesses over two instances, 3 pass', async () => {
    const guess = { account: 'a@x.io', client: '1.1.1.1' };
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? sut : other).take(guess)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const error = await refusal(other, { account: 'a@x.io', client: '2.2.2.2' });
    expect(error?.status).toBe(429);
    expect(error?.type).toBe('rate_limit_error');
    expect(error?.headers['retry-after']).toBe('60');
  });

  it('unlocks once the attempts leave the window', async () => {
    for (let i = 0; i < 3; i++) await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    clock.ms += 59_000;
    expect((await refusal(other, { account: 'a@x.io' }))?.headers['retry-after']).toBe('1');
    clock.ms += 1_000;
    expect(await refusal(other, { account: 'a@x.io' })).toBeUndefined();
  });

  it('locks a client that sprays many accounts, and only that client', async () => {
    for (let i = 0; i < 5; i++) {
      await (i % 2 ? sut : other).take({ account: `user${i}@x.io`, client: '9.9.9.9' });
    }
    expect((await refusal(sut, { account: 'fresh@x.io', client: '9.9.9.9' }))?.status).toBe(429);
    expect(await refusal(sut, { account: 'fresh@x.io', client: '8.8.8.8' })).toBeUndefined();
  });

  it("forgets the account's attempts and hands the client its slot back after a success", async () => {
    await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    await other.take({ account: 'a@x.io', client: '1.1.1.1' });
    // Same millisecond as the others: the slot handed back is this attempt's, not theirs.
    await other.succeeded(await sut.take({ account: 'a@x.io', client: '1.1.1.1' }));
    await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    expect(await refusal(other, { account: 'a@x.io', client: '3.3.3.3' })).toBeUndefined();
    expect(await refusal(other, { account: 'b@x.io', client: '1.1.1.1' })).toBeUndefined();
    expect((await refusal(other, { account: 'c@x.io', client: '1.1.1.1' }))?.status).toBe(429);
  });

  it('finding 22: counts admin per client, and no typed username reaches that counter', async () => {
    const from = (client: string) => ({ account: 'admin', client, accountPerClient: true });
    for (let i = 0; i < 3; i++) await sut.take(from('6.6.6.6'));
    expect((await refusal(other, from('6.6.6.6')))?.status).toBe(429);
    expect(await refusal(other, from('7.7.7.7'))).toBeUndefined();
    for (let i = 0; i < 3; i++)
      await refusal(sut, { account: 'admin\n5.5.5.5', client: '4.4.4.4' });
    expect(await refusal(sut, from('5.5.5.5'))).toBeUndefined();
  });

  it('keeps no email or address in Redis, and lets every window expire', async () => {
    await sut.take({ account: 'secret@x.io', client: '1.2.3.4' });
    const keys = await link.commands.keys(`${prefix}*`);
    expect(keys).toHaveLength(2);
    expect(keys.join()).not.toMatch(/secret|1\.2\.3\.4/);
    for (const key of keys) {
      const ttl = await link.commands.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(limits.windowMs);
    }
  });

  describe('while Redis is down', () => {
    it('REDIS_FAILURE_MODE=open: counts in process, with the same limits', async () => {
      const down = new RedisLink({
        url: `redis://127.0.0.1:${await deadPort()}`,
        failureMode: 'open',
      });
      try {
        const local = new RedisLoginThrottle(clock, limits, down, prefix);
        for (let i = 0; i < 3; i++) await local.take({ account: 'a@x.io' });
        expect((await refusal(local, { account: 'a@x.io' }))?.status).toBe(429);
        // A success is handed back to where the attempt was counted (here: in process).
        await local.succeeded(await local.take({ account: 'b@x.io' }));
        // Nothing reached the shared windows.
        expect(await refusal(sut, { account: 'a@x.io' })).toBeUndefined();
      } finally {
        await down.close();
      }
    });

    it('REDIS_FAILURE_MODE=closed: 503 service_unavailable / redis_unavailable, at once', async () => {
      const down = new RedisLink({
        url: `redis://127.0.0.1:${await deadPort()}`,
        failureMode: 'closed',
      });
      try {
        const strict = new RedisLoginThrottle(clock, limits, down, prefix);
        const started = Date.now();
        const error = await refusal(strict, { account: 'a@x.io', client: '1.1.1.1' });
        expect(Date.now() - started).toBeLessThan(100);
        expect(error).toMatchObject({
          status: 503,
          type: 'service_unavailable',
          code: 'redis_unavailable',
        });
      } finally {
        await down.close();
      }
    });
  });
});
