import type { GenerateKeyResponse, InvitationResponse } from '@gatehouse/shared/dto';
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import {
  bearer,
  cookiesOf,
  cookieValue,
  createUser,
  login,
  master,
  sessionOf,
  uniqueEmail,
} from './support/callers';
import { runShell } from './support/curl';
import { startApp, type TestApp } from './support/test-app';

/*
 * Issue 11, the login and session findings. passport keeps one global `local` strategy per
 * process (the last app booted answers every /login), so each describe boots its own app and
 * closes it before the next one starts: never two apps alive at once in this file.
 */

function statuses(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

describe('security: login throttle (findings 5, 10, 22)', () => {
  let t: TestApp;

  beforeEach(async () => {
    // TRUST_PROXY: the client address comes from X-Forwarded-For, so a test can be anywhere.
    t = await startApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterEach(() => t.close());

  function loginFrom(address: string, username: string, password: string) {
    return t.http.post('/login').set('X-Forwarded-For', address).send({ username, password });
  }

  it('finding 5: counts a login attempt before hashing: of 30 parallel wrong passwords for one account exactly 5 are checked', async () => {
    const user = await createUser(t, 'internal_user');
    const email = user.user_email ?? '';
    // Each from its own address: only the account's counter can stop them.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => loginFrom(`198.51.100.${i + 1}`, email, `wrong-${i}`)),
    );
    expect(statuses(answers)).toEqual({ 401: 5, 429: 25 });
    for (const locked of answers.filter((r) => r.status === 429)) {
      expect(locked.body.error.type).toBe('rate_limit_error');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    }
    await loginFrom('192.0.2.1', email, user.password).expect(429);
  });

  it('finding 5: of 100 parallel wrong logins from one address, over many accounts, exactly 20 are checked', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        loginFrom('203.0.113.9', uniqueEmail(`spray${i}`), 'wrong-password'),
      ),
    );
    expect(statuses(answers)).toEqual({ 401: 20, 429: 80 });
    // The address is spent, other addresses are not.
    const user = await createUser(t, 'internal_user');
    await loginFrom('203.0.113.9', user.user_email ?? '', user.password).expect(429);
    await loginFrom('203.0.113.10', user.user_email ?? '', user.password).expect(200);
  });

  it('finding 5: a successful login gives its slot back and starts the account afresh', async () => {
    const user = await createUser(t, 'internal_user');
    const email = user.user_email ?? '';
    for (let i = 0; i < 4; i++) await loginFrom('192.0.2.7', email, `wrong-${i}`).expect(401);
    await loginFrom('192.0.2.7', email, user.password).expect(200);
    for (let i = 0; i < 5; i++) await loginFrom('192.0.2.7', email, `again-${i}`).expect(401);
    await loginFrom('192.0.2.7', email, user.password).expect(429);
  });

  it('finding 22: wrong admin logins from one address do not lock the master-key console out from another', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await loginFrom('203.0.113.66', 'admin', `sk-wrong-${i}`);
      expect(res.status).toBe(i < 5 ? 401 : 429);
    }
    await loginFrom('203.0.113.66', 'admin', t.masterKey).expect(429);
    const good = await loginFrom('192.0.2.200', 'Admin', t.masterKey).expect(200);
    expect(good.body).toMatchObject({ user_id: 'admin', user_role: 'proxy_admin' });
    // Typing the per-address counter's name as a username reaches a different counter.
    for (let i = 0; i < 5; i++) {
      await loginFrom('203.0.113.67', 'admin\n192.0.2.201', 'x').expect(401);
    }
    await loginFrom('192.0.2.201', 'admin', t.masterKey).expect(200);
  });

  it("finding 22: a person's account stays locked from every address (only admin is per address)", async () => {
    const user = await createUser(t, 'internal_user');
    const email = user.user_email ?? '';
    for (let i = 0; i < 5; i++) await loginFrom('203.0.113.70', email, `wrong-${i}`).expect(401);
    await loginFrom('192.0.2.70', email, user.password).expect(429);
  });

  it('finding 10: throttles wrong current_password guesses on /user/update like logins, before hashing, sharing the account counter', async () => {
    const user = await createUser(t, 'internal_user');
    const email = user.user_email ?? '';
    const session = await login(t, email, user.password);
    const key = (await session.post('/key/generate', {}).expect(200)).body as GenerateKeyResponse;
    const viaKey = bearer(t, key.key);
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        viaKey.post('/user/update', {
          user_id: user.user_id,
          password: 'a-new-password-123',
          current_password: `guess-${i}`,
        }),
      ),
    );
    expect(statuses(guesses)).toEqual({ 400: 5, 429: 7 });
    expect(guesses.find((r) => r.status === 400)?.body.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'current_password',
    });
    expect(guesses.find((r) => r.status === 429)?.body.error.type).toBe('rate_limit_error');
    // Locked now: the right current password, and /login (the same counter), wait too.
    await viaKey
      .post('/user/update', {
        user_id: user.user_id,
        password: 'a-new-password-123',
        current_password: user.password,
      })
      .expect(429);
    await loginFrom('192.0.2.90', email, user.password).expect(429);
    t.clock.advance(15 * 60_000 + 1000);
    await viaKey
      .post('/user/update', {
        user_id: user.user_id,
        password: 'a-new-password-123',
        current_password: user.password,
      })
      .expect(200);
  });

  it('finding 10: login failures count against /user/update too', async () => {
    const user = await createUser(t, 'internal_user');
    const email = user.user_email ?? '';
    const session = await login(t, email, user.password);
    for (let i = 0; i < 5; i++) await loginFrom(`192.0.2.${i + 30}`, email, 'wrong').expect(401);
    await session
      .post('/user/update', {
        user_id: user.user_id,
        password: 'a-new-password-123',
        current_password: user.password,
      })
      .expect(429);
  });
});

