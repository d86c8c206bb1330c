import type { GenerateKeyResponse, TeamResponse, UserInfoResponse } from '@gatehouse/shared/dto';
import {
  bearer,
  createTeam,
  master,
  uniqueEmail,
  userCaller,
  type Caller,
  type UserCaller,
} from './support/callers';
import { chatBody, startGateway, type GatewayTest } from './support/gateway';
import type { TestApp } from './support/test-app';

/** The per-user key cap this file runs with (small, so the cap test stays quick). */
const KEY_CAP = 6;

/**
 * Issue 11, the key findings: a key never carries more management power than the person who
 * made it (key types, the creator's role cap), regenerate needs the right to make the key,
 * regenerate and budget periods are narrowed to the calling key, keys per user are capped and
 * paged, and aliases are unique per owner.
 */
describe('security: keys (issue 11)', () => {
  let g: GatewayTest;
  let t: TestApp;
  /** internal_user, team role admin. */
  let teamAdmin: UserCaller;
  /** proxy_admin, a plain member of the team. */
  let adminMember: UserCaller;
  /** internal_user, a plain member of the team. */
  let member: UserCaller;
  let team: TeamResponse;

  const generate = async (
    caller: Caller,
    body: Record<string, unknown>,
    status = 200,
  ): Promise<GenerateKeyResponse & { error?: Record<string, unknown> }> =>
    (await caller.post('/key/generate', body).expect(status)).body;

  /** A valid body for each admin route, so only the permission can refuse it. */
  const newAdmin = (): object => ({
    user_email: uniqueEmail('escalated'),
    user_role: 'proxy_admin',
    password: 'a-long-enough-password',
  });
  const newModel = (): object => ({
    model_name: `escalated-${Math.random().toString(36).slice(2)}`,
    litellm_params: { model: 'openai/echo', api_base: g.upstream.url, api_key: 'sk-x-1234' },
  });

  beforeAll(async () => {
    g = await startGateway({ listen: true, env: { KEY_MAX_PER_USER: String(KEY_CAP) } });
    t = g.t;
    teamAdmin = await userCaller(t, 'internal_user');
    adminMember = await userCaller(t, 'proxy_admin');
    member = await userCaller(t, 'internal_user');
    team = await createTeam(t, { team_alias: 'sec' }, [
      [teamAdmin.userId, 'admin'],
      [adminMember.userId, 'user'],
      [member.userId, 'user'],
    ]);
  });
  afterAll(() => g.close());

  describe('finding 1: a key never carries more management power than its maker', () => {
    it("finding 1: a team admin's key for a proxy_admin member is an llm_api key: no /user/new, no /model/new, the gateway still works", async () => {
      const minted = await generate(teamAdmin, {
        team_id: team.team_id,
        user_id: adminMember.userId,
      });
      expect(minted.key_type).toBe('llm_api');
      const key = bearer(t, minted.key);
      for (const [path, body] of [
        ['/user/new', newAdmin()],
        ['/model/new', newModel()],
        ['/key/generate', {}],
      ] as const) {
        const res = await key.post(path, body).expect(403);
        expect(res.body.error).toMatchObject({ type: 'permission_error' });
      }
      await key.get('/key/info').expect(403);
      await key.post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
    });

    it('finding 1: a team admin may not ask for another key_type for a member (403 key_type)', async () => {
      for (const key_type of ['default', 'management', 'read_only']) {
        const res = await generate(
          teamAdmin,
          { team_id: team.team_id, user_id: adminMember.userId, key_type },
          403,
        );
        expect(res.error).toMatchObject({ type: 'permission_error', param: 'key_type' });
      }
    });

    it("finding 1: even as a default key, the member's key acts with the team admin's role (the meet), not the owner's", async () => {
      const minted = await generate(teamAdmin, {
        team_id: team.team_id,
        user_id: adminMember.userId,
      });
      // The proxy_admin owner widens its type; the maker's role still caps it.
      await adminMember.post('/key/update', { key: minted.token, key_type: 'default' }).expect(200);
      const key = bearer(t, minted.key);
      await key.get('/key/info').expect(200);
      await key.post('/user/new', newAdmin()).expect(403);
      await key.post('/model/new', newModel()).expect(403);
      // The admin's own key is an admin credential.
      const own = bearer(t, (await generate(adminMember, {})).key);
      await own.post('/user/new', newAdmin()).expect(200);
    });

    it('finding 1: management keys reach only the management API, read_only keys only its reads', async () => {
      const management = await generate(member, { key_type: 'management' });
      const m = bearer(t, management.key);
      const refused = await m.post('/v1/chat/completions', chatBody('cfg-echo')).expect(403);
      expect(refused.body.error).toMatchObject({ type: 'permission_error' });
      await m.get('/key/info').expect(200);
      // A management key makes management and read_only keys, not what it lacks itself.
      const child = await generate(m, {});
      expect(child.key_type).toBe('management');
      await generate(m, { key_type: 'read_only' });
      for (const key_type of ['default', 'llm_api']) {
        const res = await generate(m, { key_type }, 403);
        expect(res.error).toMatchObject({ type: 'permission_error', param: 'key_type' });
      }

      const readOnly = bearer(t, (await generate(member, { key_type: 'read_only' })).key);
      await readOnly.get('/key/info').expect(200);
      await readOnly.get(`/user/info?user_id=${member.userId}`).expect(200);
      await readOnly.post('/key/generate', {}).expect(403);
      await readOnly.post('/user/update', { user_id: member.userId, user_alias: 'x' }).expect(403);
      await readOnly.post('/v1/chat/completions', chatBody('cfg-echo')).expect(403);
    });
  });

  describe('finding 2: regenerate needs the right to make that key for its owner', () => {
    it("finding 2: a team admin may not regenerate a member's default key (403); the member's secret keeps working", async () => {
      for (const owner of [adminMember, member]) {
        const own = await generate(master(t), { team_id: team.team_id, user_id: owner.userId });
        const res = await teamAdmin.post('/key/regenerate', { key: own.token }).expect(403);
        expect(res.body.error).toMatchObject({ type: 'permission_error', param: 'key' });
        await bearer(t, own.key).get('/key/info').expect(200);
      }
    });

    it("finding 2: a team admin's regenerated llm_api key of a proxy_admin member stays capped at the team admin's role", async () => {
      const made = await generate(master(t), {
        team_id: team.team_id,
        user_id: adminMember.userId,
        key_type: 'llm_api',
      });
      const regen = await teamAdmin.post('/key/regenerate', { key: made.token }).expect(200);
      expect(regen.body.key_type).toBe('llm_api');
      // Even when the owner later widens its type, the regenerator's role caps it.
      await adminMember.post('/key/update', { key: made.token, key_type: 'default' }).expect(200);
      await bearer(t, regen.body.key as string)
        .post('/user/new', newAdmin())
        .expect(403);
    });
  });

  it("finding 7: a narrow key may not regenerate its owner's wider sibling (403), only keys within its own limits", async () => {
    const owner = await userCaller(t, 'internal_user');
    const wide = await generate(owner, { key_alias: 'wide' });
    const narrow = await generate(owner, { models: ['cfg-echo'], max_budget: 0.001 });
    const viaNarrow = bearer(t, narrow.key);
    const res = await viaNarrow.post('/key/regenerate', { key: wide.token }).expect(403);
    expect(res.body.error).toMatchObject({ type: 'permission_error' });
    await bearer(t, wide.key).get('/key/info').expect(200);
    // Within its limits: itself, and a still narrower sibling.
    const narrower = await generate(owner, { models: ['cfg-echo'], max_budget: 0.0005 });
    await viaNarrow.post('/key/regenerate', { key: narrower.token }).expect(200);
    await viaNarrow.post('/key/regenerate', { key: narrow.token }).expect(200);
  });

  describe('finding 8: budget_duration is narrowed and bounded like max_budget', () => {
    it('finding 8: a key with a spent lifetime budget may not give itself a budget period', async () => {
      const owner = await userCaller(t, 'internal_user');
      const key = await generate(owner, { max_budget: 0.001 });
      const self = bearer(t, key.key);
      for (const budget_duration of ['1s', '1h', '30d']) {
        const res = await self.post('/key/update', { key: key.token, budget_duration }).expect(400);
        expect(res.body.error).toMatchObject({ param: 'budget_duration' });
      }
      // Nor through its owner's session (a lifetime budget is the longest period).
      await owner.post('/key/update', { key: key.token, budget_duration: '1s' }).expect(400);
    });

    it('finding 8: no shorter period than the key has, than the calling key has, or than KEY_MIN_BUDGET_DURATION (1h)', async () => {
      const owner = await userCaller(t, 'internal_user');
      const key = await generate(owner, { max_budget: 1, budget_duration: '1d' });
      const shorter = await owner
        .post('/key/update', { key: key.token, budget_duration: '2h' })
        .expect(400);
      expect(shorter.body.error).toMatchObject({ param: 'budget_duration' });
      await owner.post('/key/update', { key: key.token, budget_duration: '7d' }).expect(200);
      await owner.post('/key/update', { key: key.token, budget_duration: null }).expect(200);

      const floor = await generate(owner, { max_budget: 1, budget_duration: '30m' }, 400);
      expect(floor.error).toMatchObject({ param: 'budget_duration' });

      const calling = bearer(
        t,
        (await generate(owner, { max_budget: 1, budget_duration: '1d' })).key,
      );
      const child = await generate(calling, { budget_duration: '2h' }, 400);
      expect(child.error).toMatchObject({ param: 'budget_duration' });
      await generate(calling, { budget_duration: '1d' });
      // The master key is bound by none of it.
      await generate(master(t), { user_id: owner.userId, max_budget: 1, budget_duration: '1s' });
    });
  });

  describe('finding 25: keys per user are capped, and /user/info pages them', () => {
    it(`finding 25: a user may own at most KEY_MAX_PER_USER (${KEY_CAP}) keys (409 key_limit_reached)`, async () => {
      const owner = await userCaller(t, 'internal_user');
      for (let i = 0; i < KEY_CAP; i += 1) await generate(owner, {});
      const res = await generate(owner, {}, 409);
      expect(res.error).toMatchObject({
        type: 'conflict_error',
        code: 'key_limit_reached',
        param: 'user_id',
      });
      // Admins too: the cap bounds every answer that lists the user's keys.
      await generate(master(t), { user_id: owner.userId }, 409);
    });

    it('finding 25: GET /user/info answers one page of keys with the totals', async () => {
      const owner = await userCaller(t, 'internal_user');
      const made: string[] = [];
      for (let i = 0; i < 5; i += 1) made.push((await generate(owner, {})).token);
      const page = async (query: string): Promise<UserInfoResponse> =>
        (await owner.get(`/user/info?${query}`).expect(200)).body as UserInfoResponse;
      const first = await page('page_size=2');
      expect(first).toMatchObject({
        keys_total: 5,
        keys_page: 1,
        keys_page_size: 2,
        keys_total_pages: 3,
      });
      expect(first.keys).toHaveLength(2);
      const last = await page('page_size=2&page=3');
      expect(last.keys).toHaveLength(1);
      const all = await page('');
      expect(all.keys_page_size).toBe(50);
      expect(all.keys.map((k) => (k as { token: string }).token).sort()).toEqual(made.sort());
      for (const query of ['page_size=101', 'page=0', 'page_size=abc']) {
        await owner.get(`/user/info?${query}`).expect(400);
      }
    });
  });

  describe('informational: key aliases are unique per owner', () => {
    it('lets two owners use one alias, refuses it twice for one owner (409)', async () => {
      const a = await userCaller(t, 'internal_user');
      const b = await userCaller(t, 'internal_user');
      await generate(a, { key_alias: 'laptop' });
      await generate(b, { key_alias: 'laptop' });
      const dup = await generate(a, { key_alias: 'laptop' }, 409);
      expect(dup.error).toMatchObject({ type: 'conflict_error', param: 'key_alias' });
      const other = await generate(a, { key_alias: 'desk' });
      const renamed = await a
        .post('/key/update', { key: other.token, key_alias: 'laptop' })
        .expect(409);
      expect(renamed.body.error).toMatchObject({ param: 'key_alias' });
    });

    it("key_aliases in /key/delete names the caller's own key; an admin naming a shared alias gets 400", async () => {
      const a = await userCaller(t, 'internal_user');
      const b = await userCaller(t, 'internal_user');
      const aKey = await generate(a, { key_alias: 'shared-name' });
      const bKey = await generate(b, { key_alias: 'shared-name' });
      const ambiguous = await master(t)
        .post('/key/delete', { key_aliases: ['shared-name'] })
        .expect(400);
      expect(ambiguous.body.error).toMatchObject({
        param: 'key_aliases',
        code: 'ambiguous_key_alias',
      });
      const del = await a.post('/key/delete', { key_aliases: ['shared-name'] }).expect(200);
      expect(del.body.deleted_keys).toEqual([aKey.token]);
      await bearer(t, bKey.key).get('/key/info').expect(200);
      await a.post('/key/delete', { key_aliases: ['shared-name'] }).expect(404);
    });
  });
});
