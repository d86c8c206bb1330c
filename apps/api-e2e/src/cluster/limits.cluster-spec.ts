import type { GenerateKeyResponse } from '@gatehouse/shared/dto';
import type { Response } from 'supertest';
import { bearer, createTeam, createUser, master } from '../support/callers';
import { eventually, startCluster, waitFor, type Cluster, type Instance } from '../support/cluster';
import { MOCK_USAGE, startMockUpstream, type MockUpstream } from '../support/mock-upstream';

/**
 * Issue 12: every limit exact on 3 instances (one PostgreSQL schema, one private Redis), with
 * real virtual keys made through the API and the mock upstream on loopback. Each call costs
 * exactly $0.02 (the mock's usage: 10 prompt tokens at $0.001, 5 completion at $0.002).
 */

const CALL_USD = 0.02;
const PRICES = { input_cost_per_token: 0.001, output_cost_per_token: 0.002 };
let nonce = 0;

/** A distinct chat (no cache hit between them) with a small completion limit. */
const chat = (model: string): object => ({
  model,
  max_tokens: 5,
  messages: [{ role: 'user', content: `hi ${nonce++}` }],
});

async function addModel(
  instance: Instance,
  name: string,
  upstream: MockUpstream,
  info: object = {},
): Promise<void> {
  await master(instance)
    .post('/model/new', {
      model_name: name,
      litellm_params: { model: `openai/${name}`, api_base: upstream.url },
      model_info: { ...PRICES, ...info },
    })
    .expect(200);
}

async function newKey(c: Cluster, fields: object): Promise<string> {
  const owner = await createUser(c.instances[0], 'internal_user');
  const res = await master(c.instances[0])
    .post('/key/generate', { user_id: owner.user_id, ...fields })
    .expect(200);
  return (res.body as GenerateKeyResponse).key;
}

