import OpenAI from 'openai';
import { anonymous, master, userCaller } from './support/callers';
import { startGateway, type GatewayTest } from './support/gateway';
import {
  ANTHROPIC_MOCK_TEXT,
  ANTHROPIC_MOCK_TOOL_INPUT,
  startMockAnthropic,
  type MockAnthropic,
} from './support/mock-anthropic';
import { MOCK_CONTENT, MOCK_USAGE } from './support/mock-upstream';

interface ModelRow {
  model_name: string;
  litellm_params: { model: string; api_version: string | null; api_key: string | null };
  model_info: {
    input_cost_per_token: number;
    output_cost_per_token: number;
    cache_read_input_token_cost: number | null;
    cache_creation_input_token_cost: number | null;
    price_source: string;
  };
}

/** `anthropic/` and `azure/` deployments behind the OpenAI API, and built-in prices. */
describe('providers', () => {
  let g: GatewayTest;
  let anthropic: MockAnthropic;
  let client: OpenAI;

  beforeAll(async () => {
    g = await startGateway({ listen: true });
    anthropic = await startMockAnthropic();
    const origin = new URL(g.upstream.url).origin;
    for (const body of [
      {
        model_name: 'claude',
        litellm_params: {
          model: 'anthropic/claude-sonnet-4-5',
          api_base: anthropic.url,
          api_key: anthropic.key,
        },
      },
      {
        model_name: 'azure-gpt',
        litellm_params: {
          model: 'azure/prod-gpt4o',
          api_base: origin,
          api_key: 'azure-key-9876',
          api_version: '2024-10-21',
        },
        model_info: { base_model: 'gpt-4o' },
      },
      {
        model_name: 'priced',
        litellm_params: { model: 'openai/gpt-4o', api_base: g.upstream.url },
        model_info: { input_cost_per_token: 0.000001 },
      },
      {
        model_name: 'unknown-price',
        litellm_params: { model: 'openai/echo', api_base: g.upstream.url },
      },
    ]) {
      await master(g.t).post('/model/new', body).expect(200);
    }
    // Azure answers OpenAI's format under its own path; the mock checks path and key here.
    g.upstream.respond = (req, res) => {
      if (!req.path.startsWith('/openai/deployments/')) return false;
      const ok =
        req.path === '/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21';
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          ok
            ? {
                id: 'chatcmpl-azure',
                object: 'chat.completion',
                created: 1,
                model: 'gpt-4o',
                choices: [
                  {
                    index: 0,
                    message: { role: 'assistant', content: MOCK_CONTENT },
                    finish_reason: 'stop',
                  },
                ],
                usage: MOCK_USAGE,
              }
            : { error: { message: 'DeploymentNotFound', type: 'invalid_request_error' } },
        ),
      );
      return true;
    };
    client = new OpenAI({ baseURL: `${g.t.baseUrl}/v1`, apiKey: g.t.masterKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await g.close();
    await anthropic.close();
  });

  describe('the openai client against an anthropic/ model', () => {
    it('chats: translated to the Messages API and back, usage with cache tokens', async () => {
      const res = await client.chat.completions.create({
        model: 'claude',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
        ],
      });
      expect(res.choices[0].message.content).toBe(ANTHROPIC_MOCK_TEXT);
      expect(res.choices[0].finish_reason).toBe('stop');
      expect(res.usage).toMatchObject({
        prompt_tokens: 132,
        completion_tokens: 7,
        prompt_tokens_details: { cached_tokens: 100 },
      });
      const sent = anthropic.received[anthropic.received.length - 1];
      expect(sent.body).toMatchObject({
        model: 'claude-sonnet-4-5',
        system: 'Be brief.',
        max_tokens: 4096,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      });
    });

    it('streams, translated event by event, with usage on request', async () => {
      const stream = await client.chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: unknown = null;
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(ANTHROPIC_MOCK_TEXT);
      expect(finish).toBe('stop');
      expect(usage).toMatchObject({ prompt_tokens: 132, completion_tokens: 7 });
    });

    it('calls tools and sends their results back', async () => {
      const tools = [
        {
          type: 'function' as const,
          function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
        },
      ];
      const first = await client.chat.completions.create({
        model: 'claude',
        tools,
        messages: [{ role: 'user', content: 'Weather?' }],
      });
      const call = first.choices[0].message.tool_calls?.[0];
      expect(first.choices[0].finish_reason).toBe('tool_calls');
      expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
      const args = call?.type === 'function' ? call.function.arguments : '';
      expect(JSON.parse(args)).toEqual(ANTHROPIC_MOCK_TOOL_INPUT);
      const second = await client.chat.completions.create({
        model: 'claude',
        tools,
        messages: [
          { role: 'user', content: 'Weather?' },
          first.choices[0].message,
          { role: 'tool', tool_call_id: call?.id ?? '', content: '18C' },
        ],
      });
      expect(second.choices[0].message.content).toBe(ANTHROPIC_MOCK_TEXT);
      const sent = anthropic.received[anthropic.received.length - 1].body;
      expect((sent['messages'] as unknown[])[2]).toEqual({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: call?.id, content: '18C' }],
      });
    });

    it('relays an upstream error as an OpenAI error, the key redacted', async () => {
      await master(g.t)
        .post('/model/new', {
          model_name: 'claude-429',
          litellm_params: {
            model: 'anthropic/status-429',
            api_base: anthropic.url,
            api_key: anthropic.key,
          },
        })
        .expect(200);
      const res = await master(g.t)
        .post('/v1/chat/completions', {
          model: 'claude-429',
          messages: [{ role: 'user', content: 'x' }],
        })
        .expect(429);
      expect(res.body.error.type).toBe('upstream_error');
      expect(JSON.stringify(res.body)).not.toContain(anthropic.key);
    });
  });

  describe('the openai client against an azure/ model', () => {
    it('calls /openai/deployments/<d>/chat/completions?api-version= with the api-key header', async () => {
      const res = await client.chat.completions.create({
        model: 'azure-gpt',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(res.choices[0].message.content).toBe(MOCK_CONTENT);
      const sent = g.upstream.received[g.upstream.received.length - 1];
      expect(sent.apiKey).toBe('azure-key-9876');
      expect(sent.authorization).toBeNull();
    });
  });

  describe('/model/new and /model/info', () => {
    it('refuses an azure/ model without api_base or api_version, and unknown providers', async () => {
      const base = {
        model_name: 'bad',
        litellm_params: { model: 'azure/x', api_base: 'https://r.example' },
      };
      const noVersion = await master(g.t).post('/model/new', base).expect(400);
      expect(noVersion.body.error.param).toBe('litellm_params.api_version');
      await master(g.t)
        .post('/model/new', {
          model_name: 'bad',
          litellm_params: { model: 'azure/x', api_version: '1' },
        })
        .expect(400);
      await master(g.t)
        .post('/model/new', { model_name: 'bad', litellm_params: { model: 'bedrock/x' } })
        .expect(400);
      await master(g.t)
        .post('/model/new', {
          ...base,
          litellm_params: { ...base.litellm_params, api_version: 'a b' },
        })
        .expect(400);
    });

    it('shows each price and its source: catalogue, model_info or none', async () => {
      const res = await master(g.t).get('/model/info').expect(200);
      const rows = res.body.data as ModelRow[];
      const byName = (name: string): ModelRow['model_info'] =>
        rows.find((r) => r.model_name === name)?.model_info as ModelRow['model_info'];
      expect(byName('claude')).toMatchObject({
        input_cost_per_token: 3e-6,
        output_cost_per_token: 15e-6,
        cache_read_input_token_cost: 0.3e-6,
        cache_creation_input_token_cost: 3.75e-6,
        price_source: 'catalogue',
      });
      expect(byName('azure-gpt')).toMatchObject({
        input_cost_per_token: 2.5e-6,
        price_source: 'catalogue',
      });
      expect(byName('priced')).toMatchObject({
        input_cost_per_token: 1e-6,
        output_cost_per_token: 10e-6,
        price_source: 'model_info',
      });
      expect(byName('unknown-price')).toMatchObject({
        input_cost_per_token: 0,
        price_source: 'none',
      });
      const azure = rows.find((r) => r.model_name === 'azure-gpt');
      expect(azure?.litellm_params).toMatchObject({
        api_version: '2024-10-21',
        api_key: expect.not.stringContaining('azure-key'),
      });
    });

    it('never shows an upstream key to non-admins, nor /model/info to anybody anonymous', async () => {
      await anonymous(g.t).get('/model/info').expect(401);
      const user = await userCaller(g.t, 'internal_user');
      const res = await user.get('/model/info').expect(200);
      expect(JSON.stringify(res.body)).not.toContain(anthropic.key);
      expect(JSON.stringify(res.body)).not.toContain('azure-key');
    });
  });
});
