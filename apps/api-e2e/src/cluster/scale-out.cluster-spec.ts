import type { GenerateKeyResponse, ModelResponse } from '@gatehouse/shared/dto';
import type { Response } from 'supertest';
import { bearer, createUser, login, master, uniqueEmail } from '../support/callers';
import { eventually, startCluster, waitFor, type Cluster, type Instance } from '../support/cluster';

/**
 * Issue 12, slice 1: what several instances share today. Three processes of the built API on
 * one PostgreSQL schema and one private Redis; changes made through one are seen by the
 * others within 1 s, the login throttle counts on all of them, and a Redis outage does what
 * REDIS_FAILURE_MODE says (never a 500, never a hang).
 */

const chat = (model: string): object => ({
  model,
  messages: [{ role: 'user', content: 'hi' }],
  mock_response: 'hello',
});

function newModel(name: string): object {
  return {
    model_name: name,
    // mock_response calls never reach the upstream: nothing listens on port 9.
    litellm_params: { model: 'openai/none', api_base: 'http://127.0.0.1:9/v1' },
    model_info: { input_cost_per_token: 0, output_cost_per_token: 0 },
  };
}

async function modelNames(instance: Instance): Promise<string[]> {
  const res = await master(instance).get('/model/info').expect(200);
  return (res.body.data as ModelResponse[]).map((m) => m.model_name);
}

/** One login attempt with a wrong password, from a chosen client address (TRUST_PROXY). */
function wrongLogin(instance: Instance, account: string, client: string) {
  return instance.http
    .post('/login')
    .set('X-Forwarded-For', client)
    .send({ username: account, password: 'not-the-password' });
}

/** Every answer is one of these statuses (no 5xx but the documented 503). */
function expectStatusIn(res: Response, allowed: number[]): void {
  if (!allowed.includes(res.status)) {
    throw new Error(
      `status ${res.status} not in ${allowed.join(',')}: ${JSON.stringify(res.body)}`,
    );
  }
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const value = await work();
  return [value, Date.now() - started];
}

async function redisStatus(instance: Instance): Promise<string> {
  const res = await instance.http.get('/health/readiness').expect(200);
  return `${res.body.status}/${res.body.redis}`;
}

