import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { RedisLink } from '../../cluster/redis-link';
import type { AppError } from '../../common/errors/app-error';
import { MINUTE_MS } from './deployment-states';
import { LocalDeploymentUsage, RedisDeploymentUsage } from './deployment-usage';
import { usagePick, type Candidate, type UsageRow } from './strategies';
import { aCandidate, seeded } from './router-testing';

/** Runs against the shared Redis on 127.0.0.1:6379 (REDIS_URL), under a prefix of its own. */
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** Nothing listens on port 9 (discard): a Redis that never answers. */
const DEAD_URL = 'redis://127.0.0.1:9';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 10);
const MINUTE = Math.floor(NOW / MINUTE_MS);

interface Case {
  name: string;
  rows: UsageRow[];
  tokens: number;
  r: number;
}

const row = (requests: number, tokens: number, rpm: number | null, tpm: number | null) => ({
  requests,
  tokens,
  rpm,
  tpm,
});

/** Hand-picked edges, then a few hundred seeded random pools. */
function cases(): Case[] {
  const list: Case[] = [
    { name: 'one free', rows: [row(0, 0, 10, null)], tokens: 5, r: 0.3 },
    { name: 'rpm full', rows: [row(10, 0, 10, null)], tokens: 5, r: 0.3 },
    { name: 'rpm one left', rows: [row(9, 0, 10, null)], tokens: 5, r: 0.9 },
    { name: 'tpm exactly fits', rows: [row(1, 90, null, 100)], tokens: 10, r: 0 },
    { name: 'tpm one over', rows: [row(1, 90, null, 100)], tokens: 11, r: 0 },
    {
      name: 'least share wins',
      rows: [row(0, 500, null, 1000), row(0, 20, null, 100)],
      tokens: 1,
      r: 0,
    },
    {
      name: 'tpm share over rpm share',
      rows: [row(9, 10, 10, 1000), row(1, 500, 10, 1000)],
      tokens: 1,
      r: 0,
    },
    { name: 'tie, first', rows: [row(2, 0, 10, null), row(2, 0, 10, null)], tokens: 1, r: 0.49 },
    { name: 'tie, second', rows: [row(2, 0, 10, null), row(2, 0, 10, null)], tokens: 1, r: 0.5 },
    {
      name: 'unlimited ties with unused',
      rows: [row(5, 5, null, null), row(0, 0, 10, null)],
      tokens: 1,
      r: 0.99,
    },
    {
      name: 'unlimited beats used',
      rows: [row(1, 0, 10, null), row(50, 50, null, null)],
      tokens: 1,
      r: 0.99,
    },
    { name: 'limit 0', rows: [row(0, 0, 0, null), row(0, 0, null, 0)], tokens: 0, r: 0.2 },
    { name: 'all full', rows: [row(3, 0, 3, null), row(0, 99, null, 100)], tokens: 2, r: 0.5 },
    {
      name: 'thirds',
      rows: [row(1, 0, 3, null), row(2, 0, 6, null), row(3, 0, 9, null)],
      tokens: 1,
      r: 0.7,
    },
  ];
  const random = seeded(16);
  const maybe = (p: number, v: () => number): number | null => (random() < p ? v() : null);
  for (let i = 0; i < 300; i += 1) {
    const size = 1 + Math.floor(random() * 5);
    const rows = Array.from({ length: size }, () => {
      const rpm = maybe(0.6, () => Math.floor(random() * 6));
      const tpm = maybe(0.5, () => Math.floor(random() * 200));
      return row(Math.floor(random() * 7), Math.floor(random() * 220), rpm, tpm);
    });
    list.push({ name: `random ${i}`, rows, tokens: Math.floor(random() * 40), r: random() });
  }
  return list;
}

