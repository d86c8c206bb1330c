import type { HealthModelsResponse } from '@gatehouse/shared/dto';
import type { ServerResponse } from 'node:http';
import type { Response } from 'supertest';
import { master } from '../support/callers';
import { eventually, startCluster, waitFor, type Cluster, type Instance } from '../support/cluster';
import { MOCK_USAGE, startMockUpstream, type MockUpstream } from '../support/mock-upstream';

/**
 * Issue 16 across instances: three processes of the built API on one PostgreSQL schema and a
 * private Redis, models on a loopback mock upstream. A cooldown decided on one instance holds
 * on all of them, and usage-based-routing keeps a deployment within its own rpm over the
 * cluster (not per instance); with Redis gone, each failure mode does what it says.
 *
 * ROUTING_STRATEGY=usage-based-routing throughout: deployments without rpm/tpm are picked at
 * random among themselves (their share is 0), so the cooldown tests see a shuffle.
 */

const ROUTER_ENV = {
  ROUTING_STRATEGY: 'usage-based-routing',
  NUM_RETRIES: '1',
  ALLOWED_FAILS: '2',
  COOLDOWN_TIME: '1.5',
};

let nonce = 0;
const chat = (model: string): object => ({
  model,
  max_tokens: 5,
  messages: [{ role: 'user', content: `hi ${nonce++}` }],
});

/** One deployment of `name` on the mock, called upstream as `upstreamId`; its id back. */
async function deploy(
  instance: Instance,
  name: string,
  upstream: MockUpstream,
  upstreamId: string,
  params: Record<string, unknown> = {},
): Promise<string> {
  const res = await master(instance)
    .post('/model/new', {
      model_name: name,
      litellm_params: { model: `openai/${upstreamId}`, api_base: upstream.url, ...params },
      model_info: { input_cost_per_token: 0, output_cost_per_token: 0 },
    })
    .expect(200);
  return (res.body as { model_info: { id: string } }).model_info.id;
}

/** Until every instance routes to all `count` deployments of `name`. */
async function seenEverywhere(c: Cluster, name: string, count: number): Promise<void> {
  for (const instance of c.instances) {
    await eventually(async () => {
      const res = await master(instance).get('/health/models').expect(200);
      const body = res.body as HealthModelsResponse;
      expect(body.data.filter((d) => d.model_name === name)).toHaveLength(count);
    }, 2000);
  }
}

function call(instance: Instance, model: string): Promise<Response> {
  return master(instance).post('/v1/chat/completions', chat(model));
}

async function health(instance: Instance, id: string) {
  const res = await master(instance).get('/health/models').expect(200);
  const row = (res.body as HealthModelsResponse).data.find((d) => d.model_id === id);
  if (!row) throw new Error(`${id} not on /health/models of ${instance.name}`);
  return row;
}

function statuses(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/** Every answer is one of these statuses (no 5xx but the documented 503). */
function expectOnly(responses: Response[], allowed: number[]): void {
  const bad = responses.find((r) => !allowed.includes(r.status));
  if (bad) throw new Error(`status ${bad.status}: ${JSON.stringify(bad.body)}`);
}

/** Scripts run in this Redis so far (the router's pick is one; nothing else evaluates here). */
async function scriptCalls(c: Cluster): Promise<number> {
  const stats = (await c.redis?.cli('INFO', 'commandstats')) ?? '';
  let total = 0;
  for (const m of stats.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)) total += Number(m[1]);
  return total;
}

/**
 * Waits, if need be, for a fresh minute (usage windows are per minute): the assertions that
 * follow must happen within one window, and `needMs` is how long they take at most.
 */
async function withinOneMinute(needMs: number): Promise<void> {
  if (60_000 - (Date.now() % 60_000) > needMs) return;
  const minute = Math.floor(Date.now() / 60_000);
  await waitFor('the next minute', () => Math.floor(Date.now() / 60_000) > minute, needMs + 1000);
}

function answer500(res: ServerResponse): void {
  res.writeHead(500, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: 'mock outage', type: 'mock_error' } }));
}

async function redisBackEverywhere(c: Cluster): Promise<void> {
  await waitFor(
    'Redis to answer every instance',
    async () => {
      for (const i of c.instances) {
        const res = await i.http.get('/health/readiness');
        if (res.body.redis !== 'ok') return false;
      }
      return true;
    },
    10_000,
  );
}