describe('issue 12 slice 1: 3 instances, one PostgreSQL schema, one Redis (REDIS_FAILURE_MODE=open)', () => {
  let c: Cluster;
  let a: Instance;
  let b: Instance;
  let cc: Instance;

  beforeAll(async () => {
    c = await startCluster({ instances: 3, env: { TRUST_PROXY: 'true' } });
    [a, b, cc] = c.instances;
  });
  afterAll(() => c?.close());

  it('all three started at once on the fresh schema, report Redis ok and gatehouse_redis_up 1', async () => {
    for (const instance of c.instances) {
      const res = await instance.http.get('/health/readiness').expect(200);
      expect(res.body).toEqual({
        status: 'healthy',
        db: 'connected',
        redis: 'ok',
        redis_failure_mode: 'open',
      });
      const metrics = await master(instance).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^gatehouse_redis_up 1$/m);
    }
  });

  it('a model added with /model/new on A is listed and callable on B and C within 1 s', async () => {
    const name = `m-${Date.now()}`;
    // Before: B refuses the unknown model.
    const before = await master(b).post('/v1/chat/completions').send(chat(name));
    expect(before.status).toBeGreaterThanOrEqual(400);
    expect(before.body.error.param).toBe('model');

    await master(a).post('/model/new', newModel(name)).expect(200);
    for (const other of [b, cc]) {
      const ms = await eventually(async () => {
        expect(await modelNames(other)).toContain(name);
      });
      expect(ms).toBeLessThan(1000);
      await master(other).post('/v1/chat/completions').send(chat(name)).expect(200);
    }
  });

  it('a model deleted on A is refused on B within 1 s', async () => {
    const name = `gone-${Date.now()}`;
    const model = (await master(a).post('/model/new', newModel(name)).expect(200))
      .body as ModelResponse;
    await eventually(async () => {
      await master(b).post('/v1/chat/completions').send(chat(name)).expect(200);
    });
    await master(a).post('/model/delete', { id: model.model_info.id }).expect(200);
    await eventually(async () => {
      const res = await master(b).post('/v1/chat/completions').send(chat(name));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.param).toBe('model');
    });
    expect(await modelNames(cc)).not.toContain(name);
  });

  it('a model renamed with /model/update on A is served under its new name on B and C within 1 s', async () => {
    const name = `old-${Date.now()}`;
    const model = (await master(a).post('/model/new', newModel(name)).expect(200))
      .body as ModelResponse;
    await eventually(async () => {
      await master(b).post('/v1/chat/completions').send(chat(name)).expect(200);
    });
    const renamed = `new-${Date.now()}`;
    await master(a)
      .post('/model/update', { model_name: renamed, model_info: { id: model.model_info.id } })
      .expect(200);
    for (const other of [b, cc]) {
      const ms = await eventually(async () => {
        expect(await modelNames(other)).toContain(renamed);
      });
      expect(ms).toBeLessThan(1000);
      expect(await modelNames(other)).not.toContain(name);
      await master(other).post('/v1/chat/completions').send(chat(renamed)).expect(200);
    }
  });

  it('a key blocked on A is refused on B and C (pinned: worked before this slice too)', async () => {
    const owner = await createUser(a, 'internal_user');
    const key = (await master(a).post('/key/generate', { user_id: owner.user_id }).expect(200))
      .body as GenerateKeyResponse;
    // B and C cache the key.
    await bearer(b, key.key).get('/me').expect(200);
    await bearer(cc, key.key).get('/me').expect(200);
    await master(a).post('/key/block', { key: key.token }).expect(200);
    for (const other of [b, cc]) {
      await eventually(async () => {
        const res = await bearer(other, key.key).get('/me');
        expect(res.status).toBe(401);
        expect(res.body.error.type).toBe('auth_error');
      });
    }
  });

  it("a user's role change and deletion on A apply on B at once, to sessions and keys", async () => {
    const user = await createUser(a, 'internal_user');
    const email = user.user_email ?? '';
    const key = (await master(a).post('/key/generate', { user_id: user.user_id }).expect(200))
      .body as GenerateKeyResponse;
    const sessionOnB = await login(b, email, user.password);
    expect((await sessionOnB.get('/me').expect(200)).body.user_role).toBe('internal_user');
    expect((await bearer(b, key.key).get('/me').expect(200)).body.user_role).toBe('internal_user');

    await master(a)
      .post('/user/update', { user_id: user.user_id, user_role: 'internal_user_viewer' })
      .expect(200);
    // Sessions read the user row on every request: no wait at all.
    expect((await sessionOnB.get('/me').expect(200)).body.user_role).toBe('internal_user_viewer');
    // Keys go through B's key cache: invalidated over the bus.
    await eventually(async () => {
      const res = await bearer(b, key.key).get('/me').expect(200);
      expect(res.body.user_role).toBe('internal_user_viewer');
    });

    await master(a)
      .post('/user/delete', { user_ids: [user.user_id] })
      .expect(200);
    await sessionOnB.get('/me').expect(401);
    await eventually(async () => {
      await bearer(b, key.key).get('/me').expect(401);
    });
  });

  it('logout on A ends the session on B and C; a password change on A ends the others', async () => {
    const user = await createUser(a, 'internal_user');
    const email = user.user_email ?? '';
    const session = await login(a, email, user.password);
    // The same cookies work on every instance (sessions live in PostgreSQL)...
    const onB = {
      ...session,
      get: (path: string) => b.http.get(path).set('Cookie', session.cookies.join('; ')),
    };
    await onB.get('/me').expect(200);
    await session.post('/logout').expect(200);
    // ...and a logout on A is seen by B at once: B reads the session row on every request.
    await onB.get('/me').expect(401);
    await cc.http.get('/me').set('Cookie', session.cookies.join('; ')).expect(401);

    const first = await login(b, email, user.password);
    const second = await login(cc, email, user.password);
    await second
      .post('/user/update', {
        user_id: user.user_id,
        password: 'a-new-password-123',
        current_password: user.password,
      })
      .expect(200);
    // The session that changed it stays; the one opened on B ends, seen from A.
    await a.http.get('/me').set('Cookie', first.cookies.join('; ')).expect(401);
    await a.http.get('/me').set('Cookie', second.cookies.join('; ')).expect(200);
  });

  it('5 wrong passwords spread over 3 instances lock the account on all of them', async () => {
    const user = await createUser(a, 'internal_user');
    const email = user.user_email ?? '';
    for (let i = 0; i < 5; i++) {
      await wrongLogin(c.at(i), email, '10.12.0.1').expect(401);
    }
    for (const instance of c.instances) {
      const res = await wrongLogin(instance, email, '10.12.0.2');
      expect(res.status).toBe(429);
      expect(res.body.error.type).toBe('rate_limit_error');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Even the right password waits now, on any instance (the account is locked, not the client).
    const right = await b.http
      .post('/login')
      .set('X-Forwarded-For', '10.12.0.3')
      .send({ username: email, password: user.password });
    expect(right.status).toBe(429);
    // The client's window is shared too: 20 attempts per address over all instances.
    const client = '10.12.0.9';
    const accounts = Array.from({ length: 21 }, () => uniqueEmail('spray'));
    const statuses: number[] = [];
    for (let i = 0; i < accounts.length; i++) {
      statuses.push((await wrongLogin(c.at(i), accounts[i], client)).status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it('Redis paused, then killed: logins keep answering (open), nothing hangs; once back the throttle is shared again and missed changes arrive', async () => {
    const redis = c.redis;
    if (!redis) throw new Error('the cluster has no Redis');
    const user = await createUser(a, 'internal_user');
    const email = user.user_email ?? '';

    redis.pause();
    try {
      for (let i = 0; i < 6; i++) {
        const [res, ms] = await timed(() => wrongLogin(c.at(i), uniqueEmail('p'), '10.13.0.1'));
        expectStatusIn(res, [401]);
        // At most one command timeout (500 ms) before the instance counts on its own.
        expect(ms).toBeLessThan(1500);
      }
      const [ok, okMs] = await timed(() => login(b, email, user.password));
      expect(ok.body.user_id).toBe(user.user_id);
      expect(okMs).toBeLessThan(1500);
      // Every instance notices (PING every second) and says so.
      for (const instance of c.instances) {
        await waitFor(
          `${instance.name} to report Redis down`,
          async () => (await redisStatus(instance)) === 'degraded/down',
        );
      }
      const metrics = await master(a).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^gatehouse_redis_up 0$/m);
      // A change made meanwhile cannot be published...
      await master(a).post('/model/new', newModel('added-while-paused')).expect(200);
    } finally {
      redis.resume();
    }

    await redis.kill();
    const during = await Promise.all(
      c.instances.map((instance) =>
        timed(() => wrongLogin(instance, uniqueEmail('k'), '10.13.0.2')),
      ),
    );
    for (const [res, ms] of during) {
      expectStatusIn(res, [401]);
      expect(ms).toBeLessThan(1500);
    }
    await redis.restart();
    for (const instance of c.instances) {
      await waitFor(
        `${instance.name} to report Redis ok`,
        async () => (await redisStatus(instance)) === 'healthy/ok',
      );
    }
    // ...but reaches the others after the recovery (they resync from the database).
    for (const other of [b, cc]) {
      await eventually(async () => {
        expect(await modelNames(other)).toContain('added-while-paused');
      });
    }
    // The restarted Redis is empty, and shared again: 5 wrong over 3 instances lock the account.
    for (let i = 0; i < 5; i++) await wrongLogin(c.at(i), email, '10.13.0.3').expect(401);
    for (const instance of c.instances) {
      expect((await wrongLogin(instance, email, '10.13.0.4')).status).toBe(429);
    }
  });
});

describe('issue 12 slice 1: REDIS_FAILURE_MODE=closed', () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await startCluster({ instances: 2, env: { REDIS_FAILURE_MODE: 'closed' } });
  });
  afterAll(() => c?.close());

  it('a login answers 503 service_unavailable while Redis is paused or gone, other routes serve; it works again once Redis is back', async () => {
    const redis = c.redis;
    if (!redis) throw new Error('the cluster has no Redis');
    const [a, b] = c.instances;
    const user = await createUser(a, 'internal_user');
    const email = user.user_email ?? '';
    await login(b, email, user.password);

    const refusedLogin = async (instance: Instance): Promise<void> => {
      const [res, ms] = await timed(() =>
        instance.http.post('/login').send({ username: email, password: user.password }),
      );
      expectStatusIn(res, [503]);
      expect(res.body.error).toMatchObject({
        type: 'service_unavailable',
        code: 'redis_unavailable',
        param: null,
      });
      expect(res.headers['retry-after']).toBe('1');
      expect(ms).toBeLessThan(1500);
    };

    redis.pause();
    try {
      for (const instance of c.instances) await refusedLogin(instance);
      for (const instance of c.instances) {
        await waitFor(
          `${instance.name} to report Redis down`,
          async () => (await redisStatus(instance)) === 'degraded/down',
        );
        // The database-backed routes do not need Redis.
        await master(instance).get('/user/list').expect(200);
      }
    } finally {
      redis.resume();
    }
    await redis.kill();
    for (const instance of c.instances) await refusedLogin(instance);
    await redis.restart();
    for (const instance of c.instances) {
      await waitFor(
        `${instance.name} to report Redis ok`,
        async () => (await redisStatus(instance)) === 'healthy/ok',
      );
      await login(instance, email, user.password);
    }
  });
});
