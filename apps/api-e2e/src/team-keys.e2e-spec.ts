import { effectiveModels, KeyAuthenticator } from '@gatehouse/api/testing';
import type { Role } from '@gatehouse/shared/auth';
import type {
  DeletedKeyListResponse,
  GenerateKeyResponse,
  KeyListResponse,
  TeamResponse,
} from '@gatehouse/shared/dto';
import {
  anonymous,
  bearer,
  createTeam,
  everyRole,
  master,
  userCaller,
  type Caller,
  type UserCaller,
} from './support/callers';
import { startApp, type TestApp } from './support/test-app';

/**
 * Team keys: who may make, see and manage them, the team's limits, and what happens to them
 * when the team is blocked, changed, loses a member or is deleted.
 */
describe('team keys', () => {
  let t: TestApp;
  let as: Record<Role, UserCaller>;
  /** internal_user, team role admin. */
  let teamAdmin: UserCaller;
  /** internal_user, team role user. */
  let member: UserCaller;
  let member2: UserCaller;
  /** internal_user_viewer, team role admin (may see, not create or change). */
  let viewerAdmin: UserCaller;
  /** as.internal_user is in no team. */
  let outsider: UserCaller;
  let team: TeamResponse;
  /** Every request log line, to prove that nothing answered 5xx. */
  const logLines: string[] = [];

  const generate = async (
    caller: Caller,
    body: Record<string, unknown>,
    status = 200,
  ): Promise<GenerateKeyResponse & { error?: Record<string, unknown> }> =>
    (await caller.post('/key/generate', body).expect(status)).body;

  /** A team key of `owner` made by the master key. */
  const teamKey = (owner: UserCaller, fields: Record<string, unknown> = {}) =>
    generate(master(t), { user_id: owner.userId, team_id: team.team_id, ...fields });

  const tokens = (res: { body: KeyListResponse }): string[] =>
    res.body.keys.map((k) => k.token).sort();

  async function expectBearerRefused(secret: string, message: string): Promise<void> {
    const res = await bearer(t, secret).get('/key/info').expect(401);
    expect(res.body.error).toMatchObject({ type: 'auth_error', message });
  }

  beforeAll(async () => {
    t = await startApp({ logDestination: { write: (line: string) => logLines.push(line) } });
    as = await everyRole(t);
    outsider = as.internal_user;
    teamAdmin = await userCaller(t, 'internal_user');
    member = await userCaller(t, 'internal_user');
    member2 = await userCaller(t, 'internal_user');
    viewerAdmin = await userCaller(t, 'internal_user_viewer');
    team = await createTeam(
      t,
      {
        team_alias: 'core',
        models: ['gpt-4o', 'o3'],
        max_budget: 10,
        tpm_limit: 1000,
        rpm_limit: 10,
      },
      [
        [teamAdmin.userId, 'admin'],
        [member.userId, 'user'],
        [member2.userId, 'user'],
        [viewerAdmin.userId, 'admin'],
      ],
    );
  });
  afterAll(() => t.close());

  describe('POST /key/generate with team_id', () => {
    it('answers 404 team_id for an unknown team, to admins too', async () => {
      for (const caller of [master(t), as.proxy_admin]) {
        const res = await generate(
          caller,
          { user_id: member.userId, team_id: 'no-such-team' },
          404,
        );
        expect(res.error).toMatchObject({ type: 'not_found_error', param: 'team_id' });
      }
    });

    it('lets master and proxy_admin make a team key for anybody, unbound by the team', async () => {
      for (const caller of [master(t), as.proxy_admin]) {
        const key = await generate(caller, {
          user_id: outsider.userId,
          team_id: team.team_id,
          models: ['claude'],
          max_budget: 100,
          tpm_limit: 5000,
        });
        expect(key).toMatchObject({ team_id: team.team_id, user_id: outsider.userId });
      }
    });

    it('refuses roles without key.create.self, and anonymous callers', async () => {
      for (const caller of [as.proxy_admin_viewer, as.internal_user_viewer, viewerAdmin]) {
        await caller.post('/key/generate', { team_id: team.team_id }).expect(403);
      }
      await anonymous(t).post('/key/generate', { team_id: team.team_id }).expect(401);
    });

    it('lets any member make a team key for themselves', async () => {
      for (const caller of [teamAdmin, member]) {
        const key = await generate(caller, { team_id: team.team_id, models: ['o3'] });
        expect(key).toMatchObject({
          team_id: team.team_id,
          user_id: caller.userId,
          created_by: caller.userId,
          models: ['o3'],
        });
      }
    });

    it('answers a non-member 404 exactly like an unknown team (no existence oracle)', async () => {
      const hidden = await generate(outsider, { team_id: team.team_id }, 404);
      const unknown = await generate(outsider, { team_id: 'no-such-team' }, 404);
      expect(hidden.error).toEqual(unknown.error);
      const other = await generate(
        outsider,
        { team_id: team.team_id, user_id: member.userId },
        404,
      );
      expect(other.error).toEqual(unknown.error);
    });

    it('lets a team admin make keys owned by any member, not by a non-member', async () => {
      const key = await generate(teamAdmin, { team_id: team.team_id, user_id: member.userId });
      // A team admin's key for somebody else is an llm_api key (issue 11, finding 1).
      expect(key).toMatchObject({
        user_id: member.userId,
        created_by: teamAdmin.userId,
        key_type: 'llm_api',
      });
      for (const userId of [outsider.userId, 'no-such-user']) {
        const res = await generate(teamAdmin, { team_id: team.team_id, user_id: userId }, 403);
        expect(res.error).toMatchObject({ type: 'permission_error', param: 'user_id' });
      }
      // Without a team, a team admin is nobody's admin.
      const personal = await generate(teamAdmin, { user_id: member.userId }, 403);
      expect(personal.error).toMatchObject({ param: 'user_id' });
    });

    it('refuses a plain member a key for another member (403 user_id)', async () => {
      const res = await generate(member, { team_id: team.team_id, user_id: member2.userId }, 403);
      expect(res.error).toMatchObject({ type: 'permission_error', param: 'user_id' });
    });

    it("keeps a member's key within the team's models, budget, tpm and rpm", async () => {
      for (const [body, status, param] of [
        [{ models: ['gpt-4o', 'claude'] }, 403, 'models'],
        [{ max_budget: 10.01 }, 400, 'max_budget'],
        [{ max_budget: null }, 400, 'max_budget'],
        [{ tpm_limit: 1001 }, 400, 'tpm_limit'],
        [{ rpm_limit: 11 }, 400, 'rpm_limit'],
      ] as const) {
        for (const caller of [member, teamAdmin]) {
          const res = await generate(caller, { team_id: team.team_id, ...body }, status);
          expect(res.error).toMatchObject({ param });
        }
      }
      const ok = await generate(member, {
        team_id: team.team_id,
        models: ['gpt-4o', 'o3'],
        max_budget: 10,
        tpm_limit: 1000,
        rpm_limit: 10,
      });
      expect(ok).toMatchObject({ max_budget: 10, tpm_limit: 1000, rpm_limit: 10 });
      // An empty list = the team's (and owner's) models.
      expect(await generate(member, { team_id: team.team_id, models: [] })).toMatchObject({
        models: [],
      });
    });

    it("keeps a team key within the owner's models too", async () => {
      const narrow = await userCaller(t, 'internal_user', { models: ['gpt-4o'] });
      await master(t)
        .post('/team/member_add', {
          team_id: team.team_id,
          member: [{ user_id: narrow.userId, role: 'user' }],
        })
        .expect(200);
      const res = await generate(narrow, { team_id: team.team_id, models: ['o3'] }, 403);
      expect(res.error).toMatchObject({ param: 'models' });
      await generate(narrow, { team_id: team.team_id, models: ['gpt-4o'] });
    });

    it('answers 400, never 500, to hostile team_ids', async () => {
      for (const team_id of ['../etc', "x' OR 1=1 --", 'a'.repeat(129), 42, ['x'], { $ne: 1 }]) {
        const res = await member.post('/key/generate', { team_id }).expect(400);
        expect(res.body.error.type).toBe('invalid_request_error');
      }
    });
  });

  describe('POST /key/update with team_id', () => {
    it('lets a member move their own key into the team, within its limits', async () => {
      const key = await generate(member, { key_alias: 'move-me' });
      const res = await member
        .post('/key/update', { key: key.token, team_id: team.team_id })
        .expect(200);
      expect(res.body.team_id).toBe(team.team_id);
      const tooRich = await generate(master(t), { user_id: member.userId, max_budget: 20 });
      const refused = await member
        .post('/key/update', { key: tooRich.token, team_id: team.team_id })
        .expect(400);
      expect(refused.body.error.param).toBe('max_budget');
    });

    it('answers 404 for a team the caller is not in, and for an unknown team (admins too)', async () => {
      const key = await generate(outsider, {});
      for (const team_id of [team.team_id, 'no-such-team']) {
        const res = await outsider.post('/key/update', { key: key.token, team_id }).expect(404);
        expect(res.body.error).toMatchObject({ param: 'team_id' });
      }
      await master(t).post('/key/update', { key: key.token, team_id: 'no-such-team' }).expect(404);
    });

    it("lets a team admin change a member's key within the team's limits", async () => {
      const key = await teamKey(member);
      await teamAdmin.post('/key/update', { key: key.token, key_alias: 'by-admin' }).expect(200);
      const over = await teamAdmin
        .post('/key/update', { key: key.token, max_budget: 11 })
        .expect(400);
      expect(over.body.error.param).toBe('max_budget');
      const wider = await teamAdmin
        .post('/key/update', { key: key.token, models: ['claude'] })
        .expect(403);
      expect(wider.body.error.param).toBe('models');
      // Taking it out of the team would make it a personal key of somebody else.
      await teamAdmin.post('/key/update', { key: key.token, team_id: null }).expect(403);
      await teamAdmin.post('/key/update', { key: key.token, user_id: member2.userId }).expect(403);
    });

    it('lets proxy_admin move any key into any team, unbound; refuses viewers and anonymous', async () => {
      const key = await generate(outsider, {});
      const res = await as.proxy_admin
        .post('/key/update', { key: key.token, team_id: team.team_id, models: ['claude'] })
        .expect(200);
      expect(res.body).toMatchObject({ team_id: team.team_id, user_id: outsider.userId });
      for (const caller of [as.proxy_admin_viewer, as.internal_user_viewer, viewerAdmin]) {
        await caller.post('/key/update', { key: key.token, team_id: team.team_id }).expect(403);
      }
      await anonymous(t).post('/key/update', { key: key.token, team_id: team.team_id }).expect(401);
    });

    it("answers 404 to a plain member and a non-member changing another member's key", async () => {
      const key = await teamKey(member2);
      for (const caller of [member, outsider]) {
        await caller.post('/key/update', { key: key.token, key_alias: 'nope' }).expect(404);
      }
    });
  });

  describe('seeing team keys', () => {
    let memberKey: GenerateKeyResponse;
    let member2Key: GenerateKeyResponse;
    let adminKey: GenerateKeyResponse;
    let otherTeam: TeamResponse;
    let otherTeamKey: GenerateKeyResponse;

    beforeAll(async () => {
      team = await createTeam(t, { team_alias: 'visible' }, [
        [teamAdmin.userId, 'admin'],
        [member.userId, 'user'],
        [member2.userId, 'user'],
        [viewerAdmin.userId, 'admin'],
      ]);
      memberKey = await teamKey(member);
      member2Key = await teamKey(member2);
      adminKey = await teamKey(teamAdmin);
      otherTeam = await createTeam(t, {}, [[member.userId, 'user']]);
      otherTeamKey = await generate(member, { team_id: otherTeam.team_id });
    });

    it('GET /key/info: team admins see every team key; plain members only their own', async () => {
      for (const caller of [teamAdmin, viewerAdmin, as.proxy_admin, as.proxy_admin_viewer]) {
        await caller.get(`/key/info?key=${member2Key.token}`).expect(200);
      }
      await member.get(`/key/info?key=${memberKey.token}`).expect(200);
      for (const caller of [member, outsider, as.internal_user_viewer]) {
        const res = await caller.get(`/key/info?key=${member2Key.token}`).expect(404);
        expect(res.body.error.type).toBe('not_found_error');
      }
      // A team admin of one team sees nothing of another team.
      await teamAdmin.get(`/key/info?key=${otherTeamKey.token}`).expect(404);
      await anonymous(t).get(`/key/info?key=${member2Key.token}`).expect(401);
    });

    it('GET /key/list?team_id: all of the team for team admins and admins', async () => {
      const all = [memberKey.token, member2Key.token, adminKey.token].sort();
      for (const caller of [teamAdmin, viewerAdmin, master(t), as.proxy_admin_viewer]) {
        const res = await caller.get(`/key/list?team_id=${team.team_id}&size=100`).expect(200);
        expect(tokens(res)).toEqual(all);
        expect(res.body.total_count).toBe(3);
      }
      const one = await teamAdmin
        .get(`/key/list?team_id=${team.team_id}&user_id=${member2.userId}`)
        .expect(200);
      expect(tokens(one)).toEqual([member2Key.token]);
    });

    it('GET /key/list?team_id: only their own for plain members; 404 to non-members', async () => {
      const own = await member.get(`/key/list?team_id=${team.team_id}&size=100`).expect(200);
      expect(tokens(own)).toEqual([memberKey.token]);
      const other = await member
        .get(`/key/list?team_id=${team.team_id}&user_id=${member2.userId}`)
        .expect(200);
      expect(other.body.keys).toEqual([]);
      for (const caller of [outsider, as.internal_user_viewer]) {
        const res = await caller.get(`/key/list?team_id=${team.team_id}`).expect(404);
        expect(res.body.error).toMatchObject({ param: 'team_id' });
      }
      const unknown = await outsider.get('/key/list?team_id=no-such-team').expect(404);
      const hidden = await outsider.get(`/key/list?team_id=${team.team_id}`).expect(404);
      expect(hidden.body).toEqual(unknown.body);
      await master(t).get('/key/list?team_id=no-such-team').expect(404);
      await master(t).get('/key/list?team_id=bad%20id').expect(400);
      await anonymous(t).get(`/key/list?team_id=${team.team_id}`).expect(401);
    });

    it('GET /key/list without team_id stays "my keys" for team admins', async () => {
      const res = await teamAdmin.get('/key/list?size=100').expect(200);
      expect(res.body.keys.every((k: { user_id: string }) => k.user_id === teamAdmin.userId)).toBe(
        true,
      );
    });
  });

  describe('managing team keys', () => {
    it("team admins regenerate (llm_api keys only), block and delete members' keys; only proxy_admin unblocks", async () => {
      // Regenerate hands over the secret: a team admin may only regenerate the kind of key it
      // may make for a member (llm_api), not the member's default key (issue 11, finding 2).
      const own = await teamKey(member);
      await teamAdmin.post('/key/regenerate', { key: own.token }).expect(403);
      const key = await teamKey(member, { key_type: 'llm_api' });
      const regen = await teamAdmin.post('/key/regenerate', { key: key.token }).expect(200);
      expect(regen.body.token).toBe(key.token);
      await expectBearerRefused(key.key, 'API key was regenerated; use the new key');
      await teamAdmin.post('/key/block', { key: key.token }).expect(200);
      await expectBearerRefused(regen.body.key as string, 'API key is blocked');
      await teamAdmin.post('/key/unblock', { key: key.token }).expect(403);
      await teamAdmin.post('/key/update', { key: key.token, blocked: false }).expect(403);
      await as.proxy_admin.post('/key/unblock', { key: key.token }).expect(200);
      const del = await teamAdmin.post('/key/delete', { keys: [key.token] }).expect(200);
      expect(del.body.deleted_keys).toEqual([key.token]);
      await expectBearerRefused(regen.body.key as string, 'API key was deleted');
      const byAlias = await teamKey(member2, { key_alias: 'team-admin-deletes' });
      await teamAdmin.post('/key/delete', { key_aliases: ['team-admin-deletes'] }).expect(200);
      await expectBearerRefused(byAlias.key, 'API key was deleted');
    });

    it("refuses plain members, non-members and viewers another member's key", async () => {
      const key = await teamKey(member2, { key_alias: 'm2-managed' });
      for (const caller of [member, outsider]) {
        await caller.post('/key/regenerate', { key: key.token }).expect(404);
        await caller.post('/key/block', { key: key.token }).expect(404);
        await caller.post('/key/delete', { keys: [key.token] }).expect(404);
        await caller.post('/key/delete', { key_aliases: ['m2-managed'] }).expect(404);
      }
      // The team-admin viewer sees it but may not change it.
      await viewerAdmin.post('/key/block', { key: key.token }).expect(403);
      await as.proxy_admin_viewer.post('/key/block', { key: key.token }).expect(403);
      for (const caller of [as.internal_user_viewer, anonymous(t)]) {
        const status = caller === as.internal_user_viewer ? 403 : 401;
        await caller.post('/key/regenerate', { key: key.token }).expect(status);
        await caller.post('/key/block', { key: key.token }).expect(status);
        await caller.post('/key/delete', { keys: [key.token] }).expect(status);
      }
      await bearer(t, key.key).get('/key/info').expect(200);
    });
  });

  describe('team changes reach the key cache at once', () => {
    let localTeam: TeamResponse;

    beforeEach(async () => {
      localTeam = await createTeam(t, { models: ['gpt-4o'] }, [
        [teamAdmin.userId, 'admin'],
        [member.userId, 'user'],
      ]);
    });

    const keyOf = (owner: UserCaller) => generate(owner, { team_id: localTeam.team_id });

    it('blocking the team refuses its keys ("Team is blocked"); unblocking restores them', async () => {
      const key = await keyOf(member);
      await bearer(t, key.key).get('/key/info').expect(200); // cached now
      await master(t)
        .post('/team/update', { team_id: localTeam.team_id, blocked: true })
        .expect(200);
      await expectBearerRefused(key.key, 'Team is blocked');
      // The key itself is not blocked; its owner still sees it in a session.
      const info = await member.get(`/key/info?key=${key.token}`).expect(200);
      expect(info.body.info.blocked).toBe(false);
      await master(t)
        .post('/team/update', { team_id: localTeam.team_id, blocked: false })
        .expect(200);
      await bearer(t, key.key).get('/key/info').expect(200);
    });

    it("a team update refreshes the team's limits the gateway sees", async () => {
      const key = await keyOf(member);
      const authenticator = t.app.get(KeyAuthenticator);
      const before = await authenticator.authenticate(key.key);
      expect(before.key.team).toMatchObject({ teamId: localTeam.team_id, models: ['gpt-4o'] });
      expect(
        effectiveModels([before.key.models, before.key.owner?.models, before.key.team?.models]),
      ).toEqual(['gpt-4o']);
      await master(t)
        .post('/team/update', { team_id: localTeam.team_id, models: ['o3'], max_budget: 3 })
        .expect(200);
      const after = await authenticator.authenticate(key.key);
      expect(after.key.team).toMatchObject({ models: ['o3'], maxBudget: 3, blocked: false });
      expect(
        effectiveModels([after.key.models, after.key.owner?.models, after.key.team?.models]),
      ).toEqual(['o3']);
    });

    it('removing a member archives their keys of that team (deleted_by the actor)', async () => {
      const removed = await keyOf(member);
      const kept = await keyOf(teamAdmin);
      const personal = await generate(member, {});
      for (const k of [removed, kept, personal])
        await bearer(t, k.key).get('/key/info').expect(200);
      await as.proxy_admin
        .post('/team/member_delete', { team_id: localTeam.team_id, user_id: member.userId })
        .expect(200);
      await expectBearerRefused(removed.key, 'API key was deleted');
      await bearer(t, kept.key).get('/key/info').expect(200);
      await bearer(t, personal.key).get('/key/info').expect(200);
      const archive = await master(t)
        .get(`/key/deleted?team_id=${localTeam.team_id}&size=100`)
        .expect(200);
      const rows = (archive.body as DeletedKeyListResponse).keys;
      expect(rows.map((k) => [k.token, k.deleted_by])).toEqual([
        [removed.token, as.proxy_admin.userId],
      ]);
      // No longer a member: no more keys for that team.
      await generate(member, { team_id: localTeam.team_id }, 404);
    });

    it('deleting the team archives all its keys and they stop working at once', async () => {
      const a = await keyOf(member);
      const b = await keyOf(teamAdmin);
      const outside = await generate(member, {});
      for (const k of [a, b, outside]) await bearer(t, k.key).get('/key/info').expect(200);
      await as.proxy_admin.post('/team/delete', { team_ids: [localTeam.team_id] }).expect(200);
      for (const k of [a, b]) await expectBearerRefused(k.key, 'API key was deleted');
      await bearer(t, outside.key).get('/key/info').expect(200);
      await member.get(`/key/info?key=${a.token}`).expect(404);
      const archive = await master(t)
        .get(`/key/deleted?team_id=${localTeam.team_id}&size=100`)
        .expect(200);
      const rows = (archive.body as DeletedKeyListResponse).keys;
      expect(rows.map((k) => k.token).sort()).toEqual([a.token, b.token].sort());
      expect(rows.every((k) => k.deleted_by === as.proxy_admin.userId)).toBe(true);
      // A team key cannot be made (or moved) under the dangling id.
      await generate(master(t), { user_id: member.userId, team_id: localTeam.team_id }, 404);
    });

    it('a refused team change leaves keys working (404 for an unknown team)', async () => {
      const key = await keyOf(member);
      await master(t)
        .post('/team/delete', { team_ids: [localTeam.team_id, 'nope'] })
        .expect(404);
      await master(t)
        .post('/team/member_delete', { team_id: localTeam.team_id, user_id: outsider.userId })
        .expect(404);
      await bearer(t, key.key).get('/key/info').expect(200);
    });
  });

  it('answered no request with a 5xx', () => {
    const statuses = logLines.flatMap((line) => {
      const entry = JSON.parse(line) as { res?: { statusCode?: number } };
      return entry.res?.statusCode === undefined ? [] : [entry.res.statusCode];
    });
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });
});
