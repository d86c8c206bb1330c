import type { GenerateKeyResponse, InvitationResponse } from '@gatehouse/shared/dto';
import { connect, type Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { anonymous, createUser, master, userCaller } from './support/callers';
import { addModel, chatBody, startGateway, type GatewayTest } from './support/gateway';
import { startApp, type TestApp } from './support/test-app';

/**
 * Issue 11, the HTTP edge: URL and JSON bounds, access-log and database-log redaction, request
 * timeouts, `Cache-Control: no-store` on answers that carry a secret.
 */

interface LogSink {
  lines: string[];
  text(): string;
  destination: { write(line: string): void };
}

function logSink(): LogSink {
  const lines: string[] = [];
  return {
    lines,
    text: () => lines.join('\n'),
    destination: { write: (line: string) => lines.push(line) },
  };
}

interface AccessLine {
  msg?: string;
  req?: { url?: string; query?: Record<string, unknown> };
  res?: { statusCode?: number };
}

function accessLines(sink: LogSink): AccessLine[] {
  return sink.lines.map((line) => JSON.parse(line) as AccessLine).filter((line) => line.req);
}

/** Milliseconds an awaited call took. */
async function timed<T>(call: () => PromiseLike<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await call();
  return { result, ms: performance.now() - started };
}

/** `depth` arrays nested in each other, as JSON text. */
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

interface RawOutcome {
  /** What the server sent before it closed the connection. */
  received: string;
  /** From connecting until the server closed the connection; null if it was still open. */
  closedAfterMs: number | null;
}

/**
 * A raw HTTP client: writes `head`, then `drip` one byte per `everyMs`, and reports whether
 * (and when) the server closed the connection within `waitMs`.
 */
function slowClient(
  port: number,
  head: string,
  drip: string,
  everyMs: number,
  waitMs: number,
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = 0;
    let settled = false;
    const finish = (closedAfterMs: number | null): void => {
      if (settled) return;
      settled = true;
      clearInterval(dripping);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ received, closedAfterMs });
    };
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(performance.now() - started));
    socket.write(head);
    const dripping = setInterval(() => {
      if (sent < drip.length && !socket.destroyed) socket.write(drip[sent++]);
    }, everyMs);
    const deadline = setTimeout(() => finish(null), waitMs);
  });
}

/** A raw JSON text body (callers' `post` sends an object), with the master key. */
function postText(t: TestApp, path: string, text: string) {
  return t.http
    .post(path)
    .set('Authorization', `Bearer ${t.masterKey}`)
    .set('Content-Type', 'application/json')
    .send(text);
}

function portOf(t: TestApp): number {
  if (!t.baseUrl) throw new Error('the app is not listening');
  return Number(new URL(t.baseUrl).port);
}

