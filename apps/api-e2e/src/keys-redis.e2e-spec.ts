import { ClusterBus, RedisClusterBus } from '@gatehouse/api/testing';
import type { GenerateKeyResponse } from '@gatehouse/shared/dto';
import { bearer, createUser, master } from './support/callers';
import { startApp, type TestApp } from './support/test-app';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Retries an assertion until it holds (a message is in flight), failing after ~3 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      await check();
      return;
    } catch (error) {
      lastError = error;
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
    }
  }
  throw lastError;
}

async function redisReady(t: TestApp): Promise<void> {
  const bus = t.app.get(ClusterBus);
  if (!(bus instanceof RedisClusterBus)) throw new Error('REDIS_URL did not take effect');
  await bus.ready();
}

/** Two instances on one database: a change on one reaches the other's key cache via Redis. */
describe('key cache invalidation across instances (Redis pub/sub)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startApp({ env: { REDIS_URL } });
    const db = a.config.database;
    const shared: Record<string, string> =
      db.type === 'sqlite'
        ? { DATABASE_URL: `sqlite:${db.path}` }
        : { DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema ?? '' };
    b = await startApp({ env: { REDIS_URL, ...shared } });
    await Promise.all([redisReady(a), redisReady(b)]);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('blocks, unblocks, deletes and regenerates on A are seen by B', async () => {
    const owner = await createUser(a, 'internal_user');
    const key = (await master(a).post('/key/generate', { user_id: owner.user_id }).expect(200))
      .body as GenerateKeyResponse;
    const onB = bearer(b, key.key);
    // B caches the key.
    await onB.get('/me').expect(200);

    await master(a).post('/key/block', { key: key.token }).expect(200);
    await eventually(async () => {
      const res = await onB.get('/me');
      expect(res.body.error?.message).toBe('API key is blocked');
    });

    await master(a).post('/key/unblock', { key: key.token }).expect(200);
    await eventually(async () => {
      await onB.get('/me').expect(200);
    });

    const fresh = (await master(a).post('/key/regenerate', { key: key.token }).expect(200))
      .body as GenerateKeyResponse;
    await eventually(async () => {
      const res = await onB.get('/me');
      expect(res.status).toBe(401);
    });
    await bearer(b, fresh.key).get('/me').expect(200);

    await master(a)
      .post('/key/delete', { keys: [key.token] })
      .expect(200);
    await eventually(async () => {
      const res = await bearer(b, fresh.key).get('/me');
      expect(res.body.error?.message).toBe('API key was deleted');
    });
  });

  it("an owner's role change on A applies to the key on B", async () => {
    const owner = await createUser(a, 'internal_user');
    const key = (await master(a).post('/key/generate', { user_id: owner.user_id }).expect(200))
      .body as GenerateKeyResponse;
    const onB = bearer(b, key.key);
    expect((await onB.get('/me').expect(200)).body.user_role).toBe('internal_user');
    await master(a)
      .post('/user/update', { user_id: owner.user_id, user_role: 'internal_user_viewer' })
      .expect(200);
    await eventually(async () => {
      expect((await onB.get('/me').expect(200)).body.user_role).toBe('internal_user_viewer');
    });
  });
});