describe('security: invitations and sessions on a password set (finding 6)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  async function invite(userId: string): Promise<InvitationResponse> {
    return (await master(t).post('/invitation/new', { user_id: userId }).expect(200))
      .body as InvitationResponse;
  }

  function getToken(invitationId: string) {
    return t.http.get(`/onboarding/get_token?invite_link=${encodeURIComponent(invitationId)}`);
  }

  async function tokenFor(invitationId: string): Promise<string> {
    return ((await getToken(invitationId).expect(200)).body as { token: string }).token;
  }

  function claim(token: string, invitationId: string, userId: string, password: string) {
    return t.http
      .post('/onboarding/claim_token')
      .set('Authorization', `Bearer ${token}`)
      .send({ invitation_link: invitationId, user_id: userId, password });
  }

  it("finding 6: accepting an invitation voids the user's other open invitations, with the answer an unknown link gets", async () => {
    const user = await createUser(t, 'internal_user', { password: undefined });
    const older = await invite(user.user_id);
    const newer = await invite(user.user_id);
    // A token for the older link, fetched while it was still usable.
    const olderToken = await tokenFor(older.id);
    await claim(await tokenFor(newer.id), newer.id, user.user_id, 'the-chosen-password').expect(
      200,
    );

    const unknown = await getToken(randomUUID()).expect(404);
    const viaGetToken = await getToken(older.id).expect(404);
    const viaClaim = await claim(olderToken, older.id, user.user_id, 'an-attackers-password');
    expect(viaClaim.status).toBe(404);
    expect(viaGetToken.body).toEqual(unknown.body);
    expect(viaClaim.body).toEqual(unknown.body);
    expect(unknown.body.error).toMatchObject({
      type: 'not_found_error',
      param: 'invitation_link',
    });
    // The chosen password stands; the older link changed nothing.
    await t.http
      .post('/login')
      .send({ username: user.user_email, password: 'an-attackers-password' })
      .expect(401);
    await login(t, user.user_email ?? '', 'the-chosen-password');
    // The admin sees the accepted invitation, and the voided one is gone.
    await master(t).get(`/invitation/info?invitation_id=${newer.id}`).expect(200);
    await master(t).get(`/invitation/info?invitation_id=${older.id}`).expect(404);
  });

  it('finding 6: of two invitations of one user claimed at once, exactly one wins (no deadlock)', async () => {
    const user = await createUser(t, 'internal_user', { password: undefined });
    const links = [await invite(user.user_id), await invite(user.user_id)];
    const tokens = await Promise.all(links.map((link) => tokenFor(link.id)));
    const answers = await Promise.all(
      links.map((link, i) => claim(tokens[i], link.id, user.user_id, `password-number-${i}`)),
    );
    const winner = answers.findIndex((r) => r.status === 200);
    expect(winner).toBeGreaterThanOrEqual(0);
    // The loser lost the race (409) or found its link already voided (404), by timing.
    expect([404, 409]).toContain(answers[1 - winner].status);
    await login(t, user.user_email ?? '', `password-number-${winner}`);
    await t.http
      .post('/login')
      .send({ username: user.user_email, password: `password-number-${1 - winner}` })
      .expect(401);
  });

  it("finding 6: a claimed re-invitation ends the user's open sessions and starts a fresh one", async () => {
    const user = await createUser(t, 'internal_user');
    const before = await login(t, user.user_email ?? '', user.password);
    await before.get('/me').expect(200);
    const reinvite = await invite(user.user_id);
    const claimed = await claim(
      await tokenFor(reinvite.id),
      reinvite.id,
      user.user_id,
      'the-reset-password',
    ).expect(200);
    await before.get('/me').expect(401);
    const fresh = sessionOf(t, claimed.headers['set-cookie']);
    await fresh.get('/me').expect(200);
  });

  // A password change through /user/update ending the other sessions is pinned in
  // auth.e2e-spec.ts ('password changes').
});

