import type { GenerateKeyResponse } from '@gatehouse/shared/dto';
import { bearer, createUser, master } from './support/callers';
import { addModel, chatBody, startGateway, type GatewayTest } from './support/gateway';
import { startApp, type TestApp } from './support/test-app';

describe('key secrets in logs', () => {
  const lines: string[] = [];
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ logDestination: { write: (line: string) => lines.push(line) } });
  });
  afterAll(() => t.close());

  it('never appear, whether sent in a header or named in a query string', async () => {
    const owner = await createUser(t, 'internal_user');
    const key = (await master(t).post('/key/generate', { user_id: owner.user_id }).expect(200))
      .body as GenerateKeyResponse;
    await bearer(t, key.key)
      .get(`/key/info?key=${encodeURIComponent(key.key)}`)
      .expect(200);
    await t.http.get('/key/list').set('x-api-key', key.key).expect(200);
    await t.http.get('/key/list').set('api-key', key.key).expect(200);
    await t.http.get('/key/list').set('Authorization', 'Bearer sk-wrong-guess').expect(401);
    const text = lines.join('\n');
    expect(text).toContain('/key/info?key=[redacted]');
    expect(text).not.toContain(key.key.slice(3));
    expect(text).not.toContain('wrong-guess');
    expect(text).not.toContain(t.masterKey.slice(3));
  });
});

describe('data-plane logs above info (no access log; the spend log row is the record)', () => {
  const lines: string[] = [];
  let g: GatewayTest;

  beforeAll(async () => {
    g = await startGateway({
      env: { LOG_LEVEL: 'warn' },
      logDestination: { write: (line: string) => lines.push(line) },
    });
    await addModel(g.t, g.upstream.url, 'echo', 'echo');
    await addModel(g.t, g.upstream.url, 'broken', 'status-500');
  });
  afterAll(() => g.close());

  it('still writes the 5xx line (request id, status), never a credential, and nothing for 2xx/4xx', async () => {
    const owner = await createUser(g.t, 'internal_user');
    const key = (await master(g.t).post('/key/generate', { user_id: owner.user_id }).expect(200))
      .body as GenerateKeyResponse;
    const call = (model: string, id: string) =>
      g.t.http
        .post('/v1/chat/completions')
        .set('Authorization', `Bearer ${key.key}`)
        .set('X-Request-Id', id)
        .send(chatBody(model));
    await call('echo', 'trace-ok').expect(200);
    await call('no-such-model', 'trace-404').expect(404);
    await call('broken', 'trace-502').expect(502);
    await g.t.http.get('/v1/models?key=sk-in-query').set('x-api-key', key.key).expect(200);
    const entries = lines.map(
      (l) => JSON.parse(l) as { msg?: string; req?: { id?: string; url?: string }; res?: unknown },
    );
    const errored = entries.filter((e) => e.msg === 'request errored');
    expect(errored).toHaveLength(1);
    expect(errored[0]).toMatchObject({
      level: 50,
      service: 'gatehouse',
      req: { id: 'trace-502', method: 'POST', url: '/v1/chat/completions' },
      res: { statusCode: 502 },
    });
    const text = lines.join('\n');
    for (const id of ['trace-ok', 'trace-404']) expect(text).not.toContain(id);
    expect(text).not.toContain(key.key.slice(3));
    expect(text).not.toContain('sk-in-query');
    expect(text).not.toContain(g.t.masterKey.slice(3));
    // pino-http's own redaction shaped the line: the bearer header is there, censored.
    expect(text).toContain('"authorization":"[redacted]"');
  });
});
