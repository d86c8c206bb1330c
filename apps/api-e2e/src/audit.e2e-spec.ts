import type {
  AuditLogEntry,
  AuditLogList,
  AuditVerifyResponse,
  GenerateKeyResponse,
  InvitationResponse,
  OnboardingTokenResponse,
  PasswordResetLinkResponse,
} from '@gatehouse/shared/dto';
import { AuditService } from '@gatehouse/api/testing';
import { randomBytes } from 'node:crypto';
import {
  anonymous,
  bearer,
  createTeam,
  createUser,
  everyRole,
  login,
  master,
  uniqueEmail,
  userCaller,
  type Caller,
  type UserCaller,
} from './support/callers';
import { sql, sqlNumber, sqlWrite } from './support/db';
import { startApp, type TestApp } from './support/test-app';

const AGENT = 'audit-e2e/1.0';
const onPostgres = (): boolean => Boolean(process.env['DATABASE_URL']?.startsWith('postgres'));
const DAY_MS = 86_400_000;

/**
 * Issue 14: every management-plane change leaves one audit row, in its own transaction, with
 * its actor; the rows chain by hash; only admins read them; no secret is ever in one.
 */
describe('audit log (issue 14)', () => {
  let t: TestApp;
  /** Every secret the suite hands the API: none may appear in any audit row. */
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startApp();
    secrets.push(t.masterKey);
  });
  afterAll(() => t.close());

  async function audit(query = ''): Promise<AuditLogList> {
    return (await master(t).get(`/audit${query}`).expect(200)).body as AuditLogList;
  }

  /** The newest row about `objectId` (newest first). */
  async function newestFor(objectId: string): Promise<AuditLogEntry> {
    const list = await audit(`?object_id=${encodeURIComponent(objectId)}&page_size=1`);
    expect(list.audit_logs).toHaveLength(1);
    return list.audit_logs[0];
  }

  const rowCount = (): Promise<number> => sqlNumber(t, 'SELECT COUNT(*) FROM audit_logs');

  /** Runs `act` and answers the rows it added (exactly those, oldest first). */
  async function rowsOf(act: () => Promise<unknown>): Promise<AuditLogEntry[]> {
    const before = await rowCount();
    await act();
    const added = (await rowCount()) - before;
    if (added === 0) return [];
    return (await audit(`?page_size=${added}`)).audit_logs.reverse();
  }

  async function oneRowOf(act: () => Promise<unknown>): Promise<AuditLogEntry> {
    const rows = await rowsOf(act);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  const tracked = (caller: Caller, requestId: string): Caller => ({
    label: caller.label,
    get: (path) => caller.get(path).set('User-Agent', AGENT).set('X-Request-Id', requestId),
    post: (path, body) =>
      caller.post(path, body).set('User-Agent', AGENT).set('X-Request-Id', requestId),
  });

  describe('one row per change, field by field', () => {
    let admin: UserCaller;

    beforeAll(async () => {
      admin = await userCaller(t, 'proxy_admin');
      secrets.push(admin.password);
    });

    it('users: created / updated (role change) / deleted, by the master key', async () => {
      const password = `pw-${randomBytes(8).toString('hex')}`;
      secrets.push(password);
      const email = uniqueEmail('audited');
      let userId = '';
      const created = await oneRowOf(async () => {
        const res = await tracked(master(t), 'req-user-new')
          .post('/user/new', { user_email: email, user_role: 'internal_user', password })
          .expect(200);
        userId = res.body.user_id as string;
      });
      expect(created).toMatchObject({
        changed_by: 'admin',
        changed_by_api_key: null,
        auth_method: 'master_key',
        action: 'created',
        table_name: 'user',
        object_id: userId,
        before_value: null,
        user_agent: AGENT,
        request_id: 'req-user-new',
      });
      expect(created.updated_values).toMatchObject({
        user_id: userId,
        user_email: email,
        user_role: 'internal_user',
      });
      expect(created.ip).toMatch(/127\.0\.0\.1/);
      expect(Date.parse(created.updated_at)).toBeGreaterThan(Date.now() - 60_000);
      expect(created.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);

      const updated = await oneRowOf(() =>
        master(t)
          .post('/user/update', { user_id: userId, user_role: 'internal_user_viewer', models: [] })
          .expect(200),
      );
      // Only the fields that changed: models was [] already.
      expect(updated).toMatchObject({
        action: 'updated',
        object_id: userId,
        before_value: { user_role: 'internal_user', updated_at: expect.any(String) },
        updated_values: { user_role: 'internal_user_viewer', updated_at: expect.any(String) },
      });
      expect(Object.keys(updated.updated_values ?? {}).sort()).toEqual(['updated_at', 'user_role']);

      const deleted = await oneRowOf(() =>
        master(t)
          .post('/user/delete', { user_ids: [userId] })
          .expect(200),
      );
      expect(deleted).toMatchObject({
        action: 'deleted',
        table_name: 'user',
        object_id: userId,
        updated_values: null,
        before_value: { user_id: userId, user_email: email },
      });
    });

    it('keys: created / updated / blocked / unblocked / regenerated / deleted, with who made them', async () => {
      const owner = await userCaller(t, 'internal_user');
      secrets.push(owner.password);
      let key: GenerateKeyResponse | null = null;
      const created = await oneRowOf(async () => {
        key = (await owner.post('/key/generate', { key_alias: 'audited' }).expect(200))
          .body as GenerateKeyResponse;
      });
      if (!key) throw new Error('no key');
      const { token, key: secret } = key as GenerateKeyResponse;
      secrets.push(secret);
      expect(created).toMatchObject({
        changed_by: owner.userId,
        changed_by_api_key: null,
        auth_method: 'session',
        action: 'created',
        table_name: 'key',
        object_id: token,
        updated_values: { token, key_alias: 'audited', user_id: owner.userId },
      });
      expect(created.updated_values?.['key_name']).toMatch(/^sk-\.\.\./);

      // A key changing a key: the row names the calling key.
      const byKey = await oneRowOf(() =>
        bearer(t, secret).post('/key/update', { key: token, key_alias: 'renamed' }).expect(200),
      );
      expect(byKey).toMatchObject({
        changed_by: owner.userId,
        changed_by_api_key: token,
        auth_method: 'api_key',
        action: 'updated',
        before_value: { key_alias: 'audited' },
        updated_values: { key_alias: 'renamed' },
      });
      // Who gave this key a $5,000 budget, and when?
      const budget = await oneRowOf(() =>
        admin.post('/key/update', { key: token, max_budget: 5000 }).expect(200),
      );
      expect(budget).toMatchObject({
        changed_by: admin.userId,
        before_value: { max_budget: null },
        updated_values: { max_budget: 5000 },
      });

      expect(
        await oneRowOf(() => admin.post('/key/block', { key: token }).expect(200)),
      ).toMatchObject({
        action: 'blocked',
        changed_by: admin.userId,
        auth_method: 'session',
        before_value: { blocked: false },
        updated_values: { blocked: true },
      });
      expect(
        await oneRowOf(() => admin.post('/key/unblock', { key: token }).expect(200)),
      ).toMatchObject({ action: 'unblocked', updated_values: { blocked: false } });

      let regenerated = '';
      const regen = await oneRowOf(async () => {
        regenerated = (await owner.post('/key/regenerate', { key: token }).expect(200)).body
          .key as string;
      });
      secrets.push(regenerated);
      expect(regen).toMatchObject({ action: 'regenerated', object_id: token });
      expect(regen.updated_values?.['key_name']).toBe(`sk-...${regenerated.slice(-4)}`);

      const deleted = await oneRowOf(() =>
        owner.post('/key/delete', { keys: [token] }).expect(200),
      );
      expect(deleted).toMatchObject({ action: 'deleted', table_name: 'key', object_id: token });
    });

    it('teams: created / updated / member_added / member_removed / deleted', async () => {
      const member = await createUser(t, 'internal_user');
      secrets.push(member.password);
      let teamId = '';
      const created = await oneRowOf(async () => {
        teamId = (await createTeam(t, { team_alias: 'audited' })).team_id;
      });
      expect(created).toMatchObject({
        action: 'created',
        table_name: 'team',
        object_id: teamId,
        updated_values: { team_id: teamId, team_alias: 'audited' },
      });
      expect(
        await oneRowOf(() =>
          master(t).post('/team/update', { team_id: teamId, max_budget: 5000 }).expect(200),
        ),
      ).toMatchObject({
        action: 'updated',
        before_value: { max_budget: null },
        updated_values: { max_budget: 5000 },
      });
      expect(
        await oneRowOf(() =>
          master(t)
            .post('/team/member_add', {
              team_id: teamId,
              member: [{ user_id: member.user_id, role: 'admin' }],
            })
            .expect(200),
        ),
      ).toMatchObject({
        action: 'member_added',
        object_id: teamId,
        updated_values: { members: [{ user_id: member.user_id, role: 'admin' }] },
      });
      expect(
        await oneRowOf(() =>
          master(t)
            .post('/team/member_delete', { team_id: teamId, user_id: member.user_id })
            .expect(200),
        ),
      ).toMatchObject({
        action: 'member_removed',
        before_value: { member: { user_id: member.user_id, role: 'admin' } },
      });
      expect(
        await oneRowOf(() =>
          master(t)
            .post('/team/delete', { team_ids: [teamId] })
            .expect(200),
        ),
      ).toMatchObject({ action: 'deleted', object_id: teamId });
    });

    it('invitations: created / updated / deleted, and accepted by the invited user (onboarding)', async () => {
      const invited = await createUser(t, 'internal_user', { password: undefined });
      const invitation = (
        await oneRowOf(() =>
          master(t).post('/invitation/new', { user_id: invited.user_id }).expect(200),
        )
      ).object_id;
      expect(await newestFor(invitation ?? '')).toMatchObject({
        action: 'created',
        table_name: 'invitation',
        updated_values: { user_id: invited.user_id, is_accepted: false },
      });
      const expires = new Date(Date.now() + 3 * DAY_MS).toISOString();
      expect(
        await oneRowOf(() =>
          master(t)
            .post('/invitation/update', { invitation_id: invitation, expires_at: expires })
            .expect(200),
        ),
      ).toMatchObject({ action: 'updated', updated_values: { expires_at: expires } });

      const { token } = (
        await t.http
          .get(`/onboarding/get_token?invite_link=${encodeURIComponent(invitation ?? '')}`)
          .expect(200)
      ).body as OnboardingTokenResponse;
      secrets.push(token);
      const password = `pw-${randomBytes(8).toString('hex')}`;
      secrets.push(password);
      const accepted = await oneRowOf(() =>
        t.http
          .post('/onboarding/claim_token')
          .set('Authorization', `Bearer ${token}`)
          .send({ invitation_link: invitation, user_id: invited.user_id, password })
          .expect(200),
      );
      expect(accepted).toMatchObject({
        action: 'accepted',
        table_name: 'invitation',
        object_id: invitation,
        changed_by: invited.user_id,
        auth_method: 'onboarding',
        updated_values: { is_accepted: true, password_set: true },
      });

      const other = (await master(t).post('/invitation/new', { user_id: admin.userId }).expect(200))
        .body as InvitationResponse;
      expect(
        await oneRowOf(() =>
          master(t).post('/invitation/delete', { invitation_id: other.id }).expect(200),
        ),
      ).toMatchObject({ action: 'deleted', object_id: other.id });
    });

    it('models: created / deleted, the upstream api_key only masked', async () => {
      const upstreamKey = `sk-upstream-${randomBytes(16).toString('hex')}`;
      secrets.push(upstreamKey);
      let id = '';
      const created = await oneRowOf(async () => {
        const res = await master(t)
          .post('/model/new', {
            model_name: 'audited-model',
            litellm_params: {
              model: 'openai/gpt-4o-mini',
              api_base: 'http://127.0.0.1:9',
              api_key: upstreamKey,
            },
          })
          .expect(200);
        id = res.body.model_info.id as string;
      });
      expect(created).toMatchObject({ action: 'created', table_name: 'model', object_id: id });
      const params = created.updated_values?.['litellm_params'] as Record<string, unknown>;
      expect(params['api_key']).toBe(`sk-...${upstreamKey.slice(-4)}`);
      expect(
        await oneRowOf(() => master(t).post('/model/delete', { id }).expect(200)),
      ).toMatchObject({ action: 'deleted', table_name: 'model', object_id: id });
    });

    it('passwords: changed by the user, reset link issued by an admin, reset with the link', async () => {
      const user = await userCaller(t, 'internal_user');
      secrets.push(user.password);
      const changed = `pw-${randomBytes(8).toString('hex')}`;
      secrets.push(changed);
      expect(
        await oneRowOf(() =>
          user
            .post('/user/update', {
              user_id: user.userId,
              password: changed,
              current_password: user.password,
            })
            .expect(200),
        ),
      ).toMatchObject({
        action: 'password_set',
        table_name: 'user',
        object_id: user.userId,
        changed_by: user.userId,
      });

      let link = '';
      expect(
        await oneRowOf(async () => {
          link = (
            (
              await master(t)
                .post('/user/password/reset_link', { user_id: user.userId })
                .expect(200)
            ).body as PasswordResetLinkResponse
          ).reset_link;
        }),
      ).toMatchObject({ action: 'updated', object_id: user.userId, changed_by: 'admin' });
      const resetToken = new URL(link).searchParams.get('token') ?? '';
      secrets.push(resetToken);
      const reset = `pw-${randomBytes(8).toString('hex')}`;
      secrets.push(reset);
      expect(
        await oneRowOf(() =>
          t.http.post('/password/reset').send({ token: resetToken, password: reset }).expect(200),
        ),
      ).toMatchObject({
        action: 'password_set',
        object_id: user.userId,
        changed_by: user.userId,
        auth_method: 'onboarding',
      });
    });

    it('sessions: login, login_failed (known and unknown name, username only), logout', async () => {
      const user = await createUser(t, 'internal_user');
      secrets.push(user.password);
      const email = user.user_email ?? '';
      let session: Caller | null = null;
      expect(
        await oneRowOf(async () => {
          session = await login(t, email, user.password);
        }),
      ).toMatchObject({
        action: 'login',
        table_name: 'session',
        object_id: user.user_id,
        changed_by: user.user_id,
        auth_method: 'session',
      });
      const wrong = `wrong-${randomBytes(6).toString('hex')}`;
      secrets.push(wrong);
      expect(
        await oneRowOf(() =>
          t.http.post('/login').send({ username: email, password: wrong }).expect(401),
        ),
      ).toMatchObject({
        action: 'login_failed',
        object_id: user.user_id,
        changed_by: null,
        updated_values: { username: email },
      });
      const nobody = uniqueEmail('nobody');
      expect(
        await oneRowOf(() =>
          t.http.post('/login').send({ username: nobody, password: wrong }).expect(401),
        ),
      ).toMatchObject({
        action: 'login_failed',
        object_id: null,
        updated_values: { username: nobody },
      });
      expect(
        await oneRowOf(() =>
          t.http.post('/login').send({ username: 'admin', password: t.masterKey }).expect(200),
        ),
      ).toMatchObject({ action: 'login', changed_by: 'admin', auth_method: 'master_key' });
      if (!session) throw new Error('no session');
      expect(await oneRowOf(() => (session as Caller).post('/logout').expect(200))).toMatchObject({
        action: 'logout',
        object_id: user.user_id,
        auth_method: 'session',
      });
    });

    it('a refused change leaves no row', async () => {
      const taken = await createUser(t, 'internal_user');
      secrets.push(taken.password);
      const member = await userCaller(t, 'internal_user');
      secrets.push(member.password);
      expect(
        await rowsOf(async () => {
          await master(t).post('/user/new', { user_email: taken.user_email }).expect(409);
          await member.post('/user/new', { user_email: uniqueEmail() }).expect(403);
          await master(t)
            .post('/key/update', { key: 'f'.repeat(64), max_budget: 1 })
            .expect(404);
          await master(t).post('/team/update', { team_id: 'no-such-team' }).expect(404);
          await master(t).post('/model/delete', { id: 'no-such-model' }).expect(404);
        }),
      ).toEqual([]);
    });
  });

  describe('reading the log', () => {
    it('filters by action, table, object, actor and dates, newest first, and pages', async () => {
      const teams: string[] = [];
      for (let i = 0; i < 3; i += 1) teams.push((await createTeam(t)).team_id);
      const list = await audit('?table_name=team&action=created&page_size=2');
      expect(list).toMatchObject({ page: 1, page_size: 2 });
      expect(list.total).toBeGreaterThanOrEqual(3);
      expect(list.total_pages).toBe(Math.ceil(list.total / 2));
      expect(list.audit_logs.map((r) => r.object_id)).toEqual([teams[2], teams[1]]);
      const page2 = await audit('?table_name=team&action=created&page_size=2&page=2');
      expect(page2.audit_logs[0].object_id).toBe(teams[0]);
      expect(page2.page).toBe(2);
      for (const row of list.audit_logs) {
        expect(row).toMatchObject({ table_name: 'team', action: 'created' });
        // Each row of the list is the row GET /audit/{id} answers.
        expect((await master(t).get(`/audit/${row.id}`).expect(200)).body).toEqual(row);
      }
      expect((await audit(`?object_id=${teams[1]}`)).audit_logs).toHaveLength(1);
      const byAdmin = await audit('?changed_by=admin&page_size=1000');
      expect(byAdmin.audit_logs.every((r) => r.changed_by === 'admin')).toBe(true);
      const day = (offset: number): string =>
        new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
      expect((await audit(`?start_date=${day(-1)}&end_date=${day(0)}`)).total).toBe(
        await rowCount(),
      );
      expect((await audit(`?end_date=${day(-2)}`)).total).toBe(0);
      expect((await audit('?start_date=2999-01-01')).total).toBe(0);
    });

    it('refuses malformed filters with a 400 naming the field, and unknown ids with a 404', async () => {
      for (const [query, param] of [
        ['?action=promoted', 'action'],
        ['?table_name=users', 'table_name'],
        ['?page=0', 'page'],
        ['?page_size=1001', 'page_size'],
        ['?page=1e3', 'page'],
        ['?start_date=yesterday', 'start_date'],
        ['?end_date=2026-13', 'end_date'],
        [`?object_id=${'x'.repeat(257)}`, 'object_id'],
        ['?object_id=%00', 'object_id'],
        ['?surprise=1', 'surprise'],
      ]) {
        const res = await master(t).get(`/audit${query}`);
        expect([query, res.status]).toEqual([query, 400]);
        expect(res.body.error.param ?? res.body.error.message).toContain(param);
      }
      await master(t).get('/audit/00000000-0000-0000-0000-000000000000').expect(404);
      await master(t).get('/audit/not-an-id').expect(404);
    });

    it('lets proxy_admin and proxy_admin_viewer read, only proxy_admin verify; everyone else 401/403', async () => {
      const roles = await everyRole(t);
      const id = (await audit('?page_size=1')).audit_logs[0].id;
      const keyOf = async (caller: UserCaller, keyType: string): Promise<string> => {
        const res = await master(t)
          .post('/key/generate', { user_id: caller.userId, key_type: keyType })
          .expect(200);
        secrets.push(res.body.key as string);
        return res.body.key as string;
      };
      const cases: [Caller, number, number][] = [
        [master(t), 200, 200],
        [roles.proxy_admin, 200, 200],
        [roles.proxy_admin_viewer, 200, 403],
        [roles.internal_user, 403, 403],
        [roles.internal_user_viewer, 403, 403],
        [bearer(t, await keyOf(roles.proxy_admin, 'default'), 'admin default key'), 200, 200],
        [bearer(t, await keyOf(roles.proxy_admin, 'management'), 'admin management key'), 200, 200],
        // read_only keys act at most as an admin viewer: they read, they do not verify.
        [bearer(t, await keyOf(roles.proxy_admin, 'read_only'), 'admin read_only key'), 200, 403],
        [bearer(t, await keyOf(roles.proxy_admin, 'llm_api'), 'admin llm_api key'), 403, 403],
        [bearer(t, await keyOf(roles.proxy_admin_viewer, 'read_only'), 'viewer key'), 200, 403],
        [bearer(t, await keyOf(roles.internal_user, 'default'), 'internal key'), 403, 403],
        [anonymous(t), 401, 401],
        [bearer(t, 'sk-not-a-key-at-all-0000000000', 'unknown key'), 401, 401],
      ];
      const seen: string[] = [];
      for (const [caller, read, verify] of cases) {
        const list = (await caller.get('/audit')).status;
        const one = (await caller.get(`/audit/${id}`)).status;
        const check = (await caller.get('/audit/verify')).status;
        seen.push(`${caller.label}: ${list} ${one} ${check}`);
        expect(`${caller.label}: ${list} ${one} ${check}`).toBe(
          `${caller.label}: ${read} ${read} ${verify}`,
        );
      }
      expect(seen).toHaveLength(cases.length);
      for (const role of Object.values(roles)) secrets.push(role.password);
    });

    it('has no route that edits or deletes a row', async () => {
      const id = (await audit('?page_size=1')).audit_logs[0].id;
      for (const path of ['/audit', `/audit/${id}`, '/audit/verify']) {
        for (const method of ['put', 'patch', 'delete', 'post'] as const) {
          const res = await t.http[method](path)
            .set('Authorization', `Bearer ${t.masterKey}`)
            .send({ action: 'created' });
          expect([`${method} ${path}`, [404, 405].includes(res.status)]).toEqual([
            `${method} ${path}`,
            true,
          ]);
        }
      }
      expect((await master(t).get(`/audit/${id}`).expect(200)).body.id).toBe(id);
    });
  });

  describe('one transaction for the change and its row', () => {
    const FAIL_AUDIT = {
      sqlite: `CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_logs
               BEGIN SELECT RAISE(ABORT, 'audit refused'); END;`,
      postgres: `CREATE FUNCTION audit_refuse() RETURNS trigger AS $$
                 BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql;
                 CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_logs
                 FOR EACH ROW EXECUTE FUNCTION audit_refuse();`,
    };
    const ALLOW_AUDIT = {
      sqlite: 'DROP TRIGGER audit_refuse;',
      postgres: 'DROP TRIGGER audit_refuse ON audit_logs; DROP FUNCTION audit_refuse();',
    };

    it('rolls the change back when its audit row cannot be written (users, teams, keys, logins)', async () => {
      const holder = await createUser(t, 'internal_user');
      secrets.push(holder.password);
      const team = await createTeam(t);
      const before = await rowCount();
      await sqlWrite(t, FAIL_AUDIT);
      try {
        const email = uniqueEmail('rolled-back');
        const created = await master(t).post('/user/new', { user_email: email });
        expect(created.status).toBe(500);
        expect(JSON.stringify(created.body)).not.toContain('audit refused');
        await master(t).post('/team/update', { team_id: team.team_id, max_budget: 7 }).expect(500);
        await master(t).post('/key/generate', { user_id: holder.user_id }).expect(500);
        await t.http
          .post('/login')
          .send({ username: holder.user_email, password: holder.password })
          .expect(500);
        await sqlWrite(t, ALLOW_AUDIT);
        expect(await sqlNumber(t, `SELECT COUNT(*) FROM users WHERE user_email = '${email}'`)).toBe(
          0,
        );
        const info = await master(t).get(`/team/info?team_id=${team.team_id}`).expect(200);
        expect(info.body.max_budget).toBeNull();
        expect(
          await sqlNumber(t, `SELECT COUNT(*) FROM keys WHERE user_id = '${holder.user_id}'`),
        ).toBe(0);
        expect(
          await sqlNumber(t, `SELECT COUNT(*) FROM sessions WHERE user_id = '${holder.user_id}'`),
        ).toBe(0);
        expect(await rowCount()).toBe(before);
      } finally {
        await sqlWrite(t, ALLOW_AUDIT).catch(() => undefined);
      }
      // And with the audit table writable again, the same change goes through with its row.
      await master(t).post('/team/update', { team_id: team.team_id, max_budget: 7 }).expect(200);
      expect((await newestFor(team.team_id)).updated_values).toMatchObject({ max_budget: 7 });
    });
  });

  it('keeps every secret the suite used out of every audit row (the secrets scan)', async () => {
    const rows = await sql<Record<string, unknown>>(t, 'SELECT * FROM audit_logs');
    expect(rows.length).toBeGreaterThan(40);
    const text = JSON.stringify(rows);
    const found = secrets.filter((secret) => secret.length >= 8 && text.includes(secret));
    expect(secrets.length).toBeGreaterThan(20);
    expect(found).toEqual([]);
    expect(text).not.toMatch(/\$argon2|\$scrypt|password_hash|secret_hash|api_key_encrypted/i);
  });

  describe('the hash chain', () => {
    it('verifies, keeps one unforked chain under 20 concurrent changes, and names an edited row', async () => {
      expect((await master(t).get('/audit/verify').expect(200)).body).toEqual({
        ok: true,
        rows: await rowCount(),
        first_bad_id: null,
      });
      const before = await rowCount();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          master(t)
            .post('/team/new', { team_alias: `concurrent-${i}` })
            .expect(200),
        ),
      );
      expect(await rowCount()).toBe(before + 20);
      const verified = (await master(t).get('/audit/verify').expect(200))
        .body as AuditVerifyResponse;
      expect(verified).toEqual({ ok: true, rows: before + 20, first_bad_id: null });
      // Every row chains to the one before it: no two rows share a predecessor.
      const hashes = await sql<{ hash: string }>(t, 'SELECT hash FROM audit_logs ORDER BY seq');
      expect(new Set(hashes.map((h) => h.hash)).size).toBe(hashes.length);

      const victim = (await audit('?table_name=team&action=created&page_size=5')).audit_logs[3];
      await sqlWrite(t, {
        sqlite: `UPDATE audit_logs SET changed_by = 'someone-else' WHERE id = '${victim.id}'`,
        postgres: `UPDATE audit_logs SET changed_by = 'someone-else' WHERE id = '${victim.id}'`,
      });
      expect((await master(t).get('/audit/verify').expect(200)).body).toMatchObject({
        ok: false,
        first_bad_id: victim.id,
      });
      await sqlWrite(t, {
        sqlite: `UPDATE audit_logs SET changed_by = '${victim.changed_by}' WHERE id = '${victim.id}'`,
        postgres: `UPDATE audit_logs SET changed_by = '${victim.changed_by}' WHERE id = '${victim.id}'`,
      });
      expect((await master(t).get('/audit/verify').expect(200)).body.ok).toBe(true);
    });

    // Two instances (own pools, own processes' worth of state) on one PostgreSQL schema: the
    // advisory lock serializes their appends. SQLite has one writer process by design, so the
    // test exists only in the PostgreSQL run (not a skipped test in the SQLite one).
    const onPostgresIt = onPostgres() ? it : (): void => undefined;
    onPostgresIt(
      'keeps one chain when two instances on one PostgreSQL schema write at once (PostgreSQL only)',
      async () => {
        const schema = t.config.database.type === 'postgres' ? t.config.database.schema : null;
        const second = await startApp({ env: { DATABASE_SCHEMA: schema ?? '' } });
        try {
          const before = await rowCount();
          await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              master(i % 2 === 0 ? t : second)
                .post('/team/new', { team_alias: `two-instances-${i}` })
                .expect(200),
            ),
          );
          expect(await rowCount()).toBe(before + 20);
          for (const app of [t, second]) {
            expect((await master(app).get('/audit/verify').expect(200)).body).toEqual({
              ok: true,
              rows: before + 20,
              first_bad_id: null,
            });
          }
        } finally {
          await second.app.close();
          await second.drop();
        }
      },
    );

    it('retention purges old rows, leaves a system row, and the rest still verifies', async () => {
      const oldTeam = await createTeam(t);
      const before = await rowCount();
      t.clock.advance(10 * DAY_MS);
      const kept = await createTeam(t);
      const purged = await t.app.get(AuditService).purge(5);
      expect(purged).toBe(before);
      const rows = (await audit('?page_size=10')).audit_logs;
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        changed_by: 'system',
        auth_method: 'system',
        action: 'deleted',
        table_name: 'audit',
        object_id: null,
        updated_values: { purged_rows: before, retention_days: 5 },
      });
      expect(rows[1].object_id).toBe(kept.team_id);
      expect((await audit(`?object_id=${oldTeam.team_id}`)).total).toBe(0);
      expect((await master(t).get('/audit/verify').expect(200)).body).toEqual({
        ok: true,
        rows: 2,
        first_bad_id: null,
      });
      // Nothing older than the cutoff: nothing purged, no row.
      expect(await t.app.get(AuditService).purge(5)).toBe(0);
      expect(await rowCount()).toBe(2);
      // Dropping the oldest kept row behind the app's back breaks the chain at the next one.
      await sqlWrite(t, {
        sqlite: `DELETE FROM audit_logs WHERE id = '${rows[1].id}'`,
        postgres: `DELETE FROM audit_logs WHERE id = '${rows[1].id}'`,
      });
      expect((await master(t).get('/audit/verify').expect(200)).body).toMatchObject({
        ok: false,
        first_bad_id: rows[0].id,
      });
    });
  });
});
