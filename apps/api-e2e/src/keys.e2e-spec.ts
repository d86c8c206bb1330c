import type { Role } from '@gatehouse/shared/auth';
import type {
  DeletedKeyListResponse,
  GenerateKeyResponse,
  KeyListResponse,
  KeyResponse,
} from '@gatehouse/shared/dto';
import { createHash } from 'node:crypto';
import {
  anonymous,
  bearer,
  createTeam,
  createUser,
  everyRole,
  master,
  userCaller,
  type Caller,
  type UserCaller,
} from './support/callers';
import { startApp, type TestApp } from './support/test-app';

const KEY_FIELDS = [
  'token',
  'key_name',
  'key_alias',
  'user_id',
  'team_id',
  'models',
  'max_budget',
  'spend',
  'budget_duration',
  'budget_reset_at',
  'expires',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
  'metadata',
  'blocked',
  'key_type',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
].sort();

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** No secret and no hash other than the token id ever leaves the API. */
function expectNoSecrets(body: unknown, ...secrets: string[]): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/secret_hash|previous_secret|password/i);
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(3));
  }
}

/** A key made by the master key for `userId`. */
async function keyFor(
  t: TestApp,
  userId: string,
  fields: Record<string, unknown> = {},
): Promise<GenerateKeyResponse> {
  const res = await master(t)
    .post('/key/generate', { user_id: userId, ...fields })
    .expect(200);
  return res.body as GenerateKeyResponse;
}

async function expect401(caller: Caller, message: string): Promise<void> {
  const res = await caller.get('/key/info').expect(401);
  expect(res.body.error).toMatchObject({ type: 'auth_error', message });
}

