import type { Role } from '@gatehouse/shared/auth';
import type {
  DailyActivityResponse,
  SpendLogsResponse,
  SpendReportResponse,
} from '@gatehouse/shared/dto';
import { anonymous, everyRole, master, userCaller, type UserCaller } from './support/callers';
import { sql, sqlNumber } from './support/db';
import {
  addModel,
  chatBody,
  flushSpend,
  rawPost,
  startGateway,
  type GatewayTest,
} from './support/gateway';
import type { TestApp } from './support/test-app';

const sessionHeaders = (u: UserCaller): Record<string, string> => ({
  cookie: u.cookies.join('; '),
  'x-xsrf-token': u.xsrf,
});

interface Totals {
  n: number;
  spend: number;
  prompt: number;
  completion: number;
  ok: number;
  failed: number;
}

async function logTotals(t: TestApp, userId: string): Promise<Totals> {
  const rows = await sql(
    t,
    `SELECT COUNT(*) AS n, SUM(spend) AS spend, SUM(prompt_tokens) AS prompt,
            SUM(completion_tokens) AS completion,
            SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END) AS ok,
            SUM(CASE WHEN status = 'failure' THEN 1 ELSE 0 END) AS failed
       FROM spend_logs WHERE user_id = '${userId}'`,
  );
  return Object.fromEntries(
    Object.entries(rows[0]).map(([k, v]) => [k, Number(v ?? 0)]),
  ) as unknown as Totals;
}

async function rollupTotals(t: TestApp, userId: string): Promise<Totals> {
  const rows = await sql(
    t,
    `SELECT SUM(requests) AS n, SUM(spend) AS spend, SUM(prompt_tokens) AS prompt,
            SUM(completion_tokens) AS completion, SUM(successes) AS ok, SUM(failures) AS failed
       FROM daily_spend WHERE user_id = '${userId}'`,
  );
  return Object.fromEntries(
    Object.entries(rows[0]).map(([k, v]) => [k, Number(v ?? 0)]),
  ) as unknown as Totals;
}

