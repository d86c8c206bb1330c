import type { SpendLogResponse } from '@gatehouse/shared/dto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { Router } from '@gatehouse/api/testing';
import { anonymous, bearer, everyRole, master } from './support/callers';
import {
  actAs,
  addModel,
  alignToMinute,
  chatBody,
  flushSpend,
  keyCaller,
  PRICES,
  rawPost,
  sseData,
} from './support/gateway';
import { startMockUpstream, type MockUpstream } from './support/mock-upstream';
import { startApp, type TestApp } from './support/test-app';

/** What one deployment's upstream does next: answer normally unless a rule says otherwise. */
type Rule =
  | {
      kind: 'status';
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
      times?: number;
    }
  | { kind: 'reset'; times?: number }
  | { kind: 'break-stream'; times?: number }
  | { kind: 'delay'; ms: number };

/** Each deployment has its own api key, so the mock tells them apart by Authorization. */
const keyOf = (name: string): string => `sk-dep-${name}-0000`;

interface Harness {
  t: TestApp;
  upstream: MockUpstream;
  rules: Map<string, Rule>;
  /** Requests each deployment received. */
  hits(name: string): number;
  /** Adds a deployment `name` of `model` (DB model; `model_info.id` = name). */
  deploy(
    model: string,
    name: string,
    extra?: Record<string, unknown>,
    info?: Record<string, unknown>,
  ): Promise<void>;
  close(): Promise<void>;
}

function answer(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

async function startRouterApp(
  env: Record<string, string>,
  routerYaml: string[] = [],
): Promise<Harness> {
  const upstream = await startMockUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-router-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, ['model_list: []', ...routerYaml, ''].join('\n'));
  const t = await startApp({ listen: true, env: { CONFIG_FILE: config, ...env } });
  const rules = new Map<string, Rule>();
  upstream.respond = ({ authorization, body }, res) => {
    const name = /^Bearer sk-dep-(.+)-0000$/.exec(authorization ?? '')?.[1];
    const rule = name ? rules.get(name) : undefined;
    if (!rule) return false;
    if (rule.kind === 'delay') {
      setTimeout(() => {
        answer(res, 200, {
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model: body['model'],
          choices: [
            { index: 0, message: { role: 'assistant', content: 'late' }, finish_reason: 'stop' },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        });
      }, rule.ms);
      return true;
    }
    if (rule.times !== undefined) {
      if (rule.times <= 0) return false;
      rule.times -= 1;
    }
    if (rule.kind === 'reset') {
      res.socket?.destroy();
    } else if (rule.kind === 'break-stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'x', choices: [{ index: 0, delta: { content: 'first words' }, finish_reason: null }] })}\n\n`,
      );
      setTimeout(() => res.socket?.destroy(), 20);
    } else {
      answer(
        res,
        rule.status,
        rule.body ?? { error: { message: `mock ${rule.status}`, type: 'mock_error' } },
        rule.headers,
      );
    }
    return true;
  };
  return {
    t,
    upstream,
    rules,
    hits: (name) =>
      upstream.received.filter((r) => r.authorization === `Bearer ${keyOf(name)}`).length,
    deploy: async (model, name, extra = {}, info = {}) => {
      await addModel(t, upstream.url, model, 'echo', {
        litellm_params: { api_key: keyOf(name), ...extra },
        model_info: { id: name, ...info },
      });
    },
    close: async () => {
      await t.close();
      await upstream.close();
    },
  };
}

