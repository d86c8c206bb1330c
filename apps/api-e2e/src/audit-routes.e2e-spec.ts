import type { GenerateKeyResponse, OnboardingTokenResponse } from '@gatehouse/shared/dto';
import type { Test } from 'supertest';
import { randomBytes } from 'node:crypto';
import { createTeam, createUser, login, master, uniqueEmail, userCaller } from './support/callers';
import { sqlNumber } from './support/db';
import { startApp, type TestApp } from './support/test-app';

/**
 * Issue 14: walks every mutating route the app registers (like the guard test walks every
 * route) and fails when one succeeds without leaving exactly one audit row. A route added
 * later fails here until it has a scenario (or a stated reason to leave no row): nobody has to
 * remember to add it.
 */

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Routes that change nothing on the management plane, and why. */
const NO_ROW: Record<string, string> = {
  'POST /v1/chat/completions': 'data plane: billed in spend_logs',
  'POST /chat/completions': 'data plane: billed in spend_logs',
  'POST /v1/embeddings': 'data plane: billed in spend_logs',
  'POST /embeddings': 'data plane: billed in spend_logs',
  'POST /v1/messages': 'data plane: billed in spend_logs',
  'POST /anthropic/v1/messages': 'data plane: billed in spend_logs',
  'POST /settings/test-email': 'sends the caller a test email; changes no setting or row',
  'POST /model/test': 'one probe call to a deployment; changes no model or row',
  'POST /password/forgot':
    'anonymous, same answer for any email, changes no user (it mails a link; the reset it leads to is recorded)',
};

/** One successful call of a route, after building what it needs. */
type Scenario = (t: TestApp) => Promise<() => Test>;

const password = (): string => `pw-${randomBytes(8).toString('hex')}`;

async function aKey(t: TestApp): Promise<GenerateKeyResponse> {
  const owner = await createUser(t, 'internal_user');
  return (await master(t).post('/key/generate', { user_id: owner.user_id }).expect(200))
    .body as GenerateKeyResponse;
}

async function anInvitation(t: TestApp): Promise<{ id: string; userId: string }> {
  const user = await createUser(t, 'internal_user', { password: undefined });
  const res = await master(t).post('/invitation/new', { user_id: user.user_id }).expect(200);
  return { id: res.body.id as string, userId: user.user_id };
}

