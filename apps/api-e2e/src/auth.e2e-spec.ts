import { Writable } from 'node:stream';
import {
  anonymous,
  cookiesOf,
  cookieValue,
  createUser,
  login,
  master,
  uniqueEmail,
} from './support/callers';
import { DataSource } from 'typeorm';
import { sqlNumber } from './support/db';
import { startApp, type TestApp } from './support/test-app';

describe('console sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  describe('POST /login', () => {
    it('logs in with email + password (JSON) and sets a strict HttpOnly session cookie and an XSRF cookie', async () => {
      const user = await createUser(t, 'internal_user');
      const res = await t.http
        .post('/login')
        .send({ username: user.user_email?.toUpperCase(), password: user.password })
        .expect(200);
      expect(res.body).toEqual({
        user_id: user.user_id,
        user_email: user.user_email,
        user_role: 'internal_user',
      });
      const setCookie = [res.headers['set-cookie']].flat().join('\n');
      expect(setCookie).toMatch(/gatehouse_session=[\w-]{40,}; [^\n]*HttpOnly/);
      expect(setCookie).toMatch(/gatehouse_session=[^\n]*SameSite=Strict/);
      const xsrfLine = setCookie.split('\n').find((l) => l.startsWith('XSRF-TOKEN='));
      expect(xsrfLine).toMatch(/SameSite=Strict/);
      expect(xsrfLine).not.toMatch(/HttpOnly/);
    });

    it('logs in with a form post and redirects to the console', async () => {
      const user = await createUser(t, 'internal_user_viewer');
      const res = await t.http
        .post('/login')
        .type('form')
        .send({ username: user.user_email, password: user.password })
        .expect(303);
      expect(res.headers['location']).toBe('/ui/');
      expect(
        cookiesOf(res.headers['set-cookie']).some((c) => c.startsWith('gatehouse_session=')),
      ).toBe(true);
    });

    it('logs in as admin with the master key', async () => {
      const session = await login(t, 'admin', t.masterKey);
      expect(session.body).toEqual({
        user_id: 'admin',
        user_email: null,
        user_role: 'proxy_admin',
      });
      const me = await session.get('/me').expect(200);
      expect(me.body).toMatchObject({
        user_id: 'admin',
        user_role: 'proxy_admin',
        auth: 'session',
      });
      await session.post('/user/new', { user_email: uniqueEmail() }).expect(200);
    });

    it('answers unknown email and wrong password identically', async () => {
      const user = await createUser(t, 'internal_user');
      const wrong = await t.http
        .post('/login')
        .send({ username: user.user_email, password: 'wrong-password' })
        .expect(401);
      const unknown = await t.http
        .post('/login')
        .send({ username: uniqueEmail('nobody'), password: 'wrong-password' })
        .expect(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body.error).toEqual({
        message: 'Invalid email or password',
        type: 'auth_error',
        param: null,
        code: '401',
      });
      const admin = await t.http
        .post('/login')
        .send({ username: 'admin', password: 'sk-not-the-master-key' })
        .expect(401);
      expect(admin.body).toEqual(unknown.body);
    });

    it('refuses a user who has no password yet', async () => {
      const res = await master(t)
        .post('/user/new', { user_email: uniqueEmail('invited') })
        .expect(200);
      await t.http
        .post('/login')
        .send({ username: res.body.user_email, password: 'anything-at-all' })
        .expect(401);
    });

    it.each([
      [{}, 400],
      [{ username: 'a@b.io' }, 400],
      [{ password: 'x' }, 400],
      [{ username: ['a@b.io'], password: 'xxxxxxxx' }, 400],
      [{ username: 'a@b.io', password: { $ne: null } }, 400],
    ])('refuses malformed credentials %j with a 400', async (body, status) => {
      const res = await t.http.post('/login').send(body).expect(status);
      expect(res.body.error.type).toBe('invalid_request_error');
    });

    it('takes credentials from the body only, never from the query string', async () => {
      const user = await createUser(t, 'internal_user');
      const query = `username=${encodeURIComponent(user.user_email ?? '')}&password=${user.password}`;
      await t.http.post(`/login?${query}`).send({}).expect(400);
    });
  });

  describe('GET /me', () => {
    it('tells a session who it is, with its permissions', async () => {
      const user = await createUser(t, 'internal_user_viewer');
      const session = await login(t, user.user_email ?? '', user.password);
      const res = await session.get('/me').expect(200);
      expect(res.body).toEqual({
        user_id: user.user_id,
        user_email: user.user_email,
        user_role: 'internal_user_viewer',
        auth: 'session',
        permissions: [
          'user.read.self',
          'user.update.self',
          'team.read.member',
          'key.read.self',
          'spend.read.self',
          'model.read',
        ],
        has_password: true,
      });
    });

    it('tells the master key it is proxy_admin, with no password of its own', async () => {
      const res = await master(t).get('/me').expect(200);
      expect(res.body).toMatchObject({
        user_id: 'admin',
        user_role: 'proxy_admin',
        auth: 'master_key',
        has_password: false,
      });
    });

    it('accepts the master key as x-api-key and api-key too', async () => {
      await t.http.get('/me').set('x-api-key', t.masterKey).expect(200);
      await t.http.get('/me').set('api-key', t.masterKey).expect(200);
    });

    it.each([
      ['no credentials', {}],
      ['a Basic header', { Authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` }],
      ['an empty bearer', { Authorization: 'Bearer ' }],
      ['a SQL bearer', { Authorization: "Bearer ' OR '1'='1" }],
      ['a 20 kB bearer', { Authorization: `Bearer sk-${'a'.repeat(20_000)}` }],
      ['a non-ASCII bearer', { Authorization: 'Bearer sk-cl\u00e9' }],
      ['a SQL x-api-key', { 'x-api-key': "sk-' OR 1=1 --" }],
      [
        'a forged session cookie',
        { Cookie: 'gatehouse_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      ],
      ['a malformed session cookie', { Cookie: "gatehouse_session=' OR 1=1" }],
    ])('refuses %s with 401', async (_label, headers) => {
      const res = await t.http.get('/me').set(headers).expect(401);
      expect(res.body.error).toMatchObject({ type: 'auth_error', code: '401' });
    });
  });

  describe('CSRF', () => {
    it('refuses a cookie-authenticated mutation without the X-XSRF-TOKEN echo', async () => {
      const session = await login(t, 'admin', t.masterKey);
      const res = await t.http
        .post('/user/new')
        .set('Cookie', session.cookies.join('; '))
        .send({ user_email: uniqueEmail() })
        .expect(403);
      expect(res.body.error.message).toMatch(/XSRF/);
    });

    it('refuses a wrong X-XSRF-TOKEN, and another session token', async () => {
      const a = await login(t, 'admin', t.masterKey);
      const b = await login(t, 'admin', t.masterKey);
      for (const token of ['wrong', b.xsrf]) {
        await t.http
          .post('/user/new')
          .set('Cookie', a.cookies.join('; '))
          .set('X-XSRF-TOKEN', token)
          .send({ user_email: uniqueEmail() })
          .expect(403);
      }
    });

    it('lets reads through without the header, and mutations with it', async () => {
      const session = await login(t, 'admin', t.masterKey);
      await t.http.get('/user/list').set('Cookie', session.cookies.join('; ')).expect(200);
      await session.post('/user/new', { user_email: uniqueEmail() }).expect(200);
    });

    it('does not ask bearer callers for it', async () => {
      await master(t).post('/user/new', { user_email: uniqueEmail() }).expect(200);
    });
  });

  describe('POST /logout', () => {
    it('ends this session on the server, answers the logout URL, and leaves other sessions alive', async () => {
      const user = await createUser(t, 'internal_user');
      const first = await login(t, user.user_email ?? '', user.password);
      const second = await login(t, user.user_email ?? '', user.password);
      const res = await first.post('/logout').expect(200);
      expect(res.body).toEqual({ redirect_url: '/ui/login' });
      expect([res.headers['set-cookie']].flat().join('\n')).toMatch(/gatehouse_session=;/);
      // The browser forgets the cookie; a replayed copy must not work either.
      await first.get('/me').expect(401);
      await second.get('/me').expect(200);
    });

    it('requires the XSRF echo like any cookie mutation', async () => {
      const session = await login(t, 'admin', t.masterKey);
      await t.http.post('/logout').set('Cookie', session.cookies.join('; ')).expect(403);
      await session.get('/me').expect(200);
    });

    it('is refused to anonymous callers', async () => {
      await anonymous(t).post('/logout').expect(401);
    });
  });

  describe('password changes', () => {
    it("end the user's other sessions and keep the one that made the change", async () => {
      const user = await createUser(t, 'internal_user');
      const here = await login(t, user.user_email ?? '', user.password);
      const elsewhere = await login(t, user.user_email ?? '', user.password);
      await here
        .post('/user/update', {
          user_id: user.user_id,
          password: 'a-fresh-password-1',
          current_password: user.password,
        })
        .expect(200);
      await here.get('/me').expect(200);
      await elsewhere.get('/me').expect(401);
    });

    it('set by an admin end every session of that user, and other updates end none', async () => {
      const user = await createUser(t, 'internal_user');
      const a = await login(t, user.user_email ?? '', user.password);
      const b = await login(t, user.user_email ?? '', user.password);
      await master(t)
        .post('/user/update', { user_id: user.user_id, user_alias: 'renamed' })
        .expect(200);
      await a.get('/me').expect(200);
      await master(t)
        .post('/user/update', { user_id: user.user_id, password: 'reset-by-the-admin' })
        .expect(200);
      await a.get('/me').expect(401);
      await b.get('/me').expect(401);
      await login(t, user.user_email ?? '', 'reset-by-the-admin');
    });
  });

  describe('session expiry', () => {
    it('ends sessions after SESSION_TTL_HOURS (12 by default)', async () => {
      const session = await login(t, 'admin', t.masterKey);
      t.clock.advance(11 * 3_600_000);
      await session.get('/me').expect(200);
      t.clock.advance(1 * 3_600_000 + 1000);
      await session.get('/me').expect(401);
    });
  });
});

describe('master key rotation', () => {
  it('ends the console sessions the old master key opened, and only those', async () => {
    const before = await startApp();
    const oldAdmin = await login(before, 'admin', before.masterKey);
    const user = await createUser(before, 'internal_user');
    const userSession = await login(before, user.user_email ?? '', user.password);
    await oldAdmin.get('/me').expect(200);
    // A restart on the same database with another PROXY_MASTER_KEY.
    await before.app.close();
    const db = before.config.database;
    const after = await startApp({
      env:
        db.type === 'sqlite'
          ? { DATABASE_URL: `sqlite:${db.path}` }
          : { DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema ?? '' },
    });
    try {
      expect(after.masterKey).not.toBe(before.masterKey);
      const me = (session: { cookies: string[] }) =>
        after.http.get('/me').set('Cookie', session.cookies.join('; '));
      await me(oldAdmin).expect(401);
      await me(userSession).expect(200);
      const newAdmin = await login(after, 'admin', after.masterKey);
      const res = await me(newAdmin).expect(200);
      expect(res.body).toMatchObject({ user_id: 'admin', user_role: 'proxy_admin' });
      // The old admin session is gone from the table, not only refused.
      expect(await sqlNumber(after, "SELECT COUNT(*) FROM sessions WHERE user_id = 'admin'")).toBe(
        1,
      );
      // A master-key session row from before fingerprints were kept ends too.
      await after.app
        .get(DataSource)
        .query("UPDATE sessions SET master_key_fingerprint = NULL WHERE user_id = 'admin'");
      await me(newAdmin).expect(401);
    } finally {
      await after.close();
      await before.drop();
    }
  });
});

describe('login throttling', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startApp();
  });
  afterEach(() => t.close());

  it('locks an account after 5 failures, even for the right password, until the window passes', async () => {
    const user = await createUser(t, 'internal_user');
    for (let i = 0; i < 5; i++) {
      await t.http
        .post('/login')
        .send({ username: user.user_email, password: `wrong-${i}-password` })
        .expect(401);
    }
    const locked = await t.http
      .post('/login')
      .send({ username: user.user_email, password: user.password })
      .expect(429);
    expect(locked.body.error.type).toBe('rate_limit_error');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    t.clock.advance(15 * 60_000 + 1000);
    await t.http
      .post('/login')
      .send({ username: user.user_email, password: user.password })
      .expect(200);
  });

  it('locks a client that sprays 20 failures over many accounts', async () => {
    for (let i = 0; i < 20; i++) {
      await t.http
        .post('/login')
        .send({ username: uniqueEmail(`spray${i}`), password: 'wrong-password' })
        .expect(401);
    }
    const user = await createUser(t, 'internal_user');
    const res = await t.http
      .post('/login')
      .send({ username: user.user_email, password: user.password })
      .expect(429);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('throttles the admin login like any account', async () => {
    for (let i = 0; i < 5; i++) {
      await t.http
        .post('/login')
        .send({ username: 'admin', password: `sk-wrong-${i}` })
        .expect(401);
    }
    await t.http.post('/login').send({ username: 'admin', password: t.masterKey }).expect(429);
    // The master key as a bearer is not a login and stays usable.
    await master(t).get('/me').expect(200);
  });
});

describe('logout URL and logs', () => {
  it('answers PROXY_LOGOUT_URL when it is set', async () => {
    const t = await startApp({ env: { PROXY_LOGOUT_URL: 'https://www.google.com' } });
    try {
      const session = await login(t, 'admin', t.masterKey);
      const res = await session.post('/logout').expect(200);
      expect(res.body).toEqual({ redirect_url: 'https://www.google.com' });
    } finally {
      await t.close();
    }
  });

  it('logs requests as JSON with a request id, never the Authorization header, cookies or passwords', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const t = await startApp({ logDestination: sink });
    try {
      const user = await createUser(t, 'internal_user');
      const session = await login(t, user.user_email ?? '', user.password);
      await session.get('/me').expect(200);
      const res = await t.http
        .get('/me')
        .set('Authorization', `Bearer ${t.masterKey}`)
        .set('X-Request-Id', 'trace-me-123')
        .expect(200);
      expect(res.headers['x-request-id']).toBe('trace-me-123');
      await t.http
        .post('/login')
        .send({ username: user.user_email, password: 'a-wrong-password-123' })
        .expect(401);
      const text = lines.join('\n');
      expect(lines.length).toBeGreaterThan(3);
      const parsed = lines.map((l) => JSON.parse(l) as { req?: { id?: string } });
      expect(parsed.some((l) => l.req?.id === 'trace-me-123')).toBe(true);
      expect(text).not.toContain(t.masterKey);
      expect(text).not.toContain(user.password);
      expect(text).not.toContain('a-wrong-password-123');
      expect(text).not.toContain(cookieValue(session.cookies, 'gatehouse_session'));
      expect(text).toContain('[redacted]');
    } finally {
      await t.close();
    }
  });
});