describe('security: the HTTP edge (issue 11)', () => {
  describe('URLs, query redaction and JSON bounds', () => {
    let t: TestApp;
    const sink = logSink();

    beforeAll(async () => {
      t = await startApp({ logDestination: sink.destination });
    });
    afterAll(() => t.close());

    it('finding 3: a 60k-`?` query on /health/liveliness answers 414 at once, and the log line is cut', async () => {
      const url = `/health/liveliness?${'?'.repeat(60_000)}`;
      const { result: res, ms } = await timed(() => anonymous(t).get(url));
      expect(ms).toBeLessThan(1000);
      expect(res.status).toBe(414);
      expect(res.body).toMatchObject({
        error: { type: 'invalid_request_error', code: 'uri_too_long', param: null },
      });
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const line = accessLines(sink).find((l) => l.req?.url?.startsWith('/health/liveliness?'));
      expect(line?.res?.statusCode).toBe(414);
      expect(line?.req?.url?.length).toBeLessThan(9 * 1024);
    });

    it('finding 3: the same on a data-plane route and on an unknown one (before any router)', async () => {
      for (const path of ['/v1/models', '/no/such/route']) {
        const { result: res, ms } = await timed(() =>
          anonymous(t).get(`${path}?key=${'?'.repeat(60_000)}`),
        );
        expect(ms).toBeLessThan(1000);
        expect(res.status).toBe(414);
      }
    });

    it('finding 3 (guard): a URL just under the bound, all `?` and `=`, is served and logged in linear time', async () => {
      const url = `/health/liveliness?${'?='.repeat(4000)}`;
      const { result: res, ms } = await timed(() => anonymous(t).get(url));
      expect(res.status).toBe(200);
      expect(ms).toBeLessThan(500);
    });

    it('finding 23: credential query parameters are redacted by name in the access log', async () => {
      const invitationId = '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b';
      const keySecret = `sk-not-a-real-key-${Date.now()}`;
      const oauthCode = `oauth-code-${Date.now()}`;
      await anonymous(t).get(`/onboarding/get_token?invite_link=${invitationId}`);
      await anonymous(t).get(`/ui/onboarding?id=${invitationId}`);
      await master(t).get(`/key/info?key=${keySecret}`);
      await master(t).get(`/key/info?KEY=${encodeURIComponent(keySecret)}`);
      await anonymous(t).get(`/sso/callback?code=${oauthCode}&state=st4te-${oauthCode}`);
      await anonymous(t).get(`/health/liveliness?anything=${keySecret}&page=2`);
      await anonymous(t)
        .get('/health/liveliness?from=referer')
        .set('Referer', `http://localhost/ui/onboarding?id=${invitationId}`);
      const text = sink.text();
      expect(text).not.toContain(invitationId);
      expect(text).not.toContain(keySecret);
      expect(text).not.toContain(oauthCode);
      const urls = accessLines(sink).map((l) => l.req?.url);
      expect(urls).toContain('/onboarding/get_token?invite_link=[redacted]');
      expect(urls).toContain('/key/info?key=[redacted]');
      expect(urls).toContain('/health/liveliness?anything=[redacted]&page=2');
    });

    it('finding 4: 650 KB of unknown keys to public /onboarding/claim_token answers 400 at once', async () => {
      const body = `{${Array.from({ length: 65_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
      expect(body.length).toBeGreaterThan(650_000);
      const { result: res, ms } = await timed(() => postText(t, '/onboarding/claim_token', body));
      expect(ms).toBeLessThan(1000);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: { type: 'invalid_request_error', code: 'json_too_many_members' },
      });
    });

    it('finding 4 (guard): just under the member bound, unknown keys are still refused quickly', async () => {
      const body = Object.fromEntries(Array.from({ length: 1_999 }, (_, i) => [`k${i}`, 1]));
      const { result: res, ms } = await timed(() =>
        t.http.post('/onboarding/claim_token').send(body),
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(ms).toBeLessThan(500);
    });

    it('findings 4 and 14: a 1 MB deeply nested body answers 400, not 500', async () => {
      const body = nested(500_000);
      for (const path of ['/onboarding/claim_token', '/user/new']) {
        const { result: res, ms } = await timed(() => postText(t, path, body));
        expect(ms).toBeLessThan(1000);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          error: { type: 'invalid_request_error', code: 'json_too_deep' },
        });
      }
    });

    it('findings 4 and 14: a small body nested 33 levels deep answers 400; 32 levels pass the parser', async () => {
      const deep = await postText(
        t,
        '/user/new',
        `{"user_email":"deep@example.com","metadata":{"a":${nested(31)}}}`,
      );
      expect(deep.status).toBe(400);
      expect((deep.body as { error: { code: string } }).error.code).toBe('json_too_deep');
      const ok = await postText(
        t,
        '/user/new',
        `{"user_email":"deep@example.com","metadata":{"a":${nested(30)}}}`,
      );
      expect((ok.body as { error?: { code: string } }).error?.code).not.toBe('json_too_deep');
    });

    it('finding 4: a # comment cannot hide nesting from the bound', async () => {
      const body = `{"a": 1 # "\n, "b": ${nested(40)}}`;
      const res = await postText(t, '/user/new', body);
      expect(res.status).toBe(400);
      expect((res.body as { error: { code: string } }).error.code).toBe('json_too_deep');
    });

    it('finding 4: a form body with thousands of fields answers 400', async () => {
      const form = Array.from({ length: 5_000 }, (_, i) => `f${i}=1`).join('&');
      const res = await t.http
        .post('/login')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(form);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: { type: 'invalid_request_error', code: 'form_too_many_fields' },
      });
    });

    it('a NUL byte in a static path (/docs/%00, found by the fuzz suite) answers 400, not 500', async () => {
      for (const method of ['get', 'head'] as const) {
        const res = await t.http[method]('/docs/%00');
        expect(res.status).toBe(400);
      }
      const res = await t.http.get('/docs/%00');
      expect(res.body).toMatchObject({ error: { type: 'invalid_request_error', code: '400' } });
    });
  });

  describe('finding 14 on the data plane', () => {
    let g: GatewayTest;

    beforeAll(async () => {
      g = await startGateway();
    });
    afterAll(() => g.close());

    it('finding 14: a deeply nested chat body on /v1/chat/completions answers 400', async () => {
      const body = JSON.stringify(chatBody('cfg-echo')).replace(
        /}$/,
        `,"metadata":${nested(200_000)}}`,
      );
      const res = await postText(g.t, '/v1/chat/completions', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: { type: 'invalid_request_error', code: 'json_too_deep' },
      });
    });

    it('finding 14: an ordinary chat body still passes', async () => {
      await master(g.t).post('/v1/chat/completions').send(chatBody('cfg-echo')).expect(200);
    });
  });

  describe('finding 12: database errors never log query parameters', () => {
    let t: TestApp;
    const sink = logSink();

    beforeAll(async () => {
      t = await startApp({ logDestination: sink.destination });
    });
    afterAll(() => t.close());

    it('finding 12: a failed INSERT of a user logs neither the password hash nor any parameter', async () => {
      await createUser(t, 'internal_user');
      // Every further INSERT into users now fails inside the database, with the hash bound.
      await t.app.get(DataSource).query('CREATE UNIQUE INDEX gh_e2e_one_user ON users ((1))');
      const printed: string[] = [];
      const capture = (...args: unknown[]): void => {
        printed.push(args.map(String).join(' '));
      };
      const spies = (['log', 'error', 'warn', 'info'] as const).map((name) =>
        jest.spyOn(console, name).mockImplementation(capture),
      );
      const email = `leak-check-${Date.now()}@example.com`;
      const password = `pw-leak-check-${Date.now()}`;
      try {
        const res = await master(t).post('/user/new', {
          user_email: email,
          user_role: 'internal_user',
          password,
        });
        expect(res.status).not.toBe(200);
      } finally {
        for (const spy of spies) spy.mockRestore();
        await t.app.get(DataSource).query('DROP INDEX gh_e2e_one_user');
      }
      const everything = `${sink.text()}\n${printed.join('\n')}`;
      expect(everything).toContain('query failed');
      expect(everything).not.toContain('$argon2');
      expect(everything).not.toContain(password);
      expect(everything).not.toContain(email);
      expect(everything).not.toContain('PARAMETERS');
    });
  });

  describe('finding 24: request timeouts', () => {
    let g: GatewayTest;

    beforeAll(async () => {
      g = await startGateway({
        listen: true,
        env: { HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000' },
      });
      await addModel(g.t, g.upstream.url, 'dripping', 'drip');
    });
    afterAll(() => g.close());

    // First: the stream test below ends with the tokenizer's first load (a few hundred ms of
    // a busy event loop on a loaded machine), which a new connection's 500 ms headers timer
    // would count against a perfectly normal request.
    it('finding 24: a normal request on the same server is unaffected', async () => {
      await anonymous(g.t).get('/health/liveliness').expect(200);
    });

    it('finding 24: a body sent at a few bytes per second is cut off with 408 within the request timeout', async () => {
      const outcome = await slowClient(
        portOf(g.t),
        'POST /onboarding/claim_token HTTP/1.1\r\nHost: localhost\r\n' +
          'Content-Type: application/json\r\nContent-Length: 64\r\n\r\n',
        `{"password":"${'x'.repeat(60)}`,
        200,
        4000,
      );
      expect(outcome.closedAfterMs).not.toBeNull();
      expect(outcome.closedAfterMs).toBeLessThan(2500);
      expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('finding 24: headers sent byte by byte are cut off within the headers timeout', async () => {
      const outcome = await slowClient(
        portOf(g.t),
        'GET /health/liveliness HTTP/1.1\r\n',
        'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        100,
        4000,
      );
      expect(outcome.closedAfterMs).not.toBeNull();
      expect(outcome.closedAfterMs).toBeLessThan(2000);
    });

    it('finding 24: the timeout covers the request only: an SSE answer streams past it', async () => {
      const body = JSON.stringify(chatBody('dripping', { stream: true }));
      const outcome = await slowClient(
        portOf(g.t),
        'POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n' +
          `Authorization: Bearer ${g.t.masterKey}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        '',
        100,
        // Twice the request timeout (plus the checking interval): the stream must still be open.
        2500,
      );
      expect(outcome.closedAfterMs).toBeNull();
      expect(outcome.received).toMatch(/^HTTP\/1\.1 200 /);
      expect(outcome.received).toContain('first words');
    });
  });

  describe('informational: answers carrying a secret are never cached', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startApp();
    });
    afterAll(() => t.close());

    it('POST /key/generate and POST /key/regenerate send Cache-Control: no-store', async () => {
      const user = await userCaller(t, 'internal_user');
      const generated = await user.post('/key/generate', {}).expect(200);
      expect(generated.headers['cache-control']).toBe('no-store');
      const { key } = generated.body as GenerateKeyResponse;
      const regenerated = await user.post('/key/regenerate', { key }).expect(200);
      expect(regenerated.headers['cache-control']).toBe('no-store');
    });

    it('GET /onboarding/get_token sends Cache-Control: no-store', async () => {
      const user = await createUser(t, 'internal_user', { password: undefined });
      const invitation = (
        await master(t).post('/invitation/new', { user_id: user.user_id }).expect(200)
      ).body as InvitationResponse;
      const res = await anonymous(t)
        .get(`/onboarding/get_token?invite_link=${invitation.id}`)
        .expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('an answer without a secret is not marked (the mechanism is per route)', async () => {
      const res = await anonymous(t).get('/health/liveliness').expect(200);
      expect(res.headers['cache-control']).not.toBe('no-store');
    });
  });
});
