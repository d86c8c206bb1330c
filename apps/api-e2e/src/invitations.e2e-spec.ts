import type { Role } from '@gatehouse/shared/auth';
import type { InvitationResponse, OnboardingTokenResponse } from '@gatehouse/shared/dto';
import {
  anonymous,
  createUser,
  everyRole,
  login,
  master,
  sessionOf,
  type Caller,
  type UserCaller,
} from './support/callers';
import { startApp, type TestApp } from './support/test-app';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The product page's invitation fields, plus our link and email delivery state. */
const INVITATION_FIELDS = [
  'id',
  'user_id',
  'is_accepted',
  'accepted_at',
  'expires_at',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
  'invitation_link',
  'email_status',
  'email_error',
  'emailed_at',
].sort();

describe('invitations and onboarding', () => {
  let t: TestApp;
  let as: Record<Role, UserCaller>;

  beforeAll(async () => {
    t = await startApp();
    as = await everyRole(t);
  });
  afterAll(() => t.close());

  /** A fresh user without a password and an open invitation for them. */
  async function invited(
    role: Role = 'internal_user',
  ): Promise<{ userId: string; email: string; invitation: InvitationResponse }> {
    const user = await createUser(t, role, { password: undefined });
    const res = await master(t).post('/invitation/new', { user_id: user.user_id }).expect(200);
    return {
      userId: user.user_id,
      email: user.user_email ?? '',
      invitation: res.body as InvitationResponse,
    };
  }

  function getToken(invitationId: string) {
    return t.http.get(`/onboarding/get_token?invite_link=${encodeURIComponent(invitationId)}`);
  }

  function claim(token: string | null, body: Record<string, unknown>) {
    const req = t.http.post('/onboarding/claim_token');
    if (token !== null) req.set('Authorization', `Bearer ${token}`);
    return req.send(body);
  }

  async function tokenFor(invitationId: string): Promise<OnboardingTokenResponse> {
    return (await getToken(invitationId).expect(200)).body as OnboardingTokenResponse;
  }

  describe('the product page, steps 1-3', () => {
    it('creates the user and the invitation with the bodies as printed, then onboards', async () => {
      const email = `krrish-${Date.now()}@example.com`;
      const step1 = await t.http
        .post('/user/new')
        .set('Authorization', `Bearer ${t.masterKey}`)
        .set('Content-Type', 'application/json')
        .send(
          `{
    "user_email": "${email}",
    "user_role": "internal_user" # 👈 THIS ALLOWS USER TO CREATE/VIEW/DELETE THEIR OWN KEYS + SEE THEIR SPEND
}`,
        )
        .expect(200);
      expect(step1.body).toMatchObject({ user_email: email, user_role: 'internal_user' });
      const userId = step1.body.user_id as string;

      const step2 = await t.http
        .post('/invitation/new')
        .set('Authorization', `Bearer ${t.masterKey}`)
        .set('Content-Type', 'application/json')
        .send(
          `{
    "user_id": "${userId}" # 👈 USER ID FROM STEP 1
}`,
        )
        .expect(200);
      const invitation = step2.body as InvitationResponse;
      expect(Object.keys(invitation).sort()).toEqual(INVITATION_FIELDS);
      expect(invitation).toMatchObject({
        user_id: userId,
        is_accepted: false,
        accepted_at: null,
        created_by: 'admin',
        updated_by: 'admin',
        email_status: null,
      });
      expect(invitation.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(invitation.expires_at) - Date.parse(invitation.created_at)).toBe(
        7 * DAY_MS,
      );
      expect(invitation.invitation_link).toBe(
        `${t.config.baseUrl}/ui/onboarding?id=${invitation.id}`,
      );

      // Step 3: the user opens the link, sets a password and is logged in.
      const id = new URL(invitation.invitation_link).searchParams.get('id') ?? '';
      const token = await tokenFor(id);
      expect(token).toEqual({ token: expect.any(String), user_id: userId, user_email: email });
      const claimed = await claim(token.token, {
        invitation_link: id,
        user_id: userId,
        password: 'my-new-password',
      }).expect(200);
      expect(claimed.body).toEqual({
        user_id: userId,
        user_email: email,
        user_role: 'internal_user',
      });
      const session = sessionOf(t, claimed.headers['set-cookie']);
      const setCookie = [claimed.headers['set-cookie'] ?? []].flat().join('\n');
      expect(setCookie).toMatch(/gatehouse_session=[^;]+;.*HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Strict/i);
      const me = await session.get('/me').expect(200);
      expect(me.body).toMatchObject({ user_id: userId, user_role: 'internal_user' });

      // ... and can log in with the new password later.
      const again = await login(t, email, 'my-new-password');
      const me2 = await again.get('/me').expect(200);
      expect(me2.body).toMatchObject({ user_id: userId, user_email: email, auth: 'session' });

      const after = await master(t).get(`/invitation/info?invitation_id=${id}`).expect(200);
      expect(after.body).toMatchObject({ is_accepted: true, updated_by: userId });
      expect(after.body.accepted_at).not.toBeNull();
      expect(JSON.stringify([claimed.body, after.body, token])).not.toMatch(/password|argon/i);
    });
  });

  describe('POST /invitation/new', () => {
    it('answers 404 for an unknown user and 400 for a malformed id', async () => {
      const unknown = await master(t).post('/invitation/new', { user_id: 'ghost' }).expect(404);
      expect(unknown.body.error).toMatchObject({ type: 'not_found_error', param: 'user_id' });
      for (const user_id of ["x' OR '1'='1", '', 42, null, 'a'.repeat(200)]) {
        const res = await master(t).post('/invitation/new', { user_id }).expect(400);
        expect(res.body.error.param).toBe('user_id');
      }
      await master(t).post('/invitation/new', {}).expect(400);
      const extra = await master(t)
        .post('/invitation/new', { user_id: as.internal_user.userId, is_accepted: true })
        .expect(400);
      expect(extra.body.error.param).toBe('is_accepted');
    });

    it('refuses a user without an email, naming user_id', async () => {
      const res = await master(t).post('/user/new', { user_role: 'internal_user' }).expect(200);
      const refused = await master(t)
        .post('/invitation/new', { user_id: res.body.user_id })
        .expect(400);
      expect(refused.body.error).toMatchObject({
        type: 'invalid_request_error',
        param: 'user_id',
      });
      expect(refused.body.error.message).toContain(res.body.user_id);
    });

    it('refuses send_email when SMTP is not configured, and creates nothing', async () => {
      const user = await createUser(t, 'internal_user');
      const res = await master(t)
        .post('/invitation/new', { user_id: user.user_id, send_email: true })
        .expect(400);
      expect(res.body.error).toMatchObject({ param: 'send_email' });
      expect(res.body.error.message).toMatch(/SMTP_HOST/);
    });

    it('refuses send_invite_email on /user/new when SMTP is not configured, before creating', async () => {
      const email = `nosmtp-${Date.now()}@example.com`;
      const res = await master(t)
        .post('/user/new', { user_email: email, send_invite_email: true })
        .expect(400);
      expect(res.body.error).toMatchObject({ param: 'send_invite_email' });
      const list = await master(t).get(`/user/list?user_email=${email}`).expect(200);
      expect(list.body.total).toBe(0);
      const noEmail = await master(t).post('/user/new', { send_invite_email: true }).expect(400);
      expect(noEmail.body.error.param).toBe('user_email');
    });

    it('leaves older invitations of the same user usable', async () => {
      const { userId, invitation: first } = await invited();
      const second = await master(t).post('/invitation/new', { user_id: userId }).expect(200);
      expect(second.body.id).not.toBe(first.id);
      await getToken(first.id).expect(200);
      await getToken(second.body.id as string).expect(200);
    });
  });

  describe('GET /invitation/info, POST /invitation/update and /invitation/delete', () => {
    it('reads, updates and deletes an invitation', async () => {
      const { invitation } = await invited();
      const info = await master(t).get(`/invitation/info?invitation_id=${invitation.id}`);
      expect(info.status).toBe(200);
      expect(info.body).toEqual(invitation);

      t.clock.advance(1000);
      const later = new Date(Date.parse(invitation.expires_at) + DAY_MS).toISOString();
      const updated = await as.proxy_admin
        .post('/invitation/update', { invitation_id: invitation.id, expires_at: later })
        .expect(200);
      expect(updated.body).toMatchObject({
        expires_at: later,
        updated_by: as.proxy_admin.userId,
        is_accepted: false,
      });
      expect(updated.body.updated_at).not.toBe(invitation.updated_at);

      const accepted = await master(t)
        .post('/invitation/update', { invitation_id: invitation.id, is_accepted: true })
        .expect(200);
      expect(accepted.body.is_accepted).toBe(true);
      expect(accepted.body.accepted_at).not.toBeNull();
      await getToken(invitation.id).expect(409);

      const reopened = await master(t)
        .post('/invitation/update', { invitation_id: invitation.id, is_accepted: false })
        .expect(200);
      expect(reopened.body).toMatchObject({ is_accepted: false, accepted_at: null });
      await getToken(invitation.id).expect(200);

      const deleted = await master(t)
        .post('/invitation/delete', { invitation_id: invitation.id })
        .expect(200);
      expect(deleted.body.id).toBe(invitation.id);
      await master(t).get(`/invitation/info?invitation_id=${invitation.id}`).expect(404);
      await master(t).post('/invitation/delete', { invitation_id: invitation.id }).expect(404);
      await getToken(invitation.id).expect(404);
    });

    it('answers 404 for unknown ids and 400 for malformed ones', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      await master(t).get(`/invitation/info?invitation_id=${unknown}`).expect(404);
      await master(t)
        .post('/invitation/update', { invitation_id: unknown, is_accepted: true })
        .expect(404);
      for (const bad of ['not-a-uuid', "' OR 1=1 --", '../../etc/passwd']) {
        const res = await master(t)
          .get(`/invitation/info?invitation_id=${encodeURIComponent(bad)}`)
          .expect(400);
        expect(res.body.error.param).toBe('invitation_id');
        await master(t).post('/invitation/delete', { invitation_id: bad }).expect(400);
      }
      await master(t).get('/invitation/info').expect(400);
      const { invitation } = await invited();
      const res = await master(t)
        .post('/invitation/update', { invitation_id: invitation.id, expires_at: 'tomorrow' })
        .expect(400);
      expect(res.body.error.param).toBe('expires_at');
    });

    it('disappears with its user', async () => {
      const { userId, invitation } = await invited();
      await master(t)
        .post('/user/delete', { user_ids: [userId] })
        .expect(200);
      await master(t).get(`/invitation/info?invitation_id=${invitation.id}`).expect(404);
      await getToken(invitation.id).expect(404);
    });
  });

  describe('who may use the invitation endpoints', () => {
    type Expect = Record<'new' | 'info' | 'update' | 'delete', number>;
    const ALL = { new: 200, info: 200, update: 200, delete: 200 };
    const READ_ONLY = { new: 403, info: 200, update: 403, delete: 403 };
    const NONE = { new: 403, info: 403, update: 403, delete: 403 };
    const cases: [string, (t: TestApp) => Caller, Expect][] = [
      ['master key', master, ALL],
      ['proxy_admin', () => as.proxy_admin, ALL],
      ['proxy_admin_viewer', () => as.proxy_admin_viewer, READ_ONLY],
      ['internal_user', () => as.internal_user, NONE],
      ['internal_user_viewer', () => as.internal_user_viewer, NONE],
      ['anonymous', anonymous, { new: 401, info: 401, update: 401, delete: 401 }],
    ];

    it.each(cases)('%s', async (_label, callerOf, expected) => {
      const caller = callerOf(t);
      const { userId, invitation } = await invited();
      const created = await caller.post('/invitation/new', { user_id: userId });
      expect(created.status).toBe(expected.new);
      if (expected.new !== 200) expect(created.body.error).toBeDefined();
      const info = await caller.get(`/invitation/info?invitation_id=${invitation.id}`);
      expect(info.status).toBe(expected.info);
      const updated = await caller.post('/invitation/update', {
        invitation_id: invitation.id,
        is_accepted: true,
      });
      expect(updated.status).toBe(expected.update);
      const deleted = await caller.post('/invitation/delete', { invitation_id: invitation.id });
      expect(deleted.status).toBe(expected.delete);
      if (expected.delete !== 200) {
        // Nothing changed behind a refusal.
        const still = await master(t)
          .get(`/invitation/info?invitation_id=${invitation.id}`)
          .expect(200);
        expect(still.body.is_accepted).toBe(false);
      }
    });

    it('guards every invitation and team route; only the onboarding routes are public', async () => {
      const ours = t.routes.filter(
        (r) => /^\/(invitation|team|onboarding)\//.test(r.url) && r.method !== 'HEAD',
      );
      expect(ours.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
        [
          'GET /invitation/info',
          'GET /onboarding/get_token',
          'GET /team/info',
          'GET /team/list',
          'POST /invitation/delete',
          'POST /invitation/new',
          'POST /invitation/update',
          'POST /onboarding/claim_token',
          'POST /team/delete',
          'POST /team/member_add',
          'POST /team/member_delete',
          'POST /team/new',
          'POST /team/update',
        ].sort(),
      );
      for (const route of ours) {
        const res =
          route.method === 'GET'
            ? await t.http.get(route.url)
            : await t.http.post(route.url).send({});
        if (route.url.startsWith('/onboarding/')) {
          // Public: the input is checked (400), not the caller.
          expect([route.url, res.status]).toEqual([route.url, 400]);
        } else {
          expect([route.url, res.status]).toEqual([route.url, 401]);
        }
      }
    });

    it('lets anybody (no credentials) use the onboarding routes', async () => {
      const { userId, invitation } = await invited();
      const token = await tokenFor(invitation.id);
      expect(token.user_id).toBe(userId);
    });
  });

  describe('single use', () => {
    it('refuses a second claim and get_token after acceptance', async () => {
      const { userId, email, invitation } = await invited();
      const token = await tokenFor(invitation.id);
      const body = { invitation_link: invitation.id, user_id: userId, password: 'first-password' };
      await claim(token.token, body).expect(200);
      const second = await claim(token.token, { ...body, password: 'second-password' }).expect(409);
      expect(second.body.error).toMatchObject({
        type: 'conflict_error',
        param: 'invitation_link',
      });
      const again = await getToken(invitation.id).expect(409);
      expect(again.body.error.message).toMatch(/already been used/);
      // The first password stands.
      await t.http.post('/login').send({ username: email, password: 'first-password' }).expect(200);
      await t.http
        .post('/login')
        .send({ username: email, password: 'second-password' })
        .expect(401);
    });

    it('lets exactly one of two concurrent claims win', async () => {
      const { userId, invitation } = await invited();
      const token = await tokenFor(invitation.id);
      const results = await Promise.all(
        ['concurrent-one', 'concurrent-two', 'concurrent-three'].map((password) =>
          claim(token.token, { invitation_link: invitation.id, user_id: userId, password }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    });
  });

  describe('tokens that do not belong', () => {
    it('refuses a token for another invitation or another user', async () => {
      const a = await invited();
      const b = await invited();
      const tokenA = await tokenFor(a.invitation.id);
      const pw = 'some-password';
      const cases = [
        { invitation_link: b.invitation.id, user_id: b.userId, password: pw },
        { invitation_link: b.invitation.id, user_id: a.userId, password: pw },
        { invitation_link: a.invitation.id, user_id: b.userId, password: pw },
      ];
      for (const body of cases) {
        const res = await claim(tokenA.token, body).expect(401);
        expect(res.body.error.type).toBe('auth_error');
      }
      // Both invitations are untouched.
      for (const { invitation } of [a, b]) {
        const info = await master(t)
          .get(`/invitation/info?invitation_id=${invitation.id}`)
          .expect(200);
        expect(info.body.is_accepted).toBe(false);
      }
    });

    it('refuses forged, garbage and oversized tokens with 401, never 500', async () => {
      const { userId, invitation } = await invited();
      const { token } = await tokenFor(invitation.id);
      const [payload, signature] = token.split('.');
      const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const other = await invited();
      const tamperedPayload = Buffer.from(
        JSON.stringify({ ...decoded, inv: other.invitation.id, sub: other.userId }),
      ).toString('base64url');
      const longLived = Buffer.from(
        JSON.stringify({ ...decoded, exp: Date.now() + 365 * DAY_MS }),
      ).toString('base64url');
      const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
      const forged: [string, string, Record<string, unknown>][] = [
        [
          'tampered payload (other invitation)',
          `${tamperedPayload}.${signature}`,
          {
            invitation_link: other.invitation.id,
            user_id: other.userId,
          },
        ],
        ['tampered payload (longer expiry)', `${longLived}.${signature}`, {}],
        ['wrong signature', `${payload}.${flipped}`, {}],
        ['no signature', payload, {}],
        ['empty signature', `${payload}.`, {}],
        ['garbage', 'garbage', {}],
        ['three parts', `${payload}.${signature}.x`, {}],
        ['non-base64 signature', `${payload}.${'%'.repeat(43)}`, {}],
        ['JSON instead of base64', `{"v":1}.${signature}`, {}],
        ['10 kB string', 'A'.repeat(10_000), {}],
        ['a session cookie value', as.internal_user.cookies[0].split('=')[1], {}],
        ['the master key', t.masterKey, {}],
      ];
      for (const [label, bad, overrides] of forged) {
        const res = await claim(bad, {
          invitation_link: invitation.id,
          user_id: userId,
          password: 'forged-password',
          ...overrides,
        });
        expect([label, res.status]).toEqual([label, 401]);
        expect(res.body.error.type).toBe('auth_error');
      }
      // A 20 kB token reaches the verifier (the server allows 64 KiB of headers) and is refused.
      const huge = await claim('A'.repeat(20_000), {
        invitation_link: invitation.id,
        user_id: userId,
        password: 'forged-password',
      });
      expect(huge.status).toBe(401);
      expect(huge.body.error.type).toBe('auth_error');
      // No token, another scheme, an empty bearer.
      await claim(null, {
        invitation_link: invitation.id,
        user_id: userId,
        password: 'x'.repeat(9),
      }).expect(401);
      for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', token]) {
        await t.http
          .post('/onboarding/claim_token')
          .set('Authorization', header)
          .send({ invitation_link: invitation.id, user_id: userId, password: 'x'.repeat(9) })
          .expect(401);
      }
      const info = await master(t)
        .get(`/invitation/info?invitation_id=${invitation.id}`)
        .expect(200);
      expect(info.body.is_accepted).toBe(false);
      // The real token still works.
      await claim(token, {
        invitation_link: invitation.id,
        user_id: userId,
        password: 'the-real-password',
      }).expect(200);
    });

    it('validates the claim body and get_token query (400)', async () => {
      const { userId, invitation } = await invited();
      const { token } = await tokenFor(invitation.id);
      const valid = { invitation_link: invitation.id, user_id: userId, password: 'long-enough' };
      const cases: [Record<string, unknown>, string][] = [
        [{ ...valid, password: 'short' }, 'password'],
        [{ ...valid, password: 12345678 }, 'password'],
        [{ ...valid, password: 'x'.repeat(300) }, 'password'],
        [{ ...valid, invitation_link: 'not-a-uuid' }, 'invitation_link'],
        [{ ...valid, user_id: "' OR 1=1" }, 'user_id'],
        [{ ...valid, user_role: 'proxy_admin' }, 'user_role'],
      ];
      for (const [body, param] of cases) {
        const res = await claim(token, body).expect(400);
        expect(res.body.error.param).toBe(param);
      }
      for (const query of [
        '',
        '?invite_link=',
        '?invite_link=nope',
        '?invite_link=%27%20OR%201%3D1',
      ]) {
        const res = await t.http.get(`/onboarding/get_token${query}`).expect(400);
        expect(res.body.error.param).toBe('invite_link');
      }
      await getToken('00000000-0000-4000-8000-000000000000').expect(404);
    });
  });

  // Last: these move the shared clock by days (sessions of `as` expire on the way).
  describe('expiry (TestClock)', () => {
    it('refuses an invitation after its 7 days', async () => {
      const { invitation } = await invited();
      t.clock.advance(7 * DAY_MS - MINUTE_MS);
      await getToken(invitation.id).expect(200);
      t.clock.advance(MINUTE_MS);
      const res = await getToken(invitation.id).expect(410);
      expect(res.body.error.message).toMatch(/expired/);
    });

    it('refuses a claim when the invitation expired while the token was still valid', async () => {
      const { userId, invitation } = await invited();
      t.clock.advance(7 * DAY_MS - 5 * MINUTE_MS);
      const token = await tokenFor(invitation.id);
      t.clock.advance(6 * MINUTE_MS);
      await claim(token.token, {
        invitation_link: invitation.id,
        user_id: userId,
        password: 'too-late-password',
      }).expect(410);
    });

    it('refuses an onboarding token after 15 minutes', async () => {
      const { userId, invitation } = await invited();
      const token = await tokenFor(invitation.id);
      const body = { invitation_link: invitation.id, user_id: userId, password: 'a-password' };
      t.clock.advance(15 * MINUTE_MS);
      const res = await claim(token.token, body).expect(401);
      expect(res.body.error).toMatchObject({ type: 'auth_error' });
      // A fresh token works (the invitation itself is still open).
      const fresh = await tokenFor(invitation.id);
      await claim(fresh.token, body).expect(200);
    });
  });
});
