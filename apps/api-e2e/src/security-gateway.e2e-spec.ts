import type { GenerateKeyResponse, ModelResponse } from '@gatehouse/shared/dto';
import { Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import {
  bearer,
  createUser,
  master,
  userCaller,
  type Caller,
  type UserCaller,
} from './support/callers';
import { sql, sqlNumber } from './support/db';
import {
  addModel,
  chatBody,
  DB_MODEL_KEY as DB_KEY,
  flushSpend,
  rawPost,
  sseData,
  startGateway,
  UPSTREAM_KEY,
  type GatewayTest,
} from './support/gateway';
import { MOCK_USAGE, type MockResponder } from './support/mock-upstream';
import type { TestApp } from './support/test-app';

/** cfg-echo and every model here: $1/M prompt, $2/M completion tokens (in nano-dollars). */
const CALL_NANOS = MOCK_USAGE.prompt_tokens * 1_000 + MOCK_USAGE.completion_tokens * 2_000;
const PLAIN_KEY = 'azure-plain-deployment-key-0042';

function sendJson(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const completionText = (model: string, usage: string | null, message: object): string =>
  `{"id":"chatcmpl-x","object":"chat.completion","created":1,"model":"${model}",` +
  `"choices":[{"index":0,"message":${JSON.stringify({ role: 'assistant', ...message })},` +
  `"finish_reason":"stop"}]${usage === null ? '' : `,"usage":${usage}`}}`;

function sendStream(res: ServerResponse, events: object[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
  res.end('data: [DONE]\n\n');
}

const chunk = (delta: object, extra: object = {}): object => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: null }],
  ...extra,
});

/** The upstream behaviours these tests need, keyed by upstream model id. */
function hostileUpstream(held: { list: (() => void)[]; onHold: () => void }): MockResponder {
  return ({ model, body, authorization }, res) => {
    switch (model) {
      case 'honour-max': {
        // Honours max_tokens (not max_completion_tokens), like many OpenAI-compatible servers;
        // answers once the test releases it, so that calls overlap.
        const max = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : 16;
        const usage = JSON.stringify({
          prompt_tokens: 10,
          completion_tokens: max,
          total_tokens: 10 + max,
        });
        held.list.push(() => sendJson(res, 200, completionText(model, usage, { content: 'x' })));
        held.onHold();
        return true;
      }
      case 'usage-nan':
        // 1e400 parses as Infinity; Infinity + -Infinity = NaN.
        sendJson(
          res,
          200,
          completionText(model, '{"prompt_tokens":1e400,"completion_tokens":-1e400}', {
            content: 'hi',
          }),
        );
        return true;
      case 'usage-inf':
        sendJson(
          res,
          200,
          completionText(model, '{"prompt_tokens":1e400,"completion_tokens":1}', { content: 'hi' }),
        );
        return true;
      case 'usage-huge':
        sendJson(
          res,
          200,
          completionText(model, '{"prompt_tokens":1e15,"completion_tokens":0}', { content: 'hi' }),
        );
        return true;
      case 'usage-negative-stream':
        sendStream(res, [
          chunk({ role: 'assistant', content: 'Hello there' }),
          {
            ...chunk({}),
            choices: [],
            usage: { prompt_tokens: -5_000_000, completion_tokens: -5_000_000 },
          },
        ]);
        return true;
      case 'no-usage':
        sendJson(
          res,
          200,
          completionText(model, null, {
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'lookup', arguments: JSON.stringify({ q: 'word '.repeat(400) }) },
              },
            ],
          }),
        );
        return true;
      case 'no-usage-stream':
        sendStream(res, [
          chunk({ role: 'assistant', content: '' }),
          chunk({ content: 'word '.repeat(300) }),
          chunk({
            tool_calls: [{ index: 0, function: { name: 'f', arguments: 'arg '.repeat(300) } }],
          }),
        ]);
        return true;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>upstream proxy says hi</body></html>');
        return true;
      case 'echo-auth':
        sendJson(
          res,
          401,
          JSON.stringify({
            error: {
              message: `Incorrect API key provided. Headers: Authorization: ${authorization}`,
              type: 'invalid_request_error',
            },
          }),
        );
        return true;
      case 'echo-auth-raw':
        sendJson(
          res,
          400,
          JSON.stringify({ error: `bad key ${authorization?.replace(/^Bearer /, '') ?? ''}` }),
        );
        return true;
      case 'echo-auth-stream':
        sendStream(res, [
          chunk({ role: 'assistant', content: 'part' }),
          { error: { message: `upstream refused ${authorization}`, type: 'auth' } },
        ]);
        return true;
      default:
        return false;
    }
  };
}

