import Anthropic from '@anthropic-ai/sdk';
import { master, userCaller } from './support/callers';
import { sql } from './support/db';
import {
  actAs,
  addModel,
  flushSpend,
  keyCaller,
  limitsFor,
  rawPost,
  startGateway,
  type GatewayTest,
} from './support/gateway';
import {
  ANTHROPIC_MOCK_REDACTED,
  ANTHROPIC_MOCK_TEXT,
  ANTHROPIC_MOCK_THINKING,
  ANTHROPIC_MOCK_TOOL_INPUT,
  startMockAnthropic,
  type MockAnthropic,
} from './support/mock-anthropic';
import { MOCK_CONTENT } from './support/mock-upstream';

const THINKING = { type: 'enabled' as const, budget_tokens: 1024 };
/** What the mock answers a request with `thinking` enabled (see mock-anthropic.ts). */
const THINKING_CONTENT = [
  ANTHROPIC_MOCK_THINKING,
  ANTHROPIC_MOCK_REDACTED,
  { type: 'text', text: ANTHROPIC_MOCK_TEXT, citations: null },
];

const TOOL = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

/** `POST /v1/messages`: Anthropic's wire format, the same admission and books as chat. */
describe('/v1/messages', () => {
  let g: GatewayTest;
  let anthropic: MockAnthropic;
  let client: Anthropic;

  beforeAll(async () => {
    g = await startGateway({ listen: true });
    anthropic = await startMockAnthropic();
    await master(g.t)
      .post('/model/new', {
        model_name: 'claude',
        litellm_params: {
          model: 'anthropic/claude-sonnet-4-5',
          api_base: anthropic.url,
          api_key: anthropic.key,
        },
      })
      .expect(200);
    await addModel(g.t, g.upstream.url, 'gpt', 'echo');
    client = new Anthropic({ apiKey: g.t.masterKey, baseURL: g.t.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await g.close();
    await anthropic.close();
  });
  afterEach(() => jest.restoreAllMocks());

  describe('the official @anthropic-ai/sdk client', () => {
    it('creates a message on an anthropic/ deployment, the body passed through', async () => {
      const res = await client.messages.create({
        model: 'claude',
        max_tokens: 64,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(res.type).toBe('message');
      expect(res.content).toEqual([{ type: 'text', text: ANTHROPIC_MOCK_TEXT }]);
      expect(res.stop_reason).toBe('end_turn');
      expect(res.usage).toMatchObject({
        input_tokens: 12,
        output_tokens: 7,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 20,
      });
      const sent = anthropic.received[anthropic.received.length - 1];
      expect(sent.body).toEqual({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(sent.headers['x-api-key']).toBe(anthropic.key);
      expect(sent.headers['anthropic-version']).toBe('2023-06-01');
      expect(sent.headers['authorization']).toBeUndefined();
    });

    it('streams a message, events in the documented order', async () => {
      const stream = client.messages.stream({
        model: 'claude',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);
      const final = await stream.finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: ANTHROPIC_MOCK_TEXT }]);
      expect(final.usage.output_tokens).toBe(7);
      expect(types[0]).toBe('message_start');
      expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
      expect(types).toContain('content_block_delta');
    });

    it('shows thinking, redacted_thinking and stop_sequence, in JSON and in a stream', async () => {
      const request = {
        model: 'claude',
        max_tokens: 2048,
        thinking: THINKING,
        stop_sequences: ['###'],
        messages: [{ role: 'user' as const, content: 'hi' }],
      };
      const res = await client.messages.create(request);
      expect(res.content).toEqual(THINKING_CONTENT);
      expect([res.stop_reason, res.stop_sequence]).toEqual(['stop_sequence', '###']);
      expect(anthropic.received[anthropic.received.length - 1].body['thinking']).toEqual(THINKING);
      const stream = client.messages.stream(request);
      const thinking: string[] = [];
      stream.on('thinking', (delta) => thinking.push(delta));
      const final = await stream.finalMessage();
      expect(final.content).toEqual(THINKING_CONTENT);
      expect(thinking.join('')).toBe(ANTHROPIC_MOCK_THINKING.thinking);
      expect([final.stop_reason, final.stop_sequence]).toEqual(['stop_sequence', '###']);
      expect(final.usage).toMatchObject({
        input_tokens: 12,
        output_tokens: 7,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 20,
      });
    });

    it('uses tools both ways (tool_use answered, tool_result sent back)', async () => {
      const first = await client.messages.create({
        model: 'claude',
        max_tokens: 64,
        tools: [TOOL],
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
      });
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((b) => b.type === 'tool_use');
      expect(use).toMatchObject({ name: 'get_weather', input: ANTHROPIC_MOCK_TOOL_INPUT });
      const second = await client.messages.create({
        model: 'claude',
        max_tokens: 64,
        tools: [TOOL],
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: use?.id ?? '', content: '18C' }],
          },
        ],
      });
      expect(second.content).toEqual([{ type: 'text', text: ANTHROPIC_MOCK_TEXT }]);
    });

    it('is served by an openai/ deployment, translated both ways (JSON and stream)', async () => {
      const res = await client.messages.create({
        model: 'gpt',
        max_tokens: 64,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(res.content).toEqual([{ type: 'text', text: MOCK_CONTENT }]);
      expect(res.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
      const sent = g.upstream.received[g.upstream.received.length - 1];
      expect(sent.path).toBe('/v1/chat/completions');
      expect(sent.body['messages']).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ]);
      const stream = client.messages.stream({
        model: 'gpt',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const final = await stream.finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: MOCK_CONTENT }]);
      expect(final.usage.output_tokens).toBe(5);
    });

    it('surfaces errors as APIError with the status, in Anthropic shape, key redacted', async () => {
      await expect(
        client.messages.create({
          model: 'missing',
          max_tokens: 8,
          messages: [{ role: 'user', content: 'x' }],
        }),
      ).rejects.toMatchObject({ status: 404 });
      await master(g.t)
        .post('/model/new', {
          model_name: 'claude-broken',
          litellm_params: {
            model: 'anthropic/status-401',
            api_base: anthropic.url,
            api_key: anthropic.key,
          },
        })
        .expect(200);
      const res = await rawPost(
        g.t,
        '/v1/messages',
        { model: 'claude-broken', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] },
        { 'x-api-key': g.t.masterKey },
      );
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      expect(res.text).not.toContain(anthropic.key);
    });
  });

  describe("an anthropic/ deployment's answer passes through, booked from its own usage", () => {
    const ask = (model: string, extra: object = {}): object => ({
      model,
      max_tokens: 2048,
      thinking: THINKING,
      stop_sequences: ['###'],
      messages: [{ role: 'user', content: 'hi' }],
      ...extra,
    });
    const lastAnswer = (): string => anthropic.answers[anthropic.answers.length - 1];
    const logsOf = (model: string) =>
      sql<{
        prompt_tokens: number;
        completion_tokens: number;
        spend: number;
        status: string;
        cache_hit: boolean | number;
        error_type: string | null;
        model_id: string | null;
      }>(
        g.t,
        `SELECT prompt_tokens, completion_tokens, spend, status, cache_hit, error_type, model_id
         FROM spend_logs WHERE model = '${model}' ORDER BY start_time`,
      );
    // $1/M input, $2/M output, $0.10/M cache read, $1.25/M cache write: in nano-$ per token.
    const PRICED = 12 * 1_000 + 100 * 100 + 20 * 1_250 + 7 * 2_000;

    beforeAll(async () => {
      const anthropicModel = (name: string, model: string, info: object = {}) =>
        master(g.t)
          .post('/model/new', {
            model_name: name,
            litellm_params: { model, api_base: anthropic.url, api_key: anthropic.key },
            model_info: {
              input_cost_per_token: 1e-6,
              output_cost_per_token: 2e-6,
              cache_read_input_token_cost: 1e-7,
              cache_creation_input_token_cost: 1.25e-6,
              ...info,
            },
          })
          .expect(200);
      await anthropicModel('claude-priced', 'anthropic/claude-opus-4-1');
      await anthropicModel('claude-stream-priced', 'anthropic/claude-opus-4-1');
      await anthropicModel('claude-cut', 'anthropic/stream-cut');
      await anthropicModel('claude-cached', 'anthropic/claude-opus-4-1', { cache: true });
      await anthropicModel('claude-down', 'anthropic/status-500');
    });

    it('relays the JSON body byte for byte and books its usage, cache read/write priced', async () => {
      const res = await rawPost(g.t, '/v1/messages', ask('claude-priced'));
      expect(res.status).toBe(200);
      expect(res.text).toBe(lastAnswer());
      expect(res.json()).toMatchObject({
        content: THINKING_CONTENT,
        stop_reason: 'stop_sequence',
        stop_sequence: '###',
        usage: { service_tier: 'standard' },
      });
      expect(res.headers['x-gatehouse-model-id']).toEqual(expect.any(String));
      await flushSpend(g.t);
      expect(await logsOf('claude-priced')).toEqual([
        expect.objectContaining({
          prompt_tokens: 132,
          completion_tokens: 7,
          status: 'success',
          model_id: res.headers['x-gatehouse-model-id'],
        }),
      ]);
      expect(Number((await logsOf('claude-priced'))[0].spend)).toBe(PRICED);
    });

    it('relays the stream event for event, booked as the JSON answer is', async () => {
      const res = await rawPost(g.t, '/v1/messages', ask('claude-stream-priced', { stream: true }));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      expect(res.text).toBe(lastAnswer());
      expect(res.text).toContain('"type":"signature_delta"');
      await flushSpend(g.t);
      const [log] = await logsOf('claude-stream-priced');
      expect(log).toMatchObject({ prompt_tokens: 132, completion_tokens: 7, status: 'success' });
      expect(Number(log.spend)).toBe(PRICED);
    });

    it('bills a stream that breaks off for what was produced, ending it with an Anthropic error event', async () => {
      const res = await rawPost(g.t, '/v1/messages', ask('claude-cut', { stream: true }));
      expect(res.status).toBe(200);
      const relayed = lastAnswer();
      expect(relayed).toContain('text_delta');
      expect(res.text.startsWith(relayed)).toBe(true);
      const tail = res.text.slice(relayed.length);
      expect(tail).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
      await flushSpend(g.t);
      const [log] = await logsOf('claude-cut');
      expect(log.status).toBe('failure');
      expect(log.error_type).toEqual(expect.any(String));
      // Counted, not the upstream's usage (never sent): the prompt and the thinking + text seen.
      expect(log.prompt_tokens).toBeGreaterThan(0);
      expect(log.prompt_tokens).not.toBe(132);
      expect(log.completion_tokens).toBeGreaterThan(0);
      expect(Number(log.spend)).toBeGreaterThan(0);
    });

    it('answers the second identical call from the cache, JSON and stream, never to chat', async () => {
      const before = anthropic.received.length;
      const first = await rawPost(g.t, '/v1/messages', ask('claude-cached'));
      const again = await rawPost(g.t, '/v1/messages', ask('claude-cached'));
      expect(anthropic.received.length - before).toBe(1);
      expect(again.text).toBe(first.text);
      const stream = client.messages.stream(ask('claude-cached') as Anthropic.MessageCreateParams);
      const final = await stream.finalMessage();
      expect(anthropic.received.length - before).toBe(1);
      expect(final.content).toEqual(THINKING_CONTENT);
      expect([final.stop_reason, final.stop_sequence]).toEqual(['stop_sequence', '###']);
      // Without thinking it is another request (the chat translation would not tell them apart).
      const plain = await rawPost(
        g.t,
        '/v1/messages',
        ask('claude-cached', { thinking: undefined }),
      );
      expect(plain.json()['content']).toEqual([{ type: 'text', text: ANTHROPIC_MOCK_TEXT }]);
      expect(anthropic.received.length - before).toBe(2);
      // Chat's entries are chat's: OpenAI's shape, from its own upstream call.
      const chat = await rawPost(g.t, '/v1/chat/completions', {
        model: 'claude-cached',
        max_tokens: 2048,
        stop: ['###'],
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(chat.json()).toMatchObject({ object: 'chat.completion', choices: [{ index: 0 }] });
      expect(anthropic.received.length - before).toBe(3);
      // `cache: {"no-cache": true}` skips it, and is Gatehouse's: the upstream never sees it.
      const skipped = await rawPost(
        g.t,
        '/v1/messages',
        ask('claude-cached', { cache: { 'no-cache': true } }),
      );
      expect(skipped.text).toBe(lastAnswer());
      expect(anthropic.received.length - before).toBe(4);
      expect(anthropic.received[anthropic.received.length - 1].body).not.toHaveProperty('cache');
      await flushSpend(g.t);
      const logs = await logsOf('claude-cached');
      const hits = logs.filter((l) => Boolean(l.cache_hit));
      expect([logs.length, hits.length]).toEqual([6, 2]);
      for (const hit of hits) {
        expect(hit).toMatchObject({ prompt_tokens: 132, completion_tokens: 7, model_id: null });
        expect(Number(hit.spend)).toBe(0);
      }
    });

    it('falls back from an anthropic/ deployment to an openai/ one, answering a Messages answer', async () => {
      const res = await rawPost(g.t, '/v1/messages', {
        model: 'claude-down',
        max_tokens: 64,
        fallbacks: ['gpt'],
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-gatehouse-attempted-fallbacks']).toBe('1');
      expect(res.json()).toMatchObject({
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text: MOCK_CONTENT }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 10, output_tokens: 5 },
      });
      // Gatehouse's own field never reaches the upstream.
      expect(anthropic.received[anthropic.received.length - 1].body).not.toHaveProperty(
        'fallbacks',
      );
      const stream = client.messages.stream({
        model: 'claude-down',
        max_tokens: 64,
        fallbacks: ['gpt'],
        messages: [{ role: 'user', content: 'hi' }],
      } as Anthropic.MessageCreateParams);
      const final = await stream.finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: MOCK_CONTENT }]);
      expect(final.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
    });

    it('refuses a spent budget and the rpm limit on the passthrough path too', async () => {
      actAs(
        g.t,
        keyCaller({ limits: [limitsFor('key', 'test-key-token', { maxBudgetNanos: 0 })] }),
      );
      const spent = await rawPost(g.t, '/v1/messages', ask('claude-priced'));
      expect(spent.status).toBe(400);
      expect(spent.json()).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error' },
      });
      jest.restoreAllMocks();
      actAs(
        g.t,
        keyCaller({
          keyToken: 'rpm-pass',
          limits: [limitsFor('key', 'rpm-pass', { rpmLimit: 1 })],
        }),
      );
      const before = anthropic.received.length;
      expect(
        (await rawPost(g.t, '/v1/messages', ask('claude-priced', { stream: true }))).status,
      ).toBe(200);
      const limited = await rawPost(g.t, '/v1/messages', ask('claude-priced'));
      expect(limited.status).toBe(429);
      expect(limited.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
      expect(anthropic.received.length - before).toBe(1);
    });
  });

  describe('credentials and hostile input', () => {
    it('takes x-api-key or Authorization; refuses none, a wrong key, bad bodies (4xx, Anthropic shape)', async () => {
      const body = { model: 'gpt', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] };
      expect(
        (await rawPost(g.t, '/v1/messages', body, { 'x-api-key': g.t.masterKey })).status,
      ).toBe(200);
      expect((await rawPost(g.t, '/anthropic/v1/messages', body)).status).toBe(200);
      const none = await rawPost(g.t, '/v1/messages', body, {});
      expect(none.status).toBe(401);
      expect(none.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      expect((await rawPost(g.t, '/v1/messages', body, { 'x-api-key': 'sk-wrong' })).status).toBe(
        401,
      );
      for (const bad of [
        { ...body, max_tokens: undefined },
        { ...body, messages: [] },
        { ...body, messages: [{ role: 'system', content: 'x' }] },
        { ...body, messages: [{ role: 'user', content: 3 }] },
        { ...body, model: 7 },
        [],
      ]) {
        const res = await rawPost(g.t, '/v1/messages', bad);
        expect(res.status).toBe(400);
        expect(res.json()).toMatchObject({
          type: 'error',
          error: { type: 'invalid_request_error' },
        });
      }
    });
  });

  describe('held to the same admission and books as chat (BerriAI/litellm#38176)', () => {
    const body = { model: 'gpt', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] };

    it('refuses a spent budget, the rpm limit and a model outside the allow-list', async () => {
      actAs(
        g.t,
        keyCaller({ limits: [limitsFor('key', 'test-key-token', { maxBudgetNanos: 0 })] }),
      );
      const spent = await rawPost(g.t, '/v1/messages', body);
      const chat = await rawPost(g.t, '/v1/chat/completions', {
        model: 'gpt',
        messages: body.messages,
      });
      expect([spent.status, chat.status]).toEqual([400, 400]);
      expect(chat.json().error?.type).toBe('budget_exceeded');
      expect(spent.json().error?.message).toBe(chat.json().error?.message);
      jest.restoreAllMocks();

      actAs(
        g.t,
        keyCaller({ keyToken: 'rpm-key', limits: [limitsFor('key', 'rpm-key', { rpmLimit: 1 })] }),
      );
      expect((await rawPost(g.t, '/v1/messages', body)).status).toBe(200);
      const limited = await rawPost(g.t, '/v1/messages', body);
      expect(limited.status).toBe(429);
      expect(limited.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
      expect(limited.headers['retry-after']).toBeDefined();
      jest.restoreAllMocks();

      actAs(g.t, keyCaller({ allowLists: [['claude']] }));
      expect((await rawPost(g.t, '/v1/messages', body)).status).toBe(404);
      expect((await rawPost(g.t, '/v1/messages', { ...body, model: 'claude' })).status).toBe(200);
    });

    it('keeps its own cache entries (not those of chat), JSON and stream, answers mock_response', async () => {
      await addModel(g.t, g.upstream.url, 'gpt-cached', 'echo', { model_info: { cache: true } });
      const cached = { ...body, model: 'gpt-cached' };
      const before = g.upstream.received.length;
      const first = await rawPost(g.t, '/v1/messages', cached);
      const again = await rawPost(g.t, '/v1/messages', cached);
      const chat = await rawPost(g.t, '/v1/chat/completions', {
        model: 'gpt-cached',
        max_tokens: 8,
        messages: body.messages,
      });
      expect(g.upstream.received.length - before).toBe(2);
      expect(again.json()).toEqual(first.json());
      expect(chat.json()).toMatchObject({ choices: [{ message: { content: MOCK_CONTENT } }] });
      const streamed = await rawPost(g.t, '/v1/messages', { ...cached, stream: true });
      expect(g.upstream.received.length - before).toBe(2);
      expect(streamed.text).toContain('event: message_start');
      expect(streamed.text).toContain(MOCK_CONTENT);
      expect(streamed.text.trim().endsWith('data: {"type":"message_stop"}')).toBe(true);
      const mocked = await rawPost(g.t, '/v1/messages', { ...cached, mock_response: 'mocked!' });
      expect(mocked.json()).toMatchObject({
        type: 'message',
        content: [{ type: 'text', text: 'mocked!' }],
      });
      // A mocked answer is cached under its mock_response, never served to the real request.
      const real = await rawPost(g.t, '/v1/messages', cached);
      expect(real.json()).toEqual(first.json());
      expect(g.upstream.received.length - before).toBe(2);
    });

    it('books every call: spend logs = key counter = rollups across chat and messages', async () => {
      const user = await userCaller(g.t, 'internal_user');
      const key = await user.post('/key/generate', { key_alias: 'messages-books' }).expect(200);
      const { key: secret, token } = key.body as { key: string; token: string };
      const headers = { 'x-api-key': secret };
      const calls = [
        rawPost(g.t, '/v1/messages', body, headers),
        rawPost(g.t, '/v1/messages', { ...body, model: 'claude' }, headers),
        rawPost(g.t, '/v1/messages', { ...body, model: 'claude', stream: true }, headers),
        rawPost(
          g.t,
          '/v1/chat/completions',
          { model: 'claude', messages: body.messages },
          {
            authorization: `Bearer ${secret}`,
          },
        ),
      ];
      for (const res of await Promise.all(calls)) expect(res.status).toBe(200);
      await flushSpend(g.t);
      const [logs] = await sql<{ n: number; s: number }>(
        g.t,
        `SELECT COUNT(*) AS n, SUM(spend) AS s FROM spend_logs WHERE key_token = '${token}'`,
      );
      const [rollup] = await sql<{ n: number; s: number }>(
        g.t,
        `SELECT SUM(requests) AS n, SUM(spend) AS s FROM daily_spend WHERE key_token = '${token}'`,
      );
      const info = await user.get(`/key/info?key=${token}`).expect(200);
      expect(Number(logs.n)).toBe(4);
      expect(Number(rollup.n)).toBe(4);
      expect(Number(rollup.s)).toBe(Number(logs.s));
      const spend = (info.body as { info: { spend: number } }).info.spend;
      expect(Math.round(spend * 1e9)).toBe(Number(logs.s)); // USD vs nano-dollars
      // claude-sonnet-4-5 has no model_info: priced from the catalogue, cache tokens included
      // (12 uncached × $3/M + 100 read × $0.30/M + 20 written × $3.75/M + 7 out × $15/M), in nano-$.
      const [claude] = await sql<{ s: number }>(
        g.t,
        `SELECT MIN(spend) AS s FROM spend_logs WHERE key_token = '${token}' AND model = 'claude'`,
      );
      expect(Number(claude.s)).toBe(12 * 3_000 + 100 * 300 + 20 * 3_750 + 7 * 15_000);
    });
  });
});