const SCENARIOS: Record<string, Scenario> = {
  'POST /user/new': (t) =>
    Promise.resolve(() => master(t).post('/user/new', { user_email: uniqueEmail() })),
  'POST /user/update': async (t) => {
    const user = await createUser(t, 'internal_user');
    return () => master(t).post('/user/update', { user_id: user.user_id, max_budget: 3 });
  },
  'POST /user/delete': async (t) => {
    const user = await createUser(t, 'internal_user');
    return () => master(t).post('/user/delete', { user_ids: [user.user_id] });
  },
  'POST /user/password/reset_link': async (t) => {
    const user = await createUser(t, 'internal_user');
    return () => master(t).post('/user/password/reset_link', { user_id: user.user_id });
  },
  'POST /password/reset': async (t) => {
    const user = await createUser(t, 'internal_user');
    const res = await master(t)
      .post('/user/password/reset_link', { user_id: user.user_id })
      .expect(200);
    const token = new URL(res.body.reset_link as string).searchParams.get('token');
    return () => t.http.post('/password/reset').send({ token, password: password() });
  },
  'POST /team/new': (t) => Promise.resolve(() => master(t).post('/team/new', {})),
  'POST /team/update': async (t) => {
    const team = await createTeam(t);
    return () => master(t).post('/team/update', { team_id: team.team_id, max_budget: 3 });
  },
  'POST /team/delete': async (t) => {
    const team = await createTeam(t);
    return () => master(t).post('/team/delete', { team_ids: [team.team_id] });
  },
  'POST /team/member_add': async (t) => {
    const team = await createTeam(t);
    const user = await createUser(t, 'internal_user');
    return () =>
      master(t).post('/team/member_add', {
        team_id: team.team_id,
        member: [{ user_id: user.user_id, role: 'user' }],
      });
  },
  'POST /team/member_delete': async (t) => {
    const user = await createUser(t, 'internal_user');
    const team = await createTeam(t, {}, [[user.user_id, 'user']]);
    return () =>
      master(t).post('/team/member_delete', { team_id: team.team_id, user_id: user.user_id });
  },
  'POST /invitation/new': async (t) => {
    const user = await createUser(t, 'internal_user');
    return () => master(t).post('/invitation/new', { user_id: user.user_id });
  },
  'POST /invitation/update': async (t) => {
    const { id } = await anInvitation(t);
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    return () => master(t).post('/invitation/update', { invitation_id: id, expires_at: expires });
  },
  'POST /invitation/delete': async (t) => {
    const { id } = await anInvitation(t);
    return () => master(t).post('/invitation/delete', { invitation_id: id });
  },
  'POST /onboarding/claim_token': async (t) => {
    const { id, userId } = await anInvitation(t);
    const { token } = (
      await t.http.get(`/onboarding/get_token?invite_link=${encodeURIComponent(id)}`).expect(200)
    ).body as OnboardingTokenResponse;
    return () =>
      t.http
        .post('/onboarding/claim_token')
        .set('Authorization', `Bearer ${token}`)
        .send({ invitation_link: id, user_id: userId, password: password() });
  },
  'POST /login': async (t) => {
    const user = await createUser(t, 'internal_user');
    return () => t.http.post('/login').send({ username: user.user_email, password: user.password });
  },
  'POST /logout': async (t) => {
    const user = await createUser(t, 'internal_user');
    const session = await login(t, user.user_email ?? '', user.password);
    return () => session.post('/logout');
  },
  'POST /key/generate': async (t) => {
    const user = await createUser(t, 'internal_user');
    return () => master(t).post('/key/generate', { user_id: user.user_id });
  },
  'POST /key/update': async (t) => {
    const key = await aKey(t);
    return () => master(t).post('/key/update', { key: key.token, max_budget: 3 });
  },
  'POST /key/delete': async (t) => {
    const key = await aKey(t);
    return () => master(t).post('/key/delete', { keys: [key.token] });
  },
  'POST /key/regenerate': async (t) => {
    const key = await aKey(t);
    return () => master(t).post('/key/regenerate', { key: key.token });
  },
  'POST /key/block': async (t) => {
    const key = await aKey(t);
    return () => master(t).post('/key/block', { key: key.token });
  },
  'POST /key/unblock': async (t) => {
    const key = await aKey(t);
    await master(t).post('/key/block', { key: key.token }).expect(200);
    return () => master(t).post('/key/unblock', { key: key.token });
  },
  'POST /model/new': (t) =>
    Promise.resolve(() =>
      master(t).post('/model/new', {
        model_name: `walked-${randomBytes(3).toString('hex')}`,
        litellm_params: { model: 'openai/gpt-4o-mini', api_base: 'http://127.0.0.1:9' },
      }),
    ),
  'POST /model/delete': async (t) => {
    const res = await master(t)
      .post('/model/new', {
        model_name: 'to-delete',
        litellm_params: { model: 'openai/gpt-4o-mini', api_base: 'http://127.0.0.1:9' },
      })
      .expect(200);
    return () => master(t).post('/model/delete', { id: res.body.model_info.id });
  },
  'POST /model/update': async (t) => {
    const res = await master(t)
      .post('/model/new', {
        model_name: 'to-update',
        litellm_params: { model: 'openai/gpt-4o-mini', api_base: 'http://127.0.0.1:9' },
      })
      .expect(200);
    return () =>
      master(t).post('/model/update', {
        model_name: 'updated',
        model_info: { id: res.body.model_info.id },
      });
  },
};

describe('every mutating route leaves exactly one audit row (issue 14)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  const rows = (): Promise<number> => sqlNumber(t, 'SELECT COUNT(*) FROM audit_logs');
  const mutating = (): string[] => [
    ...new Set(
      t.routes
        .filter((r) => MUTATING.has(r.method) && !r.url.startsWith('/ui'))
        .map((r) => `${r.method} ${r.url}`),
    ),
  ];

  it('knows every mutating route: a scenario, or a reason it changes nothing', () => {
    const routes = mutating();
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((route) => !SCENARIOS[route] && !NO_ROW[route])).toEqual([]);
    // No stale entry either: every scenario names a route the app has.
    expect(Object.keys(SCENARIOS).filter((route) => !routes.includes(route))).toEqual([]);
  });

  it('leaves one row for one successful call of each route', async () => {
    const wrong: string[] = [];
    for (const route of mutating().filter((r) => SCENARIOS[r])) {
      const call = await SCENARIOS[route](t);
      const before = await rows();
      const res = await call();
      const added = (await rows()) - before;
      if (res.status >= 300 || added !== 1) wrong.push(`${route} -> ${res.status}, ${added} rows`);
    }
    expect(wrong).toEqual([]);
  });

  it('leaves one row whenever any mutating route succeeds with an empty body (new routes too)', async () => {
    const admin = await userCaller(t, 'proxy_admin');
    const wrong: string[] = [];
    for (const route of mutating().filter((r) => !NO_ROW[r])) {
      const [method, url] = route.split(' ');
      const path = url.replace(/:(\w+)/g, 'x');
      for (const call of [() => master(t).post(path, {}), () => admin.post(path, {})]) {
        const before = await rows();
        const res =
          method === 'POST'
            ? await call()
            : await t.http[method.toLowerCase() as 'put' | 'patch' | 'delete'](path)
                .set('Authorization', `Bearer ${t.masterKey}`)
                .send({});
        const added = (await rows()) - before;
        // Refused (4xx) changes nothing; a success (e.g. /team/new, /logout) writes one row.
        const expected = res.status < 300 ? 1 : 0;
        if (added !== expected) wrong.push(`${route} -> ${res.status}, ${added} rows`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