/** A key made by the master key, for a new internal user unless `user_id` is given. */
async function keyFor(t: TestApp, fields: Record<string, unknown>): Promise<GenerateKeyResponse> {
  const userId = fields['user_id'] ?? (await createUser(t, 'internal_user')).user_id;
  const res = await master(t)
    .post('/key/generate', { ...fields, user_id: userId })
    .expect(200);
  return res.body as GenerateKeyResponse;
}

async function keySpendNanos(t: TestApp, token: string): Promise<number> {
  return sqlNumber(t, `SELECT spend FROM keys WHERE token = '${token}'`);
}

describe('security: gateway (issue 11)', () => {
  let g: GatewayTest;
  let t: TestApp;
  const held = { list: [] as (() => void)[], onHold: (): void => undefined };

  beforeAll(async () => {
    g = await startGateway({ listen: true });
    t = g.t;
    g.upstream.respond = hostileUpstream(held);
    for (const id of [
      'honour-max',
      'usage-nan',
      'usage-inf',
      'usage-huge',
      'usage-negative-stream',
      'no-usage',
      'no-usage-stream',
      'echo-auth',
      'echo-auth-stream',
    ]) {
      await addModel(t, g.upstream.url, id, id);
    }
    await addModel(t, g.upstream.url, 'html', 'html', { model_info: { cache: true } });
    await addModel(t, g.upstream.url, 'cached-echo', 'echo', { model_info: { cache: true } });
    await addModel(t, g.upstream.url, 'plain-key', 'echo-auth-raw', {
      litellm_params: { api_key: PLAIN_KEY },
    });
  });
  afterAll(() => g.close());

  it('finding 9: the budget hold reads the larger of max_tokens and max_completion_tokens', async () => {
    // $0.001 budget; one call with max_tokens 4000 costs 4000 x $2/M = $0.008.
    const user = await createUser(t, 'internal_user');
    const key = await keyFor(t, { user_id: user.user_id, max_budget: 0.001 });
    const calls = 12;
    const body = chatBody('honour-max', { max_completion_tokens: 0, max_tokens: 4000 });
    // The upstream answers once every admitted call is held there: all twelve on the old code,
    // one with the fix (the other eleven are refused at admission and answered first).
    let answered = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const check = (): void => {
      if (held.list.length > 0 && held.list.length + answered === calls) release();
    };
    held.onHold = check;
    const results = Array.from({ length: calls }, () =>
      rawPost(t, '/v1/chat/completions', body, { authorization: `Bearer ${key.key}` }).then((r) => {
        answered += 1;
        check();
        return r;
      }),
    );
    await released;
    for (const answer of held.list.splice(0)) answer();
    const statuses = (await Promise.all(results)).map((r) => r.status);
    held.onHold = () => undefined;
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(calls - 1);
    await flushSpend(t);
    // One call's cost (10 prompt + 4000 completion tokens), not twelve.
    expect(await keySpendNanos(t, key.token)).toBe(10 * 1_000 + 4000 * 2_000);
  });

  describe('findings 11 + 19: upstream usage is checked before it is billed', () => {
    it('finding 11: 1e400 / -1e400 usage is billed by estimate, and other calls are still booked', async () => {
      const hostile = await keyFor(t, {});
      const innocent = await keyFor(t, {});
      for (const model of ['usage-nan', 'usage-inf']) {
        await bearer(t, hostile.key).post('/v1/chat/completions', chatBody(model)).expect(200);
      }
      await bearer(t, innocent.key).post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
      await flushSpend(t);
      const spent = await keySpendNanos(t, hostile.token);
      expect(Number.isFinite(spent)).toBe(true);
      expect(spent).toBeGreaterThan(0);
      expect(await keySpendNanos(t, innocent.token)).toBe(CALL_NANOS);
      // The books keep flowing: a later call is booked too.
      await bearer(t, innocent.key).post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
      await flushSpend(t);
      expect(await keySpendNanos(t, innocent.token)).toBe(2 * CALL_NANOS);
      const info = await bearer(t, hostile.key).get('/key/info').expect(200);
      expect(Number.isFinite(info.body.info.spend)).toBe(true);
      // The owner is not locked out.
      await bearer(t, hostile.key).post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
    });

    it('finding 11: usage above the per-call ceiling is clamped to 10M tokens', async () => {
      const key = await keyFor(t, {});
      await bearer(t, key.key).post('/v1/chat/completions', chatBody('usage-huge')).expect(200);
      await flushSpend(t);
      expect(await keySpendNanos(t, key.token)).toBe(10_000_000 * 1_000);
    });

    it('finding 19: negative usage in a stream never drives spend negative', async () => {
      const key = await keyFor(t, {});
      const res = await bearer(t, key.key)
        .post('/v1/chat/completions', chatBody('usage-negative-stream', { stream: true }))
        .expect(200);
      expect(sseData(res.text).pop()).toBe('[DONE]');
      await flushSpend(t);
      const spent = await keySpendNanos(t, key.token);
      expect(spent).toBeGreaterThan(0);
      const rows = await sql<{ p: unknown; c: unknown }>(
        t,
        `SELECT prompt_tokens AS p, completion_tokens AS c FROM spend_logs WHERE key_token = '${key.token}'`,
      );
      expect(Number(rows[0].p)).toBeGreaterThan(0);
      expect(Number(rows[0].c)).toBeGreaterThan(0);
    });
  });

  describe('finding 20: a call without usage is billed over the whole request and answer', () => {
    const bigTools = [
      {
        type: 'function',
        function: {
          name: 'lookup',
          description: 'lorem ipsum dolor '.repeat(11_200), // ~200k characters
          parameters: { type: 'object', properties: { q: { type: 'string' } } },
        },
      },
    ];

    it('finding 20: counts 200k characters of tools and the tool-call arguments (JSON)', async () => {
      const key = await keyFor(t, {});
      await bearer(t, key.key)
        .post('/v1/chat/completions', chatBody('no-usage', { tools: bigTools }))
        .expect(200);
      await flushSpend(t);
      const rows = await sql<{ p: unknown; c: unknown }>(
        t,
        `SELECT prompt_tokens AS p, completion_tokens AS c FROM spend_logs WHERE key_token = '${key.token}'`,
      );
      // The old estimate counted only 'Say hello' (3 tokens) and the (null) content (0).
      expect(Number(rows[0].p)).toBeGreaterThan(30_000);
      expect(Number(rows[0].c)).toBeGreaterThan(300);
    });

    it('finding 20: counts the streamed output, tool-call arguments included', async () => {
      const key = await keyFor(t, {});
      const res = await bearer(t, key.key)
        .post(
          '/v1/chat/completions',
          chatBody('no-usage-stream', { tools: bigTools, stream: true }),
        )
        .expect(200);
      expect(sseData(res.text).pop()).toBe('[DONE]');
      await flushSpend(t);
      const rows = await sql<{ p: unknown; c: unknown }>(
        t,
        `SELECT prompt_tokens AS p, completion_tokens AS c FROM spend_logs WHERE key_token = '${key.token}'`,
      );
      expect(Number(rows[0].p)).toBeGreaterThan(30_000);
      expect(Number(rows[0].c)).toBeGreaterThan(500);
    });
  });

  it('finding 15: a non-JSON answer is not cached, so a streamed repeat is no 500', async () => {
    const body = chatBody('html', { messages: [{ role: 'user', content: 'finding 15' }] });
    const before = g.upstream.received.length;
    const first = await rawPost(t, '/v1/chat/completions', body);
    expect(first.status).toBe(200);
    expect(first.text).toContain('upstream proxy says hi');
    // The old code cached it, then failed to replay it as a stream: 500.
    const streamed = await rawPost(t, '/v1/chat/completions', { ...body, stream: true });
    expect(streamed.status).toBe(200);
    // Both went to the upstream: the HTML answer was never stored.
    expect(g.upstream.received.length).toBe(before + 2);
  });

  describe('finding 17: /model/info by role', () => {
    const infoOf = async (caller: Caller): Promise<ModelResponse[]> => {
      const res = await caller.get('/model/info').expect(200);
      expect(res.text).not.toContain(UPSTREAM_KEY);
      expect(res.text).not.toContain(DB_KEY);
      return (res.body as { data: ModelResponse[] }).data;
    };

    it('finding 17: non-admins see only the models they may call, without api_base or key', async () => {
      const limited: UserCaller = await userCaller(t, 'internal_user', { models: ['cfg-echo'] });
      const mine = await infoOf(limited);
      expect(mine.map((m) => m.model_name)).toEqual(['cfg-echo']);
      expect(mine[0].litellm_params).toMatchObject({ api_base: null, api_key: null });

      for (const role of ['internal_user_viewer', 'proxy_admin_viewer'] as const) {
        const viewer = await userCaller(t, role);
        const seen = await infoOf(viewer);
        expect(seen.length).toBeGreaterThan(1);
        expect(seen.every((m) => m.litellm_params.api_base === null)).toBe(true);
        expect(seen.every((m) => m.litellm_params.api_key === null)).toBe(true);
      }

      const key = await keyFor(t, { models: ['cached-echo'] });
      const byKey = await infoOf(bearer(t, key.key));
      expect(byKey.map((m) => m.model_name)).toEqual(['cached-echo']);
      expect(byKey[0].litellm_params.api_base).toBeNull();
    });

    it('finding 17: admins see every model with its api_base and a masked key', async () => {
      const admin = await userCaller(t, 'proxy_admin');
      for (const caller of [admin, master(t)]) {
        const all = await infoOf(caller);
        const names = all.map((m) => m.model_name);
        expect(names).toEqual(expect.arrayContaining(['cfg-echo', 'cached-echo', 'plain-key']));
        expect(all.every((m) => typeof m.litellm_params.api_base === 'string')).toBe(true);
        expect(all.find((m) => m.model_name === 'cfg-echo')?.litellm_params.api_key).toMatch(
          /^sk-\.\.\./,
        );
      }
    });
  });

  describe("finding 18: relayed upstream errors never carry the deployment's key", () => {
    it('finding 18: redacts an echoed Authorization header from a JSON error', async () => {
      const res = await master(t).post('/v1/chat/completions', chatBody('echo-auth')).expect(401);
      expect(res.body.error).toMatchObject({ type: 'upstream_error' });
      expect(res.text).not.toContain(DB_KEY);
      expect(res.text).not.toContain('5678');
      expect(res.body.error.message).toContain('[redacted]');
    });

    it("finding 18: redacts the deployment's exact key, whatever its shape", async () => {
      const res = await master(t).post('/v1/chat/completions', chatBody('plain-key')).expect(400);
      expect(res.text).not.toContain(PLAIN_KEY);
      expect(res.body.error.message).toContain('[redacted]');
    });

    it('finding 18: redacts an error event in a stream', async () => {
      const res = await master(t)
        .post('/v1/chat/completions', chatBody('echo-auth-stream', { stream: true }))
        .expect(200);
      expect(res.text).toContain('upstream refused');
      expect(res.text).not.toContain(DB_KEY);
    });
  });

  describe('one model-access rule; inaccessible models answer 404 model_not_found', () => {
    it('answers unknown and not-allowed models alike, like OpenAI', async () => {
      const key = await keyFor(t, { models: ['cfg-echo'] });
      const caller = bearer(t, key.key);
      const unknown = await caller
        .post('/v1/chat/completions', chatBody('no-such-model'))
        .expect(404);
      const denied = await caller.post('/v1/chat/completions', chatBody('cached-echo')).expect(404);
      for (const [res, model] of [
        [unknown, 'no-such-model'],
        [denied, 'cached-echo'],
      ] as const) {
        expect(res.body.error).toEqual({
          message: `The model \`${model}\` does not exist or you do not have access to it.`,
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        });
      }
      const embed = await caller
        .post('/v1/embeddings', { model: 'cached-echo', input: 'x' })
        .expect(404);
      expect(embed.body.error.code).toBe('model_not_found');
    });

    it("admission, /v1/models and /model/info agree, '*' and 'all-proxy-models' included", async () => {
      for (const models of [['*'], ['all-proxy-models'], ['cfg-echo', 'cached-echo']]) {
        const key = await keyFor(t, { models });
        const caller = bearer(t, key.key);
        const listed = ((await caller.get('/v1/models').expect(200)).body.data as { id: string }[])
          .map((m) => m.id)
          .sort();
        const info = ((await caller.get('/model/info').expect(200)).body.data as ModelResponse[])
          .map((m) => m.model_name)
          .sort();
        expect([...new Set(info)]).toEqual(listed);
        expect(listed).toContain('cfg-echo');
        if (models[0] !== 'cfg-echo') expect(listed.length).toBeGreaterThan(2);
        else expect(listed).toEqual(['cached-echo', 'cfg-echo']);
        await caller.post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
      }
    });
  });
});