describe('spend', () => {
  describe('exactness and analytics', () => {
    let g: GatewayTest;
    let t: TestApp;
    let as: Record<Role, UserCaller>;
    let other: UserCaller;

    beforeAll(async () => {
      // A long interval: the tests flush by hand, so nothing is written behind their back.
      g = await startGateway({ listen: true, env: { SPEND_FLUSH_INTERVAL_MS: '3600000' } });
      t = g.t;
      as = await everyRole(t);
      other = await userCaller(t, 'internal_user');
      await addModel(t, g.upstream.url, 'echo', 'echo');
      await addModel(t, g.upstream.url, 'broken', 'status-500');
    });
    afterAll(() => g.close());

    it('books 1,000 concurrent requests exactly: sum of logs = user counter = rollups', async () => {
      const user = as.internal_user;
      const calls = Array.from({ length: 1000 }, (_, i) => {
        const body =
          i % 10 === 0
            ? chatBody('broken')
            : i % 3 === 0
              ? chatBody('echo')
              : chatBody('echo', { mock_response: 'm'.repeat(1 + (i % 37)) });
        return rawPost(t, '/v1/chat/completions', body, sessionHeaders(user));
      });
      const results = await Promise.all(calls);
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(900);
      expect(results.filter((r) => r.status === 502)).toHaveLength(100);
      // What the clients were told, priced: the ground truth.
      let expected = 0;
      for (const r of ok) {
        const usage = r.json()['usage'] as { prompt_tokens: number; completion_tokens: number };
        expected += usage.prompt_tokens * 1000 + usage.completion_tokens * 2000;
      }

      await flushSpend(t);
      const logs = await logTotals(t, user.userId);
      const rollups = await rollupTotals(t, user.userId);
      const counter = await sqlNumber(
        t,
        `SELECT spend FROM users WHERE user_id = '${user.userId}'`,
      );
      expect(logs).toEqual({
        n: 1000,
        spend: expected,
        prompt: logs.prompt,
        completion: logs.completion,
        ok: 900,
        failed: 100,
      });
      expect(rollups).toEqual(logs);
      expect(counter).toBe(expected);
      const info = await master(t).get(`/user/info?user_id=${user.userId}`).expect(200);
      expect(info.body.user_info.spend).toBe(expected / 1e9);
    });

    it('books requests of several users apart', async () => {
      for (const u of [other, as.proxy_admin]) {
        for (let i = 0; i < 3; i++) {
          await rawPost(
            t,
            '/v1/chat/completions',
            chatBody('echo', { mock_response: 'hi' }),
            sessionHeaders(u),
          );
        }
      }
      await master(t)
        .post('/v1/chat/completions', chatBody('echo', { mock_response: 'hi' }))
        .expect(200);
      await flushSpend(t);
      expect((await logTotals(t, other.userId)).n).toBe(3);
      expect((await logTotals(t, 'admin')).n).toBe(1);
    });

    describe('scoping per role', () => {
      it('shows internal users only their own logs; another user id is 404', async () => {
        const res = await as.internal_user.get('/spend/logs?page_size=1000').expect(200);
        const body = res.body as SpendLogsResponse;
        expect(body.total).toBe(1000);
        expect(body.data.every((l) => l.user === as.internal_user.userId)).toBe(true);
        expect(body.data[0]).toMatchObject({
          api_key: null,
          team_id: null,
          call_type: 'chat_completion',
        });
        await as.internal_user.get(`/spend/logs?user_id=${other.userId}`).expect(404);
        await as.internal_user.get(`/spend/logs?user_id=${as.internal_user.userId}`).expect(200);
        const viewer = await as.internal_user_viewer.get('/spend/logs').expect(200);
        expect(viewer.body.total).toBe(0);
      });

      it('shows admins and admin viewers everybody, filterable', async () => {
        for (const caller of [master(t), as.proxy_admin_viewer]) {
          const all = await caller.get('/spend/logs?page_size=5').expect(200);
          expect(all.body.total).toBe(1000 + 3 + 3 + 1);
          expect(all.body.data).toHaveLength(5);
          const one = await caller.get(`/spend/logs?user_id=${other.userId}`).expect(200);
          expect(one.body.total).toBe(3);
          const model = await caller.get('/spend/logs?model=broken&page_size=1').expect(200);
          expect(model.body.total).toBe(100);
        }
        const today = new Date(t.clock.nowMs()).toISOString().slice(0, 10);
        const dated = await master(t)
          .get(`/spend/logs?start_date=${today}&end_date=${today}`)
          .expect(200);
        expect(dated.body.total).toBe(1007);
        const past = await master(t)
          .get('/spend/logs?start_date=2020-01-01&end_date=2020-01-02')
          .expect(200);
        expect(past.body.total).toBe(0);
      });

      it('reports daily activity from the rollups, with model and key breakdowns', async () => {
        const own = await as.internal_user.get('/user/daily/activity').expect(200);
        const body = own.body as DailyActivityResponse;
        expect(body.metadata).toMatchObject({
          total_api_requests: 1000,
          total_successful_requests: 900,
          total_failed_requests: 100,
        });
        expect(body.results).toHaveLength(1);
        expect(body.results[0].breakdown.models['broken'].failed_requests).toBe(100);
        expect(body.results[0].breakdown.api_keys['none'].api_requests).toBe(1000);
        await as.internal_user.get(`/user/daily/activity?user_id=${other.userId}`).expect(404);
        const admin = await as.proxy_admin_viewer
          .get(`/user/daily/activity?user_id=${other.userId}`)
          .expect(200);
        expect(admin.body.metadata.total_api_requests).toBe(3);
        const all = await as.proxy_admin_viewer.get('/user/daily/activity').expect(200);
        expect(all.body.metadata.total_api_requests).toBe(1007);
      });

      it('serves past days (kept once read) with the same numbers, per scope', async () => {
        const day = new Date(t.clock.nowMs()).toISOString().slice(0, 10);
        const before = (await master(t).get('/user/daily/activity').expect(200))
          .body as DailyActivityResponse;
        // Three days on, that day is closed: read from the rollup once, then from the cache.
        // (The master key: console sessions would expire meanwhile.)
        t.clock.advance(3 * 86_400_000);
        try {
          for (let i = 0; i < 2; i++) {
            const all = (await master(t).get(`/user/daily/activity?start_date=${day}`).expect(200))
              .body as DailyActivityResponse;
            expect(all.results).toEqual(before.results);
            expect(all.metadata).toEqual(before.metadata);
            const one = (
              await master(t)
                .get(`/user/daily/activity?start_date=${day}&user_id=${as.internal_user.userId}`)
                .expect(200)
            ).body as DailyActivityResponse;
            expect(one.metadata.total_api_requests).toBe(1000);
            expect(one.results.map((d) => d.date)).toEqual([day]);
          }
        } finally {
          t.clock.advance(-3 * 86_400_000);
        }
      });

      it('scopes /global/activity and /global/spend/report the same way', async () => {
        const own = await as.internal_user.get('/global/activity').expect(200);
        expect(own.body.sum_api_requests).toBe(1000);
        const all = await as.proxy_admin_viewer.get('/global/activity').expect(200);
        expect(all.body.sum_api_requests).toBe(1007);

        const mine = await as.internal_user.get('/global/spend/report?group_by=user').expect(200);
        expect((mine.body as SpendReportResponse).data.map((r) => r.value)).toEqual([
          as.internal_user.userId,
        ]);
        const users = await as.proxy_admin_viewer
          .get('/global/spend/report?group_by=user')
          .expect(200);
        expect((users.body as SpendReportResponse).data.map((r) => r.value).sort()).toEqual(
          ['admin', as.internal_user.userId, other.userId, as.proxy_admin.userId].sort(),
        );
        const logsSum = await sqlNumber(t, 'SELECT SUM(spend) FROM spend_logs');
        expect(Math.round((users.body as SpendReportResponse).total_spend * 1e9)).toBe(logsSum);
        const models = await master(t).get('/global/spend/report?group_by=model').expect(200);
        expect((models.body as SpendReportResponse).data.map((r) => r.value).sort()).toEqual([
          'broken',
          'echo',
        ]);
        const keys = await master(t).get('/global/spend/report?group_by=key').expect(200);
        expect(keys.body.data).toEqual([
          expect.objectContaining({ value: null, api_requests: 1007 }),
        ]);
        const teams = await master(t).get('/global/spend/report?group_by=team').expect(200);
        expect(teams.body.data[0]).toMatchObject({ group_by: 'team', value: null });
        const hits = await as.internal_user.get('/global/activity/cache_hits').expect(200);
        expect(hits.body).toMatchObject({ sum_cache_hits: 0, sum_llm_api_calls: 1000 });
        await as.internal_user
          .get(`/global/activity/cache_hits?user_id=${other.userId}`)
          .expect(404);
        const otherHits = await as.proxy_admin_viewer
          .get(`/global/activity/cache_hits?user_id=${other.userId}`)
          .expect(200);
        expect(otherHits.body).toMatchObject({ sum_cache_hits: 0, sum_llm_api_calls: 3 });
      });

      it.each([
        '/spend/logs?start_date=yesterday',
        '/spend/logs?page=0',
        '/spend/logs?page_size=5000',
        '/spend/logs?start_date=2026-02-30',
        '/user/daily/activity?start_date=2026-05-02&end_date=2026-05-01',
        '/global/spend/report?group_by=planet',
        '/global/activity?end_date=1%27%20OR%201=1',
        '/spend/logs?unknown=1',
      ])('refuses %s with 400', async (path) => {
        const res = await master(t).get(path).expect(400);
        expect(res.body.error.type).toBe('invalid_request_error');
      });

      it('refuses anonymous callers on every analytics route', async () => {
        for (const path of [
          '/spend/logs',
          '/user/daily/activity',
          '/global/activity',
          '/global/activity/cache_hits',
          '/global/spend/report',
        ]) {
          await anonymous(t).get(path).expect(401);
          await as.internal_user_viewer.get(path).expect(200);
        }
      });
    });
  });

  it('loses no spend on graceful shutdown: app.close() flushes the queue', async () => {
    const g = await startGateway({ listen: true, env: { SPEND_FLUSH_INTERVAL_MS: '3600000' } });
    try {
      await addModel(g.t, g.upstream.url, 'echo', 'echo');
      const user = await userCaller(g.t, 'internal_user');
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          rawPost(g.t, '/v1/chat/completions', chatBody('echo'), sessionHeaders(user)),
        ),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(await sqlNumber(g.t, 'SELECT COUNT(*) FROM spend_logs')).toBe(0);
      await g.t.app.close();
      expect(await sqlNumber(g.t, 'SELECT COUNT(*) FROM spend_logs')).toBe(50);
      expect(await sqlNumber(g.t, 'SELECT SUM(requests) FROM daily_spend')).toBe(50);
      // 50 × (10 × 1 000 + 5 × 2 000) nano-dollars.
      expect(await sqlNumber(g.t, `SELECT spend FROM users WHERE user_id = '${user.userId}'`)).toBe(
        50 * 20_000,
      );
    } finally {
      await g.t.drop();
      await g.upstream.close();
    }
  });
});