describe('issue 16: the router over 3 instances (usage-based-routing, REDIS_FAILURE_MODE=open)', () => {
  let c: Cluster;
  let upstream: MockUpstream;
  let a: Instance;
  let b: Instance;
  let cc: Instance;
  /** Upstream ids that answer 500 while listed here. */
  const failing = new Set<string>();
  const hits = (upstreamId: string): number =>
    upstream.received.filter((r) => r.body['model'] === upstreamId).length;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    upstream.respond = ({ model }, res) => {
      if (!failing.has(model)) return false;
      answer500(res);
      return true;
    };
    c = await startCluster({ instances: 3, env: ROUTER_ENV });
    [a, b, cc] = c.instances;
  }, 120_000);

  afterAll(async () => {
    await c?.close();
    await upstream?.close();
  });

  it('failures seen on A cool the deployment down on B and C within 1 s; it comes back on all', async () => {
    await deploy(a, 'flaky-model', upstream, 'steady');
    const flaky = await deploy(a, 'flaky-model', upstream, 'flaky');
    await seenEverywhere(c, 'flaky-model', 2);
    failing.add('flaky');

    // Only A sends, until the flaky deployment failed allowed_fails + 1 = 3 times (each of
    // those calls is retried on the steady one: the callers never see the outage).
    for (let i = 0; i < 60 && hits('flaky') < 3; i++) {
      expect((await call(a, 'flaky-model')).status).toBe(200);
    }
    expect(hits('flaky')).toBe(3);
    const onA = await health(a, flaky);
    expect(onA.status).toBe('cooling_down');
    for (const other of [b, cc]) {
      const ms = await eventually(async () => {
        expect(await health(other, flaky)).toMatchObject({
          status: 'cooling_down',
          cooldown_until: onA.cooldown_until,
        });
      });
      expect(ms).toBeLessThan(1000);
    }
    // B and C send it nothing while it cools down.
    const during = await Promise.all(
      Array.from({ length: 18 }, (_, i) => call(c.at(i), 'flaky-model')),
    );
    expect(statuses(during)).toEqual({ 200: 18 });
    expect(hits('flaky')).toBe(3);

    // It recovers; after cooldown_time every instance sends to it again.
    failing.delete('flaky');
    for (const instance of c.instances) {
      await waitFor(
        `${instance.name} to end the cooldown`,
        async () => (await health(instance, flaky)).status === 'healthy',
        3000,
      );
    }
    for (const instance of [b, cc, a]) {
      const before = hits('flaky');
      for (let i = 0; i < 40 && hits('flaky') === before; i++) {
        expect((await call(instance, 'flaky-model')).status).toBe(200);
      }
      expect(hits('flaky')).toBe(before + 1);
    }
  });

  it('every deployment cooling down: 503 with Retry-After on every instance, nothing sent', async () => {
    await deploy(a, 'doomed', upstream, 'doomed-1');
    await deploy(a, 'doomed', upstream, 'doomed-2');
    await seenEverywhere(c, 'doomed', 2);
    failing.add('doomed-1');
    failing.add('doomed-2');
    let last: Response | null = null;
    for (let i = 0; i < 10 && last?.status !== 503; i++) last = await call(a, 'doomed');
    expect(last?.status).toBe(503);
    const sent = hits('doomed-1') + hits('doomed-2');
    expect(sent).toBe(6); // allowed_fails + 1 each
    for (const instance of c.instances) {
      await eventually(async () => {
        const res = await call(instance, 'doomed');
        expect(res.status).toBe(503);
        expect(res.body.error).toMatchObject({
          type: 'service_unavailable',
          code: 'no_deployments_available',
        });
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(2);
      });
    }
    expect(hits('doomed-1') + hits('doomed-2')).toBe(sent);
  });

  it('usage-based-routing: rpm 10 + rpm 5 over 3 instances get exactly 10 and 5, then the 429', async () => {
    // Unlimited deployments cost no Redis call: the free model's calls run no script.
    await deploy(a, 'free', upstream, 'free-1');
    await deploy(a, 'free', upstream, 'free-2');
    await seenEverywhere(c, 'free', 2);
    const scriptsBefore = await scriptCalls(c);
    const free = await Promise.all(Array.from({ length: 9 }, (_, i) => call(c.at(i), 'free')));
    expect(statuses(free)).toEqual({ 200: 9 });
    expect(await scriptCalls(c)).toBe(scriptsBefore);

    const ten = await deploy(a, 'metered', upstream, 'metered-ten', { rpm: 10 });
    await deploy(a, 'metered', upstream, 'metered-five', { rpm: 5 });
    await seenEverywhere(c, 'metered', 2);
    await withinOneMinute(10_000);
    const burst = await Promise.all(Array.from({ length: 21 }, (_, i) => call(c.at(i), 'metered')));
    const minute = Math.floor(Date.now() / 60_000);
    expect([hits('metered-ten'), hits('metered-five')]).toEqual([10, 5]);
    expect(statuses(burst)).toEqual({ 200: 15, 429: 6 });
    // The shared window holds the calls' actual tokens once settled (the mock's 15 each), not
    // the estimates counted at the pick.
    await eventually(async () => {
      const counters = await c.redis?.cli('HGETALL', `gatehouse:{router}:u:${ten}:${minute}`);
      expect(counters?.split('\n')).toEqual([
        'req',
        '10',
        'tok',
        String(10 * MOCK_USAGE.total_tokens),
      ]);
    });
    const refused = burst.find((r) => r.status === 429) as Response;
    expect(refused.body.error).toMatchObject({
      type: 'rate_limit_error',
      code: 'no_deployments_available',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Each pick was one script call, each settled call at most one more (and each instance's
    // first use of a script an EVALSHA that finds none plus its EVAL: at most 2 × 2 × 3).
    const scripts = (await scriptCalls(c)) - scriptsBefore;
    expect(scripts).toBeGreaterThanOrEqual(21);
    expect(scripts).toBeLessThanOrEqual(21 + 15 + 12);
  });

  it('Redis killed: per-instance counting (no 5xx, metric counted), exact again once it is back', async () => {
    const redis = c.redis;
    if (!redis) throw new Error('no redis');
    await deploy(a, 'outage', upstream, 'outage-1', { rpm: 4 });
    await deploy(a, 'outage', upstream, 'outage-2', { tpm: 100_000 });
    await deploy(a, 'outage-free', upstream, 'outage-free');
    await seenEverywhere(c, 'outage', 2);
    await seenEverywhere(c, 'outage-free', 1);
    expectOnly(await Promise.all([0, 1, 2].map((i) => call(c.at(i), 'outage'))), [200]);
    await redis.kill();
    const during = await Promise.all(Array.from({ length: 12 }, (_, i) => call(c.at(i), 'outage')));
    expectOnly(during, [200, 429]);
    const unlimited = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call(c.at(i), 'outage-free')),
    );
    expect(statuses(unlimited)).toEqual({ 200: 6 });
    for (const instance of c.instances) {
      const metrics = await master(instance).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^gatehouse_router_usage_fallback_total [1-9]/m);
    }
    await redis.restart();
    await redisBackEverywhere(c);

    await deploy(a, 'metered-again', upstream, 'again-four', { rpm: 4 });
    await deploy(a, 'metered-again', upstream, 'again-two', { rpm: 2 });
    await seenEverywhere(c, 'metered-again', 2);
    await withinOneMinute(10_000);
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(c.at(i), 'metered-again')),
    );
    expect([hits('again-four'), hits('again-two')]).toEqual([4, 2]);
    expect(statuses(burst)).toEqual({ 200: 6, 429: 6 });
  }, 60_000);
});

