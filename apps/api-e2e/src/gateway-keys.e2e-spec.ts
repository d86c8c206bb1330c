import type { GenerateKeyResponse, SpendLogsResponse } from '@gatehouse/shared/dto';
import {
  bearer,
  createTeam,
  createUser,
  master,
  userCaller,
  type UserCaller,
} from './support/callers';
import { sql, sqlNumber } from './support/db';
import {
  addModel,
  alignToMinute,
  chatBody,
  flushSpend,
  startGateway,
  type GatewayTest,
} from './support/gateway';
import { MOCK_USAGE } from './support/mock-upstream';
import type { TestApp } from './support/test-app';

/** cfg-echo costs $1/M prompt and $2/M completion tokens: 10 + 5 tokens = $0.00002 a call. */
const CALL_NANOS = MOCK_USAGE.prompt_tokens * 1_000 + MOCK_USAGE.completion_tokens * 2_000;

async function generate(
  caller: UserCaller | ReturnType<typeof master>,
  body: object,
): Promise<GenerateKeyResponse> {
  const res = await caller.post('/key/generate', body).expect(200);
  return res.body as GenerateKeyResponse;
}

/** Virtual keys on the data plane: the real key cache, limits and counters, no stand-ins. */
describe('gateway with virtual keys', () => {
  let g: GatewayTest;
  let t: TestApp;

  beforeAll(async () => {
    g = await startGateway({ listen: true });
    t = g.t;
    await addModel(t, g.upstream.url, 'db-echo', 'echo');
  });
  afterAll(() => g.close());

  it('lets an internal user call a model with their own key and books the spend to key and user', async () => {
    const user = await userCaller(t, 'internal_user');
    const key = await generate(user, { key_alias: 'laptop' });
    const caller = bearer(t, key.key);
    const res = await caller.post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
    expect(res.body.usage).toEqual(MOCK_USAGE);
    expect(res.headers['x-gatehouse-overhead-ms']).toBeDefined();
    await caller.post('/v1/chat/completions', chatBody('db-echo')).expect(200);
    await flushSpend(t);

    const logs = await sql(
      t,
      `SELECT key_token, user_id, spend FROM spend_logs WHERE key_token = '${key.token}'`,
    );
    expect(logs).toHaveLength(2);
    expect(logs.every((l) => l['user_id'] === user.userId)).toBe(true);
    expect(await sqlNumber(t, `SELECT spend FROM keys WHERE token = '${key.token}'`)).toBe(
      2 * CALL_NANOS,
    );
    expect(await sqlNumber(t, `SELECT spend FROM users WHERE user_id = '${user.userId}'`)).toBe(
      2 * CALL_NANOS,
    );
    const info = await user.get(`/key/info?key=${key.token}`).expect(200);
    expect(info.body.info.spend).toBeCloseTo((2 * CALL_NANOS) / 1e9, 12);

    // The user sees their own spend, with the key named by its token.
    const mine = await user.get('/spend/logs').expect(200);
    expect((mine.body as SpendLogsResponse).data.map((l) => l.api_key)).toEqual([
      key.token,
      key.token,
    ]);
  });

  it('scopes models to the key: /v1/models lists only them and others answer 404', async () => {
    const user = await userCaller(t, 'internal_user');
    const key = await generate(user, { models: ['cfg-echo'] });
    const caller = bearer(t, key.key);
    const models = await caller.get('/v1/models').expect(200);
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual(['cfg-echo']);
    const refused = await caller.post('/v1/chat/completions', chatBody('db-echo')).expect(404);
    expect(refused.body.error).toMatchObject({ param: 'model', code: 'model_not_found' });
  });

  it("narrows a key to its owner's models even when the key names none", async () => {
    const owner = await createUser(t, 'internal_user', { models: ['db-echo'] });
    const key = await generate(master(t), { user_id: owner.user_id });
    const caller = bearer(t, key.key);
    await caller.post('/v1/chat/completions', chatBody('db-echo')).expect(200);
    await caller.post('/v1/chat/completions', chatBody('cfg-echo')).expect(404);
  });

  it('stops a key at its max_budget with budget_exceeded', async () => {
    const user = await userCaller(t, 'internal_user');
    const key = await generate(user, { max_budget: (3 * CALL_NANOS) / 1e9 });
    const caller = bearer(t, key.key);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await caller.post(
        '/v1/chat/completions',
        chatBody('cfg-echo', { max_tokens: 5 }),
      );
      statuses.push(res.status);
      if (res.status === 400) expect(res.body.error.type).toBe('budget_exceeded');
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.slice(3)).toEqual([400, 400, 400]);
    await flushSpend(t);
    expect(await sqlNumber(t, `SELECT spend FROM keys WHERE token = '${key.token}'`)).toBe(
      3 * CALL_NANOS,
    );
  });

  it("stops every key of a user at the user's max_budget", async () => {
    const owner = await createUser(t, 'internal_user', { max_budget: (2 * CALL_NANOS) / 1e9 });
    const a = bearer(t, (await generate(master(t), { user_id: owner.user_id })).key);
    const b = bearer(t, (await generate(master(t), { user_id: owner.user_id })).key);
    await a.post('/v1/chat/completions', chatBody('cfg-echo', { max_tokens: 5 })).expect(200);
    await b.post('/v1/chat/completions', chatBody('cfg-echo', { max_tokens: 5 })).expect(200);
    const res = await a
      .post('/v1/chat/completions', chatBody('cfg-echo', { max_tokens: 5 }))
      .expect(400);
    expect(res.body.error.type).toBe('budget_exceeded');
  });

  it("answers 429 with Retry-After past the key's rpm_limit", async () => {
    const user = await userCaller(t, 'internal_user');
    const caller = bearer(t, (await generate(user, { rpm_limit: 2 })).key);
    alignToMinute(t);
    await caller.post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
    await caller.post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
    const res = await caller.post('/v1/chat/completions', chatBody('cfg-echo')).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    t.clock.advance(60_000);
    await caller.post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
  });

  it('refuses blocked, expired and deleted keys at once, with distinct messages', async () => {
    const user = await userCaller(t, 'internal_user');
    const blocked = await generate(user, {});
    await bearer(t, blocked.key).post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
    await user.post('/key/block', { key: blocked.token }).expect(200);
    const b = await bearer(t, blocked.key)
      .post('/v1/chat/completions', chatBody('cfg-echo'))
      .expect(401);
    expect(b.body.error.message).toBe('API key is blocked');

    const expiring = await generate(user, { duration: '1h' });
    await bearer(t, expiring.key).post('/v1/chat/completions', chatBody('cfg-echo')).expect(200);
    t.clock.advance(3_600_000 + 1000);
    const e = await bearer(t, expiring.key)
      .post('/v1/chat/completions', chatBody('cfg-echo'))
      .expect(401);
    expect(e.body.error.message).toBe('API key expired');

    const deleted = await generate(user, {});
    await user.post('/key/delete', { keys: [deleted.token] }).expect(200);
    const d = await bearer(t, deleted.key)
      .post('/v1/chat/completions', chatBody('cfg-echo'))
      .expect(401);
    expect(d.body.error.message).toBe('API key was deleted');
  });

  it("books a team key's spend to the team and keeps it to the team's models", async () => {
    const member = await userCaller(t, 'internal_user');
    const team = await createTeam(t, { team_alias: 'research', models: ['db-echo'] }, [
      [member.userId, 'user'],
    ]);
    const key = await generate(member, { team_id: team.team_id });
    const caller = bearer(t, key.key);
    await caller.post('/v1/chat/completions', chatBody('db-echo')).expect(200);
    await caller.post('/v1/chat/completions', chatBody('cfg-echo')).expect(404);
    await flushSpend(t);
    expect(await sqlNumber(t, `SELECT spend FROM teams WHERE team_id = '${team.team_id}'`)).toBe(
      CALL_NANOS,
    );
    expect(
      await sqlNumber(t, `SELECT SUM(spend) FROM spend_logs WHERE team_id = '${team.team_id}'`),
    ).toBe(CALL_NANOS);
    await master(t).post('/team/update', { team_id: team.team_id, blocked: true }).expect(200);
    const res = await caller.post('/v1/chat/completions', chatBody('db-echo')).expect(401);
    expect(res.body.error.message).toBe('Team is blocked');
  });

  it("restarts a user's spent budget at budget_reset_at, for every key of the user", async () => {
    const limited = { max_budget: (2 * CALL_NANOS) / 1e9, budget_duration: '1m' };
    const owner = await createUser(t, 'internal_user', limited);
    const info = await master(t).get(`/user/info?user_id=${owner.user_id}`).expect(200);
    const resetAt = Date.parse(info.body.user_info.budget_reset_at as string);
    expect(Math.abs(resetAt - (t.clock.nowMs() + 60_000))).toBeLessThan(5_000);
    const a = bearer(t, (await generate(master(t), { user_id: owner.user_id })).key);
    const b = bearer(t, (await generate(master(t), { user_id: owner.user_id })).key);
    const body = chatBody('cfg-echo', { max_tokens: 5 });
    await a.post('/v1/chat/completions', body).expect(200);
    await b.post('/v1/chat/completions', body).expect(200);
    const spent = await a.post('/v1/chat/completions', body).expect(400);
    expect(spent.body.error.message).toContain(`user=${owner.user_id}`);

    t.clock.advance(resetAt - t.clock.nowMs() + 1_000);
    await b.post('/v1/chat/completions', body).expect(200);
    await flushSpend(t);
    const rows = await sql<{ spend: unknown; reset: unknown }>(
      t,
      `SELECT spend, budget_reset_at AS reset FROM users WHERE user_id = '${owner.user_id}'`,
    );
    expect(Number(rows[0].spend)).toBe(CALL_NANOS); // restarted, then this call
    expect(Number(rows[0].reset)).toBe(resetAt + 60_000);
  });

  it('applies a budget_duration given to a user after their budget was spent', async () => {
    const owner = await createUser(t, 'internal_user', { max_budget: CALL_NANOS / 1e9 });
    const key = bearer(t, (await generate(master(t), { user_id: owner.user_id })).key);
    const body = chatBody('cfg-echo', { max_tokens: 5 });
    await key.post('/v1/chat/completions', body).expect(200);
    await key.post('/v1/chat/completions', body).expect(400);
    const updated = await master(t)
      .post('/user/update', { user_id: owner.user_id, budget_duration: '1h' })
      .expect(200);
    expect(updated.body.budget_reset_at).not.toBeNull();
    await key.post('/v1/chat/completions', body).expect(400); // the new period has not ended
    t.clock.advance(3_600_000 + 1_000);
    await key.post('/v1/chat/completions', body).expect(200);
    // And taking the period away again makes the budget a lifetime one.
    await master(t).post('/user/update', { user_id: owner.user_id, budget_duration: null });
    t.clock.advance(2 * 3_600_000);
    await key.post('/v1/chat/completions', body).expect(400);
  });

  it("holds a user's console session on the data plane to the user's models, budget and rpm", async () => {
    const user = await userCaller(t, 'internal_user', {
      models: ['db-echo'],
      max_budget: (2 * CALL_NANOS) / 1e9,
      rpm_limit: 100,
    });
    const models = await user.get('/v1/models').expect(200);
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual(['db-echo']);
    const other = await user.post('/v1/chat/completions', chatBody('cfg-echo')).expect(404);
    expect(other.body.error).toMatchObject({ param: 'model', code: 'model_not_found' });
    const body = chatBody('db-echo', { max_tokens: 5 });
    await user.post('/v1/chat/completions', body).expect(200);
    await user.post('/v1/chat/completions', body).expect(200);
    const spent = await user.post('/v1/chat/completions', body).expect(400);
    expect(spent.body.error.type).toBe('budget_exceeded');
    await flushSpend(t);
    expect(await sqlNumber(t, `SELECT spend FROM users WHERE user_id = '${user.userId}'`)).toBe(
      2 * CALL_NANOS,
    );

    const limited = await userCaller(t, 'internal_user', { rpm_limit: 1 });
    alignToMinute(t);
    await limited.post('/v1/chat/completions', chatBody('db-echo')).expect(200);
    const slow = await limited.post('/v1/chat/completions', chatBody('db-echo')).expect(429);
    expect(Number(slow.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('refuses the data plane to roles without gateway.call, even with a key made for them', async () => {
    const viewer = await createUser(t, 'internal_user_viewer');
    const key = await generate(master(t), { user_id: viewer.user_id });
    const res = await bearer(t, key.key)
      .post('/v1/chat/completions', chatBody('cfg-echo'))
      .expect(403);
    expect(res.body.error.type).toBe('permission_error');
  });
});
