import type { Role } from '@gatehouse/shared/auth';
import type {
  GenerateKeyResponse,
  InvitationResponse,
  OnboardingTokenResponse,
  UserResponse,
} from '@gatehouse/shared/dto';
import { randomBytes } from 'node:crypto';
import {
  bearer,
  createTeam,
  createUser,
  login,
  master,
  sessionOf,
  uniqueEmail,
  userCaller,
  type Caller,
  type UserCaller,
} from './support/callers';
import { chatBody, startGateway, type GatewayTest } from './support/gateway';
import type { TestApp } from './support/test-app';

/**
 * The privilege matrix (issue 11, "make the classes hard to reintroduce", with finding 1 and 2):
 * for every way to obtain a credential — generate, regenerate, a team admin making a key for a
 * member, a key making a key, invitation + onboarding, login — the credential may do nothing on
 * the management API that the one who made it could not. Checked by behaviour: each obtained
 * credential calls a fixed set of probes, and every probe its creator could not do must answer
 * non-2xx.
 *
 * The key contract pinned here: `key_type` ∈ default | llm_api | management | read_only; a key's
 * management role is the meet of its owner's role and its creator's (the master key counts as
 * proxy_admin); keys a non-admin makes for somebody else are `llm_api`; `management` and
 * `read_only` keys are refused on the data plane; `read_only` keys on every non-GET management
 * route; a key may not make a key whose type grants what its own lacks.
 */

type Probe =
  | 'user/new admin'
  | 'model/new'
  | 'team/new'
  | 'raise a role'
  | 'key for another'
  | 'user/info of another';

const PROBES: readonly Probe[] = [
  'user/new admin',
  'model/new',
  'team/new',
  'raise a role',
  'key for another',
  'user/info of another',
];

/** What each role may do among the probes (DESIGN.md's role table). */
const MAY: Record<Role, ReadonlySet<Probe>> = {
  proxy_admin: new Set(PROBES),
  proxy_admin_viewer: new Set<Probe>(['user/info of another']),
  internal_user: new Set<Probe>(),
  internal_user_viewer: new Set<Probe>(),
};

/** `key_type` is the keys work's new field (issue 11, finding 1); typed here until the DTO has it. */
type IssuedKey = GenerateKeyResponse & { key_type: string };

const ROLE_ORDER: Role[] = [
  'internal_user_viewer',
  'internal_user',
  'proxy_admin_viewer',
  'proxy_admin',
];

