import type { Role } from '@gatehouse/shared/auth';
import { anonymous, createUser, everyRole, master, type UserCaller } from './support/callers';
import { sql, sqlNumber } from './support/db';
import {
  actAs,
  addModel,
  chatBody,
  DB_MODEL_KEY,
  flushSpend,
  keyCaller,
  limitsFor,
  alignToMinute,
  rawPost,
  sseData,
  startGateway,
  UPSTREAM_KEY,
  type GatewayTest,
} from './support/gateway';
import { MOCK_CONTENT, MOCK_USAGE } from './support/mock-upstream';
import type { TestApp } from './support/test-app';

const SCRAPE_TOKEN = 'scrape-token-0123456789abcdef';

describe('gateway', () => {
  let g: GatewayTest;
  let t: TestApp;
  let as: Record<Role, UserCaller>;

  beforeAll(async () => {
    g = await startGateway({ listen: true, env: { METRICS_SCRAPE_TOKEN: SCRAPE_TOKEN } });
    t = g.t;
    as = await everyRole(t);
    await addModel(t, g.upstream.url, 'echo', 'echo');
    await addModel(t, g.upstream.url, 'cached', 'echo', { model_info: { cache: true } });
    await addModel(t, g.upstream.url, 'bad-request', 'status-400');
    await addModel(t, g.upstream.url, 'broken', 'status-500');
    await addModel(t, g.upstream.url, 'limited', 'status-429');
    await addModel(t, g.upstream.url, 'slow', 'slow-2000', { litellm_params: { timeout: 0.3 } });
    await addModel(t, g.upstream.url, 'sluggish', 'slow-300');
    await addModel(t, g.upstream.url, 'hang', 'hang');
    await addModel(t, g.upstream.url, 'drip', 'drip');
    await addModel(t, 'http://127.0.0.1:1/v1', 'unreachable', 'echo');
  });
  afterAll(() => g.close());
  afterEach(() => jest.restoreAllMocks());

  describe('POST /v1/chat/completions', () => {
    it('relays a completion, rewrites the model id upstream and stamps the overhead', async () => {
      const before = g.upstream.received.length;
      const res = await master(t).post('/v1/chat/completions', chatBody('echo')).expect(200);
      expect(res.body).toMatchObject({
        object: 'chat.completion',
        choices: [{ message: { role: 'assistant', content: MOCK_CONTENT } }],
        usage: MOCK_USAGE,
      });
      expect(Number(res.headers['x-gatehouse-overhead-ms'])).toBeGreaterThanOrEqual(0);
      const sent = g.upstream.received[before];
      expect(sent.path).toBe('/v1/chat/completions');
      expect(sent.body).toMatchObject({
        model: 'echo',
        messages: [{ role: 'user', content: 'Say hello' }],
      });
      expect(sent.authorization).toBe(`Bearer ${DB_MODEL_KEY}`);
    });

    it('also answers at /chat/completions, and uses CONFIG_FILE models with their env key', async () => {
      const before = g.upstream.received.length;
      await master(t).post('/chat/completions', chatBody('cfg-echo')).expect(200);
      expect(g.upstream.received[before].authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    });

    it('streams SSE faithfully, asking the upstream for usage but not passing it on unasked', async () => {
      const before = g.upstream.received.length;
      const res = await master(t)
        .post('/v1/chat/completions', chatBody('echo', { stream: true }))
        .expect(200);
      expect(res.headers['content-type']).toMatch(/text\/event-stream/);
      expect(res.headers['x-gatehouse-overhead-ms']).toBeDefined();
      const data = sseData(res.text);
      expect(data[data.length - 1]).toBe('[DONE]');
      const chunks = data
        .slice(0, -1)
        .map(
          (d) => JSON.parse(d) as { choices: { delta: { content?: string } }[]; usage?: unknown },
        );
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(MOCK_CONTENT);
      expect(chunks.some((c) => c.usage)).toBe(false);
      expect(g.upstream.received[before].body['stream_options']).toEqual({ include_usage: true });
    });

    it('passes the usage chunk on when the client asks for it', async () => {
      const res = await master(t)
        .post(
          '/v1/chat/completions',
          chatBody('echo', { stream: true, stream_options: { include_usage: true } }),
        )
        .expect(200);
      const data = sseData(res.text);
      expect(JSON.parse(data[data.length - 2])).toMatchObject({ choices: [], usage: MOCK_USAGE });
    });

    it('answers mock_response without calling the upstream, billed by estimated tokens', async () => {
      const before = g.upstream.received.length;
      const res = await master(t)
        .post('/v1/chat/completions', chatBody('echo', { mock_response: 'twelve chars' }))
        .expect(200);
      expect(res.body.choices[0].message.content).toBe('twelve chars');
      // 'Say hello' = 9 chars -> 3 tokens; 'twelve chars' = 12 chars -> 3 tokens.
      expect(res.body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
      const stream = await master(t)
        .post('/v1/chat/completions', chatBody('echo', { mock_response: 'streamed', stream: true }))
        .expect(200);
      expect(sseData(stream.text).pop()).toBe('[DONE]');
      expect(g.upstream.received.length).toBe(before);
    });

    it.each([
      ['bad-request', 400, 'upstream_error'],
      ['limited', 429, 'upstream_error'],
      ['broken', 502, 'upstream_error'],
      ['unreachable', 502, 'upstream_error'],
      ['slow', 504, 'timeout'],
    ])('maps upstream failures of %s to %i %s', async (model, status, type) => {
      const res = await master(t).post('/v1/chat/completions', chatBody(model)).expect(status);
      expect(res.body.error).toMatchObject({ type, code: String(status) });
      expect(res.headers['x-gatehouse-overhead-ms']).toBeDefined();
      expect(JSON.stringify(res.body)).not.toContain('sk-db-upstream-key');
    });

    it('aborts the upstream call when the client goes away', async () => {
      const before = g.upstream.aborted;
      const controller = new AbortController();
      const call = fetch(`${t.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('hang')),
        signal: controller.signal,
      }).catch(() => null);
      await waitFor(() => g.upstream.received.some((r) => r.body['model'] === 'hang'));
      controller.abort();
      await call;
      await waitFor(() => g.upstream.aborted > before);
      expect(g.upstream.aborted).toBe(before + 1);
    });

    it('aborts a stream upstream when the client leaves mid-way, and books what was sent', async () => {
      const before = g.upstream.aborted;
      const controller = new AbortController();
      const res = await fetch(`${t.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('drip', { stream: true })),
        signal: controller.signal,
      });
      const reader = res.body?.getReader();
      const first = await reader?.read();
      expect(new TextDecoder().decode(first?.value)).toContain('first words');
      controller.abort();
      await waitFor(() => g.upstream.aborted > before);
      await flushSpend(t);
      const rows = await sql<{ status: string; error_type: string; completion_tokens: unknown }>(
        t,
        "SELECT status, error_type, completion_tokens FROM spend_logs WHERE model = 'drip'",
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'failure', error_type: 'client_disconnected' });
      // Counted with the tokenizer (o200k_base): 'first words' = 2 tokens.
      expect(Number(rows[0].completion_tokens)).toBe(2);
    });

    it.each([
      [{}, 'model'],
      [{ model: 'echo' }, 'messages'],
      [{ model: 'echo', messages: 'hi' }, 'messages'],
      [{ model: 'echo', messages: [{ content: 'no role' }] }, 'messages'],
      [{ model: 'echo', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
      [{ model: 'echo', messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }, 'max_tokens'],
      [{ model: 'echo', messages: [{ role: 'user', content: 'x' }], cache: true }, 'cache'],
    ])('refuses malformed body %j with 400 on %s', async (body, param) => {
      const res = await master(t).post('/v1/chat/completions', body).expect(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    });

    it('answers an unknown model 404 model_not_found, like OpenAI', async () => {
      const body = { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] };
      const res = await master(t).post('/v1/chat/completions', body).expect(404);
      expect(res.body.error).toMatchObject({
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      });
    });

    it('refuses a non-JSON body and a JSON array with 400', async () => {
      await t.http
        .post('/v1/chat/completions')
        .set('Authorization', `Bearer ${t.masterKey}`)
        .set('Content-Type', 'application/json')
        .send('{"model": ')
        .expect(400);
      await master(t).post('/v1/chat/completions', [1, 2]).expect(400);
    });

    it('lets proxy_admin and internal_user call, refuses viewers (403) and anonymous (401)', async () => {
      const body = chatBody('echo', { mock_response: 'ok' });
      await as.proxy_admin.post('/v1/chat/completions', body).expect(200);
      await as.internal_user.post('/v1/chat/completions', body).expect(200);
      await as.proxy_admin_viewer.post('/v1/chat/completions', body).expect(403);
      await as.internal_user_viewer.post('/v1/chat/completions', body).expect(403);
      await anonymous(t).post('/v1/chat/completions', body).expect(401);
    });
  });

  describe('POST /v1/embeddings', () => {
    it('relays embeddings and books their prompt tokens', async () => {
      const res = await master(t)
        .post('/v1/embeddings', { model: 'echo', input: ['a', 'b'] })
        .expect(200);
      expect(res.body).toMatchObject({ object: 'list', usage: { prompt_tokens: 8 } });
      expect(res.body.data).toHaveLength(2);
      await master(t).post('/v1/embeddings', { model: 'echo' }).expect(400);
      await master(t)
        .post('/v1/embeddings', { model: 'echo', input: 'x', stream: true })
        .expect(400);
    });
  });

  describe('GET /v1/models', () => {
    it('lists every model for the master key, in the OpenAI list shape', async () => {
      const res = await master(t).get('/v1/models').expect(200);
      expect(res.body.object).toBe('list');
      const ids = (res.body.data as { id: string; object: string }[]).map((m) => m.id);
      expect(ids).toEqual(expect.arrayContaining(['echo', 'cfg-echo', 'cached']));
      expect(res.body.data[0]).toMatchObject({ object: 'model', owned_by: 'gatehouse' });
    });

    it('lists and allows only the models a key may use (key, user and team allow-lists)', async () => {
      actAs(t, keyCaller({ allowLists: [['echo', 'cached'], null, ['echo']] }));
      const res = await master(t).get('/v1/models').expect(200);
      expect((res.body.data as { id: string }[]).map((m) => m.id)).toEqual(['echo']);
      await master(t)
        .post('/v1/chat/completions', chatBody('echo', { mock_response: 'x' }))
        .expect(200);
      const refused = await master(t).post('/v1/chat/completions', chatBody('cached')).expect(404);
      expect(refused.body.error).toMatchObject({ param: 'model', code: 'model_not_found' });
      await master(t).post('/v1/chat/completions', chatBody('cfg-echo')).expect(404);
    });
  });

  describe('budgets', () => {
    it('keeps 200 concurrent requests within the budget plus what was in flight', async () => {
      // Each call: 3 prompt + 25 completion tokens = 3 µ$ + 50 µ$ = 53 000 nano-dollars.
      const perCall = 53_000;
      const maxBudget = 0.001; // room for 18.9 calls
      actAs(
        t,
        keyCaller({
          keyToken: 'budget-key',
          limits: [limitsFor('key', 'budget-key', { maxBudgetNanos: maxBudget * 1e9 })],
        }),
      );
      const body = chatBody('echo', { mock_response: 'x'.repeat(100) });
      const results = await Promise.all(
        Array.from({ length: 200 }, () => rawPost(t, '/v1/chat/completions', body)),
      );
      const ok = results.filter((r) => r.status === 200).length;
      const refused = results.filter((r) => r.status === 400);
      expect(ok + refused.length).toBe(200);
      expect(refused[0].json().error?.type).toBe('budget_exceeded');
      // Admission stops once spent + reserved reaches the budget: ceil(budget / estimate).
      expect(ok).toBe(Math.ceil((maxBudget * 1e9) / perCall));
      expect(ok * perCall).toBeLessThan(maxBudget * 1e9 + perCall);
      await flushSpend(t);
      const rows = await sql<{ n: number; s: number }>(
        t,
        "SELECT COUNT(*) AS n, SUM(spend) AS s FROM spend_logs WHERE key_token = 'budget-key'",
      );
      expect(Number(rows[0].n)).toBe(ok);
      expect(Number(rows[0].s)).toBe(ok * perCall);
      // Later calls stay refused.
      await master(t).post('/v1/chat/completions', body).expect(400);
    });

    it('refuses when the user or team budget is spent, and resets with budget_duration', async () => {
      const resetAt = t.clock.nowMs() + 60_000;
      actAs(
        t,
        keyCaller({
          keyToken: 'team-key',
          teamId: 'team-1',
          limits: [
            limitsFor('team', 'team-1', {
              maxBudgetNanos: 1e9,
              spendNanos: 1e9,
              budgetDuration: '1m',
              budgetResetAtMs: resetAt,
            }),
          ],
        }),
      );
      const body = chatBody('echo', { mock_response: 'x' });
      const res = await master(t).post('/v1/chat/completions', body).expect(400);
      expect(res.body.error.type).toBe('budget_exceeded');
      t.clock.advance(61_000);
      await master(t).post('/v1/chat/completions', body).expect(200);
      actAs(
        t,
        keyCaller({
          keyToken: 'user-key',
          limits: [limitsFor('user', 'admin', { maxBudgetNanos: 0 })],
        }),
      );
      await master(t).post('/v1/chat/completions', body).expect(400);
    });
  });

  describe('budget periods', () => {
    it('restarts the user counter at budget_reset_at and moves budget_reset_at on', async () => {
      const user = await createUser(t, 'internal_user');
      const resetAt = t.clock.nowMs() + 60_000;
      actAs(
        t,
        keyCaller({
          keyToken: null,
          userId: user.user_id,
          limits: [
            limitsFor('user', user.user_id, {
              maxBudgetNanos: 1e9,
              budgetDuration: '1m',
              budgetResetAtMs: resetAt,
            }),
          ],
        }),
      );
      const body = chatBody('echo', { mock_response: 'x'.repeat(8) }); // 3 + 2 tokens = 7 000 n$
      await master(t).post('/v1/chat/completions', body).expect(200);
      await master(t).post('/v1/chat/completions', body).expect(200);
      await flushSpend(t);
      expect(await sqlNumber(t, `SELECT spend FROM users WHERE user_id = '${user.user_id}'`)).toBe(
        14_000,
      );
      t.clock.advance(61_000);
      await master(t).post('/v1/chat/completions', body).expect(200);
      await flushSpend(t);
      const rows = await sql<{ spend: unknown; reset: unknown }>(
        t,
        `SELECT spend, budget_reset_at AS reset FROM users WHERE user_id = '${user.user_id}'`,
      );
      expect(Number(rows[0].spend)).toBe(7_000);
      expect(Number(rows[0].reset)).toBe(resetAt + 60_000);
    });
  });

  describe('rate limits', () => {
    beforeEach(() => alignToMinute(t));

    it('answers 429 with Retry-After past rpm_limit', async () => {
      actAs(
        t,
        keyCaller({ keyToken: 'rpm-key', limits: [limitsFor('key', 'rpm-key', { rpmLimit: 3 })] }),
      );
      const body = chatBody('echo', { mock_response: 'x' });
      for (let i = 0; i < 3; i++) await master(t).post('/v1/chat/completions', body).expect(200);
      const res = await master(t).post('/v1/chat/completions', body).expect(429);
      expect(res.body.error.type).toBe('rate_limit_error');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      t.clock.advance(60_000);
      await master(t).post('/v1/chat/completions', body).expect(200);
    });

    it('answers 429 past tpm_limit', async () => {
      actAs(
        t,
        keyCaller({ keyToken: 'tpm-key', limits: [limitsFor('key', 'tpm-key', { tpmLimit: 20 })] }),
      );
      await master(t).post('/v1/chat/completions', chatBody('echo')).expect(200); // 15 tokens
      await master(t).post('/v1/chat/completions', chatBody('echo')).expect(200); // 30 tokens
      await master(t).post('/v1/chat/completions', chatBody('echo')).expect(429);
    });

    it('answers 429 past max_parallel_requests', async () => {
      actAs(
        t,
        keyCaller({
          keyToken: 'par-key',
          limits: [limitsFor('key', 'par-key', { maxParallelRequests: 2 })],
        }),
      );
      const results = await Promise.all(
        Array.from({ length: 5 }, () => rawPost(t, '/v1/chat/completions', chatBody('sluggish'))),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(2);
      expect(results.filter((r) => r.status === 429)).toHaveLength(3);
      await master(t).post('/v1/chat/completions', chatBody('echo')).expect(200);
    });
  });

  describe('response cache', () => {
    it('answers a repeat from the cache at no cost, unless no-cache is asked', async () => {
      const body = chatBody('cached', { messages: [{ role: 'user', content: 'cache me' }] });
      const before = g.upstream.received.length;
      const first = await master(t).post('/v1/chat/completions', body).expect(200);
      const second = await master(t)
        .post('/v1/chat/completions', { ...body, stream: false })
        .expect(200);
      expect(second.body).toEqual(first.body);
      expect(g.upstream.received.length).toBe(before + 1);
      const streamed = await master(t)
        .post('/v1/chat/completions', { ...body, stream: true })
        .expect(200);
      expect(sseData(streamed.text).pop()).toBe('[DONE]');
      expect(g.upstream.received.length).toBe(before + 1);
      await master(t)
        .post('/v1/chat/completions', { ...body, cache: { 'no-cache': true } })
        .expect(200);
      expect(g.upstream.received.length).toBe(before + 2);
      // Not cached: a model without `cache`.
      await master(t)
        .post(
          '/v1/chat/completions',
          chatBody('echo', { messages: body['messages' as keyof object] }),
        )
        .expect(200);
      await master(t)
        .post(
          '/v1/chat/completions',
          chatBody('echo', { messages: body['messages' as keyof object] }),
        )
        .expect(200);
      expect(g.upstream.received.length).toBe(before + 4);

      await flushSpend(t);
      const rows = await sql<{ hit: unknown; spend: unknown; n: unknown }>(
        t,
        "SELECT cache_hit AS hit, SUM(spend) AS spend, COUNT(*) AS n FROM spend_logs WHERE model = 'cached' GROUP BY cache_hit",
      );
      const hits = rows.find((r) => r.hit === true || Number(r.hit) === 1);
      expect(Number(hits?.n)).toBe(2);
      expect(Number(hits?.spend)).toBe(0);
      const report = await master(t).get('/global/activity/cache_hits').expect(200);
      expect(report.body.sum_cache_hits).toBeGreaterThanOrEqual(2);
      expect(report.body.sum_saved_spend).toBeCloseTo(2 * 0.00002, 9);
    });

    it('expires entries after the TTL', async () => {
      const body = chatBody('cached', { messages: [{ role: 'user', content: 'ttl' }] });
      const before = g.upstream.received.length;
      await master(t).post('/v1/chat/completions', body).expect(200);
      await master(t).post('/v1/chat/completions', body).expect(200);
      expect(g.upstream.received.length).toBe(before + 1);
      t.clock.advance(601_000);
      await master(t).post('/v1/chat/completions', body).expect(200);
      expect(g.upstream.received.length).toBe(before + 2);
    });
  });

  describe('GET /metrics', () => {
    it('serves Prometheus text to admins, and refuses other roles and anonymous callers', async () => {
      const res = await master(t).get('/metrics').expect(200);
      expect(res.text).toContain('gatehouse_gateway_requests_total');
      expect(res.text).toContain('gatehouse_gateway_overhead_seconds');
      expect(res.text).toContain('gatehouse_spend_queue_depth');
      await as.proxy_admin_viewer.get('/metrics').expect(200);
      await as.internal_user.get('/metrics').expect(403);
      await anonymous(t).get('/metrics').expect(401);
      await t.http.get('/metrics').set('Authorization', 'Bearer sk-wrong-token').expect(401);
      const scraped = await t.http
        .get('/metrics')
        .set('Authorization', `Bearer ${SCRAPE_TOKEN}`)
        .expect(200);
      expect(scraped.text).toContain('gatehouse_spend_flush_duration_seconds');
    });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
