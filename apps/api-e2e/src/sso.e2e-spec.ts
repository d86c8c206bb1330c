import type { MeResponse, SsoConfigResponse, UserInfoResponse } from '@gatehouse/shared/dto';
import type { Response } from 'supertest';
import {
  cookiesOf,
  createTeam,
  createUser,
  login,
  master,
  sessionOf,
  uniqueEmail,
} from './support/callers';
import { sql } from './support/db';
import { RecordingSmtpServer } from './support/smtp';
import { TestOidcProvider, TokenInterposer, type TestAccount } from './support/oidc-provider';
import { startApp, type TestApp } from './support/test-app';

const BASE_URL = 'http://gatehouse.test:4000';
const ROLE_MAP = { 'llm-admins': 'proxy_admin', 'llm-viewers': 'proxy_admin_viewer' };

interface Tamper {
  /** Edit the authorization request on its way to the provider. */
  authUrl?: (url: URL) => void | Promise<void>;
  /** Edit the provider's answer on its way back to Gatehouse. */
  query?: (query: URLSearchParams) => void;
  /** Runs between the provider's answer and the callback. */
  before?: () => void;
}

function cookieNames(res: Response): string[] {
  return cookiesOf(res.headers['set-cookie'])
    .filter((c) => !c.endsWith('='))
    .map((c) => c.slice(0, c.indexOf('=')));
}