describe('privilege matrix: a credential never carries more than whoever made it', () => {
  let gw: GatewayTest;
  let t: TestApp;
  /** The target of role-raising and of keys "for another user". */
  let bystander: UserResponse;

  const unique = () => randomBytes(4).toString('hex');

  function probe(caller: Caller, which: Probe, ownerId: string) {
    switch (which) {
      case 'user/new admin':
        return caller.post('/user/new', {
          user_email: uniqueEmail('escalated'),
          user_role: 'proxy_admin',
          password: `pw-${unique()}-long`,
        });
      case 'model/new':
        return caller.post('/model/new', {
          model_name: `escalated-${unique()}`,
          litellm_params: {
            model: 'openai/echo',
            api_base: gw.upstream.url,
            api_key: 'sk-escalated',
          },
        });
      case 'team/new':
        return caller.post('/team/new', { team_alias: `escalated-${unique()}` });
      case 'raise a role':
        // Own role when the owner is not an admin yet, else somebody else's.
        return caller.post('/user/update', {
          user_id: ownerId === 'admin' ? bystander.user_id : ownerId,
          user_role: 'proxy_admin',
        });
      case 'key for another':
        return caller.post('/key/generate', { user_id: bystander.user_id });
      case 'user/info of another':
        return caller.get(`/user/info?user_id=${encodeURIComponent(bystander.user_id)}`);
    }
  }

  /** Every probe the creator may not do answers non-2xx to the credential. */
  async function expectCappedBy(
    credential: Caller,
    creatorRole: Role,
    ownerId: string,
  ): Promise<void> {
    const above: string[] = [];
    for (const which of PROBES) {
      if (MAY[creatorRole].has(which)) continue;
      const res = await probe(credential, which, ownerId);
      if (res.status < 300) above.push(`${which} -> ${res.status}`);
    }
    expect(above).toEqual([]);
  }

  const chat = (caller: Caller) =>
    caller.post('/v1/chat/completions', chatBody('cfg-echo', { mock_response: 'hi' }));

  async function keyOf(caller: Caller, body: Record<string, unknown> = {}): Promise<IssuedKey> {
    const res = await caller.post('/key/generate', body);
    expect(res.status).toBe(200);
    return res.body as IssuedKey;
  }

  beforeAll(async () => {
    gw = await startGateway();
    t = gw.t;
    bystander = await createUser(t, 'internal_user');
  });
  afterAll(() => gw.close());

  describe('the probes can fail (controls)', () => {
    it('a proxy_admin key made by the master key passes every probe', async () => {
      const admin = await userCaller(t, 'proxy_admin');
      const key = await keyOf(master(t), { user_id: admin.userId });
      const passed: string[] = [];
      for (const which of PROBES) {
        const res = await probe(bearer(t, key.key), which, admin.userId);
        if (res.status === 200) passed.push(which);
      }
      // 'raise a role' on an admin's own id is a no-op update, still a 200.
      expect(passed).toEqual([...PROBES]);
    });
  });

  describe('login', () => {
    it.each(ROLE_ORDER)('a %s session does no more than a %s', async (role) => {
      const user = await createUser(t, role);
      const session = await login(t, user.user_email ?? '', user.password);
      await expectCappedBy(session, role, user.user_id);
    });
  });

  describe('generate', () => {
    it.each(ROLE_ORDER)(
      'a key the master key makes for a %s does no more than its owner',
      async (role) => {
        const owner = await createUser(t, role);
        const key = await keyOf(master(t), { user_id: owner.user_id });
        expect(key.key_type).toBe('default');
        await expectCappedBy(bearer(t, key.key), role, owner.user_id);
      },
    );

    it.each(['internal_user', 'proxy_admin'] as Role[])(
      'a %s making a key for itself gets no more than itself',
      async (role) => {
        const owner = await userCaller(t, role);
        const key = await keyOf(owner);
        await expectCappedBy(bearer(t, key.key), role, owner.userId);
      },
    );

    it('a key whose owner is demoted carries the new role at once', async () => {
      const owner = await userCaller(t, 'proxy_admin');
      const key = await keyOf(master(t), { user_id: owner.userId });
      await master(t)
        .post('/user/update', { user_id: owner.userId, user_role: 'internal_user' })
        .expect(200);
      await expectCappedBy(bearer(t, key.key), 'internal_user', owner.userId);
    });
  });

  describe('finding 1: a team admin making a key for a member', () => {
    let teamAdmin: UserCaller;
    let adminMember: UserCaller;
    let teamId: string;

    beforeAll(async () => {
      teamAdmin = await userCaller(t, 'internal_user');
      adminMember = await userCaller(t, 'proxy_admin');
      const team = await createTeam(t, { team_alias: `matrix-${unique()}` }, [
        [teamAdmin.userId, 'admin'],
        [adminMember.userId, 'user'],
      ]);
      teamId = team.team_id;
    });

    it('finding 1: the key a team admin makes for a proxy_admin member is llm_api and refused /user/new and /model/new, yet calls the LLM API', async () => {
      const key = await keyOf(teamAdmin, { user_id: adminMember.userId, team_id: teamId });
      expect(key.key_type).toBe('llm_api');
      const credential = bearer(t, key.key);
      const userNew = await probe(credential, 'user/new admin', adminMember.userId);
      expect(userNew.status).toBe(403);
      expect(userNew.body.error.type).toBe('permission_error');
      const modelNew = await probe(credential, 'model/new', adminMember.userId);
      expect(modelNew.status).toBe(403);
      expect(modelNew.body.error.type).toBe('permission_error');
      await expectCappedBy(credential, 'internal_user', adminMember.userId);
      // llm_api: every management route is refused, even what the owner could read.
      const info = await credential.get('/key/info');
      expect(info.status).toBe(403);
      expect(info.body.error.type).toBe('permission_error');
      const call = await chat(credential);
      expect(call.status).toBe(200);
    });

    it('finding 1: the same through the team admin’s own key', async () => {
      const own = await keyOf(teamAdmin);
      const key = await keyOf(bearer(t, own.key), { user_id: adminMember.userId, team_id: teamId });
      expect(key.key_type).toBe('llm_api');
      await expectCappedBy(bearer(t, key.key), 'internal_user', adminMember.userId);
    });

    it.each(['default', 'management', 'read_only'])(
      'finding 1: a team admin asking key_type %s for a member is refused (403, param key_type)',
      async (keyType) => {
        const res = await teamAdmin.post('/key/generate', {
          user_id: adminMember.userId,
          team_id: teamId,
          key_type: keyType,
        });
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({ type: 'permission_error', param: 'key_type' });
      },
    );

    it('finding 1: a team admin cannot turn a member’s llm_api key into another type', async () => {
      const key = await keyOf(teamAdmin, { user_id: adminMember.userId, team_id: teamId });
      const res = await teamAdmin.post('/key/update', { key: key.token, key_type: 'default' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      await expectCappedBy(bearer(t, key.key), 'internal_user', adminMember.userId);
    });

    it('finding 2: regenerating a member’s key hands the team admin nothing above an internal_user', async () => {
      const memberKey = await keyOf(master(t), { user_id: adminMember.userId, team_id: teamId });
      const res = await teamAdmin.post('/key/regenerate', { key: memberKey.token });
      if (res.status < 300) {
        const secret = (res.body as GenerateKeyResponse).key;
        await expectCappedBy(bearer(t, secret), 'internal_user', adminMember.userId);
      } else {
        expect(res.status).toBeGreaterThanOrEqual(400);
        // Refused: the member's key still works, with the member's own power.
        const still = await bearer(t, memberKey.key).get(
          `/user/info?user_id=${encodeURIComponent(bystander.user_id)}`,
        );
        expect(still.status).toBe(200);
      }
    });
  });

  describe('regenerate', () => {
    it.each(['internal_user', 'proxy_admin'] as Role[])(
      'a %s regenerating its own key gets a secret with the same power, no more',
      async (role) => {
        const owner = await userCaller(t, role);
        const key = await keyOf(owner);
        const res = await owner.post('/key/regenerate', { key: key.token }).expect(200);
        const fresh = res.body as IssuedKey;
        expect(fresh.key).not.toBe(key.key);
        expect(fresh.key_type).toBe(key.key_type);
        await expectCappedBy(bearer(t, fresh.key), role, owner.userId);
      },
    );

    it('a regenerated llm_api key stays llm_api', async () => {
      const owner = await userCaller(t, 'proxy_admin');
      const key = await keyOf(owner, { key_type: 'llm_api' });
      const res = await owner.post('/key/regenerate', { key: key.token }).expect(200);
      const fresh = res.body as IssuedKey;
      expect(fresh.key_type).toBe('llm_api');
      expect((await bearer(t, fresh.key).get('/key/info')).status).toBe(403);
    });
  });

  describe('a key acting on the management API making another key', () => {
    it('an internal_user’s key makes keys with no more than an internal_user', async () => {
      const owner = await userCaller(t, 'internal_user');
      const parent = await keyOf(owner);
      const child = await keyOf(bearer(t, parent.key));
      await expectCappedBy(bearer(t, child.key), 'internal_user', owner.userId);
      // …nor for somebody else
      const other = await bearer(t, parent.key).post('/key/generate', {
        user_id: bystander.user_id,
      });
      expect(other.status).toBeGreaterThanOrEqual(400);
    });

    it('an llm_api key makes no key at all (every management route is 403)', async () => {
      const owner = await userCaller(t, 'proxy_admin');
      const parent = await keyOf(owner, { key_type: 'llm_api' });
      const res = await bearer(t, parent.key).post('/key/generate', {});
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe('permission_error');
      await expectCappedBy(bearer(t, parent.key), 'internal_user_viewer', owner.userId);
    });

    it('a read_only key makes no key, and passes no non-GET management route', async () => {
      const owner = await userCaller(t, 'proxy_admin');
      const parent = await keyOf(owner, { key_type: 'read_only' });
      const credential = bearer(t, parent.key);
      for (const res of [
        await credential.post('/key/generate', {}),
        await credential.post('/team/new', { team_alias: `ro-${unique()}` }),
        await credential.post('/key/update', { key: parent.token, key_alias: 'x' }),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe('permission_error');
      }
      // read_only = the viewer of its owner's role: it reads what a proxy_admin_viewer reads.
      const read = await credential.get(
        `/user/info?user_id=${encodeURIComponent(bystander.user_id)}`,
      );
      expect(read.status).toBe(200);
      await expectCappedBy(credential, 'proxy_admin_viewer', owner.userId);
    });

    it('a management key may not make a key with LLM access (403, param key_type), only management or read_only', async () => {
      const owner = await userCaller(t, 'internal_user');
      const parent = bearer(t, (await keyOf(owner, { key_type: 'management' })).key);
      for (const keyType of ['default', 'llm_api']) {
        const res = await parent.post('/key/generate', { key_type: keyType });
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({ type: 'permission_error', param: 'key_type' });
      }
      const ro = await keyOf(parent, { key_type: 'read_only' });
      expect(ro.key_type).toBe('read_only');
      await expectCappedBy(bearer(t, ro.key), 'internal_user', owner.userId);
    });

    it('a key may not widen its own type (management → default)', async () => {
      const owner = await userCaller(t, 'internal_user');
      const key = await keyOf(owner, { key_type: 'management' });
      const res = await bearer(t, key.key).post('/key/update', {
        key: key.token,
        key_type: 'default',
      });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ type: 'permission_error', param: 'key_type' });
    });

    it('management and read_only keys are refused on the data plane; default and llm_api call it', async () => {
      const owner = await userCaller(t, 'internal_user');
      for (const [keyType, status] of [
        ['management', 403],
        ['read_only', 403],
        ['default', 200],
        ['llm_api', 200],
      ] as const) {
        const key = await keyOf(owner, { key_type: keyType });
        expect(key.key_type).toBe(keyType);
        const res = await chat(bearer(t, key.key));
        expect({ keyType, status: res.status }).toEqual({ keyType, status });
      }
    });
  });

  describe('invitation and onboarding', () => {
    async function onboard(role: Role): Promise<{ session: Caller; userId: string }> {
      const user = await createUser(t, role, { password: undefined });
      const invitation = (
        await master(t).post('/invitation/new', { user_id: user.user_id }).expect(200)
      ).body as InvitationResponse;
      const token = (
        await t.http
          .get(`/onboarding/get_token?invite_link=${encodeURIComponent(invitation.id)}`)
          .expect(200)
      ).body as OnboardingTokenResponse;
      const claimed = await t.http
        .post('/onboarding/claim_token')
        .set('Authorization', `Bearer ${token.token}`)
        .send({
          invitation_link: invitation.id,
          user_id: user.user_id,
          password: `pw-${unique()}-long`,
        })
        .expect(200);
      return {
        session: sessionOf(t, claimed.headers['set-cookie'], `onboarded ${role}`),
        userId: user.user_id,
      };
    }

    it.each(ROLE_ORDER)(
      'the session an onboarded %s gets does no more than that role',
      async (role) => {
        const { session, userId } = await onboard(role);
        await expectCappedBy(session, role, userId);
      },
    );

    it.each(['internal_user', 'proxy_admin_viewer'] as Role[])(
      'a %s cannot invite (so cannot take over a proxy_admin account without a password)',
      async (role) => {
        const caller = await userCaller(t, role);
        const target = await createUser(t, 'proxy_admin', { password: undefined });
        const viaKey = role === 'internal_user' ? bearer(t, (await keyOf(caller)).key) : null;
        for (const c of [caller, viaKey].filter((x): x is Caller => x !== null)) {
          const res = await c.post('/invitation/new', { user_id: target.user_id });
          expect(res.status).toBe(403);
        }
      },
    );

    it('a team admin cannot invite a proxy_admin member either', async () => {
      const teamAdmin = await userCaller(t, 'internal_user');
      const target = await createUser(t, 'proxy_admin', { password: undefined });
      await createTeam(t, { team_alias: `inv-${unique()}` }, [
        [teamAdmin.userId, 'admin'],
        [target.user_id, 'user'],
      ]);
      const res = await teamAdmin.post('/invitation/new', { user_id: target.user_id });
      expect(res.status).toBe(403);
    });
  });
});
