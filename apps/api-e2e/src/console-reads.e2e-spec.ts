import type { Role } from '@gatehouse/shared/auth';
import type {
  GenerateKeyResponse,
  KeyListResponse,
  SpendLogResponse,
  SpendLogsResponse,
  SpendReportResponse,
} from '@gatehouse/shared/dto';
import {
  anonymous,
  bearer,
  createTeam,
  everyRole,
  master,
  type Caller,
  type UserCaller,
} from './support/callers';
import { sqlNumber } from './support/db';
import { addModel, chatBody, flushSpend, startGateway, type GatewayTest } from './support/gateway';
import type { TestApp } from './support/test-app';

/**
 * The reads the console's logs, keys and usage pages page through: /spend/logs filters and
 * names, /global/spend/report top N and user filter, /key/list by owner email.
 */
describe('console reads', () => {
  let g: GatewayTest;
  let t: TestApp;
  let as: Record<Role, UserCaller>;
  let owner: UserCaller;
  let ownKey: GenerateKeyResponse;
  let teamKey: GenerateKeyResponse;
  let teamId: string;

  const logs = async (caller: Caller, query: string): Promise<SpendLogsResponse> =>
    (await caller.get(`/spend/logs?page_size=100&${query}`).expect(200)).body as SpendLogsResponse;

  beforeAll(async () => {
    g = await startGateway({ env: { SPEND_FLUSH_INTERVAL_MS: '3600000' } });
    t = g.t;
    as = await everyRole(t);
    owner = as.internal_user;
    await addModel(t, g.upstream.url, 'echo', 'echo');
    await addModel(t, g.upstream.url, 'broken', 'status-500');
    await addModel(t, g.upstream.url, 'cached', 'echo', { model_info: { cache: true } });
    teamId = (await createTeam(t, { team_alias: 'reads' }, [[owner.userId, 'user']])).team_id;
    ownKey = (await owner.post('/key/generate', { key_alias: 'alpha' }).expect(200))
      .body as GenerateKeyResponse;
    teamKey = (
      await owner.post('/key/generate', { key_alias: 'beta', team_id: teamId }).expect(200)
    ).body as GenerateKeyResponse;
    const call = (key: string, model: string, extra: Record<string, unknown> = {}) =>
      t.http
        .post('/v1/chat/completions')
        .set('Authorization', `Bearer ${key}`)
        .send(chatBody(model, extra));
    await call(ownKey.key, 'echo').expect(200);
    await call(ownKey.key, 'broken').expect(502);
    const same = { messages: [{ role: 'user', content: 'cache me' }] };
    await call(ownKey.key, 'cached', same).expect(200);
    await call(ownKey.key, 'cached', same).expect(200);
    await call(teamKey.key, 'echo').expect(200);
    await call(t.masterKey, 'echo', { mock_response: 'hi' }).expect(200);
    await call(t.masterKey, 'echo', { mock_response: 'hello there' }).expect(200);
    await flushSpend(t);
  });
  afterAll(() => g.close());

  describe('GET /spend/logs', () => {
    it('names each row: error type, key alias and owner email (looked up for the page)', async () => {
      const all = await logs(master(t), '');
      expect(all.total).toBe(7);
      const failed = await logs(master(t), 'status=failure');
      expect(failed.total).toBe(1);
      expect(failed.data[0]).toMatchObject<Partial<SpendLogResponse>>({
        status: 'failure',
        model: 'broken',
        api_key: ownKey.token,
        key_alias: 'alpha',
        user_email: owner.email,
      });
      expect(typeof failed.data[0].error_type).toBe('string');
      const succeeded = await logs(master(t), 'status=success');
      expect(succeeded.total).toBe(6);
      expect(succeeded.data.every((l) => l.error_type === null)).toBe(true);
      const byMaster = all.data.filter((l) => l.api_key === null);
      expect(byMaster).toHaveLength(2);
      expect(byMaster.every((l) => l.key_alias === null)).toBe(true);
      const text = JSON.stringify(all);
      expect(text).not.toContain(ownKey.key);
      expect(text).not.toContain(t.masterKey);
    });

    it('filters on cache hits, team and status together with the existing filters', async () => {
      const hits = await logs(master(t), 'cache_hit=true');
      expect(hits.data.map((l) => [l.model, l.cache_hit])).toEqual([['cached', true]]);
      expect((await logs(master(t), 'cache_hit=false')).total).toBe(6);
      const team = await logs(master(t), `team_id=${teamId}`);
      expect(team.data.map((l) => [l.api_key, l.team_id, l.key_alias])).toEqual([
        [teamKey.token, teamId, 'beta'],
      ]);
      const narrowed = await logs(
        master(t),
        `api_key=${ownKey.token}&model=cached&cache_hit=false&status=success`,
      );
      expect(narrowed.total).toBe(1);
      expect((await logs(master(t), `team_id=${teamId}&status=failure`)).total).toBe(0);
      expect((await logs(master(t), 'team_id=no-such-team')).total).toBe(0);
    });

    it('keeps every role in its scope: filters narrow, never widen', async () => {
      // Successful rows and team rows each role sees (the owner made 5 rows, 4 succeeded).
      const expected: Record<Role, [number, number]> = {
        proxy_admin: [6, 1],
        proxy_admin_viewer: [6, 1],
        internal_user: [4, 1],
        internal_user_viewer: [0, 0],
      };
      for (const role of Object.keys(expected) as Role[]) {
        const ok = await logs(as[role], 'status=success');
        const team = await logs(as[role], `team_id=${teamId}`);
        expect([role, ok.total, team.total]).toEqual([role, ...expected[role]]);
      }
      // Another internal user asking for the owner's team sees nothing of it.
      const stranger = await logs(as.internal_user_viewer, `team_id=${teamId}&cache_hit=true`);
      expect(stranger.total).toBe(0);
      await as.internal_user_viewer.get(`/spend/logs?user_id=${owner.userId}`).expect(404);
      // Through the owner's own key, the owner's rows.
      const viaKey = await logs(bearer(t, ownKey.key), 'status=failure');
      expect(viaKey.total).toBe(1);
      await anonymous(t).get('/spend/logs?status=failure').expect(401);
    });

    it.each([
      'status=ok',
      'status=',
      'cache_hit=yes',
      'cache_hit=1',
      'team_id=%27%20OR%201%3D1',
      'team_id=' + 'x'.repeat(129),
      'status=success&status=failure',
    ])('refuses %s with 400', async (query) => {
      const res = await master(t).get(`/spend/logs?${query}`).expect(400);
      expect(res.body.error.type).toBe('invalid_request_error');
    });
  });

  describe('GET /global/spend/report', () => {
    it('answers the top N groups, with the spend and count of every group in scope', async () => {
      const full = (await master(t).get('/global/spend/report?group_by=key').expect(200))
        .body as SpendReportResponse;
      expect(
        full.data.map((r) => r.value).sort((a, b) => String(a).localeCompare(String(b))),
      ).toEqual(
        [ownKey.token, teamKey.token, null].sort((a, b) => String(a).localeCompare(String(b))),
      );
      expect(full.total_groups).toBe(3);
      const top = (await master(t).get('/global/spend/report?group_by=key&limit=1').expect(200))
        .body as SpendReportResponse;
      expect(top.data).toHaveLength(1);
      expect(top.data[0]).toEqual(full.data[0]);
      expect(top.total_groups).toBe(3);
      expect(top.total_spend).toBe(full.total_spend);
      const logsSum = await sqlNumber(t, 'SELECT SUM(spend) FROM spend_logs');
      expect(Math.round(top.total_spend * 1e9)).toBe(logsSum);
      expect(full.data[0].spend).toBeGreaterThanOrEqual(full.data[1].spend);
    });

    it('narrows to one user for admins and viewers; 404 for anybody else', async () => {
      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        const one = (
          await caller
            .get(`/global/spend/report?group_by=model&user_id=${owner.userId}`)
            .expect(200)
        ).body as SpendReportResponse;
        expect(one.data.map((r) => r.value).sort()).toEqual(['broken', 'cached', 'echo']);
        expect(one.data.reduce((n, r) => n + r.api_requests, 0)).toBe(5);
      }
      await owner.get(`/global/spend/report?user_id=${owner.userId}`).expect(200);
      for (const caller of [as.internal_user_viewer, bearer(t, ownKey.key)]) {
        const res = await caller.get(`/global/spend/report?user_id=admin`).expect(404);
        expect(res.body.error.param).toBe('user_id');
      }
      const none = (
        await as.internal_user_viewer.get('/global/spend/report?group_by=user').expect(200)
      ).body as SpendReportResponse;
      expect(none).toMatchObject({ data: [], total_spend: 0, total_groups: 0 });
    });

    it.each(['limit=0', 'limit=1001', 'limit=-1', 'limit=1.5', 'limit=ten', 'user_id=a%20b'])(
      'refuses %s with 400',
      async (query) => {
        await master(t).get(`/global/spend/report?${query}`).expect(400);
      },
    );
  });

  describe('GET /key/list?user_email=', () => {
    const listed = async (caller: Caller, query: string): Promise<string[]> =>
      ((await caller.get(`/key/list?size=100&${query}`).expect(200)).body as KeyListResponse).keys
        .map((k) => k.token)
        .sort();

    it('finds keys by the start of the owner email, case-insensitive, for admins', async () => {
      const mine = [ownKey.token, teamKey.token].sort();
      const prefix = owner.email.slice(0, owner.email.indexOf('@'));
      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        expect(await listed(caller, `user_email=${encodeURIComponent(owner.email)}`)).toEqual(mine);
        expect(await listed(caller, `user_email=${prefix.toUpperCase()}`)).toEqual(mine);
        expect(await listed(caller, `user_email=nobody-${prefix}`)).toEqual([]);
        expect(
          await listed(caller, `user_email=${encodeURIComponent(owner.email)}&key_alias=beta`),
        ).toEqual([teamKey.token]);
      }
    });

    it('counts every key the owner filter matches, one page at a time', async () => {
      const page = async (n: number): Promise<KeyListResponse> =>
        (
          await master(t)
            .get(`/key/list?size=1&page=${n}&user_email=${encodeURIComponent(owner.email)}`)
            .expect(200)
        ).body as KeyListResponse;
      const [first, second, past] = [await page(1), await page(2), await page(3)];
      expect([first.total_count, second.total_count, past.total_count]).toEqual([2, 2, 2]);
      expect([...first.keys, ...second.keys].map((k) => k.token).sort()).toEqual(
        [ownKey.token, teamKey.token].sort(),
      );
      expect(past.keys).toEqual([]);
    });

    it('treats % and _ as themselves, and keeps non-admins to their own keys', async () => {
      expect(await listed(master(t), 'user_email=%25')).toEqual([]);
      expect(await listed(master(t), 'user_email=_')).toEqual([]);
      const email = encodeURIComponent(owner.email);
      expect(await listed(as.internal_user_viewer, `user_email=${email}`)).toEqual([]);
      expect(await listed(owner, `user_email=${email}`)).toEqual(
        [ownKey.token, teamKey.token].sort(),
      );
      await master(t)
        .get(`/key/list?user_email=${'a'.repeat(255)}`)
        .expect(400);
      await anonymous(t).get(`/key/list?user_email=${email}`).expect(401);
    });
  });
});