describe('issue 13: single sign-on through a real OIDC provider', () => {
  let provider: TestOidcProvider;
  let interposer: TokenInterposer;
  let smtp: RecordingSmtpServer;
  let t: TestApp;

  /** A new account at the provider (sub = a fresh id). */
  function account(fields: Partial<TestAccount> = {}): string {
    const sub = `sub-${Math.random().toString(36).slice(2)}`;
    provider.accounts.set(sub, { email: uniqueEmail('sso'), email_verified: true, ...fields });
    return sub;
  }

  /** The whole browser round trip: /sso/login, the provider, /sso/callback. */
  async function ssoLogin(app: TestApp, sub: string, tamper: Tamper = {}): Promise<Response> {
    const start = await app.http.get('/sso/login').expect(302);
    const authUrl = new URL(String(start.headers['location']));
    await tamper.authUrl?.(authUrl);
    const landing = await provider.authorize(authUrl.href, sub);
    expect(`${landing.origin}${landing.pathname}`).toBe(`${BASE_URL}/sso/callback`);
    const query = new URLSearchParams(landing.search);
    tamper.query?.(query);
    tamper.before?.();
    return app.http
      .get(`/sso/callback?${query.toString()}`)
      .set('Cookie', cookiesOf(start.headers['set-cookie']).join('; '));
  }

  async function me(res: Response): Promise<MeResponse> {
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/ui/');
    const session = sessionOf(t, res.headers['set-cookie']);
    return (await session.get('/me').expect(200)).body as MeResponse;
  }

  function expectRefused(res: Response, code: string): void {
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe(`/ui/login?sso_error=${code}`);
    expect(cookieNames(res)).not.toContain('gatehouse_session');
    expect(cookieNames(res)).not.toContain('XSRF-TOKEN');
    // The pending login is spent whatever happened.
    expect(String(res.headers['set-cookie'])).toMatch(/gatehouse_sso=;/);
  }

  beforeAll(async () => {
    provider = new TestOidcProvider(BASE_URL);
    await provider.start();
    interposer = new TokenInterposer(`${provider.issuer}/token`);
    await interposer.start();
    smtp = new RecordingSmtpServer();
    const smtpPort = await smtp.start();
    t = await startApp({
      env: {
        PROXY_BASE_URL: BASE_URL,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtpPort),
        SMTP_SENDER_EMAIL: 'gatehouse@example.com',
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: provider.gatehouse.clientId,
        OIDC_CLIENT_SECRET: provider.gatehouse.clientSecret,
        OIDC_DISPLAY_NAME: 'Test IdP',
        OIDC_ALLOWED_DOMAINS: 'example.com',
        OIDC_ROLE_CLAIM: 'groups',
        OIDC_ROLE_MAP: JSON.stringify(ROLE_MAP),
        OIDC_TEAMS_CLAIM: 'teams',
        // LiteLLM's alias, here pointing at a pass-through that can swap ID tokens.
        GENERIC_TOKEN_ENDPOINT: interposer.url,
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await smtp.stop();
    await interposer.stop();
    await provider.stop();
  });

  afterEach(() => {
    interposer.substitute = null;
  });

  it('GET /sso/config tells the console that SSO is on and what the button says', async () => {
    const res = await t.http.get('/sso/config').expect(200);
    expect(res.body as SsoConfigResponse).toEqual({
      enabled: true,
      display_name: 'Test IdP',
      login_url: '/sso/login',
      password_login: 'enabled',
    });
  });

  it.each(['/sso/login', '/sso/key/generate'])(
    '%s redirects to the provider with state, nonce and PKCE bound to a short-lived HttpOnly Lax cookie',
    async (path) => {
      const res = await t.http.get(path).expect(302);
      const url = new URL(String(res.headers['location']));
      expect(`${url.origin}${url.pathname}`).toBe(`${provider.issuer}/auth`);
      expect(url.searchParams.get('client_id')).toBe('gatehouse');
      expect(url.searchParams.get('redirect_uri')).toBe(`${BASE_URL}/sso/callback`);
      expect(url.searchParams.get('scope')).toBe('openid email profile');
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      for (const p of ['state', 'nonce', 'code_challenge']) {
        expect(url.searchParams.get(p)?.length).toBeGreaterThanOrEqual(22);
      }
      const cookie = String(res.headers['set-cookie']);
      expect(cookie).toMatch(/^gatehouse_sso=/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\/sso/);
      expect(cookie).toMatch(/Max-Age=600/);
      // Neither the verifier nor the nonce travels in the clear next to the challenge.
      expect(cookie).not.toContain(url.searchParams.get('state') ?? '-');
    },
  );

  it('creates a new user with OIDC_DEFAULT_ROLE at the first login and starts a console session', async () => {
    const sub = account({ name: 'New Person' });
    const who = await me(await ssoLogin(t, sub));
    expect(who).toMatchObject({
      user_email: provider.accounts.get(sub)?.email,
      user_role: 'internal_user_viewer',
      auth: 'session',
      // SSO-only: the console shows no change-password form.
      has_password: false,
    });
    const info = await master(t).get(`/user/info?user_id=${who.user_id}`).expect(200);
    expect((info.body as UserInfoResponse).user_info.user_role).toBe('internal_user_viewer');
    const rows = await sql(
      t,
      `SELECT sso_issuer, sso_subject, password_hash FROM users WHERE user_id = '${who.user_id}'`,
    );
    expect(rows).toEqual([{ sso_issuer: provider.issuer, sso_subject: sub, password_hash: null }]);
    // Issue 14: the sign-in is one `login` row with auth_method sso.
    const audit = await master(t)
      .get(`/audit?action=login&object_id=${encodeURIComponent(who.user_id)}`)
      .expect(200);
    expect(audit.body.audit_logs).toEqual([
      expect.objectContaining({
        changed_by: who.user_id,
        auth_method: 'sso',
        table_name: 'session',
        updated_values: { issuer: provider.issuer },
      }),
    ]);
  });

  it('POST /password/forgot for an SSO-only user: the same answer as an unknown email, no mail', async () => {
    const sub = account();
    await me(await ssoLogin(t, sub));
    const email = provider.accounts.get(sub)?.email ?? '';
    const ssoOnly = await t.http.post('/password/forgot').send({ email });
    const unknown = await t.http.post('/password/forgot').send({ email: uniqueEmail('nobody') });
    expect(ssoOnly.status).toBe(200);
    expect(ssoOnly.body).toEqual(unknown.body);
    // Control: a password user's mail does arrive (after the SSO-only request was handled).
    const user = await createUser(t, 'internal_user');
    await t.http.post('/password/forgot').send({ email: user.user_email }).expect(200);
    await smtp.nth(user.user_email ?? '', 1);
    expect(smtp.mailsTo(email)).toEqual([]);
    const tokens = await sql(
      t,
      `SELECT token_hash FROM password_reset_tokens WHERE user_id IN (SELECT user_id FROM users WHERE user_email = '${email}')`,
    );
    expect(tokens).toEqual([]);
  });

  it('keeps iss + sub: a changed email at the provider is the same user, with the new email', async () => {
    const sub = account();
    const first = await me(await ssoLogin(t, sub));
    const newEmail = uniqueEmail('renamed');
    provider.accounts.set(sub, { ...(provider.accounts.get(sub) as TestAccount), email: newEmail });
    const second = await me(await ssoLogin(t, sub));
    expect(second.user_id).toBe(first.user_id);
    expect(second.user_email).toBe(newEmail);
    const list = await master(t).get(`/user/list?user_email=${newEmail}`).expect(200);
    expect(list.body).toMatchObject({ total: 1 });
  });

  it('links an existing password user with the same verified email (and the password still works)', async () => {
    const user = await createUser(t, 'internal_user');
    const sub = account({ email: user.user_email ?? '' });
    const who = await me(await ssoLogin(t, sub));
    expect(who.user_id).toBe(user.user_id);
    await login(t, user.user_email ?? '', user.password);
  });

  it('refuses an email outside OIDC_ALLOWED_DOMAINS and creates nobody', async () => {
    const email = `someone-${Date.now()}@elsewhere.test`;
    expectRefused(await ssoLogin(t, account({ email })), 'domain_not_allowed');
    const list = await master(t).get(`/user/list?user_email=elsewhere.test`).expect(200);
    expect(list.body).toMatchObject({ total: 0 });
  });

  it('refuses an unverified email, even one that belongs to an existing user', async () => {
    expectRefused(await ssoLogin(t, account({ email_verified: false })), 'email_unverified');
    const victim = await createUser(t, 'proxy_admin');
    const sub = account({ email: victim.user_email ?? '', email_verified: false });
    expectRefused(await ssoLogin(t, sub), 'email_unverified');
  });

  it('applies OIDC_ROLE_MAP at every login: promotion, change, and demotion when the group goes', async () => {
    const sub = account({ groups: ['llm-admins', 'unrelated'] });
    const admin = await me(await ssoLogin(t, sub));
    expect(admin.user_role).toBe('proxy_admin');

    const acct = provider.accounts.get(sub) as TestAccount;
    provider.accounts.set(sub, { ...acct, groups: ['llm-viewers'] });
    const viewer = await me(await ssoLogin(t, sub));
    expect(viewer).toMatchObject({ user_id: admin.user_id, user_role: 'proxy_admin_viewer' });

    provider.accounts.set(sub, { ...acct, groups: [] });
    const demoted = await me(await ssoLogin(t, sub));
    expect(demoted).toMatchObject({ user_id: admin.user_id, user_role: 'internal_user_viewer' });
  });

  it('syncs team membership from OIDC_TEAMS_CLAIM by team id (unknown ids ignored)', async () => {
    const one = await createTeam(t, { team_alias: 'one' });
    const two = await createTeam(t, { team_alias: 'two' });
    const sub = account({ teams: [one.team_id, 'no-such-team'] });
    const who = await me(await ssoLogin(t, sub));
    const teamsOf = async (): Promise<string[]> =>
      (
        (await master(t).get(`/user/info?user_id=${who.user_id}`).expect(200))
          .body as UserInfoResponse
      ).user_info.teams;
    expect(await teamsOf()).toEqual([one.team_id]);

    const acct = provider.accounts.get(sub) as TestAccount;
    provider.accounts.set(sub, { ...acct, teams: [two.team_id] });
    await me(await ssoLogin(t, sub));
    expect(await teamsOf()).toEqual([two.team_id]);
  });

  describe('every verification is enforced', () => {
    it('refuses a forged state', async () => {
      const res = await ssoLogin(t, account(), { query: (q) => q.set('state', 'forged-state') });
      expectRefused(res, 'invalid_response');
    });

    it('refuses a callback without the pending-login cookie, or with an edited one', async () => {
      const start = await t.http.get('/sso/login').expect(302);
      const landing = await provider.authorize(String(start.headers['location']), account());
      const none = await t.http.get(`/sso/callback${landing.search}`);
      expectRefused(none, 'login_expired');
      const [cookie] = cookiesOf(start.headers['set-cookie']);
      const edited = await t.http
        .get(`/sso/callback${landing.search}`)
        .set('Cookie', `${cookie.slice(0, -3)}AAA`);
      expectRefused(edited, 'login_expired');
    });

    it('refuses a replayed code (same callback URL and cookie a second time)', async () => {
      const start = await t.http.get('/sso/login').expect(302);
      const landing = await provider.authorize(String(start.headers['location']), account());
      const cookie = cookiesOf(start.headers['set-cookie']).join('; ');
      const first = await t.http.get(`/sso/callback${landing.search}`).set('Cookie', cookie);
      await me(first);
      const replay = await t.http.get(`/sso/callback${landing.search}`).set('Cookie', cookie);
      expectRefused(replay, 'provider_error');
    });

    it('refuses an ID token with the wrong nonce', async () => {
      const res = await ssoLogin(t, account(), {
        authUrl: (url) => url.searchParams.set('nonce', 'a-nonce-gatehouse-never-made'),
      });
      expectRefused(res, 'invalid_response');
    });

    it('refuses an ID token issued to another client (wrong audience), accepts the same swap for its own', async () => {
      const sub = account();
      const swapIn = (client: 'other' | 'gatehouse') => async (url: URL) => {
        const nonce = url.searchParams.get('nonce') ?? '';
        interposer.substitute = await provider.idTokenFor(provider[client], sub, nonce);
      };
      expectRefused(await ssoLogin(t, sub, { authUrl: swapIn('other') }), 'invalid_response');
      // Control: the interposer itself breaks nothing; the audience is what was refused.
      await me(await ssoLogin(t, sub, { authUrl: swapIn('gatehouse') }));
    });

    it('refuses an expired ID token', async () => {
      const fiveMinutes = 5 * 60_000; // the provider's ID tokens live 60 s (+30 s tolerance)
      try {
        const res = await ssoLogin(t, account(), { before: () => t.clock.advance(fiveMinutes) });
        expectRefused(res, 'invalid_response');
      } finally {
        t.clock.advance(-fiveMinutes);
      }
    });

    it('lands on the login page when the provider answers with an error', async () => {
      const start = await t.http.get('/sso/login').expect(302);
      const state = new URL(String(start.headers['location'])).searchParams.get('state') ?? '';
      const res = await t.http
        .get(
          `/sso/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(provider.issuer)}`,
        )
        .set('Cookie', cookiesOf(start.headers['set-cookie']).join('; '));
      expectRefused(res, 'provider_error');
    });
  });
});

describe('issue 13: PASSWORD_LOGIN with single sign-on', () => {
  let provider: TestOidcProvider;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    provider = new TestOidcProvider(BASE_URL);
    await provider.start();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await provider.stop();
  });

  async function appWith(mode: string): Promise<TestApp> {
    const app = await startApp({
      env: {
        PROXY_BASE_URL: BASE_URL,
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: provider.gatehouse.clientId,
        OIDC_CLIENT_SECRET: provider.gatehouse.clientSecret,
        PASSWORD_LOGIN: mode,
      },
    });
    apps.push(app);
    return app;
  }

  it('disabled: refuses every password but keeps the master-key admin; SSO still signs in', async () => {
    const t = await appWith('disabled');
    const user = await createUser(t, 'proxy_admin');
    const res = await t.http
      .post('/login')
      .send({ username: user.user_email, password: user.password })
      .expect(403);
    expect(res.body.error).toMatchObject({
      type: 'permission_error',
      code: 'password_login_disabled',
    });
    expect(cookiesOf(res.headers['set-cookie'])).toEqual([]);
    await login(t, 'admin', t.masterKey);
    expect((await t.http.get('/sso/config').expect(200)).body).toMatchObject({
      enabled: true,
      password_login: 'disabled',
    });

    const sub = 'sso-user';
    provider.accounts.set(sub, { email: user.user_email ?? '', email_verified: true });
    const start = await t.http.get('/sso/login').expect(302);
    const landing = await provider.authorize(String(start.headers['location']), sub);
    const cb = await t.http
      .get(`/sso/callback${landing.search}`)
      .set('Cookie', cookiesOf(start.headers['set-cookie']).join('; '))
      .expect(303);
    expect(cb.headers['location']).toBe('/ui/');
  });

  it('admins_only: a proxy_admin logs in with a password, anyone else is refused like a wrong password', async () => {
    const t = await appWith('admins_only');
    const admin = await createUser(t, 'proxy_admin');
    const user = await createUser(t, 'internal_user');
    await login(t, admin.user_email ?? '', admin.password);
    const right = await t.http
      .post('/login')
      .send({ username: user.user_email, password: user.password })
      .expect(401);
    const wrong = await t.http
      .post('/login')
      .send({ username: user.user_email, password: 'not-the-password' })
      .expect(401);
    expect(right.body).toEqual(wrong.body);
    await login(t, 'admin', t.masterKey);
  });
});

describe('issue 13: without SSO settings', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });

  afterAll(() => t.close());

  it('GET /sso/config says SSO is off; the SSO routes land on the login page, never a 500', async () => {
    expect((await t.http.get('/sso/config').expect(200)).body).toEqual({
      enabled: false,
      display_name: null,
      login_url: null,
      password_login: 'enabled',
    });
    for (const path of ['/sso/login', '/sso/key/generate', '/sso/callback?code=x&state=y']) {
      const res = await t.http.get(path).expect(303);
      expect(res.headers['location']).toBe('/ui/login?sso_error=sso_disabled');
      expect(cookieNames(res)).not.toContain('gatehouse_session');
    }
  });
});
