import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { RedisLink } from '../../cluster/redis-link';
import { RedisResponseCache } from './redis-response-cache';
import type { CachedResponse } from './response-cache';

/** Runs against the shared Redis on 127.0.0.1:6379 (REDIS_URL), under a prefix of its own. */
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const answer = (text = '{"choices":[]}'): CachedResponse => ({
  text,
  promptTokens: 10,
  completionTokens: 5,
  costNanos: 20,
});

function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

/** Until a fire-and-forget write has landed. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await check()); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('RedisResponseCache (on a real Redis)', () => {
  const prefix = `gatehouse-test:${randomBytes(6).toString('hex')}:cache:`;
  let link: RedisLink;

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

  it('an entry set by one instance is a hit on another, with its TTL in Redis', async () => {
    const a = new RedisResponseCache(link, 1024, prefix);
    const b = new RedisResponseCache(link, 1024, prefix);
    a.set('k1', answer(), 60_000);
    await until(async () => (await b.get('k1')) !== null);
    expect(await b.get('k1')).toEqual(answer());
    const ttl = await link.commands.pttl(`${prefix}k1`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    b.delete('k1');
    await until(async () => (await a.get('k1')) === null);
    expect(await a.get('k1')).toBeNull();
  });

  it('expires with PX', async () => {
    const sut = new RedisResponseCache(link, 1024, prefix);
    sut.set('short', answer(), 30);
    await new Promise((r) => setTimeout(r, 80));
    expect(await sut.get('short')).toBeNull();
  });

  it('does not store an entry over the size cap', async () => {
    const sut = new RedisResponseCache(link, 1024, prefix);
    sut.set('big', answer('x'.repeat(2000)), 60_000);
    sut.set('small', answer('x'.repeat(100)), 60_000);
    await until(async () => (await sut.get('small')) !== null);
    expect(await link.commands.exists(`${prefix}big`)).toBe(0);
  });

  it('a malformed entry is a miss', async () => {
    const sut = new RedisResponseCache(link, 1024, prefix);
    await link.commands.set(`${prefix}bad`, 'not json');
    await link.commands.set(`${prefix}shape`, '{"text":1}');
    expect(await sut.get('bad')).toBeNull();
    expect(await sut.get('shape')).toBeNull();
    // The wire format of a /v1/messages answer: kept, and only a known one.
    const format = { ...answer('{"type":"message","content":[]}'), format: 'anthropic' as const };
    sut.set('format', format, 60_000);
    await until(async () => (await sut.get('format')) !== null);
    expect(await sut.get('format')).toEqual(format);
    await link.commands.set(`${prefix}odd`, JSON.stringify({ ...answer(), format: 'xml' }));
    expect(await sut.get('odd')).toBeNull();
  });

  it('a Redis that does not answer is a miss, and set/delete do not throw', async () => {
    const dead = new RedisLink({
      url: `redis://127.0.0.1:${await deadPort()}`,
      failureMode: 'closed',
    });
    try {
      const sut = new RedisResponseCache(dead, 1024, prefix);
      expect(await sut.get('k1')).toBeNull();
      expect(() => sut.set('k1', answer(), 1000)).not.toThrow();
      expect(() => sut.delete('k1')).not.toThrow();
    } finally {
      await dead.close();
    }
  });
});