describe('keys', () => {
  let t: TestApp;
  let as: Record<Role, UserCaller>;

  beforeAll(async () => {
    t = await startApp();
    as = await everyRole(t);
  });
  afterAll(() => t.close());

  describe('POST /key/generate', () => {
    it('returns the secret once, stores only its hash, and names it sk-...abcd', async () => {
      const res = await as.internal_user
        .post('/key/generate', { key_alias: 'first-key', metadata: { team: 'x' } })
        .expect(200);
      const body = res.body as GenerateKeyResponse;
      expect(Object.keys(body).sort()).toEqual([...KEY_FIELDS, 'key'].sort());
      expect(body.key).toMatch(/^sk-[A-Za-z0-9_-]{43}$/);
      expect(body.token).toBe(sha256(body.key));
      expect(body.key_name).toBe(`sk-...${body.key.slice(-4)}`);
      expect(body).toMatchObject({
        key_alias: 'first-key',
        user_id: as.internal_user.userId,
        team_id: null,
        models: [],
        max_budget: null,
        spend: 0,
        expires: null,
        blocked: false,
        metadata: { team: 'x' },
        created_by: as.internal_user.userId,
      });
      const info = await as.internal_user.get(`/key/info?key=${body.token}`).expect(200);
      expect(info.body.info).toEqual(expect.objectContaining({ token: body.token }));
      expect(Object.keys(info.body.info as object).sort()).toEqual(KEY_FIELDS);
      expectNoSecrets(info.body, body.key);
    });

    it('turns duration into expires and budget_duration into budget_reset_at', async () => {
      const before = t.clock.nowMs();
      const res = await as.internal_user
        .post('/key/generate', { duration: '2h', budget_duration: '7d', max_budget: 5 })
        .expect(200);
      const expires = Date.parse(res.body.expires as string);
      expect(expires - before).toBeGreaterThanOrEqual(2 * 3_600_000);
      expect(expires - before).toBeLessThan(2 * 3_600_000 + 60_000);
      const reset = Date.parse(res.body.budget_reset_at as string);
      expect(reset - before).toBeGreaterThanOrEqual(7 * 86_400_000);
      expect(res.body).toMatchObject({ budget_duration: '7d', max_budget: 5 });
    });

    it('makes 1mo thirty days', async () => {
      const before = t.clock.nowMs();
      const res = await as.internal_user.post('/key/generate', { duration: '1mo' }).expect(200);
      const days = (Date.parse(res.body.expires as string) - before) / 86_400_000;
      expect(Math.round(days)).toBe(30);
    });

    it('refuses a duplicate key_alias of the same owner with 409 (aliases are per owner)', async () => {
      await as.internal_user.post('/key/generate', { key_alias: 'dup-alias' }).expect(200);
      // Another owner's alias is no conflict (a 409 here told anybody another user's aliases).
      await as.proxy_admin.post('/key/generate', { key_alias: 'dup-alias' }).expect(200);
      const res = await as.internal_user
        .post('/key/generate', { key_alias: 'dup-alias' })
        .expect(409);
      expect(res.body.error).toMatchObject({ type: 'conflict_error', param: 'key_alias' });
    });

    it('asks the master key for a user_id, and answers 404 for an unknown one', async () => {
      const missing = await master(t).post('/key/generate', {}).expect(400);
      expect(missing.body.error.param).toBe('user_id');
      const unknown = await master(t).post('/key/generate', { user_id: 'nobody' }).expect(404);
      expect(unknown.body.error.param).toBe('user_id');
      await createTeam(t, { team_id: 'team-1' });
      const ok = await keyFor(t, as.internal_user_viewer.userId, { team_id: 'team-1' });
      expect(ok).toMatchObject({ user_id: as.internal_user_viewer.userId, team_id: 'team-1' });
    });

    it('lets proxy_admin create keys for any user, with any models and team_id', async () => {
      await createTeam(t, { team_id: 'team-2', models: ['gpt-4o'] });
      const res = await as.proxy_admin
        .post('/key/generate', {
          user_id: as.internal_user.userId,
          team_id: 'team-2',
          models: ['anything'],
        })
        .expect(200);
      expect(res.body).toMatchObject({ user_id: as.internal_user.userId, team_id: 'team-2' });
    });

    it('refuses an internal_user a key for somebody else (403) and a team not theirs (404)', async () => {
      const other = await as.internal_user
        .post('/key/generate', { user_id: as.proxy_admin.userId })
        .expect(403);
      expect(other.body.error).toMatchObject({ type: 'permission_error', param: 'user_id' });
      // team-1 exists (made above) but the caller is not in it: 404 like an unknown team.
      const team = await as.internal_user.post('/key/generate', { team_id: 'team-1' }).expect(404);
      expect(team.body.error).toMatchObject({ type: 'not_found_error', param: 'team_id' });
      // Naming oneself is fine.
      await as.internal_user
        .post('/key/generate', { user_id: as.internal_user.userId })
        .expect(200);
    });

    it("keeps a key's models within the owner's models", async () => {
      const limited = await userCaller(t, 'internal_user', { models: ['gpt-4o', 'gpt-4o-mini'] });
      const wide = await limited.post('/key/generate', { models: ['gpt-4o', 'o3'] }).expect(403);
      expect(wide.body.error).toMatchObject({ type: 'permission_error', param: 'models' });
      expect(wide.body.error.message).toContain('o3');
      await limited.post('/key/generate', { models: ['gpt-4o'] }).expect(200);
      await limited.post('/key/generate', {}).expect(200);
      // An empty user allow-list means no restriction.
      await as.internal_user.post('/key/generate', { models: ['o3'] }).expect(200);
    });

    it.each(['proxy_admin_viewer', 'internal_user_viewer'] as const)(
      'is refused to %s (403)',
      async (role) => {
        const res = await as[role].post('/key/generate', {}).expect(403);
        expect(res.body.error.type).toBe('permission_error');
      },
    );

    it('is refused to anonymous callers (401)', async () => {
      await anonymous(t).post('/key/generate', {}).expect(401);
    });

    it.each([
      [{ duration: 'forever' }, 'duration'],
      [{ duration: '10y' }, 'duration'],
      [{ budget_duration: '1 day' }, 'budget_duration'],
      [{ max_budget: -1 }, 'max_budget'],
      [{ max_budget: 'lots' }, 'max_budget'],
      [{ tpm_limit: 1.5 }, 'tpm_limit'],
      [{ rpm_limit: -3 }, 'rpm_limit'],
      [{ max_parallel_requests: 'x' }, 'max_parallel_requests'],
      [{ models: 'gpt-4o' }, 'models'],
      [{ metadata: 'x' }, 'metadata'],
      [{ user_id: "x' OR '1'='1" }, 'user_id'],
      [{ key: 'sk-choose-my-own' }, 'key'],
      [{ spend: 100 }, 'spend'],
    ])('refuses malformed input %j naming the field', async (body, param) => {
      const res = await as.internal_user.post('/key/generate', body).expect(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    });
  });

  describe('virtual keys as bearers', () => {
    it('authenticate as the owner, by Authorization, x-api-key and api-key', async () => {
      const key = await keyFor(t, as.internal_user.userId);
      const me = await bearer(t, key.key).get('/me').expect(200);
      expect(me.body).toMatchObject({
        user_id: as.internal_user.userId,
        user_role: 'internal_user',
        auth: 'virtual_key',
      });
      for (const header of ['x-api-key', 'api-key']) {
        const res = await t.http.get('/me').set(header, key.key).expect(200);
        expect(res.body.auth).toBe('virtual_key');
      }
    });

    it('answer /key/info without ?key= with their own key', async () => {
      const key = await keyFor(t, as.internal_user.userId, { key_alias: 'self-info' });
      const res = await bearer(t, key.key).get('/key/info').expect(200);
      expect(res.body).toMatchObject({ key: key.token, info: { key_alias: 'self-info' } });
      expectNoSecrets(res.body, key.key);
      await master(t).get('/key/info').expect(400);
    });

    it("act with the owner's current role, and never more", async () => {
      const owner = await createUser(t, 'internal_user');
      const key = await keyFor(t, owner.user_id);
      const vk = bearer(t, key.key);
      await vk.post('/key/generate', {}).expect(200);
      await vk.get('/user/list').expect(200);
      await vk.post('/user/new', { user_email: 'x@example.com' }).expect(403);
      await master(t)
        .post('/user/update', { user_id: owner.user_id, user_role: 'internal_user_viewer' })
        .expect(200);
      // The cache was told: the demotion applies on the next request.
      const me = await vk.get('/me').expect(200);
      expect(me.body.user_role).toBe('internal_user_viewer');
      await vk.post('/key/generate', {}).expect(403);
    });

    it('are narrowed by their own limits when they manage keys (never more than they have)', async () => {
      const narrow = await keyFor(t, as.internal_user.userId, {
        models: ['m1', 'm2'],
        max_budget: 2,
        tpm_limit: 10,
        duration: '1h',
      });
      const vk = bearer(t, narrow.key);
      const child = (await vk.post('/key/generate', {}).expect(200)).body as GenerateKeyResponse;
      expect(child).toMatchObject({ models: ['m1', 'm2'], max_budget: 2, tpm_limit: 10 });
      expect(Date.parse(child.expires ?? '')).toBeLessThanOrEqual(Date.parse(narrow.expires ?? ''));
      await vk
        .post('/key/generate', { models: ['m1'], max_budget: 1, duration: '10m' })
        .expect(200);
      for (const [body, status, param] of [
        [{ models: ['m3'] }, 403, 'models'],
        [{ models: [] }, 403, 'models'],
        [{ max_budget: 3 }, 400, 'max_budget'],
        [{ tpm_limit: 11 }, 400, 'tpm_limit'],
        [{ duration: '2h' }, 400, 'duration'],
      ] as const) {
        const res = await vk.post('/key/generate', body).expect(status);
        expect(res.body.error.param).toBe(param);
      }
      // Nor can it raise its own limits.
      for (const [body, param] of [
        [{ max_budget: 100 }, 'max_budget'],
        [{ max_budget: null }, 'max_budget'],
        [{ duration: null }, 'duration'],
        [{ models: ['m1', 'm2', 'm3'] }, 'models'],
      ] as const) {
        const res = await vk.post('/key/update', { key: narrow.token, ...body });
        expect([400, 403]).toContain(res.status);
        expect(res.body.error.param).toBe(param);
      }
      // Its owner's session is not narrowed by the key.
      await as.internal_user
        .post('/key/update', { key: narrow.token, max_budget: 100 })
        .expect(200);
    });

    it('expire with the clock: "API key expired"', async () => {
      const key = await keyFor(t, as.internal_user.userId, { duration: '1h' });
      const vk = bearer(t, key.key);
      await vk.get('/key/info').expect(200);
      t.clock.advance(3_600_000 + 1000);
      await expect401(vk, 'API key expired');
      // Still visible to the owner, with its expiry.
      const info = await as.internal_user.get(`/key/info?key=${key.token}`).expect(200);
      expect(info.body.info.expires).toBe(key.expires);
    });

    it('stop working when the owner is deleted: archived as deleted', async () => {
      const owner = await createUser(t, 'internal_user');
      const key = await keyFor(t, owner.user_id);
      await bearer(t, key.key).get('/me').expect(200);
      await master(t)
        .post('/user/delete', { user_ids: [owner.user_id] })
        .expect(200);
      await expect401(bearer(t, key.key), 'API key was deleted');
      const archive = await master(t).get(`/key/deleted?user_id=${owner.user_id}`).expect(200);
      expect((archive.body as DeletedKeyListResponse).keys.map((k) => k.token)).toEqual([
        key.token,
      ]);
    });

    it('refuse unknown keys with "Invalid API key"', async () => {
      await expect401(bearer(t, `sk-${'a'.repeat(43)}`), 'Invalid API key');
      await expect401(bearer(t, 'not-even-sk'), 'Invalid API key');
      // A token id is a name for management calls, never a credential.
      const key = await keyFor(t, as.internal_user.userId);
      await expect401(bearer(t, key.token), 'Invalid API key');
    });

    const hostile = [
      "' OR '1'='1",
      "sk-' OR '1'='1",
      "sk-'; DROP TABLE keys; --",
      'sk-%00',
      `sk-${'x'.repeat(12 * 1024)}`,
      `sk-${'x'.repeat(20 * 1024)}`,
      'x'.repeat(20 * 1024),
      'sk-é🔑',
      'sk-ü',
      'sk-\x7f',
      'sk-a\tb',
      'sk-\x01',
      'sk-a\x1bb',
      'Bearer',
      '',
      ' ',
    ];

    it.each(hostile.map((value) => [JSON.stringify(value).slice(0, 40), value]))(
      'answer 401 (never 500) to the hostile bearer %s',
      async (_label, value) => {
        for (const header of ['authorization', 'x-api-key']) {
          const headerValue = header === 'authorization' ? `Bearer ${value}` : value;
          // Node's client refuses some bytes in headers before sending (the resolver's unit test
          // covers those); everything it does send must be refused by the server with 401.
          const sent = await t.http
            .get('/key/list')
            .set(header, headerValue)
            .then(
              (res) => res.status,
              (error: Error) => error.message,
            );
          if (typeof sent === 'string') {
            expect(sent).toMatch(/^Invalid character in header content/);
            continue;
          }
          expect([headerValue.slice(0, 20), sent]).toEqual([headerValue.slice(0, 20), 401]);
        }
      },
    );
  });

  describe('GET /key/info', () => {
    it('finds a key by its secret or its token id', async () => {
      const key = await keyFor(t, as.internal_user.userId);
      for (const ref of [key.key, key.token]) {
        const res = await as.internal_user
          .get(`/key/info?key=${encodeURIComponent(ref)}`)
          .expect(200);
        expect(res.body.key).toBe(key.token);
        expectNoSecrets(res.body, key.key);
      }
    });

    it("answers 404 for another user's key to non-admins, exactly like an unknown key", async () => {
      const key = await keyFor(t, as.proxy_admin.userId);
      for (const caller of [as.internal_user, as.internal_user_viewer]) {
        const other = await caller.get(`/key/info?key=${key.token}`).expect(404);
        const bySecret = await caller
          .get(`/key/info?key=${encodeURIComponent(key.key)}`)
          .expect(404);
        const unknown = await caller.get(`/key/info?key=${'0'.repeat(64)}`).expect(404);
        expect(other.body).toEqual(unknown.body);
        expect(bySecret.body).toEqual(unknown.body);
      }
    });

    it('lets admins and admin viewers read any key', async () => {
      const key = await keyFor(t, as.internal_user.userId);
      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        await caller.get(`/key/info?key=${key.token}`).expect(200);
      }
    });

    it.each([
      ["' OR '1'='1"],
      ['ABCDEF'],
      ['A'.repeat(64)],
      ['sk-'],
      [`sk-${'a'.repeat(600)}`],
      ['sk-a b'],
    ])('answers 400 to the malformed key %s', async (ref) => {
      const res = await master(t)
        .get(`/key/info?key=${encodeURIComponent(ref)}`)
        .expect(400);
      expect(res.body.error.param).toBe('key');
    });
  });

  describe('GET /key/list', () => {
    let owner: UserCaller;
    const made: GenerateKeyResponse[] = [];

    beforeAll(async () => {
      owner = await userCaller(t, 'internal_user');
      for (const alias of ['c-key', 'a-key', 'b-key']) {
        const res = await owner.post('/key/generate', { key_alias: alias }).expect(200);
        made.push(res.body as GenerateKeyResponse);
        t.clock.advance(1000);
      }
      await createTeam(t, { team_id: 'list-team' });
      made.push(await keyFor(t, owner.userId, { team_id: 'list-team', key_alias: 'd-key' }));
    });

    it('pages and sorts like LiteLLM ({keys,total_count,current_page,total_pages})', async () => {
      const page1 = await master(t)
        .get(`/key/list?user_id=${owner.userId}&size=2&page=1&sort_by=key_alias&sort_order=asc`)
        .expect(200);
      const body = page1.body as KeyListResponse;
      expect(body).toMatchObject({ total_count: 4, current_page: 1, total_pages: 2 });
      expect(body.keys.map((k) => k.key_alias)).toEqual(['a-key', 'b-key']);
      const page2 = await master(t)
        .get(`/key/list?user_id=${owner.userId}&size=2&page=2&sort_by=key_alias&sort_order=asc`)
        .expect(200);
      expect((page2.body as KeyListResponse).keys.map((k) => k.key_alias)).toEqual([
        'c-key',
        'd-key',
      ]);
      const newest = await master(t).get(`/key/list?user_id=${owner.userId}`).expect(200);
      expect((newest.body as KeyListResponse).keys[0].key_alias).toBe('d-key');
      expectNoSecrets(page1.body, ...made.map((k) => k.key));
      for (const key of body.keys) expect(key).not.toHaveProperty('key');
    });

    it('filters by team_id and key_alias', async () => {
      const team = await master(t).get('/key/list?team_id=list-team').expect(200);
      expect((team.body as KeyListResponse).keys.map((k) => k.key_alias)).toEqual(['d-key']);
      const alias = await owner.get('/key/list?key_alias=b-key').expect(200);
      expect((alias.body as KeyListResponse).keys.map((k) => k.token)).toEqual([made[2].token]);
    });

    it('shows non-admins only their own keys, whatever user_id they name', async () => {
      const own = await owner.get('/key/list?size=100').expect(200);
      expect((own.body as KeyListResponse).keys.every((k) => k.user_id === owner.userId)).toBe(
        true,
      );
      expect(own.body.total_count).toBe(4);
      const other = await as.internal_user_viewer
        .get(`/key/list?user_id=${owner.userId}`)
        .expect(200);
      expect(other.body).toMatchObject({ keys: [], total_count: 0 });
      const self = await as.internal_user_viewer.get('/key/list').expect(200);
      expect(
        (self.body as KeyListResponse).keys.every(
          (k) => k.user_id === as.internal_user_viewer.userId,
        ),
      ).toBe(true);
    });

    it('shows everybody to admin viewers', async () => {
      const res = await as.proxy_admin_viewer.get(`/key/list?user_id=${owner.userId}`).expect(200);
      expect(res.body.total_count).toBe(4);
    });

    it.each([
      ['page=0', 'page'],
      ['size=1000', 'size'],
      ['sort_by=secret_hash', 'sort_by'],
      ['sort_order=up', 'sort_order'],
      [`user_id=${encodeURIComponent("' OR 1=1 --")}`, 'user_id'],
      ['include_secrets=true', 'include_secrets'],
    ])('refuses %s', async (query, param) => {
      const res = await master(t).get(`/key/list?${query}`).expect(400);
      expect(res.body.error.param).toBe(param);
    });
  });

  describe('POST /key/update', () => {
    it('changes settings, by secret or token id, and the bearer sees them at once', async () => {
      const key = await keyFor(t, as.internal_user.userId);
      const res = await as.internal_user
        .post('/key/update', {
          key: key.key,
          key_alias: 'renamed',
          max_budget: 3,
          tpm_limit: 10,
          rpm_limit: 5,
          max_parallel_requests: 2,
          models: ['m1'],
          metadata: { a: 1 },
          duration: '10m',
        })
        .expect(200);
      expect(res.body).toMatchObject({
        token: key.token,
        key_alias: 'renamed',
        max_budget: 3,
        tpm_limit: 10,
        rpm_limit: 5,
        max_parallel_requests: 2,
        models: ['m1'],
        metadata: { a: 1 },
        updated_by: as.internal_user.userId,
      });
      expect(res.body).not.toHaveProperty('key');
      const seen = await bearer(t, key.key).get('/key/info').expect(200);
      expect(seen.body.info).toMatchObject({ key_alias: 'renamed', models: ['m1'] });
      const cleared = await as.internal_user
        .post('/key/update', { key: key.token, max_budget: null, duration: null })
        .expect(200);
      expect(cleared.body).toMatchObject({ max_budget: null, expires: null });
    });

    it("answers 404 for another user's key to non-admins", async () => {
      const key = await keyFor(t, as.proxy_admin.userId);
      const res = await as.internal_user
        .post('/key/update', { key: key.token, key_alias: 'stolen' })
        .expect(404);
      expect(res.body.error.type).toBe('not_found_error');
    });

    it('never lets a non-admin move a key, set a team not theirs, widen models or unblock', async () => {
      const limited = await userCaller(t, 'internal_user', { models: ['gpt-4o'] });
      const key = await keyFor(t, limited.userId);
      for (const [body, param] of [
        [{ user_id: as.internal_user.userId }, 'user_id'],
        [{ models: ['gpt-4o', 'o3'] }, 'models'],
      ] as const) {
        const res = await limited.post('/key/update', { key: key.token, ...body }).expect(403);
        expect(res.body.error).toMatchObject({ type: 'permission_error', param });
      }
      // An unknown team and a team the caller is not in answer the same 404.
      for (const team_id of ['team-9', 'team-1']) {
        const res = await limited.post('/key/update', { key: key.token, team_id }).expect(404);
        expect(res.body.error).toMatchObject({ type: 'not_found_error', param: 'team_id' });
      }
      await master(t).post('/key/block', { key: key.token }).expect(200);
      const unblock = await limited
        .post('/key/update', { key: key.token, blocked: false })
        .expect(403);
      expect(unblock.body.error.param).toBe('blocked');
      const info = await limited.get(`/key/info?key=${key.token}`).expect(200);
      expect(info.body.info).toMatchObject({ user_id: limited.userId, blocked: true });
    });

    it('lets proxy_admin move a key to another existing user (404 for an unknown one)', async () => {
      const key = await keyFor(t, as.internal_user.userId);
      await as.proxy_admin.post('/key/update', { key: key.token, user_id: 'ghost' }).expect(404);
      const res = await as.proxy_admin
        .post('/key/update', { key: key.token, user_id: as.internal_user_viewer.userId })
        .expect(200);
      expect(res.body.user_id).toBe(as.internal_user_viewer.userId);
      const me = await bearer(t, key.key).get('/me').expect(200);
      expect(me.body.user_id).toBe(as.internal_user_viewer.userId);
      await as.internal_user.get(`/key/info?key=${key.token}`).expect(404);
    });

    it('refuses an alias another key has (409)', async () => {
      await keyFor(t, as.internal_user.userId, { key_alias: 'taken-alias' });
      const key = await keyFor(t, as.internal_user.userId);
      await as.internal_user
        .post('/key/update', { key: key.token, key_alias: 'taken-alias' })
        .expect(409);
    });

    it('refuses a missing or malformed key (400)', async () => {
      const res = await master(t).post('/key/update', { key_alias: 'x' }).expect(400);
      expect(res.body.error.param).toBe('key');
      await master(t).post('/key/update', { key: "sk-' OR '1'='1 " }).expect(400);
    });
  });

  describe('POST /key/block and /key/unblock', () => {
    it('blocks a key (refused as bearer with its own message); only proxy_admin unblocks', async () => {
      const key = await keyFor(t, as.internal_user.userId);
      const vk = bearer(t, key.key);
      await vk.get('/key/info').expect(200);
      const blocked = await as.internal_user.post('/key/block', { key: key.key }).expect(200);
      expect(blocked.body.blocked).toBe(true);
      await expect401(vk, 'API key is blocked');
      for (const caller of [as.internal_user, as.internal_user_viewer, as.proxy_admin_viewer]) {
        await caller.post('/key/unblock', { key: key.token }).expect(403);
      }
      await expect401(vk, 'API key is blocked');
      const unblocked = await as.proxy_admin.post('/key/unblock', { key: key.token }).expect(200);
      expect(unblocked.body.blocked).toBe(false);
      await vk.get('/key/info').expect(200);
    });

    it("answers 404 when a non-admin blocks somebody else's key", async () => {
      const key = await keyFor(t, as.proxy_admin.userId);
      await as.internal_user.post('/key/block', { key: key.token }).expect(404);
      await bearer(t, key.key).get('/me').expect(200);
    });
  });

  describe('POST /key/delete and GET /key/deleted', () => {
    it('deletes by secret, token id and alias; the archive lists them for admins', async () => {
      const a = await keyFor(t, as.internal_user.userId);
      const b = await keyFor(t, as.internal_user.userId);
      const c = await keyFor(t, as.internal_user.userId, { key_alias: 'to-delete' });
      const res = await as.internal_user
        .post('/key/delete', { keys: [a.key, b.token], key_aliases: ['to-delete'] })
        .expect(200);
      expect((res.body.deleted_keys as string[]).sort()).toEqual(
        [a.token, b.token, c.token].sort(),
      );
      for (const key of [a, b, c]) {
        await expect401(bearer(t, key.key), 'API key was deleted');
        await as.internal_user.get(`/key/info?key=${key.token}`).expect(404);
      }
      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        const archive = await caller
          .get(`/key/deleted?user_id=${as.internal_user.userId}&size=100`)
          .expect(200);
        const body = archive.body as DeletedKeyListResponse;
        const tokens = body.keys.map((k) => k.token);
        expect(tokens).toEqual(expect.arrayContaining([a.token, b.token, c.token]));
        const row = body.keys.find((k) => k.token === c.token);
        expect(row).toMatchObject({ key_alias: 'to-delete', deleted_by: as.internal_user.userId });
        expectNoSecrets(archive.body, a.key, b.key, c.key);
      }
      for (const caller of [
        as.internal_user,
        as.internal_user_viewer,
        bearer(t, (await keyFor(t, as.internal_user.userId)).key),
      ]) {
        await caller.get('/key/deleted').expect(403);
      }
      // The alias is free again.
      await keyFor(t, as.internal_user.userId, { key_alias: 'to-delete' });
    });

    it("deletes nothing when one of the keys is somebody else's (404)", async () => {
      const own = await keyFor(t, as.internal_user.userId);
      const other = await keyFor(t, as.proxy_admin.userId, { key_alias: 'admins-alias' });
      await as.internal_user.post('/key/delete', { keys: [own.token, other.token] }).expect(404);
      await as.internal_user.post('/key/delete', { key_aliases: ['admins-alias'] }).expect(404);
      await bearer(t, own.key).get('/me').expect(200);
      await bearer(t, other.key).get('/me').expect(200);
    });

    it.each([
      [{}, 'keys'],
      [{ keys: [] }, 'keys'],
      [{ keys: ['nope'] }, 'keys'],
      [{ key_aliases: 'x' }, 'key_aliases'],
    ])('refuses %j (400)', async (body, param) => {
      const res = await master(t).post('/key/delete', body).expect(400);
      expect(res.body.error.param).toBe(param);
    });
  });

  describe('POST /key/regenerate', () => {
    it('without grace: new secret, same token and settings; the old one stops at once', async () => {
      const key = await keyFor(t, as.internal_user.userId, {
        key_alias: 'regen-1',
        models: ['m'],
        max_budget: 2,
      });
      const res = await as.internal_user.post('/key/regenerate', { key: key.key }).expect(200);
      const fresh = res.body as GenerateKeyResponse;
      expect(fresh.key).toMatch(/^sk-/);
      expect(fresh.key).not.toBe(key.key);
      expect(fresh).toMatchObject({
        token: key.token,
        key_alias: 'regen-1',
        models: ['m'],
        max_budget: 2,
        key_name: `sk-...${fresh.key.slice(-4)}`,
      });
      await expect401(bearer(t, key.key), 'API key was regenerated; use the new key');
      await bearer(t, fresh.key).get('/key/info').expect(200);
    });

    it('with a grace period: the old secret works until it ends', async () => {
      const key = await keyFor(t, as.internal_user.userId);
      const old = bearer(t, key.key);
      await old.get('/me').expect(200);
      const res = await as.internal_user
        .post('/key/regenerate', { key: key.token, grace_period: '10m' })
        .expect(200);
      const fresh = bearer(t, (res.body as GenerateKeyResponse).key);
      await old.get('/me').expect(200);
      await fresh.get('/me').expect(200);
      t.clock.advance(9 * 60_000);
      await old.get('/me').expect(200);
      t.clock.advance(2 * 60_000);
      await expect401(old, 'API key was regenerated; use the new key');
      await fresh.get('/me').expect(200);
    });

    it("answers 404 for another user's key and 400 for a bad grace_period", async () => {
      const key = await keyFor(t, as.proxy_admin.userId);
      await as.internal_user.post('/key/regenerate', { key: key.token }).expect(404);
      const bad = await master(t)
        .post('/key/regenerate', { key: key.token, grace_period: 'a while' })
        .expect(400);
      expect(bad.body.error.param).toBe('grace_period');
    });
  });

  describe('every endpoint × every role', () => {
    type Who =
      | 'master'
      | 'proxy_admin'
      | 'proxy_admin_viewer'
      | 'internal_user'
      | 'internal_user_viewer'
      | 'anonymous'
      | 'virtual_key';
    const WHO: Who[] = [
      'master',
      'proxy_admin',
      'proxy_admin_viewer',
      'internal_user',
      'internal_user_viewer',
      'anonymous',
      'virtual_key',
    ];
    const callers = {} as Record<Who, Caller>;
    /** Whose keys count as the caller's own. */
    const ownerOf = {} as Record<Who, string>;
    let victim: string;

    beforeAll(async () => {
      for (const role of Object.keys(as) as Role[]) {
        callers[role] = as[role];
        ownerOf[role] = as[role].userId;
      }
      callers.master = master(t);
      ownerOf.master = as.internal_user.userId;
      callers.anonymous = anonymous(t);
      ownerOf.anonymous = as.internal_user.userId;
      const vk = await keyFor(t, as.internal_user.userId, { key_alias: 'matrix-bearer' });
      callers.virtual_key = bearer(t, vk.key, 'virtual key');
      ownerOf.virtual_key = as.internal_user.userId;
      victim = (await createUser(t, 'internal_user')).user_id;
    });

    type Act = (caller: Caller, key: GenerateKeyResponse) => ReturnType<Caller['get']>;
    const ACTS: Record<string, Act> = {
      'GET /key/info': (c, k) => c.get(`/key/info?key=${k.token}`),
      'POST /key/update': (c, k) => c.post('/key/update', { key: k.token, metadata: { m: 1 } }),
      'POST /key/block': (c, k) => c.post('/key/block', { key: k.token }),
      'POST /key/unblock': (c, k) => c.post('/key/unblock', { key: k.token }),
      'POST /key/regenerate': (c, k) => c.post('/key/regenerate', { key: k.token }),
      'POST /key/delete': (c, k) => c.post('/key/delete', { keys: [k.token] }),
    };
    //                        M    PA   PAV  IU   IUV  AN   VK
    const READ_OWN = /*    */ [200, 200, 200, 200, 200, 401, 200];
    const WRITE_OWN = /*   */ [200, 200, 403, 200, 403, 401, 200];
    const UNBLOCK = /*     */ [200, 200, 403, 403, 403, 401, 403];
    const READ_OTHER = /*  */ [200, 200, 200, 404, 404, 401, 404];
    const WRITE_OTHER = /* */ [200, 200, 403, 404, 403, 401, 404];
    const EXPECTED: Record<string, { own: number[]; other: number[] }> = {
      'GET /key/info': { own: READ_OWN, other: READ_OTHER },
      'POST /key/update': { own: WRITE_OWN, other: WRITE_OTHER },
      'POST /key/block': { own: WRITE_OWN, other: WRITE_OTHER },
      'POST /key/unblock': { own: UNBLOCK, other: UNBLOCK },
      'POST /key/regenerate': { own: WRITE_OWN, other: WRITE_OTHER },
      'POST /key/delete': { own: WRITE_OWN, other: WRITE_OTHER },
    };
    const cases = Object.entries(EXPECTED).flatMap(([route, expected]) =>
      WHO.flatMap((who, i) => [
        [route, who, 'own', expected.own[i]] as const,
        [route, who, "another user's", expected.other[i]] as const,
      ]),
    );

    it.each(cases)('%s by %s on its %s key answers %d', async (route, who, whose, status) => {
      const owner = whose === 'own' ? ownerOf[who] : victim;
      const key = await keyFor(t, owner, route === 'POST /key/unblock' ? { blocked: true } : {});
      const res = await ACTS[route](callers[who], key).expect(status);
      if (status === 404) expect(res.body.error.type).toBe('not_found_error');
      if (status === 403) expect(res.body.error.type).toBe('permission_error');
      // A refused change changed nothing.
      const after = await master(t).get(`/key/info?key=${key.token}`);
      if (status !== 200) {
        expect(after.status).toBe(200);
        expect(after.body.info).toMatchObject({
          blocked: route === 'POST /key/unblock',
          metadata: {},
          key_name: key.key_name,
        });
      }
    });

    //                             M    PA   PAV  IU   IUV  AN   VK
    const GENERATE = /*       */ [400, 200, 403, 200, 403, 401, 200];
    const LIST = /*           */ [200, 200, 200, 200, 200, 401, 200];
    const DELETED = /*        */ [200, 200, 200, 403, 403, 401, 403];
    it.each(
      WHO.flatMap((who, i) => [
        ['POST /key/generate', who, GENERATE[i]] as const,
        ['GET /key/list', who, LIST[i]] as const,
        ['GET /key/deleted', who, DELETED[i]] as const,
      ]),
    )('%s by %s answers %d', async (route, who, status) => {
      const caller = callers[who];
      const res =
        route === 'POST /key/generate'
          ? await caller.post('/key/generate', {})
          : await caller.get(route.slice(4));
      expect(res.status).toBe(status);
      if (route === 'POST /key/generate' && status === 200) {
        expect(res.body.user_id).toBe(ownerOf[who]);
      }
      if (route === 'GET /key/list' && status === 200) {
        const keys = (res.body as KeyListResponse).keys;
        if (who !== 'master' && who !== 'proxy_admin' && who !== 'proxy_admin_viewer') {
          expect(keys.every((k) => k.user_id === ownerOf[who])).toBe(true);
        }
        expectNoSecrets(res.body);
      }
    });
  });

  describe('GET /user/info', () => {
    it("lists the user's keys without secrets", async () => {
      const owner = await userCaller(t, 'internal_user');
      const key = (await owner.post('/key/generate', { key_alias: 'mine' }).expect(200))
        .body as GenerateKeyResponse;
      const res = await owner.get('/user/info').expect(200);
      expect((res.body.keys as KeyResponse[]).map((k) => k.token)).toEqual([key.token]);
      expectNoSecrets(res.body, key.key);
      const admin = await master(t).get(`/user/info?user_id=${owner.userId}`).expect(200);
      expect(admin.body.keys).toHaveLength(1);
    });
  });
});
