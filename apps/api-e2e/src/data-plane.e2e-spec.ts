import { BODY_LIMIT_BYTES } from '@gatehouse/api/testing';
import type { GenerateKeyResponse } from '@gatehouse/shared/dto';
import { request as httpRequest } from 'node:http';
import { createUser, master, userCaller } from './support/callers';
import { addModel, chatBody, startGateway, type GatewayTest } from './support/gateway';
import type { TestApp } from './support/test-app';

/**
 * The OpenAI routes are served from node:http in front of Fastify (gateway/data-plane.handler.ts).
 * These pin what that path must do exactly as the rest of the API does: body limits, content
 * types, sessions and CSRF, headers, request ids, unknown methods and paths, docs and logs.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request over a real socket; `chunks` are written one by one (chunked, no length). */
function send(
  t: TestApp,
  method: string,
  path: string,
  headers: Record<string, string>,
  chunks: (string | Buffer)[] = [],
): Promise<Answer> {
  if (!t.baseUrl) throw new Error('start the app with listen: true');
  const url = new URL(path, t.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const errorOf = (answer: Answer): { type: string; message: string; code: string } =>
  (JSON.parse(answer.text) as { error: { type: string; message: string; code: string } }).error;

describe('gateway data plane over HTTP', () => {
  const lines: string[] = [];
  let g: GatewayTest;
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    g = await startGateway({
      listen: true,
      logDestination: { write: (line: string) => lines.push(line) },
    });
    t = g.t;
    await addModel(t, g.upstream.url, 'echo', 'echo');
    const owner = await createUser(t, 'internal_user');
    key = (
      (await master(t).post('/key/generate', { user_id: owner.user_id }).expect(200))
        .body as GenerateKeyResponse
    ).key;
  });
  afterAll(() => g.close());

  const auth = (): Record<string, string> => ({ authorization: `Bearer ${key}` });
  const json = { 'content-type': 'application/json' };

  it('refuses a body over 1 MiB with 413, whether its length is declared or it is chunked', async () => {
    const big = JSON.stringify(chatBody('echo', { padding: 'x'.repeat(BODY_LIMIT_BYTES) }));
    const declared = await send(t, 'POST', '/v1/chat/completions', { ...auth(), ...json }, [big]);
    expect(declared.status).toBe(413);
    expect(errorOf(declared)).toMatchObject({ type: 'payload_too_large', code: '413' });
    const piece = Buffer.alloc(256 * 1024, 'x');
    const chunked = await send(
      t,
      'POST',
      '/v1/chat/completions',
      { ...auth(), ...json, 'transfer-encoding': 'chunked' },
      ['{"model":"echo","padding":"', piece, piece, piece, piece, piece, '"}'],
    );
    expect(chunked.status).toBe(413);
    expect(errorOf(chunked).type).toBe('payload_too_large');
    // Just under the limit is fine.
    const fits = JSON.stringify(
      chatBody('echo', { mock_response: 'ok', padding: 'x'.repeat(BODY_LIMIT_BYTES - 200) }),
    );
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(BODY_LIMIT_BYTES);
    const ok = await send(t, 'POST', '/v1/chat/completions', { ...auth(), ...json }, [fits]);
    expect(ok.status).toBe(200);
  });

  it("reads JSON sent as JSON, with no type, or with curl -d's form type; refuses other types with 415", async () => {
    const body = JSON.stringify(chatBody('echo', { mock_response: 'typed' }));
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/x-www-form-urlencoded',
    ]) {
      const res = await send(
        t,
        'POST',
        '/v1/chat/completions',
        { ...auth(), 'content-type': type },
        [body],
      );
      expect([type, res.status]).toEqual([type, 200]);
    }
    const untyped = await send(t, 'POST', '/v1/chat/completions', auth(), [body]);
    expect(untyped.status).toBe(200);
    const xml = await send(
      t,
      'POST',
      '/v1/chat/completions',
      {
        ...auth(),
        'content-type': 'text/xml',
      },
      ['<chat/>'],
    );
    expect(xml.status).toBe(415);
    expect(errorOf(xml)).toMatchObject({ type: 'invalid_request_error', code: '415' });
  });

  it('refuses hostile JSON (prototype keys) with 400, and never answers a bad body with a 5xx', async () => {
    for (const text of [
      '{"model":"echo","__proto__":{"role":"proxy_admin"}}',
      '{"model":"echo","constructor":{"prototype":{"x":1}}}',
      '{"model": ',
      '\u0000',
      '[]',
      '"just a string"',
      'null',
    ]) {
      const res = await send(t, 'POST', '/v1/chat/completions', { ...auth(), ...json }, [text]);
      expect([text, res.status]).toEqual([text, 400]);
    }
  });

  it('sends the request id, the overhead and the security headers on answers and errors', async () => {
    const ok = await send(
      t,
      'POST',
      '/v1/chat/completions',
      {
        ...auth(),
        ...json,
        'x-request-id': 'dp-trace-1',
      },
      [JSON.stringify(chatBody('echo', { mock_response: 'hi' }))],
    );
    const refused = await send(t, 'POST', '/v1/embeddings', { ...json }, ['{}']);
    const models = await send(t, 'GET', '/v1/models', auth());
    expect([ok.status, refused.status, models.status]).toEqual([200, 401, 200]);
    expect(ok.headers['x-request-id']).toBe('dp-trace-1');
    for (const res of [ok, refused, models]) {
      expect(res.headers['x-request-id']).toMatch(/^[\w.-]+$/);
      expect(Number(res.headers['x-gatehouse-overhead-ms'])).toBeGreaterThanOrEqual(0);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=/);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
    // A hostile request id is replaced, not echoed.
    const forged = await send(t, 'GET', '/v1/models', { ...auth(), 'x-request-id': 'a b\tc' });
    expect(forged.headers['x-request-id']).not.toBe('a b\tc');
  });

  it('answers HEAD /v1/models without a body; other methods and near-miss paths get the API 404', async () => {
    const head = await send(t, 'HEAD', '/v1/models', auth());
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    for (const [method, path] of [
      ['PUT', '/v1/chat/completions'],
      ['GET', '/v1/chat/completions'],
      ['POST', '/v1/chat/completions/'],
      ['POST', '/V1/chat/completions'],
      ['POST', '/v1/models'],
    ]) {
      const res = await send(t, method, path, { ...auth(), ...json }, ['{}']);
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(errorOf(res).type).toBe('not_found_error');
    }
    // A query string does not change the route.
    expect((await send(t, 'GET', '/v1/models?x=1', auth())).status).toBe(200);
  });

  it('takes console sessions: GET with the cookie; POST only with the XSRF echo', async () => {
    const session = await userCaller(t, 'internal_user');
    const cookie = session.cookies.join('; ');
    const listed = await send(t, 'GET', '/v1/models', { cookie });
    expect(listed.status).toBe(200);
    const body = [JSON.stringify(chatBody('echo', { mock_response: 'from the console' }))];
    const forged = await send(t, 'POST', '/v1/chat/completions', { cookie, ...json }, body);
    expect(forged.status).toBe(403);
    expect(errorOf(forged).type).toBe('permission_error');
    const echoed = await send(
      t,
      'POST',
      '/v1/chat/completions',
      { cookie, ...json, 'x-xsrf-token': session.xsrf },
      body,
    );
    expect(echoed.status).toBe(200);
    const junk = await send(t, 'GET', '/v1/models', { cookie: 'gatehouse_session=%%%; x=' });
    expect(junk.status).toBe(401);
  });

  it('is described in the OpenAPI document', async () => {
    const spec = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>>;
    };
    for (const path of ['/v1/chat/completions', '/chat/completions', '/v1/embeddings']) {
      expect(spec.paths[path].post.tags).toEqual(['gateway']);
      expect(Object.keys(spec.paths[path].post.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '429']),
      );
    }
    expect(spec.paths['/v1/models'].get.tags).toEqual(['gateway']);
  });

  it('writes access lines at info as pino-http does elsewhere (request id, redacted credentials)', async () => {
    await send(
      t,
      'POST',
      '/v1/chat/completions',
      { ...auth(), ...json, 'x-request-id': 'dp-log-1' },
      [JSON.stringify(chatBody('echo', { mock_response: 'logged' }))],
    );
    await send(t, 'GET', '/v1/models', {
      'x-api-key': 'sk-not-a-real-key',
      'x-request-id': 'dp-log-2',
    });
    type Line = { msg?: string; req?: { id?: string }; res?: { statusCode?: number } };
    const ours = (): Line[] =>
      lines
        .map((l) => JSON.parse(l) as Line)
        .filter((e) => e.req?.id === 'dp-log-1' || e.req?.id === 'dp-log-2');
    // A line is written when the server's side of the answer closes, just after the client
    // has read it: wait for both (bounded).
    for (let i = 0; i < 100 && ours().length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const entries = ours();
    expect(entries.map((e) => [e.req?.id, e.msg, e.res?.statusCode])).toEqual([
      ['dp-log-1', 'request completed', 200],
      ['dp-log-2', 'request completed', 401],
    ]);
    const text = lines.join('\n');
    expect(text).not.toContain(key.slice(3));
    expect(text).not.toContain('not-a-real-key');
    expect(text).toContain('"authorization":"[redacted]"');
  });
});