describe('usage-based-routing across instances (TAKE / SETTLE_TOKENS on a real Redis)', () => {
  let link: RedisLink;
  let prefix: string;
  let n = 0;

  const sut = (on = link): RedisDeploymentUsage =>
    new RedisDeploymentUsage(on, { prefix, registry: new Registry() });
  const counters = async (id: string, minute = MINUTE): Promise<Record<string, string>> =>
    link.commands.hgetall(`${prefix}u:${id}:${minute}`);

  beforeAll(async () => {
    link = new RedisLink({ url: REDIS_URL, failureMode: 'closed' });
    await link.ready();
    if (!link.up) throw new Error(`Redis is not reachable at ${REDIS_URL}`);
  });

  afterAll(() => link.close());

  beforeEach(() => {
    prefix = `gatehouse-test:${randomBytes(6).toString('hex')}:{router}:`;
  });

  afterEach(async () => {
    const keys = await link.commands.keys(`${prefix}*`);
    if (keys.length > 0) await link.commands.del(...keys);
  });

  it('the script and usagePick choose the same deployment on every case (314 cases)', async () => {
    const usage = sut();
    const all = cases();
    for (const c of all) {
      const pool = c.rows.map((r, i) => aCandidate(`c${n}-${i}`, { rpm: r.rpm, tpm: r.tpm }));
      n += 1;
      // The shared counters hold the row's usage (only limited deployments have any).
      for (const [i, r] of c.rows.entries()) {
        if (r.rpm === null && r.tpm === null) continue;
        await link.commands.hset(
          `${prefix}u:${pool[i].deployment.id}:${MINUTE}`,
          'req',
          r.requests,
          'tok',
          r.tokens,
        );
      }
      const expected = usagePick(c.rows, c.tokens, c.r);
      const picked = await usage.take(pool, c.tokens, NOW, c.r);
      const index =
        picked === null ? -1 : pool.findIndex((p) => p.deployment.id === picked.deployment.id);
      expect({ case: c.name, index }).toEqual({ case: c.name, index: expected });
    }
    // Not a trivial agreement: picks, refusals and ties all occur.
    const outcomes = all.map((c) => usagePick(c.rows, c.tokens, c.r));
    expect(outcomes.filter((i) => i < 0).length).toBeGreaterThan(20);
    expect(outcomes.filter((i) => i > 0).length).toBeGreaterThan(20);
  });

  it('takes the slot on the chosen deployment only: requests, estimated tokens, a 2-minute ttl', async () => {
    const usage = sut();
    const [a, b, free] = [
      aCandidate('a', { rpm: 2 }),
      aCandidate('b', { tpm: 1000 }),
      aCandidate('f'),
    ];
    await link.commands.hset(`${prefix}u:b:${MINUTE}`, 'req', 0, 'tok', 999);
    const picked = await usage.take([a, b, free], 30, NOW, 0);
    // a (share 0) ties with the unlimited one; r = 0 takes the first of the ties.
    expect(picked?.deployment.id).toBe('a');
    expect(picked?.sharedKey).toBe(`${prefix}u:a:${MINUTE}`);
    expect(await counters('a')).toEqual({ req: '1', tok: '30' });
    expect(await counters('b')).toEqual({ req: '0', tok: '999' });
    const ttl = await link.commands.pttl(`${prefix}u:a:${MINUTE}`);
    expect(ttl).toBeGreaterThan(MINUTE_MS);
    expect(ttl).toBeLessThanOrEqual(2 * MINUTE_MS);
    // The unlimited one chosen: nothing written for it, and no shared key to settle.
    const unlimited = await usage.take([a, free], 30, NOW, 0.99);
    expect(unlimited).toBe(free);
    expect(await link.commands.exists(`${prefix}u:f:${MINUTE}`)).toBe(0);
  });

  it('is exact over three instances: 24 concurrent picks at rpm 10 + rpm 5 → 10, 5 and 9 refusals', async () => {
    const links = [
      link,
      ...[1, 2].map(() => new RedisLink({ url: REDIS_URL, failureMode: 'closed' })),
    ];
    try {
      await Promise.all(links.map((l) => l.ready()));
      const instances = links.map((l) => sut(l));
      const random = seeded(3);
      const picks = await Promise.all(
        Array.from({ length: 24 }, async (_, i) =>
          instances[i % 3].take(
            [aCandidate('ten', { rpm: 10 }), aCandidate('five', { rpm: 5 })],
            1,
            NOW,
            random(),
          ),
        ),
      );
      const ids = picks.map((p) => p?.deployment.id ?? 'refused');
      expect(ids.filter((id) => id === 'ten')).toHaveLength(10);
      expect(ids.filter((id) => id === 'five')).toHaveLength(5);
      expect(ids.filter((id) => id === 'refused')).toHaveLength(9);
      // The next minute starts empty.
      const next = await instances[1].take([aCandidate('ten', { rpm: 10 })], 1, NOW + MINUTE_MS, 0);
      expect(next?.deployment.id).toBe('ten');
    } finally {
      await Promise.all(links.slice(1).map((l) => l.close()));
    }
  });

  it('a settled call puts its actual tokens in place of the estimate, in the minute it was taken', async () => {
    const usage = sut();
    const picked = await usage.take([aCandidate('t', { tpm: 1000 })], 400, NOW, 0);
    expect(picked).not.toBeNull();
    usage.settle(picked as Candidate, 15 - 400);
    await link.commands.ping(); // one connection: the settle ran before the ping answered
    expect(await counters('t')).toEqual({ req: '1', tok: '15' });
    // A window that expired is not brought back (no key without a ttl).
    await link.commands.del(`${prefix}u:t:${MINUTE}`);
    usage.settle(picked as Candidate, 10);
    await link.commands.ping();
    expect(await link.commands.exists(`${prefix}u:t:${MINUTE}`)).toBe(0);
  });

  it('a pool without rpm/tpm never touches Redis (answers at once, even with Redis down)', () => {
    const dead = new RedisLink({ url: DEAD_URL, failureMode: 'closed' });
    try {
      const pool = [aCandidate('x'), aCandidate('y')];
      const picked = sut(dead).take(pool, 10, NOW, 0.7);
      expect(picked).toBe(pool[1]);
    } finally {
      void dead.close();
    }
  });

  it('Redis down, REDIS_FAILURE_MODE=closed: rejects with 503 redis_unavailable', async () => {
    const dead = new RedisLink({ url: DEAD_URL, failureMode: 'closed' });
    try {
      const error = await Promise.resolve(
        sut(dead).take([aCandidate('x', { rpm: 10 })], 1, NOW, 0),
      ).then(
        () => null,
        (e: unknown) => e as AppError,
      );
      expect(error?.status).toBe(503);
      expect(error?.code).toBe('redis_unavailable');
      expect(error?.headers['retry-after']).toBe('1');
    } finally {
      await dead.close();
    }
  });

  it('Redis down, REDIS_FAILURE_MODE=open: picks by this instance’s counters, counted in the metric', async () => {
    const dead = new RedisLink({ url: DEAD_URL, failureMode: 'open' });
    const registry = new Registry();
    const usage = new RedisDeploymentUsage(dead, { prefix, registry });
    try {
      const full = aCandidate('full', { rpm: 2 });
      full.state.minuteRequests = 2;
      const open = aCandidate('open', { rpm: 2 });
      expect((await usage.take([full, open], 1, NOW, 0))?.deployment.id).toBe('open');
      open.state.minuteRequests = 2;
      expect(await usage.take([full, open], 1, NOW, 0)).toBeNull();
      const metric = await registry.getSingleMetricAsString(
        'gatehouse_router_usage_fallback_total',
      );
      expect(metric).toMatch(/^gatehouse_router_usage_fallback_total 2$/m);
    } finally {
      usage.onModuleDestroy();
      await dead.close();
    }
  });

  it('without REDIS_URL the local usage decides by this instance’s counters with the same rule', () => {
    const local = new LocalDeploymentUsage();
    const a = aCandidate('a', { tpm: 100 });
    const b = aCandidate('b', { tpm: 1000 });
    a.state.minuteTokens = 20;
    b.state.minuteTokens = 500;
    expect(local.take([a, b], 1, NOW, 0)).toBe(a);
    a.state.minuteTokens = 100;
    expect(local.take([a, b], 1, NOW, 0)).toBe(b);
  });
});
