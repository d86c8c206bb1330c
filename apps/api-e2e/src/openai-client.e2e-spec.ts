import OpenAI from 'openai';
import { addModel, startGateway, type GatewayTest } from './support/gateway';
import { MOCK_CONTENT, MOCK_USAGE } from './support/mock-upstream';

/** The official `openai` npm client pointed at Gatehouse. */
describe('openai npm client', () => {
  let g: GatewayTest;
  let client: OpenAI;

  beforeAll(async () => {
    g = await startGateway({ listen: true });
    await addModel(g.t, g.upstream.url, 'echo', 'echo');
    client = new OpenAI({ baseURL: `${g.t.baseUrl}/v1`, apiKey: g.t.masterKey, maxRetries: 0 });
  });
  afterAll(() => g.close());

  it('creates a chat completion', async () => {
    const res = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0].message.content).toBe(MOCK_CONTENT);
    expect(res.usage).toMatchObject(MOCK_USAGE);
  });

  it('streams a chat completion, with usage on request', async () => {
    const stream = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(MOCK_CONTENT);
    expect(usage).toMatchObject(MOCK_USAGE);
  });

  it('creates embeddings', async () => {
    const res = await client.embeddings.create({ model: 'echo', input: 'hello' });
    expect(res.data[0].embedding).toHaveLength(3);
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['echo', 'cfg-echo']));
  });

  it('surfaces gateway errors as APIError with the status', async () => {
    await expect(
      client.chat.completions.create({
        model: 'missing',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });
});