describe('finding 16: the response cache is scoped to the caller', () => {
  const body = chatBody('cached-echo', {
    messages: [{ role: 'user', content: 'the same question from two users' }],
  });

  async function twoUsersAsk(env: Record<string, string>): Promise<number> {
    const g = await startGateway({ env });
    try {
      await addModel(g.t, g.upstream.url, 'cached-echo', 'echo', { model_info: { cache: true } });
      const a = await keyFor(g.t, {});
      const b = await keyFor(g.t, {});
      const before = g.upstream.received.length;
      await bearer(g.t, a.key).post('/v1/chat/completions', body).expect(200);
      await bearer(g.t, b.key).post('/v1/chat/completions', body).expect(200);
      // The same user again is a hit under every scope but `key`.
      await bearer(g.t, a.key).post('/v1/chat/completions', body).expect(200);
      return g.upstream.received.length - before;
    } finally {
      await g.close();
    }
  }

  it('finding 16: under the default scope (user) the second user is a miss', async () => {
    expect(await twoUsersAsk({})).toBe(2);
  });

  it('finding 16: under CACHE_SCOPE=global the second user is a hit', async () => {
    expect(await twoUsersAsk({ CACHE_SCOPE: 'global' })).toBe(1);
  });
});

describe('finding 11: a bad usage value is logged, without secrets or content', () => {
  let g: GatewayTest;

  beforeAll(async () => {
    g = await startGateway();
    g.upstream.respond = hostileUpstream({ list: [], onHold: () => undefined });
    await addModel(g.t, g.upstream.url, 'usage-inf', 'usage-inf');
  });
  afterAll(() => g.close());
  afterEach(() => jest.restoreAllMocks());

  it('finding 11: logs the field and the request, not the value, key or prompt', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const body = chatBody('usage-inf', {
      messages: [{ role: 'user', content: 'private prompt text' }],
    });
    await master(g.t).post('/v1/chat/completions', body).expect(200);
    await flushSpend(g.t);
    const text = warn.mock.calls.map((call) => call.map(String).join(' ')).join('\n');
    expect(text).toContain('upstream usage.prompt_tokens is not a finite non-negative integer');
    expect(text).not.toContain('private prompt text');
    expect(text).not.toContain('Infinity');
    expect(text).not.toContain(DB_KEY);
  });
});
