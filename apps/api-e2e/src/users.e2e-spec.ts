import type { Role } from '@gatehouse/shared/auth';
import type { UserListResponse, UserResponse } from '@gatehouse/shared/dto';
import {
  anonymous,
  createUser,
  everyRole,
  master,
  uniqueEmail,
  userCaller,
  type UserCaller,
} from './support/callers';
import { startApp, type TestApp } from './support/test-app';

const USER_FIELDS = [
  'user_id',
  'user_email',
  'user_alias',
  'user_role',
  'max_budget',
  'spend',
  'models',
  'tpm_limit',
  'rpm_limit',
  'budget_duration',
  'budget_reset_at',
  'metadata',
  'teams',
  'key_count',
  'created_at',
  'updated_at',
].sort();

function expectNoSecrets(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/password/i);
  expect(text).not.toMatch(/\$argon2/);
}

describe('users', () => {
  let t: TestApp;
  let as: Record<Role, UserCaller>;

  beforeAll(async () => {
    t = await startApp();
    as = await everyRole(t);
  });
  afterAll(() => t.close());

  describe('POST /user/new', () => {
    it('creates a user with the LiteLLM fields and no password in the answer', async () => {
      const email = uniqueEmail('Mixed.Case');
      const res = await master(t)
        .post('/user/new', {
          user_email: email,
          user_role: 'internal_user',
          password: 'a-long-password',
          max_budget: 12.5,
          models: ['gpt-4o'],
        })
        .expect(200);
      const user = res.body as UserResponse;
      expect(Object.keys(user).sort()).toEqual(USER_FIELDS);
      expect(user).toMatchObject({
        user_email: email.toLowerCase(),
        user_role: 'internal_user',
        max_budget: 12.5,
        spend: 0,
        models: ['gpt-4o'],
      });
      expect(user.user_id).toMatch(/^[0-9a-f-]{36}$/);
      expectNoSecrets(res.body);
    });

    it('defaults the role to internal_user_viewer (least privilege)', async () => {
      const res = await master(t).post('/user/new', { user_email: uniqueEmail() }).expect(200);
      expect(res.body.user_role).toBe('internal_user_viewer');
    });

    it('accepts a chosen user_id and refuses a duplicate one', async () => {
      await master(t)
        .post('/user/new', { user_id: 'custom-id-1', user_email: uniqueEmail() })
        .expect(200);
      const res = await master(t)
        .post('/user/new', { user_id: 'custom-id-1', user_email: uniqueEmail() })
        .expect(409);
      expect(res.body.error).toMatchObject({
        type: 'conflict_error',
        param: 'user_id',
        code: '409',
      });
    });

    it('refuses the reserved admin id', async () => {
      const res = await master(t)
        .post('/user/new', { user_id: 'admin', user_email: uniqueEmail() })
        .expect(400);
      expect(res.body.error.param).toBe('user_id');
    });

    it('treats emails case-insensitively: a duplicate in another case is 409', async () => {
      const email = uniqueEmail('dup');
      await master(t).post('/user/new', { user_email: email }).expect(200);
      const res = await master(t)
        .post('/user/new', { user_email: email.toUpperCase() })
        .expect(409);
      expect(res.body.error).toMatchObject({ type: 'conflict_error', param: 'user_email' });
    });

    it.each([
      [{ user_email: 'not-an-email' }, 'user_email'],
      [{ user_email: uniqueEmail(), user_role: 'root' }, 'user_role'],
      [{ user_email: uniqueEmail(), password: 'short' }, 'password'],
      [{ user_email: uniqueEmail(), max_budget: -1 }, 'max_budget'],
      [{ user_email: uniqueEmail(), max_budget: 'lots' }, 'max_budget'],
      [{ user_email: uniqueEmail(), models: 'gpt-4o' }, 'models'],
      [{ user_email: uniqueEmail(), user_id: "x' OR '1'='1" }, 'user_id'],
      [{ user_email: uniqueEmail(), is_admin: true }, 'is_admin'],
      [{ user_email: uniqueEmail(), budget_duration: 'forever' }, 'budget_duration'],
    ])('refuses malformed input %j naming the field', async (body, param) => {
      const res = await master(t).post('/user/new', body).expect(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param, code: '400' });
    });

    it('refuses a body that is not JSON, and one over 1 MiB', async () => {
      const bad = await t.http
        .post('/user/new')
        .set('Authorization', `Bearer ${t.masterKey}`)
        .set('Content-Type', 'application/json')
        .send('{"user_email": ')
        .expect(400);
      expect(bad.body.error.type).toBe('invalid_request_error');
      const huge = await t.http
        .post('/user/new')
        .set('Authorization', `Bearer ${t.masterKey}`)
        .set('Content-Type', 'application/json')
        .send(
          JSON.stringify({
            user_email: uniqueEmail(),
            metadata: { blob: 'x'.repeat(1024 * 1024) },
          }),
        )
        .expect(413);
      expect(huge.body.error).toMatchObject({ type: 'payload_too_large', code: '413' });
    });

    it.each(['proxy_admin_viewer', 'internal_user', 'internal_user_viewer'] as const)(
      'is refused to %s',
      async (role) => {
        const res = await as[role]
          .post('/user/new', { user_email: uniqueEmail(), user_role: 'proxy_admin' })
          .expect(403);
        expect(res.body.error.type).toBe('permission_error');
      },
    );

    it('is allowed to a proxy_admin user session', async () => {
      await as.proxy_admin.post('/user/new', { user_email: uniqueEmail() }).expect(200);
    });

    it('is refused to anonymous callers and bad bearers', async () => {
      await anonymous(t).post('/user/new', { user_email: uniqueEmail() }).expect(401);
      await t.http.post('/user/new').set('Authorization', 'Bearer sk-wrong').send({}).expect(401);
    });
  });

  describe('GET /user/info', () => {
    it('shows callers their own row by default', async () => {
      for (const role of Object.keys(as) as Role[]) {
        const res = await as[role].get('/user/info').expect(200);
        expect(res.body.user_id).toBe(as[role].userId);
        expect(res.body.user_info.user_role).toBe(role);
        expectNoSecrets(res.body);
      }
    });

    it('lets admins and admin viewers read anybody', async () => {
      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        const res = await caller.get(`/user/info?user_id=${as.internal_user.userId}`).expect(200);
        expect(res.body.user_info.user_email).toBe(as.internal_user.email);
      }
    });

    it("answers 404 for another user's id to non-admins, like an unknown id", async () => {
      for (const role of ['internal_user', 'internal_user_viewer'] as const) {
        const other = await as[role].get(`/user/info?user_id=${as.proxy_admin.userId}`).expect(404);
        const unknown = await as[role].get('/user/info?user_id=does-not-exist').expect(404);
        expect(other.body).toEqual(unknown.body);
      }
    });

    it('answers 404 for an unknown id to admins and 400 for a malformed one', async () => {
      await master(t).get('/user/info?user_id=nobody').expect(404);
      const res = await master(t)
        .get(`/user/info?user_id=${encodeURIComponent("' OR 1=1 --")}`)
        .expect(400);
      expect(res.body.error.param).toBe('user_id');
    });

    it('asks the master key for a user_id', async () => {
      const res = await master(t).get('/user/info').expect(400);
      expect(res.body.error.param).toBe('user_id');
    });
  });

  describe('POST /user/update', () => {
    it('lets proxy_admin change role, budget and models', async () => {
      const user = await createUser(t, 'internal_user_viewer');
      const res = await master(t)
        .post('/user/update', {
          user_id: user.user_id,
          user_role: 'internal_user',
          max_budget: 3,
          models: ['a', 'b'],
        })
        .expect(200);
      expect(res.body).toMatchObject({
        user_role: 'internal_user',
        max_budget: 3,
        models: ['a', 'b'],
      });
      expectNoSecrets(res.body);
    });

    it.each(['proxy_admin_viewer', 'internal_user', 'internal_user_viewer'] as const)(
      'never lets %s raise its own role, models or budget',
      async (role) => {
        const caller = as[role];
        for (const body of [
          { user_id: caller.userId, user_role: 'proxy_admin' },
          { user_id: caller.userId, models: ['gpt-4o', 'all-proxy-models'] },
          { user_id: caller.userId, max_budget: 1e9 },
        ]) {
          const res = await caller.post('/user/update', body).expect(403);
          expect(res.body.error.type).toBe('permission_error');
        }
        const after = await caller.get('/user/info').expect(200);
        expect(after.body.user_info).toMatchObject({
          user_role: role,
          models: [],
          max_budget: null,
        });
      },
    );

    it("answers 404 when a non-admin names another user's id", async () => {
      const res = await as.internal_user
        .post('/user/update', { user_id: as.proxy_admin.userId, user_alias: 'pwned' })
        .expect(404);
      expect(res.body.error.type).toBe('not_found_error');
    });

    it('lets users change their own password with the current one, then log in with it', async () => {
      const caller = as.internal_user_viewer;
      await caller
        .post('/user/update', { user_id: caller.userId, password: 'brand-new-password' })
        .expect(400);
      const wrong = await caller
        .post('/user/update', {
          user_id: caller.userId,
          password: 'brand-new-password',
          current_password: 'nope-nope',
        })
        .expect(400);
      expect(wrong.body.error.param).toBe('current_password');
      await caller
        .post('/user/update', {
          user_id: caller.userId,
          password: 'brand-new-password',
          current_password: caller.password,
          user_alias: 'me',
        })
        .expect(200);
      await t.http
        .post('/login')
        .send({ username: caller.email, password: caller.password })
        .expect(401);
      await t.http
        .post('/login')
        .send({ username: caller.email, password: 'brand-new-password' })
        .expect(200);
      caller.password = 'brand-new-password';
    });

    it('lets proxy_admin set a password without the current one', async () => {
      const user = await createUser(t, 'internal_user');
      await master(t)
        .post('/user/update', { user_id: user.user_id, password: 'set-by-the-admin' })
        .expect(200);
      await t.http
        .post('/login')
        .send({ username: user.user_email, password: 'set-by-the-admin' })
        .expect(200);
    });

    it('refuses to give a user an email another user has', async () => {
      const a = await createUser(t, 'internal_user');
      const b = await createUser(t, 'internal_user');
      await master(t)
        .post('/user/update', { user_id: a.user_id, user_email: b.user_email?.toUpperCase() })
        .expect(409);
    });

    it('answers 404 for an unknown user and 400 without user_id', async () => {
      await master(t).post('/user/update', { user_id: 'ghost', user_alias: 'x' }).expect(404);
      const res = await master(t).post('/user/update', { user_alias: 'x' }).expect(400);
      expect(res.body.error.param).toBe('user_id');
    });

    it('applies a role change to live sessions at once', async () => {
      const caller = await userCaller(t, 'proxy_admin_viewer');
      await caller.get('/user/list').expect(200);
      await master(t)
        .post('/user/update', { user_id: caller.userId, user_role: 'internal_user_viewer' })
        .expect(200);
      const res = await caller.get('/me').expect(200);
      expect(res.body.user_role).toBe('internal_user_viewer');
      const list = await caller.get('/user/list').expect(200);
      expect((list.body as UserListResponse).users.map((u) => u.user_id)).toEqual([caller.userId]);
    });
  });

  describe('GET /user/list', () => {
    it('pages, filters by role and email, and sorts', async () => {
      const tag = `lst${Date.now().toString(36)}`;
      for (let i = 0; i < 5; i++) {
        await master(t)
          .post('/user/new', {
            user_email: `${tag}-${i}@example.com`,
            user_role: i % 2 ? 'internal_user' : 'internal_user_viewer',
          })
          .expect(200);
      }
      const page1 = await master(t)
        .get(`/user/list?user_email=${tag}&page_size=2&page=1&sort_by=user_email&sort_order=asc`)
        .expect(200);
      expect(page1.body).toMatchObject({ total: 5, page: 1, page_size: 2, total_pages: 3 });
      expect(page1.body.users.map((u: UserResponse) => u.user_email)).toEqual([
        `${tag}-0@example.com`,
        `${tag}-1@example.com`,
      ]);
      const page3 = await master(t)
        .get(`/user/list?user_email=${tag}&page_size=2&page=3&sort_by=user_email&sort_order=asc`)
        .expect(200);
      expect(page3.body.users.map((u: UserResponse) => u.user_email)).toEqual([
        `${tag}-4@example.com`,
      ]);
      const desc = await master(t)
        .get(`/user/list?user_email=${tag.toUpperCase()}&sort_by=user_email&sort_order=desc`)
        .expect(200);
      expect(desc.body.users[0].user_email).toBe(`${tag}-4@example.com`);
      const users = await master(t)
        .get(`/user/list?user_email=${tag}&role=internal_user`)
        .expect(200);
      expect(users.body.total).toBe(2);
      expectNoSecrets(page1.body);
    });

    it("counts each user's keys on a page and in /user/info, leaving deleted keys out", async () => {
      const tag = `kc${Date.now().toString(36)}`;
      const owner = await createUser(t, 'internal_user', { user_email: `${tag}-a@example.com` });
      const keyless = await createUser(t, 'internal_user', { user_email: `${tag}-b@example.com` });
      expect([owner.key_count, keyless.key_count]).toEqual([0, 0]);
      const tokens: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await master(t).post('/key/generate', { user_id: owner.user_id }).expect(200);
        tokens.push(res.body.token);
      }
      await master(t)
        .post('/key/delete', { keys: [tokens[0]] })
        .expect(200);

      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        const list = await caller
          .get(`/user/list?user_email=${tag}&sort_by=user_email&sort_order=asc`)
          .expect(200);
        expect(
          (list.body as UserListResponse).users.map((u) => [u.user_email, u.key_count]),
        ).toEqual([
          [owner.user_email, 2],
          [keyless.user_email, 0],
        ]);
        const info = await caller.get(`/user/info?user_id=${owner.user_id}`).expect(200);
        expect(info.body.user_info.key_count).toBe(2);
        expect(info.body.keys).toHaveLength(2);
      }
      const updated = await master(t)
        .post('/user/update', { user_id: owner.user_id, user_alias: 'counted' })
        .expect(200);
      expect(updated.body.key_count).toBe(2);
    });

    it('shows non-admins the count of their own keys', async () => {
      const me = await userCaller(t, 'internal_user');
      await me.post('/key/generate', { key_alias: `mine-${me.userId}` }).expect(200);
      const list = await me.get('/user/list').expect(200);
      expect(list.body.users.map((u: UserResponse) => u.key_count)).toEqual([1]);
      const info = await me.get('/user/info').expect(200);
      expect(info.body.user_info.key_count).toBe(1);
    });

    it('treats % and _ in the email filter literally', async () => {
      const res = await master(t).get('/user/list?user_email=%25').expect(200);
      expect(res.body.total).toBe(0);
    });

    it('shows everyone to admins and admin viewers', async () => {
      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        const res = await caller.get('/user/list?page_size=100').expect(200);
        const ids = (res.body as UserListResponse).users.map((u) => u.user_id);
        expect(ids).toEqual(
          expect.arrayContaining([as.internal_user.userId, as.internal_user_viewer.userId]),
        );
      }
    });

    it('shows non-admins only themselves', async () => {
      for (const role of ['internal_user', 'internal_user_viewer'] as const) {
        const res = await as[role].get('/user/list').expect(200);
        expect(res.body).toMatchObject({ total: 1 });
        expect(res.body.users.map((u: UserResponse) => u.user_id)).toEqual([as[role].userId]);
      }
    });

    it.each([
      ['page=0', 'page'],
      ['page_size=1000', 'page_size'],
      ['sort_by=password_hash', 'sort_by'],
      ['sort_order=sideways', 'sort_order'],
      ['role=superuser', 'role'],
    ])('refuses %s', async (query, param) => {
      const res = await master(t).get(`/user/list?${query}`).expect(400);
      expect(res.body.error.param).toBe(param);
    });
  });

  describe('POST /user/delete', () => {
    it('deletes users and ends their sessions', async () => {
      const victim = await userCaller(t, 'internal_user');
      await victim.get('/me').expect(200);
      const res = await master(t)
        .post('/user/delete', { user_ids: [victim.userId] })
        .expect(200);
      expect(res.body).toEqual({ deleted_user_ids: [victim.userId] });
      await victim.get('/me').expect(401);
      await master(t).get(`/user/info?user_id=${victim.userId}`).expect(404);
    });

    it('answers 404 naming unknown ids and deletes nothing then', async () => {
      const user = await createUser(t, 'internal_user');
      const res = await master(t)
        .post('/user/delete', { user_ids: [user.user_id, 'ghost-1'] })
        .expect(404);
      expect(res.body.error.message).toContain('ghost-1');
      await master(t).get(`/user/info?user_id=${user.user_id}`).expect(200);
    });

    it('refuses an empty list', async () => {
      await master(t).post('/user/delete', { user_ids: [] }).expect(400);
    });

    it.each(['proxy_admin_viewer', 'internal_user', 'internal_user_viewer'] as const)(
      'is refused to %s, even for itself',
      async (role) => {
        await as[role].post('/user/delete', { user_ids: [as[role].userId] }).expect(403);
        await as[role].get('/me').expect(200);
      },
    );
  });
});
