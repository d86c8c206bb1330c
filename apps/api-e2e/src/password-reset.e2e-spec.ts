import type { PasswordResetLinkResponse } from '@gatehouse/shared/dto';
import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import { createUser, login, master, uniqueEmail, userCaller } from './support/callers';
import { sql } from './support/db';
import { partsOf, RecordingSmtpServer } from './support/smtp';
import { startApp, type TestApp } from './support/test-app';

const BASE_URL = 'http://gatehouse.test:4000';
const LINK = new RegExp(
  `${BASE_URL.replace(/[.:/]/g, '\\$&')}/ui/reset-password\\?token=([A-Za-z0-9_-]+)`,
);
const WINDOW_MS = 16 * 60_000; // past the forgot throttles' 15-minute window

function appEnv(smtpPort: number): Record<string, string> {
  return {
    PROXY_BASE_URL: BASE_URL,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    SMTP_SENDER_EMAIL: 'gatehouse@example.com',
  };
}

/** What an answer shows a caller: status, body and headers (without the per-request ones). */
function visible(res: Response): unknown {
  const headers = { ...res.headers } as Record<string, unknown>;
  for (const h of ['date', 'x-request-id', 'content-length', 'connection', 'keep-alive'])
    delete headers[h];
  return { status: res.status, body: res.body as unknown, headers };
}