function call(instance: Instance, key: string, model: string): Promise<Response> {
  return bearer(instance, key).post('/v1/chat/completions', chat(model));
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

async function keySpendUsd(c: Cluster, key: string): Promise<number> {
  const res = await master(c.instances[0]).get(`/key/info?key=${key}`).expect(200);
  return (res.body as { info: { spend: number } }).info.spend;
}

describe('issue 12: limits exact over 3 instances (REDIS_FAILURE_MODE=open)', () => {
  let c: Cluster;
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    // A slow model for the parallel limit: answers after 400 ms.
    upstream.respond = (request, res) => {
      if (request.model !== 'slow') return false;
      setTimeout(() => {
        const text = JSON.stringify({
          id: 'chatcmpl-slow',
          object: 'chat.completion',
          created: 1,
          model: 'slow',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' },
          ],
          usage: MOCK_USAGE,
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text);
      }, 400);
      return true;
    };
    // Budget periods of seconds, so that a reset happens within the spec.
    c = await startCluster({ instances: 3, env: { KEY_MIN_BUDGET_DURATION: 'none' } });
    await addModel(c.instances[0], 'priced', upstream);
    await addModel(c.instances[0], 'slow', upstream);
    await addModel(c.instances[0], 'cached', upstream, { cache: true });
    // Every instance knows the models (the registry reload goes over the bus).
    await eventually(async () => {
      for (const i of c.instances) {
        const res = await master(i).get('/model/info').expect(200);
        expect((res.body as { data: unknown[] }).data).toHaveLength(3);
      }
    }, 2000);
  }, 120_000);

  afterAll(async () => {
    await c?.close();
    await upstream?.close();
  });

  it('a key budget of $0.10 at $0.02 a call: 5 calls pass, alternating over 3 instances', async () => {
    const key = await newKey(c, { max_budget: 0.1 });
    const results: Response[] = [];
    for (let i = 0; i < 9; i++) results.push(await call(c.at(i), key, 'priced'));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 400, 400, 400, 400]);
    expect(results[5].body.error.type).toBe('budget_exceeded');
    await waitFor(
      'the counters',
      async () => Math.abs((await keySpendUsd(c, key)) - 0.1) < 1e-9,
      5000,
    );
  });

  it('concurrent calls over 3 instances never overshoot a user budget (holds cover the cost)', async () => {
    const owner = await createUser(c.instances[0], 'internal_user', { max_budget: 0.1 });
    const res = await master(c.instances[0])
      .post('/key/generate', { user_id: owner.user_id })
      .expect(200);
    const key = (res.body as GenerateKeyResponse).key;
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => call(c.at(i), key, 'priced')),
    );
    expectOnly(results, [200, 400]);
    const passed = statuses(results)[200] ?? 0;
    expect(passed).toBeGreaterThanOrEqual(1);
    expect(passed).toBeLessThanOrEqual(5);
    await waitFor(
      'the counters',
      async () => {
        const info = await master(c.instances[0]).get(`/user/info?user_id=${owner.user_id}`);
        const spend = (info.body as { user_info: { spend: number } }).user_info.spend;
        return Math.abs(spend - passed * CALL_USD) < 1e-9;
      },
      5000,
    );
  });

  it('a team budget is shared: $0.04 lets 2 calls of its keys through, whichever instance', async () => {
    const member = await createUser(c.instances[0], 'internal_user');
    const team = await createTeam(c.instances[0], { max_budget: 0.04 }, [[member.user_id, 'user']]);
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await master(c.instances[0])
        .post('/key/generate', { user_id: member.user_id, team_id: team.team_id })
        .expect(200);
      keys.push((res.body as GenerateKeyResponse).key);
    }
    const results: Response[] = [];
    for (let i = 0; i < 6; i++) results.push(await call(c.at(i), keys[i % 2], 'priced'));
    expect(results.map((r) => r.status)).toEqual([200, 200, 400, 400, 400, 400]);
  });

  it('a budget period resets exactly once over 3 instances (whichever sees it first)', async () => {
    const owner = await createUser(c.instances[0], 'internal_user');
    const made = await master(c.instances[0])
      .post('/key/generate', { user_id: owner.user_id, max_budget: 0.04, budget_duration: '8s' })
      .expect(200);
    const { key, token } = made.body as GenerateKeyResponse;
    const info = async (): Promise<{ budget_reset_at: string }> =>
      (await master(c.instances[0]).get(`/key/info?key=${token}`).expect(200)).body.info;
    const resetAt = Date.parse((await info()).budget_reset_at);
    const before: Response[] = [];
    for (let i = 0; i < 3; i++) before.push(await call(c.at(i), key, 'priced'));
    expect(before.map((r) => r.status)).toEqual([200, 200, 400]);
    await new Promise((r) => setTimeout(r, Math.max(0, resetAt - Date.now()) + 100));
    // The new period: $0.04 again, once — a second reset would let a third call through.
    const after: Response[] = [];
    for (let i = 0; i < 6; i++) after.push(await call(c.at(i), key, 'priced'));
    expect(after.map((r) => r.status)).toEqual([200, 200, 400, 400, 400, 400]);
    // The database moves to the next period, once, and its counter holds exactly the new
    // period's two calls, whichever instances' writers flushed them and the reset.
    await waitFor(
      'the reset and the new period in the database',
      async () => {
        const now = (await info()) as { budget_reset_at: string; spend: number };
        return (
          Date.parse(now.budget_reset_at) === resetAt + 8000 && Math.abs(now.spend - 0.04) < 1e-9
        );
      },
      5000,
    );
  }, 30_000);

  it("a team's models, budget, membership and deletion changed on A apply on B and C within 1 s", async () => {
    const member = await createUser(c.instances[0], 'internal_user');
    const other = await createUser(c.instances[0], 'internal_user');
    const team = await createTeam(c.instances[0], {}, [
      [member.user_id, 'user'],
      [other.user_id, 'user'],
    ]);
    const keyOf = async (userId: string): Promise<string> => {
      const res = await master(c.instances[0])
        .post('/key/generate', { user_id: userId, team_id: team.team_id })
        .expect(200);
      return (res.body as GenerateKeyResponse).key;
    };
    const [key, otherKey] = [await keyOf(member.user_id), await keyOf(other.user_id)];
    const [, b, cc] = c.instances;
    // Warm B's and C's key caches: they hold the team as it is now.
    for (const i of [b, cc]) expect((await call(i, key, 'priced')).status).toBe(200);
    const refusedOnBAndC = (status: number, k = key) =>
      eventually(async () => {
        for (const i of [b, cc]) expect((await call(i, k, 'priced')).status).toBe(status);
      }, 1000);

    await master(c.instances[0])
      .post('/team/update', { team_id: team.team_id, models: ['slow'] })
      .expect(200);
    await refusedOnBAndC(404);
    await master(c.instances[0])
      .post('/team/update', { team_id: team.team_id, models: [], max_budget: 0 })
      .expect(200);
    await refusedOnBAndC(400);
    await master(c.instances[0])
      .post('/team/update', { team_id: team.team_id, max_budget: 100 })
      .expect(200);
    await refusedOnBAndC(200);
    await master(c.instances[0])
      .post('/team/member_delete', { team_id: team.team_id, user_id: member.user_id })
      .expect(200);
    await refusedOnBAndC(401);
    expect((await call(b, otherKey, 'priced')).status).toBe(200);
    await master(c.instances[0])
      .post('/team/delete', { team_ids: [team.team_id] })
      .expect(200);
    await refusedOnBAndC(401, otherKey);
  });

  it('rpm 4: 12 concurrent calls over 3 instances, 4 pass, the rest 429 with Retry-After', async () => {
    const key = await newKey(c, { rpm_limit: 4 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(c.at(i), key, 'priced')),
    );
    expect(statuses(results)).toEqual({ 200: 4, 429: 8 });
    const refused = results.find((r) => r.status === 429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('max_parallel_requests 2: 6 concurrent slow calls over 3 instances, 2 run', async () => {
    const key = await newKey(c, { max_parallel_requests: 2 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call(c.at(i), key, 'slow')),
    );
    expect(statuses(results)).toEqual({ 200: 2, 429: 4 });
    // The slots came back with the answers.
    expect((await call(c.at(1), key, 'slow')).status).toBe(200);
  });

  it('a cached answer on A is a hit on B and C: 1 upstream call', async () => {
    const key = await newKey(c, {});
    const body = { model: 'cached', messages: [{ role: 'user', content: 'same question' }] };
    const before = upstream.received.length;
    for (const i of c.instances) {
      const res = await bearer(i, key).post('/v1/chat/completions', body).expect(200);
      expect(res.body.choices[0].message.content).toBeDefined();
    }
    expect(upstream.received.length - before).toBe(1);
  });

  it('Redis flushed: the ledger is rebuilt from PostgreSQL, no double counting', async () => {
    const key = await newKey(c, { max_budget: 0.1 });
    for (let i = 0; i < 2; i++) expect((await call(c.at(i), key, 'priced')).status).toBe(200);
    // The writers flushed $0.04; then Redis loses everything.
    await waitFor(
      'the counters',
      async () => Math.abs((await keySpendUsd(c, key)) - 0.04) < 1e-9,
      5000,
    );
    await c.redis?.flush();
    const results: Response[] = [];
    for (let i = 0; i < 6; i++) results.push(await call(c.at(i), key, 'priced'));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 400, 400, 400]);
    await waitFor(
      'the counters',
      async () => Math.abs((await keySpendUsd(c, key)) - 0.1) < 1e-9,
      5000,
    );
  });

  it('1,000 concurrent calls over 3 instances: spend logs = counters = rollups', async () => {
    const owner = await createUser(c.instances[0], 'internal_user');
    const made = await master(c.instances[0])
      .post('/key/generate', { user_id: owner.user_id })
      .expect(200);
    const { key, token } = made.body as GenerateKeyResponse;
    const results: Response[] = [];
    for (let wave = 0; wave < 10; wave++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, (_, i) => call(c.at(wave * 100 + i), key, 'priced')),
        )),
      );
    }
    expect(statuses(results)).toEqual({ 200: 1000 });
    await waitFor(
      'the counters',
      async () => Math.abs((await keySpendUsd(c, key)) - 1000 * CALL_USD) < 1e-6,
      10_000,
    );
    const [logs] = await c.sql<{ n: string; spend: string }>(
      `SELECT COUNT(*) AS n, SUM(spend) AS spend FROM spend_logs WHERE key_token = '${token}'`,
    );
    const [rollup] = await c.sql<{ requests: string; spend: string }>(
      `SELECT SUM(requests) AS requests, SUM(spend) AS spend FROM daily_spend WHERE key_token = '${token}'`,
    );
    const [counter] = await c.sql<{ spend: string }>(
      `SELECT spend FROM keys WHERE token = '${token}'`,
    );
    expect(Number(logs.n)).toBe(1000);
    expect(Number(rollup.requests)).toBe(1000);
    expect(Number(logs.spend)).toBe(1000 * CALL_USD * 1e9);
    expect(Number(rollup.spend)).toBe(Number(logs.spend));
    expect(Number(counter.spend)).toBe(Number(logs.spend));
  }, 120_000);

  it('Redis paused, then killed mid-load: no 5xx (open: local limits, counted); once back, exact again', async () => {
    const redis = c.redis;
    if (!redis) throw new Error('no redis');
    const key = await newKey(c, { rpm_limit: 1000 });
    const load = (n: number): Promise<Response[]> =>
      Promise.all(Array.from({ length: n }, (_, i) => call(c.at(i), key, 'priced')));
    redis.pause();
    try {
      const started = Date.now();
      expectOnly(await load(12), [200, 429]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      redis.resume();
    }
    await redis.kill();
    expectOnly(await load(12), [200, 429]);
    const metrics = await master(c.instances[0]).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/gatehouse_admission_fallback_total [1-9]/);
    await redis.restart();
    await waitFor(
      'the counters',
      async () => {
        for (const i of c.instances) {
          const res = await i.http.get('/health/readiness');
          if (res.body.redis !== 'ok') return false;
        }
        return true;
      },
      10_000,
    );
    // Exact again: a fresh rpm 3 key over 3 instances.
    const exact = await newKey(c, { rpm_limit: 3 });
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) => call(c.at(i), exact, 'priced')),
    );
    expect(statuses(results)).toEqual({ 200: 3, 429: 6 });
  }, 60_000);
});