/** Runs `body` against an app of its own (router settings are read at boot), then closes it. */
async function withRouterApp(
  env: Record<string, string>,
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await startRouterApp(env);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

/** mulberry32: a fixed seed gives the same picks on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function logsOf(t: TestApp, model: string): Promise<SpendLogResponse[]> {
  await flushSpend(t);
  const res = await master(t).get(`/spend/logs?model=${model}&page_size=100`).expect(200);
  return (res.body as { data: SpendLogResponse[] }).data;
}

const chat = (t: TestApp, model: string, extra: Record<string, unknown> = {}) =>
  master(t).post('/v1/chat/completions', chatBody(model, extra));

describe('router', () => {
  describe('retries, fallbacks, cooldowns (num_retries 2, allowed_fails 1, cooldown_time 5)', () => {
    let h: Harness;
    let t: TestApp;

    beforeAll(async () => {
      h = await startRouterApp({}, [
        'router_settings:',
        '  num_retries: 2',
        '  allowed_fails: 1',
        '  cooldown_time: 5',
        'litellm_settings:',
        '  fallbacks: [{"primary": ["backup"]}, {"narrow": ["backup"]}]',
        '  context_window_fallbacks: [{"small": ["big"]}]',
      ]);
      t = h.t;
      await h.deploy('flaky', 'flaky-a');
      await h.deploy('flaky', 'flaky-b');
      await h.deploy('cool', 'cool-a');
      await h.deploy('cool', 'cool-b');
      await h.deploy('down', 'down-a');
      await h.deploy('down', 'down-b');
      await h.deploy('single', 'single-a');
      await h.deploy('bad', 'bad-a');
      await h.deploy('primary', 'primary-a');
      await h.deploy(
        'backup',
        'backup-a',
        {},
        { input_cost_per_token: 0.00001, output_cost_per_token: 0.00002 },
      );
      await h.deploy('other', 'other-a');
      await h.deploy('narrow', 'narrow-a');
      await h.deploy('small', 'small-a');
      await h.deploy('big', 'big-a');
      await h.deploy('streamy', 'streamy-a');
      await h.deploy('streamy', 'streamy-b');
    });
    afterAll(() => h.close());
    afterEach(() => {
      jest.restoreAllMocks();
      h.rules.clear();
      t.app.get(Router).random = Math.random;
    });

    it('retries a failing deployment on another one at once, and says so in headers and logs', async () => {
      t.app.get(Router).random = () => 0; // shuffle picks flaky-a first
      h.rules.set('flaky-a', { kind: 'status', status: 500, times: 1 });
      const res = await chat(t, 'flaky').expect(200);
      expect(res.headers['x-gatehouse-model-id']).toBe('flaky-b');
      expect(res.headers['x-gatehouse-attempted-retries']).toBe('1');
      expect(res.headers['x-gatehouse-attempted-fallbacks']).toBe('0');
      expect([h.hits('flaky-a'), h.hits('flaky-b')]).toEqual([1, 1]);
      const logs = await logsOf(t, 'flaky');
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({
        status: 'success',
        model_id: 'flaky-b',
        attempted_retries: 1,
        attempted_fallbacks: 0,
        total_tokens: 15,
      });
    });

    it('retries connection resets and 429s; honours retry-after-ms on the same deployment', async () => {
      h.rules.set('single-a', { kind: 'reset', times: 1 });
      const reset = await chat(t, 'single').expect(200);
      expect(reset.headers['x-gatehouse-attempted-retries']).toBe('1');
      h.rules.set('single-a', {
        kind: 'status',
        status: 429,
        headers: { 'retry-after-ms': '400' },
        times: 1,
      });
      const started = Date.now();
      const limited = await chat(t, 'single').expect(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(limited.headers['x-gatehouse-attempted-retries']).toBe('1');
      expect(h.hits('single-a')).toBe(4);
    });

    it('never retries a 4xx other than 408/429, and does not fall back for it', async () => {
      h.rules.set('bad-a', {
        kind: 'status',
        status: 400,
        body: { error: { message: 'bad temperature' } },
      });
      const res = await chat(t, 'bad').expect(400);
      expect(res.body.error.message).toMatch(/bad temperature/);
      expect(h.hits('bad-a')).toBe(1);
      h.rules.set('primary-a', { kind: 'status', status: 422 });
      const before = h.hits('backup-a');
      await chat(t, 'primary').expect(422);
      expect(h.hits('backup-a')).toBe(before);
    });

    it('gives up with the upstream error after num_retries, with the routing headers', async () => {
      h.rules.set('single-a', { kind: 'status', status: 503, headers: { 'retry-after-ms': '10' } });
      const before = h.hits('single-a');
      const res = await chat(t, 'single').expect(502);
      expect(h.hits('single-a') - before).toBe(3);
      expect(res.headers['x-gatehouse-attempted-retries']).toBe('2');
      expect(res.body.error.type).toBe('upstream_error');
    });

    it('cools a deployment down after allowed_fails, keeps traffic off it, and brings it back', async () => {
      t.app.get(Router).random = () => 0;
      h.rules.set('cool-a', { kind: 'status', status: 500 });
      await chat(t, 'cool').expect(200); // a fails (1), b serves
      await chat(t, 'cool').expect(200); // a fails (2 > allowed_fails): cooling down
      expect(h.hits('cool-a')).toBe(2);
      const health = await master(t).get('/health/models').expect(200);
      const a = (
        health.body as {
          data: {
            model_id: string;
            status: string;
            cooldown_until: string | null;
            recent_errors: number;
          }[];
        }
      ).data.find((d) => d.model_id === 'cool-a');
      expect(a).toMatchObject({ status: 'cooling_down', recent_errors: 2 });
      const until = Date.parse(a?.cooldown_until ?? '');
      expect(until).toBeGreaterThan(t.clock.nowMs());
      expect(until).toBeLessThanOrEqual(t.clock.nowMs() + 5_000);
      h.rules.clear();
      for (let i = 0; i < 5; i += 1) await chat(t, 'cool').expect(200);
      expect(h.hits('cool-a')).toBe(2);
      t.clock.advance(5_001);
      const back = await chat(t, 'cool').expect(200);
      expect(back.headers['x-gatehouse-model-id']).toBe('cool-a');
      expect(h.hits('cool-a')).toBe(3);
    });

    it('answers 503 with Retry-After when every deployment is cooling down', async () => {
      h.rules.set('down-a', { kind: 'status', status: 500 });
      h.rules.set('down-b', { kind: 'status', status: 500 });
      await chat(t, 'down').expect(502); // a, b, a: a cools down
      await chat(t, 'down').expect(502); // b fails twice: cools down
      const res = await chat(t, 'down').expect(503);
      expect(res.body.error).toMatchObject({
        type: 'service_unavailable',
        code: 'no_deployments_available',
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(5);
      t.clock.advance(5_001);
    });

    it('falls back to the configured model, priced at the deployment that served', async () => {
      h.rules.set('primary-a', { kind: 'status', status: 500 });
      const res = await chat(t, 'primary').expect(200);
      expect(res.headers['x-gatehouse-model-id']).toBe('backup-a');
      expect(res.headers['x-gatehouse-attempted-fallbacks']).toBe('1');
      expect(res.headers['x-gatehouse-attempted-retries']).toBe('2');
      // One row for the call (the earlier 422 test left its own failure row).
      const logs = (await logsOf(t, 'primary')).filter((l) => l.status === 'success');
      expect(logs).toHaveLength(1);
      // backup-a: $10/M in, $20/M out; 10 + 5 tokens = $0.0002 (primary would be $0.00002).
      expect(logs[0]).toMatchObject({
        status: 'success',
        model_id: 'backup-a',
        attempted_fallbacks: 1,
        attempted_retries: 2,
      });
      expect(logs[0].spend).toBeCloseTo(0.0002, 10);
    });

    it('takes per-request fallbacks (stripped before the upstream sees the body)', async () => {
      h.rules.set('single-a', { kind: 'status', status: 500 });
      const before = h.upstream.received.length;
      const res = await chat(t, 'single', { fallbacks: ['other'] }).expect(200);
      expect(res.headers['x-gatehouse-model-id']).toBe('other-a');
      const sent = h.upstream.received.slice(before);
      expect(sent.every((r) => !('fallbacks' in r.body))).toBe(true);
    });

    it('a fallback never widens what a key may use', async () => {
      actAs(t, keyCaller({ allowLists: [['single', 'narrow']] }));
      const refused = await chat(t, 'single', { fallbacks: ['other'] }).expect(404);
      expect(refused.body.error).toMatchObject({ code: 'model_not_found', param: 'fallbacks' });
      await chat(t, 'single', { fallbacks: ['no-such-model'] }).expect(404);
      // The configured fallback (backup) is not on the key's list: skipped, the error stands.
      h.rules.set('narrow-a', { kind: 'status', status: 500 });
      const before = h.hits('backup-a');
      const res = await chat(t, 'narrow').expect(502);
      expect(res.headers['x-gatehouse-attempted-fallbacks']).toBe('0');
      expect(h.hits('backup-a')).toBe(before);
    });

    it('falls back to a bigger model on a context-length error (OpenAI and Anthropic shapes)', async () => {
      for (const body of [
        {
          error: {
            message: "This model's maximum context length is 8192 tokens",
            type: 'invalid_request_error',
            code: 'context_length_exceeded',
          },
        },
        {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: 'prompt is too long: 210000 tokens > 200000 maximum',
          },
        },
      ]) {
        h.rules.set('small-a', { kind: 'status', status: 400, body });
        const before = h.hits('small-a');
        const res = await chat(t, 'small').expect(200);
        expect(res.headers['x-gatehouse-model-id']).toBe('big-a');
        expect(h.hits('small-a') - before).toBe(1); // not retried
      }
    });

    it('never retries once a byte of a streamed answer reached the client', async () => {
      t.app.get(Router).random = () => 0;
      h.rules.set('streamy-a', { kind: 'break-stream' });
      const res = await rawPost(t, '/v1/chat/completions', chatBody('streamy', { stream: true }), {
        authorization: `Bearer ${t.masterKey}`,
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-gatehouse-model-id']).toBe('streamy-a');
      const data = sseData(res.text);
      expect(data[0]).toContain('first words');
      expect(data[data.length - 1]).toContain('"error"');
      expect([h.hits('streamy-a'), h.hits('streamy-b')]).toEqual([1, 0]);
      const logs = await logsOf(t, 'streamy');
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({
        status: 'failure',
        model_id: 'streamy-a',
        attempted_retries: 0,
      });
    });

    it('books one row per call and the key counter = the rows, across retries and fallbacks', async () => {
      const { internal_user: owner } = await everyRole(t);
      const generated = await owner.post('/key/generate', {}).expect(200);
      const { key, token } = generated.body as { key: string; token: string };
      const caller = bearer(t, key);
      t.app.get(Router).random = () => 0;
      h.rules.set('flaky-a', { kind: 'status', status: 500, times: 1 });
      await caller.post('/v1/chat/completions', chatBody('flaky')).expect(200);
      h.rules.set('primary-a', { kind: 'status', status: 500 });
      await caller.post('/v1/chat/completions', chatBody('primary')).expect(200);
      h.rules.set('bad-a', { kind: 'status', status: 400 });
      await caller.post('/v1/chat/completions', chatBody('bad')).expect(400);
      await flushSpend(t);
      const res = await master(t).get(`/spend/logs?api_key=${token}&page_size=100`).expect(200);
      const rows = (res.body as { data: SpendLogResponse[] }).data;
      expect(
        rows.map((r) => [r.model, r.model_id, r.attempted_retries, r.attempted_fallbacks]).sort(),
      ).toEqual(
        [
          ['bad', 'bad-a', 0, 0],
          ['flaky', 'flaky-b', 1, 0],
          ['primary', 'backup-a', 2, 1],
        ].sort(),
      );
      const info = await master(t).get(`/key/info?key=${token}`).expect(200);
      const total = rows.reduce((sum, r) => sum + r.spend, 0);
      expect(total).toBeCloseTo(0.00002 + 0.0002, 12);
      expect((info.body as { info: { spend: number } }).info.spend).toBeCloseTo(total, 12);
    });

    it('GET /health/models: admins and admin viewers only, no api_base or key', async () => {
      const as = await everyRole(t);
      const res = await master(t).get('/health/models').expect(200);
      expect(res.body).toMatchObject({
        routing_strategy: 'simple-shuffle',
        num_retries: 2,
        allowed_fails: 1,
        cooldown_time: 5,
      });
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('sk-dep-');
      expect(text).not.toContain('127.0.0.1');
      await as.proxy_admin.get('/health/models').expect(200);
      await as.proxy_admin_viewer.get('/health/models').expect(200);
      await as.internal_user.get('/health/models').expect(403);
      await as.internal_user_viewer.get('/health/models').expect(403);
      await anonymous(t).get('/health/models').expect(401);
    });
  });

  describe('routing strategies', () => {
    it('simple-shuffle splits by litellm_params.weight (fixed seed, 3:1 within 8%)', async () => {
      await withRouterApp({}, async (h) => {
        await h.deploy('mix', 'heavy', { weight: 3 });
        await h.deploy('mix', 'light', { weight: 1 });
        h.t.app.get(Router).random = seededRandom(2026);
        for (let i = 0; i < 200; i += 1) await chat(h.t, 'mix').expect(200);
        expect(h.hits('heavy') + h.hits('light')).toBe(200);
        expect(h.hits('heavy') / 200).toBeGreaterThan(0.67);
        expect(h.hits('heavy') / 200).toBeLessThan(0.83);
      });
    });

    it('least-busy spreads concurrent calls evenly over deployments in flight', async () => {
      await withRouterApp({ ROUTING_STRATEGY: 'least-busy' }, async (h) => {
        await h.deploy('busy', 'busy-a');
        await h.deploy('busy', 'busy-b');
        h.rules.set('busy-a', { kind: 'delay', ms: 300 });
        h.rules.set('busy-b', { kind: 'delay', ms: 300 });
        await Promise.all(Array.from({ length: 10 }, () => chat(h.t, 'busy').expect(200)));
        expect([h.hits('busy-a'), h.hits('busy-b')]).toEqual([5, 5]);
      });
    });

    it('latency-based-routing sends to the fastest deployment once both are measured', async () => {
      await withRouterApp({ ROUTING_STRATEGY: 'latency-based-routing' }, async (h) => {
        await h.deploy('lat', 'lat-slow');
        await h.deploy('lat', 'lat-fast');
        h.rules.set('lat-slow', { kind: 'delay', ms: 80 });
        await chat(h.t, 'lat').expect(200);
        await chat(h.t, 'lat').expect(200); // both measured now (unmeasured goes first)
        expect([h.hits('lat-slow'), h.hits('lat-fast')]).toEqual([1, 1]);
        for (let i = 0; i < 20; i += 1) await chat(h.t, 'lat').expect(200);
        expect(h.hits('lat-fast')).toBe(21);
        const health = await master(h.t).get('/health/models').expect(200);
        const slow = (
          health.body as { data: { model_id: string; latency_ms: number; in_flight: number }[] }
        ).data.find((d) => d.model_id === 'lat-slow');
        expect(slow?.latency_ms).toBeGreaterThanOrEqual(80);
        expect(slow?.in_flight).toBe(0); // back down once each answer was read
      });
    });

    it('usage-based-routing never sends a deployment over its own rpm', async () => {
      await withRouterApp({ ROUTING_STRATEGY: 'usage-based-routing' }, async (h) => {
        await h.deploy('metered', 'm-two', { rpm: 2 });
        await h.deploy('metered', 'm-three', { rpm: 3 });
        alignToMinute(h.t);
        for (let i = 0; i < 5; i += 1) await chat(h.t, 'metered').expect(200);
        expect([h.hits('m-two'), h.hits('m-three')]).toEqual([2, 3]);
        const full = await chat(h.t, 'metered').expect(429);
        expect(full.body.error.code).toBe('no_deployments_available');
        expect(Number(full.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        h.t.clock.advance(60_000);
        await chat(h.t, 'metered').expect(200);
        const logs = await logsOf(h.t, 'metered');
        expect(logs).toHaveLength(7); // the refused call is booked too, as a failure
        expect(logs.filter((l) => l.status === 'success')).toHaveLength(6);
      });
    });
  });

  it('keeps prices on model/new with weight, rpm and tpm, and validates them', async () => {
    const h = await startRouterApp({});
    try {
      await h.deploy('w', 'w-a', { weight: 2, rpm: 10, tpm: 1000 });
      const info = await master(h.t).get('/model/info').expect(200);
      const row = (
        info.body as {
          data: { model_info: { id: string }; litellm_params: Record<string, unknown> }[];
        }
      ).data.find((m) => m.model_info.id === 'w-a');
      expect(row?.litellm_params).toMatchObject({ weight: 2, rpm: 10, tpm: 1000 });
      expect(row).toMatchObject({
        model_info: { input_cost_per_token: PRICES.input_cost_per_token },
      });
      await master(h.t)
        .post('/model/new', { model_name: 'w', litellm_params: { model: 'openai/x', rpm: -1 } })
        .expect(400);
    } finally {
      await h.close();
    }
  });
});