describe('issue 13: the password lifecycle through a real SMTP server', () => {
  let smtp: RecordingSmtpServer;
  let t: TestApp;

  /** POST /password/forgot, then the token from the n-th reset mail to `email` (both parts). */
  async function mailedToken(email: string, n: number): Promise<string> {
    await t.http.post('/password/forgot').send({ email }).expect(200);
    const parts = partsOf((await smtp.nth(email, n)).raw);
    expect(parts.subject).toBe('Reset your Gatehouse password');
    const fromText = LINK.exec(parts.text)?.[1];
    const fromHtml = LINK.exec(parts.html)?.[1];
    expect(fromText).toBeDefined();
    expect(parts.html).toContain(`<a href="${BASE_URL}/ui/reset-password?token=${fromText}">`);
    expect(fromHtml).toBe(fromText);
    return fromText ?? '';
  }

  function expectInvalidToken(res: Response): void {
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_reset_token',
      param: 'token',
    });
  }

  beforeAll(async () => {
    smtp = new RecordingSmtpServer();
    t = await startApp({ env: appEnv(await smtp.start()) });
  });

  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  // Every test starts with fresh forgot throttles (all requests come from one address).
  beforeEach(() => t.clock.advance(WINDOW_MS));

  it('mails a link built from PROXY_BASE_URL (text and HTML), never from the Host header', async () => {
    const user = await createUser(t, 'internal_user');
    const email = user.user_email ?? '';
    await t.http
      .post('/password/forgot')
      .set('Host', 'evil.test')
      .set('X-Forwarded-Host', 'evil.test')
      .send({ email: email.toUpperCase() })
      .expect(200);
    const parts = partsOf((await smtp.nth(email, 1)).raw);
    expect(parts.text).toMatch(LINK);
    expect(parts.html).toMatch(LINK);
    expect(parts.text + parts.html).not.toContain('evil.test');
  });

  it('reset: sets the password, refuses the old one, ends every old session, and the token works once', async () => {
    const user = await userCaller(t, 'internal_user');
    const other = await login(t, user.email, user.password);
    const token = await mailedToken(user.email, 1);
    const newPassword = 'a-brand-new-password';

    const res = await t.http
      .post('/password/reset')
      .send({ token, password: newPassword })
      .expect(200);
    expect(typeof res.body.message).toBe('string');
    expect(JSON.stringify(res.body)).not.toContain(token);

    await user.get('/me').expect(401);
    await other.get('/me').expect(401);
    await t.http.post('/login').send({ username: user.email, password: user.password }).expect(401);
    await login(t, user.email, newPassword);

    expectInvalidToken(
      await t.http.post('/password/reset').send({ token, password: 'yet-another-one' }),
    );
    await login(t, user.email, newPassword);
  });

  it('bad, used and expired tokens get one uniform 400', async () => {
    const user = await createUser(t, 'internal_user');
    const email = user.user_email ?? '';
    const bad = await t.http
      .post('/password/reset')
      .send({ token: 'x'.repeat(43), password: 'long-enough-1' });
    expectInvalidToken(bad);

    const used = await mailedToken(email, 1);
    await t.http
      .post('/password/reset')
      .send({ token: used, password: 'long-enough-1' })
      .expect(200);
    const usedRes = await t.http
      .post('/password/reset')
      .send({ token: used, password: 'long-enough-2' });

    t.clock.advance(WINDOW_MS);
    const expired = await mailedToken(email, 2);
    t.clock.advance(61 * 60_000);
    const expiredRes = await t.http
      .post('/password/reset')
      .send({ token: expired, password: 'long-enough-3' });

    expect(visible(usedRes)).toEqual(visible(bad));
    expect(visible(expiredRes)).toEqual(visible(bad));
    await login(t, email, 'long-enough-1');
  });

  it('a newer link voids the older ones', async () => {
    const user = await createUser(t, 'internal_user');
    const email = user.user_email ?? '';
    const older = await mailedToken(email, 1);
    const newer = await mailedToken(email, 2);
    expectInvalidToken(
      await t.http.post('/password/reset').send({ token: older, password: 'long-enough-1' }),
    );
    await t.http
      .post('/password/reset')
      .send({ token: newer, password: 'long-enough-1' })
      .expect(200);
  });

  it('the new password follows the onboarding policy', async () => {
    const user = await createUser(t, 'internal_user');
    const token = await mailedToken(user.user_email ?? '', 1);
    const res = await t.http.post('/password/reset').send({ token, password: 'short' }).expect(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'password' });
    // The refused attempt did not spend the token.
    await t.http.post('/password/reset').send({ token, password: 'long-enough-1' }).expect(200);
  });

  it('an unknown email gets exactly the answer a known one gets, and no mail goes out', async () => {
    const user = await createUser(t, 'internal_user');
    const known = await t.http.post('/password/forgot').send({ email: user.user_email });
    const unknown = uniqueEmail('nobody');
    const res = await t.http.post('/password/forgot').send({ email: unknown });
    expect(visible(res)).toEqual(visible(known));
    expect(res.status).toBe(200);
    await smtp.nth(user.user_email ?? '', 1);
    expect(smtp.mailsTo(unknown)).toEqual([]);
  });

  it('throttles per client address with one 429, the same for known and unknown emails', async () => {
    const user = await createUser(t, 'internal_user');
    for (let i = 0; i < 10; i++) {
      await t.http
        .post('/password/forgot')
        .send({ email: uniqueEmail('spray') })
        .expect(200);
    }
    const known = await t.http.post('/password/forgot').send({ email: user.user_email });
    const unknown = await t.http.post('/password/forgot').send({ email: uniqueEmail('spray') });
    expect(known.status).toBe(429);
    expect(known.body.error).toMatchObject({ type: 'rate_limit_error' });
    expect(Number(known.headers['retry-after'])).toBeGreaterThan(0);
    expect(visible(unknown)).toEqual(visible(known));
  });

  describe('POST /user/password/reset_link (admins without SMTP)', () => {
    it('answers the link and its expiry to a proxy_admin, with Cache-Control: no-store; the link works', async () => {
      const user = await createUser(t, 'internal_user');
      const res = await master(t)
        .post('/user/password/reset_link', { user_id: user.user_id })
        .expect(200);
      const body = res.body as PasswordResetLinkResponse;
      expect(res.headers['cache-control']).toBe('no-store');
      const token = LINK.exec(body.reset_link)?.[1] ?? '';
      expect(token).not.toBe('');
      // Stored as its SHA-256 only.
      const rows = await sql<{ token_hash: string }>(
        t,
        `SELECT token_hash FROM password_reset_tokens WHERE user_id = '${user.user_id}'`,
      );
      expect(rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }]);
      const expires = Date.parse(body.expires_at) - t.clock.nowMs();
      expect(expires).toBeGreaterThan(59 * 60_000);
      expect(expires).toBeLessThanOrEqual(60 * 60_000);
      await t.http.post('/password/reset').send({ token, password: 'handed-over-1' }).expect(200);
      await login(t, user.user_email ?? '', 'handed-over-1');
    });

    it('is for proxy_admin only; an unknown user is a 404', async () => {
      const target = await createUser(t, 'internal_user');
      for (const role of ['proxy_admin_viewer', 'internal_user'] as const) {
        const caller = await userCaller(t, role);
        const res = await caller.post('/user/password/reset_link', { user_id: target.user_id });
        expect(res.status).toBe(403);
        expect(JSON.stringify(res.body)).not.toMatch(/reset-password/);
      }
      const admin = await userCaller(t, 'proxy_admin');
      const missing = await admin.post('/user/password/reset_link', { user_id: 'no-such-user' });
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatchObject({ param: 'user_id' });
    });
  });
});

describe('issue 13: forgot-password throttle per email address', () => {
  it('after 3 requests for one address in 15 minutes, still 200 but no further mail', async () => {
    const smtp = new RecordingSmtpServer();
    const t = await startApp({ env: appEnv(await smtp.start()) });
    try {
      const user = await createUser(t, 'internal_user');
      const answers: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        answers.push(
          visible(await t.http.post('/password/forgot').send({ email: user.user_email })),
        );
      }
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      await smtp.nth(user.user_email ?? '', 3);
    } finally {
      // Closing the app waits for every pending delivery: nothing more can arrive after it.
      await t.app.close();
      await t.drop();
    }
    const email = smtp.messages.flatMap((m) => m.to);
    await smtp.stop();
    expect(email.length).toBe(3);
  });
});
