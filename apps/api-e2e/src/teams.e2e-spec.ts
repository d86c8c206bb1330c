import type { Role } from '@gatehouse/shared/auth';
import type { TeamResponse, UserResponse } from '@gatehouse/shared/dto';
import {
  anonymous,
  createUser,
  everyRole,
  master,
  uniqueEmail,
  userCaller,
  type Caller,
  type UserCaller,
} from './support/callers';
import { startApp, type TestApp } from './support/test-app';

const TEAM_FIELDS = [
  'team_id',
  'team_alias',
  'members_with_roles',
  'models',
  'max_budget',
  'spend',
  'tpm_limit',
  'rpm_limit',
  'blocked',
  'created_at',
  'updated_at',
].sort();

describe('teams', () => {
  let t: TestApp;
  let as: Record<Role, UserCaller>;

  beforeAll(async () => {
    t = await startApp();
    as = await everyRole(t);
  });
  afterAll(() => t.close());

  async function newTeam(body: Record<string, unknown> = {}): Promise<TeamResponse> {
    const res = await master(t).post('/team/new', body).expect(200);
    return res.body as TeamResponse;
  }

  function memberIds(team: TeamResponse): string[] {
    return team.members_with_roles.map((m) => m.user_id).sort();
  }

  describe('POST /team/new', () => {
    it('creates a team with its members by id or email, with the LiteLLM fields', async () => {
      const a = await createUser(t, 'internal_user');
      const b = await createUser(t, 'internal_user_viewer');
      const team = await newTeam({
        team_alias: 'Research',
        models: ['gpt-4o'],
        max_budget: 10.5,
        tpm_limit: 1000,
        rpm_limit: 10,
        members_with_roles: [
          { user_id: a.user_id, role: 'admin' },
          { user_email: b.user_email?.toUpperCase(), role: 'user' },
        ],
      });
      expect(Object.keys(team).sort()).toEqual(TEAM_FIELDS);
      expect(team).toMatchObject({
        team_alias: 'Research',
        models: ['gpt-4o'],
        max_budget: 10.5,
        spend: 0,
        tpm_limit: 1000,
        rpm_limit: 10,
        blocked: false,
      });
      expect(team.team_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(team.members_with_roles).toHaveLength(2);
      expect(team.members_with_roles).toEqual(
        expect.arrayContaining([
          { user_id: a.user_id, user_email: a.user_email, role: 'admin' },
          { user_id: b.user_id, user_email: b.user_email, role: 'user' },
        ]),
      );
    });

    it('accepts a chosen team_id and refuses a duplicate one', async () => {
      await newTeam({ team_id: 'team-chosen' });
      const res = await master(t).post('/team/new', { team_id: 'team-chosen' }).expect(409);
      expect(res.body.error.param).toBe('team_id');
    });

    it('answers 404 for an unknown member and creates nothing', async () => {
      const res = await master(t)
        .post('/team/new', {
          team_id: 'team-ghost-member',
          members_with_roles: [{ user_id: 'ghost', role: 'user' }],
        })
        .expect(404);
      expect(res.body.error.message).toContain('ghost');
      await master(t).get('/team/info?team_id=team-ghost-member').expect(404);
    });

    it.each([
      [{ team_id: "x' OR 1=1" }, 'team_id'],
      [{ max_budget: -1 }, 'max_budget'],
      [{ models: 'gpt-4o' }, 'models'],
      [{ blocked: 'yes' }, 'blocked'],
      [{ members_with_roles: [{ user_id: 'a', role: 'owner' }] }, 'members_with_roles.0.role'],
      [{ members_with_roles: [{ role: 'user' }] }, 'members_with_roles'],
      [{ members_with_roles: 'everyone' }, 'members_with_roles'],
      [{ spend: 100 }, 'spend'],
    ])('refuses malformed input %j naming the field', async (body, param) => {
      const res = await master(t).post('/team/new', body).expect(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    });
  });

  describe('members', () => {
    it('adds one member or a list, by id or email, and removes them', async () => {
      const team = await newTeam();
      const a = await createUser(t, 'internal_user');
      const b = await createUser(t, 'internal_user');
      const c = await createUser(t, 'internal_user');
      const one = await master(t)
        .post('/team/member_add', {
          team_id: team.team_id,
          member: { user_id: a.user_id, role: 'admin' },
        })
        .expect(200);
      expect(one.body.members_with_roles).toEqual([
        { user_id: a.user_id, user_email: a.user_email, role: 'admin' },
      ]);
      const many = await master(t)
        .post('/team/member_add', {
          team_id: team.team_id,
          member: [
            { user_email: b.user_email, role: 'user' },
            { user_id: c.user_id, role: 'user' },
          ],
        })
        .expect(200);
      expect(memberIds(many.body as TeamResponse)).toEqual(
        [a.user_id, b.user_id, c.user_id].sort(),
      );

      const dup = await master(t)
        .post('/team/member_add', { team_id: team.team_id, member: { user_id: a.user_id } })
        .expect(409);
      expect(dup.body.error.param).toBe('member');

      const byEmail = await master(t)
        .post('/team/member_delete', { team_id: team.team_id, user_email: b.user_email })
        .expect(200);
      expect(memberIds(byEmail.body as TeamResponse)).toEqual([a.user_id, c.user_id].sort());
      const byId = await master(t)
        .post('/team/member_delete', { team_id: team.team_id, user_id: a.user_id })
        .expect(200);
      expect(memberIds(byId.body as TeamResponse)).toEqual([c.user_id]);
      await master(t)
        .post('/team/member_delete', { team_id: team.team_id, user_id: a.user_id })
        .expect(404);
      await master(t).post('/team/member_delete', { team_id: team.team_id }).expect(400);
    });

    it('refuses unknown teams, unknown users and malformed members', async () => {
      const team = await newTeam();
      await master(t)
        .post('/team/member_add', {
          team_id: 'no-team',
          member: { user_id: as.internal_user.userId },
        })
        .expect(404);
      const ghost = await master(t)
        .post('/team/member_add', {
          team_id: team.team_id,
          member: [{ user_id: as.internal_user.userId }, { user_email: 'ghost@example.com' }],
        })
        .expect(404);
      expect(ghost.body.error.message).toContain('ghost@example.com');
      const info = await master(t).get(`/team/info?team_id=${team.team_id}`).expect(200);
      expect(info.body.members_with_roles).toEqual([]);
      for (const member of [{}, 'user', [], [{ user_id: 'a', role: 'root' }], null]) {
        await master(t).post('/team/member_add', { team_id: team.team_id, member }).expect(400);
      }
    });
  });

  describe('visibility and roles', () => {
    let team: TeamResponse;
    let other: TeamResponse;

    beforeAll(async () => {
      team = await newTeam({
        team_alias: 'mine',
        members_with_roles: [
          { user_id: as.internal_user.userId, role: 'user' },
          { user_id: as.internal_user_viewer.userId, role: 'admin' },
        ],
      });
      other = await newTeam({ team_alias: 'not mine' });
    });

    it('shows admins and admin viewers every team', async () => {
      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        const list = await caller.get('/team/list').expect(200);
        const ids = (list.body as TeamResponse[]).map((x) => x.team_id);
        expect(ids).toEqual(expect.arrayContaining([team.team_id, other.team_id]));
        await caller.get(`/team/info?team_id=${other.team_id}`).expect(200);
      }
    });

    it('shows members only their own teams, and 404 for the others', async () => {
      for (const role of ['internal_user', 'internal_user_viewer'] as const) {
        const list = await as[role].get('/team/list').expect(200);
        expect((list.body as TeamResponse[]).map((x) => x.team_id)).toEqual([team.team_id]);
        const info = await as[role].get(`/team/info?team_id=${team.team_id}`).expect(200);
        expect(memberIds(info.body as TeamResponse)).toEqual(
          [as.internal_user.userId, as.internal_user_viewer.userId].sort(),
        );
        const hidden = await as[role].get(`/team/info?team_id=${other.team_id}`).expect(404);
        const unknown = await as[role].get('/team/info?team_id=no-such-team').expect(404);
        expect(hidden.body).toEqual(unknown.body);
      }
    });

    it('answers a user who is in no team with an empty list', async () => {
      const loner = await userCaller(t, 'internal_user');
      const list = await loner.get('/team/list').expect(200);
      expect(list.body).toEqual([]);
    });

    type Expect = Record<
      'new' | 'info' | 'list' | 'update' | 'member_add' | 'member_delete' | 'delete',
      number
    >;
    const ADMIN = {
      new: 200,
      info: 200,
      list: 200,
      update: 200,
      member_add: 200,
      member_delete: 200,
      delete: 200,
    };
    const READER = {
      ...ADMIN,
      new: 403,
      update: 403,
      member_add: 403,
      member_delete: 403,
      delete: 403,
    };
    const cases: [string, () => Caller, Expect][] = [
      ['master key', () => master(t), ADMIN],
      ['proxy_admin', () => as.proxy_admin, ADMIN],
      ['proxy_admin_viewer', () => as.proxy_admin_viewer, READER],
      // Members of the team read it; the refusal of writes comes from the role.
      ['internal_user (member)', () => as.internal_user, READER],
      ['internal_user_viewer (member)', () => as.internal_user_viewer, READER],
      [
        'anonymous',
        () => anonymous(t),
        {
          new: 401,
          info: 401,
          list: 401,
          update: 401,
          member_add: 401,
          member_delete: 401,
          delete: 401,
        },
      ],
    ];

    it.each(cases)('%s against every team endpoint', async (_label, callerOf, expected) => {
      const caller = callerOf();
      const target = await newTeam({
        members_with_roles: [
          { user_id: as.internal_user.userId, role: 'user' },
          { user_id: as.internal_user_viewer.userId, role: 'user' },
        ],
      });
      const extra = await createUser(t, 'internal_user');
      const statuses: Expect = {
        new: (await caller.post('/team/new', { team_alias: 'by caller' })).status,
        info: (await caller.get(`/team/info?team_id=${target.team_id}`)).status,
        list: (await caller.get('/team/list')).status,
        update: (
          await caller.post('/team/update', { team_id: target.team_id, team_alias: 'renamed' })
        ).status,
        member_add: (
          await caller.post('/team/member_add', {
            team_id: target.team_id,
            member: { user_id: extra.user_id, role: 'user' },
          })
        ).status,
        member_delete: (
          await caller.post('/team/member_delete', {
            team_id: target.team_id,
            user_id: as.internal_user_viewer.userId,
          })
        ).status,
        delete: (await caller.post('/team/delete', { team_ids: [target.team_id] })).status,
      };
      expect(statuses).toEqual(expected);
      if (expected.update !== 200) {
        // Nothing changed behind the refusals.
        const after = await master(t).get(`/team/info?team_id=${target.team_id}`).expect(200);
        expect(after.body.team_alias).toBeNull();
        expect(memberIds(after.body as TeamResponse)).toEqual(
          [as.internal_user.userId, as.internal_user_viewer.userId].sort(),
        );
      }
    });

    it('lets a non-member internal user see nothing of a team', async () => {
      const outsider = await userCaller(t, 'internal_user');
      await outsider.get(`/team/info?team_id=${team.team_id}`).expect(404);
      await outsider.post('/team/update', { team_id: team.team_id, blocked: true }).expect(403);
    });
  });

  describe('POST /team/update and /team/delete', () => {
    it('updates the fields and answers 404 for an unknown team', async () => {
      const team = await newTeam({ team_alias: 'old' });
      const res = await as.proxy_admin
        .post('/team/update', {
          team_id: team.team_id,
          team_alias: 'new',
          models: ['a'],
          max_budget: 2,
          tpm_limit: 5,
          rpm_limit: 6,
          blocked: true,
        })
        .expect(200);
      expect(res.body).toMatchObject({
        team_alias: 'new',
        models: ['a'],
        max_budget: 2,
        tpm_limit: 5,
        rpm_limit: 6,
        blocked: true,
      });
      await master(t).post('/team/update', { team_id: 'nope', team_alias: 'x' }).expect(404);
      await master(t).post('/team/update', { team_alias: 'x' }).expect(400);
    });

    it('deletes teams with their memberships, all or nothing', async () => {
      const user = await createUser(t, 'internal_user');
      const a = await newTeam({ members_with_roles: [{ user_id: user.user_id, role: 'user' }] });
      const b = await newTeam();
      const missing = await master(t)
        .post('/team/delete', { team_ids: [a.team_id, 'ghost-team'] })
        .expect(404);
      expect(missing.body.error.message).toContain('ghost-team');
      await master(t).get(`/team/info?team_id=${a.team_id}`).expect(200);

      const res = await master(t)
        .post('/team/delete', { team_ids: [a.team_id, b.team_id] })
        .expect(200);
      expect(res.body).toEqual({ deleted_team_ids: [a.team_id, b.team_id] });
      await master(t).get(`/team/info?team_id=${a.team_id}`).expect(404);
      const info = await master(t).get(`/user/info?user_id=${user.user_id}`).expect(200);
      expect(info.body.user_info.teams).toEqual([]);
      await master(t).post('/team/delete', { team_ids: [] }).expect(400);
    });
  });

  describe('users and teams', () => {
    it('POST /user/new with teams adds the user and lists the ids in `teams`', async () => {
      const a = await newTeam();
      const b = await newTeam();
      const res = await master(t)
        .post('/user/new', {
          user_email: uniqueEmail(),
          user_role: 'internal_user',
          teams: [a.team_id, b.team_id],
        })
        .expect(200);
      const user = res.body as UserResponse;
      expect(user.teams.sort()).toEqual([a.team_id, b.team_id].sort());
      const info = await master(t).get(`/team/info?team_id=${a.team_id}`).expect(200);
      expect(info.body.members_with_roles).toEqual([
        { user_id: user.user_id, user_email: user.user_email, role: 'user' },
      ]);
      const userInfo = await master(t).get(`/user/info?user_id=${user.user_id}`).expect(200);
      expect(userInfo.body.user_info.teams.sort()).toEqual([a.team_id, b.team_id].sort());
      expect(userInfo.body.teams.map((x: TeamResponse) => x.team_id).sort()).toEqual(
        [a.team_id, b.team_id].sort(),
      );
      const list = await master(t).get(`/user/list?user_email=${user.user_email}`).expect(200);
      expect(list.body.users[0].teams.sort()).toEqual([a.team_id, b.team_id].sort());
    });

    it('POST /user/new with an unknown team is 404 and creates nobody', async () => {
      const team = await newTeam();
      const email = uniqueEmail('noteam');
      const res = await master(t)
        .post('/user/new', { user_email: email, teams: [team.team_id, 'no-such-team'] })
        .expect(404);
      expect(res.body.error).toMatchObject({ param: 'teams' });
      expect(res.body.error.message).toContain('no-such-team');
      const list = await master(t).get(`/user/list?user_email=${email}`).expect(200);
      expect(list.body.total).toBe(0);
      const info = await master(t).get(`/team/info?team_id=${team.team_id}`).expect(200);
      expect(info.body.members_with_roles).toEqual([]);
    });

    it('deleting a user removes their memberships', async () => {
      const user = await createUser(t, 'internal_user');
      const team = await newTeam({
        members_with_roles: [{ user_id: user.user_id, role: 'admin' }],
      });
      await master(t)
        .post('/user/delete', { user_ids: [user.user_id] })
        .expect(200);
      const info = await master(t).get(`/team/info?team_id=${team.team_id}`).expect(200);
      expect(info.body.members_with_roles).toEqual([]);
    });

    it('shows a member their teams on /user/info', async () => {
      const member = await userCaller(t, 'internal_user_viewer');
      const team = await newTeam({
        members_with_roles: [{ user_id: member.userId, role: 'user' }],
      });
      const info = await member.get('/user/info').expect(200);
      expect(info.body.user_info.teams).toEqual([team.team_id]);
    });
  });
});