describe('issue 16: usage-based-routing with REDIS_FAILURE_MODE=closed', () => {
  let c: Cluster;
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    c = await startCluster({
      instances: 2,
      env: { ...ROUTER_ENV, REDIS_FAILURE_MODE: 'closed' },
    });
    await deploy(c.instances[0], 'metered', upstream, 'closed-ten', { rpm: 10 });
    await deploy(c.instances[0], 'free', upstream, 'closed-free');
    await seenEverywhere(c, 'metered', 1);
    await seenEverywhere(c, 'free', 1);
  }, 120_000);

  afterAll(async () => {
    await c?.close();
    await upstream?.close();
  });

  it('Redis gone: the documented 503 redis_unavailable with Retry-After, nothing sent; serves once back', async () => {
    // (With the spend journal on Redis, closed mode refuses every data-plane call before the
    // router; the router's own refusal, for an outage it meets first, is in its unit spec.)
    const redis = c.redis;
    if (!redis) throw new Error('no redis');
    expect((await call(c.at(0), 'metered')).status).toBe(200);
    await redis.kill();
    const sent = upstream.received.length;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call(c.at(i), i % 2 === 0 ? 'metered' : 'free')),
    );
    expect(statuses(results)).toEqual({ 503: 8 });
    for (const res of results) {
      expect(res.body.error).toMatchObject({
        type: 'service_unavailable',
        code: 'redis_unavailable',
      });
      expect(res.headers['retry-after']).toBe('1');
    }
    expect(upstream.received.length).toBe(sent);
    await redis.restart();
    await redisBackEverywhere(c);
    const back = await Promise.all(
      Array.from({ length: 4 }, (_, i) => call(c.at(i), i % 2 === 0 ? 'metered' : 'free')),
    );
    expect(statuses(back)).toEqual({ 200: 4 });
  }, 60_000);
});