describe('security: login CSRF (finding 21)', () => {
  let t: TestApp;
  let email: string;
  let password: string;

  beforeAll(async () => {
    t = await startApp({ listen: true });
    const user = await createUser(t, 'internal_user');
    email = user.user_email ?? '';
    password = user.password;
  });
  afterAll(() => t.close());

  function formLogin(headers: Record<string, string>) {
    return t.http.post('/login').set(headers).type('form').send({ username: email, password });
  }

  it.each([
    ['a form from another origin', { Origin: 'https://evil.example' }],
    ['a form from a sandboxed frame', { Origin: 'null' }],
    ['a form the browser calls cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('finding 21: refuses %s with 403 and no cookies', async (_label, headers) => {
    const res = await formLogin(headers).expect(403);
    expect(res.body.error).toMatchObject({ type: 'permission_error', code: 'cross_site_login' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('finding 21: refuses a JSON login that carries a foreign Origin', async () => {
    const res = await t.http
      .post('/login')
      .set('Origin', 'https://evil.example')
      .send({ username: email, password })
      .expect(403);
    expect(res.body.error.code).toBe('cross_site_login');
  });

  it('finding 21: still takes a same-origin form login (PROXY_BASE_URL or the own Host)', async () => {
    const viaBase = await formLogin({
      Origin: new URL(t.config.baseUrl).origin,
      'Sec-Fetch-Site': 'same-origin',
    }).expect(303);
    expect(viaBase.headers['location']).toBe('/ui/');
    expect(cookiesOf(viaBase.headers['set-cookie']).join()).toMatch(/gatehouse_session=/);
    await formLogin({
      Host: 'console.internal:8080',
      Origin: 'http://console.internal:8080',
    }).expect(303);
  });

  it('finding 21: still takes a plain curl JSON login (no Origin, no fetch metadata)', async () => {
    const body = JSON.stringify({ username: email, password });
    const { stdout } = await runShell(
      `curl -s -o /dev/null -w '%{http_code}' -X POST '${t.baseUrl ?? ''}/login' ` +
        `-H 'Content-Type: application/json' -d '${body}'`,
    );
    expect(stdout).toBe('200');
  });
});

describe('security: session cookies behind https (informational)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { PROXY_BASE_URL: 'https://gatehouse.example.com' }, listen: true });
  });
  afterAll(() => t.close());

  function setCookieLines(res: Response): string[] {
    return [res.headers['set-cookie'] ?? []].flat();
  }

  it('names the session cookie __Host- (Secure, Path=/, no Domain) and keeps XSRF-TOKEN, Secure', async () => {
    const user = await createUser(t, 'internal_user');
    const res = await t.http
      .post('/login')
      .send({ username: user.user_email, password: user.password })
      .expect(200);
    const lines = setCookieLines(res);
    const session = lines.find((l) => l.startsWith('__Host-gatehouse_session='));
    const xsrf = lines.find((l) => l.startsWith('XSRF-TOKEN='));
    expect(lines.some((l) => l.startsWith('gatehouse_session='))).toBe(false);
    expect(session).toMatch(/; Path=\/(;|$)/);
    expect(session).toMatch(/; Secure(;|$)/);
    expect(session).toMatch(/; HttpOnly(;|$)/);
    expect(session).toMatch(/; SameSite=Strict(;|$)/);
    expect(session).not.toMatch(/Domain=/i);
    expect(xsrf).toMatch(/; Secure(;|$)/);
    expect(xsrf).not.toMatch(/HttpOnly/);

    // The prefixed cookie authenticates, on the management API and on the data plane.
    const caller = sessionOf(t, res.headers['set-cookie']);
    await caller.get('/me').expect(200);
    await caller.post('/user/update', { user_id: user.user_id, user_alias: 'x' }).expect(200);
    const dataPlane = await fetch(`${t.baseUrl ?? ''}/v1/models`, {
      headers: { cookie: caller.cookies.join('; ') },
    });
    expect(dataPlane.status).toBe(200);
    // The same value under the plain name (a cookie tossed by a sibling host) is no session.
    const value = cookieValue(caller.cookies, '__Host-gatehouse_session');
    await t.http.get('/me').set('Cookie', `gatehouse_session=${value}`).expect(401);

    const out = await caller.post('/logout').expect(200);
    const cleared = setCookieLines(out).find((l) => l.startsWith('__Host-gatehouse_session='));
    expect(cleared).toMatch(/; Secure(;|$)/);
    expect(cleared).toMatch(/; Path=\/(;|$)/);
  });

  it('sets the same cookies when an invitation is claimed', async () => {
    const user = await createUser(t, 'internal_user', { password: undefined });
    const invitation = (await master(t).post('/invitation/new', { user_id: user.user_id }))
      .body as InvitationResponse;
    const token = (await t.http.get(`/onboarding/get_token?invite_link=${invitation.id}`)).body as {
      token: string;
    };
    const claimed = await t.http
      .post('/onboarding/claim_token')
      .set('Authorization', `Bearer ${token.token}`)
      .send({ invitation_link: invitation.id, user_id: user.user_id, password: 'a-password-1' })
      .expect(200);
    const session = setCookieLines(claimed).find((l) => l.startsWith('__Host-gatehouse_session='));
    expect(session).toMatch(/; Secure(;|$)/);
    await sessionOf(t, claimed.headers['set-cookie']).get('/me').expect(200);
  });
});