describe('issue 12: REDIS_FAILURE_MODE=closed', () => {
  let c: Cluster;
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    c = await startCluster({ instances: 2, env: { REDIS_FAILURE_MODE: 'closed' } });
    await addModel(c.instances[0], 'priced', upstream);
    await eventually(async () => {
      const res = await master(c.instances[1]).get('/model/info').expect(200);
      expect((res.body as { data: unknown[] }).data).toHaveLength(1);
    }, 2000);
  }, 120_000);

  afterAll(async () => {
    await c?.close();
    await upstream?.close();
  });

  it('limited calls answer 503 redis_unavailable while Redis is gone, and pass once it is back', async () => {
    const redis = c.redis;
    if (!redis) throw new Error('no redis');
    const key = await newKey(c, { max_budget: 1 });
    expect((await call(c.at(0), key, 'priced')).status).toBe(200);
    await redis.kill();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call(c.at(i), key, 'priced')),
    );
    expect(statuses(results)).toEqual({ 503: 6 });
    expect(results[0].body.error.code).toBe('redis_unavailable');
    expect(results[0].body.error.type).toBe('service_unavailable');
    await redis.restart();
    await waitFor(
      'the counters',
      async () => (await call(c.at(1), key, 'priced')).status === 200,
      10_000,
    );
  }, 60_000);
});
