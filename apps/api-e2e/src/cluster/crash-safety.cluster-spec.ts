import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { bearer, createTeam, createUser, master } from '../support/callers';
import { Redis } from 'ioredis';
import {
  eventually,
  startCluster,
  startInstance,
  type Cluster,
  type Instance,
} from '../support/cluster';
import { startMockUpstream, type MockUpstream } from '../support/mock-upstream';

/**
 * Issue 17: a killed instance loses no spend. The built API runs as a child process under
 * concurrent load and is killed with SIGKILL (what the OOM killer does); the restarted process
 * replays its spend journal, and the books then say exactly what was answered: a spend log for
 * every answered call (plus at most the calls in flight at the kill, journaled before their
 * answer could leave), and key, user and team counters and the daily rollups equal the sum of
 * the logs. Flushes run during the load (every 300 ms), so the replay starts from a mark.
 */

const PG_URL = process.env['DATABASE_URL'];
const CONCURRENCY = 16;
const LOAD_MS = 1500;
const MIN_ANSWERED = 40;
/** 10 prompt + 5 completion tokens from the mock upstream at these prices: $0.30 a call. */
const PRICES = { input_cost_per_token: 0.02, output_cost_per_token: 0.02 };
const CALL_NANOS = 300_000_000;

interface Books {
  logs: { count: number; spend: number };
  key: number;
  user: number;
  team: number;
  rollup: { requests: number; spend: number };
}

type Sql = (query: string) => Promise<Record<string, unknown>[]>;

async function books(sql: Sql, ids: { key: string; user: string; team: string }): Promise<Books> {
  const one = async (query: string): Promise<Record<string, unknown>> => (await sql(query))[0];
  const logs = await one(
    `SELECT COUNT(*) AS n, COALESCE(SUM(spend), 0) AS s FROM spend_logs WHERE key_token = '${ids.key}'`,
  );
  const rollup = await one(
    `SELECT COALESCE(SUM(requests), 0) AS n, COALESCE(SUM(spend), 0) AS s FROM daily_spend WHERE key_token = '${ids.key}'`,
  );
  const counter = async (table: string, column: string, id: string): Promise<number> =>
    Number((await one(`SELECT spend FROM ${table} WHERE ${column} = '${id}'`))['spend']);
  return {
    logs: { count: Number(logs['n']), spend: Number(logs['s']) },
    key: await counter('keys', 'token', ids.key),
    user: await counter('users', 'user_id', ids.user),
    team: await counter('teams', 'team_id', ids.team),
    rollup: { requests: Number(rollup['n']), spend: Number(rollup['s']) },
  };
}

interface Database_ {
  env: Record<string, string>;
  sql: Sql;
  drop(): Promise<void>;
}

function sqliteDatabase(dir: string): Database_ {
  const path = join(dir, 'gatehouse.sqlite');
  return {
    env: { DATABASE_URL: `sqlite:${path}` },
    sql: (query) => {
      const db = new Database(path, { readonly: true });
      try {
        return Promise.resolve(db.prepare(query).all() as Record<string, unknown>[]);
      } finally {
        db.close();
      }
    },
    drop: () => Promise.resolve(),
  };
}

async function pgDatabase(url: string): Promise<Database_> {
  const schema = `gh_e2e_crash_${process.pid}_${randomBytes(4).toString('hex')}`;
  const run = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  await run((c) => c.query(`CREATE SCHEMA "${schema}"`));
  return {
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
    sql: (query) =>
      run(async (c) => {
        await c.query(`SET search_path TO "${schema}"`);
        return (await c.query(query)).rows as Record<string, unknown>[];
      }),
    drop: () =>
      run((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined),
  };
}

/** A priced model (on `upstreamUrl`), and a key of a user in a team, made through `on`. */
async function pricedKey(
  on: Instance,
  upstreamUrl: string,
): Promise<{ key: string; ids: { key: string; user: string; team: string } }> {
  await master(on)
    .post('/model/new', {
      model_name: 'priced',
      litellm_params: { model: 'openai/echo', api_base: upstreamUrl, api_key: 'sk-up-1234' },
      model_info: PRICES,
    })
    .expect(200);
  const user = await createUser(on, 'internal_user');
  const team = await createTeam(on, {}, [[user.user_id, 'user']]);
  const generated = await master(on)
    .post('/key/generate', { user_id: user.user_id, team_id: team.team_id })
    .expect(200);
  const { key, token } = generated.body as { key: string; token: string };
  return { key, ids: { key: token, user: user.user_id, team: team.team_id } };
}

/** Every log costs one call; key, user and team counters and the rollups equal the logs. */
function expectExact(after: Books): void {
  expect(after.logs.spend).toBe(after.logs.count * CALL_NANOS);
  expect(after).toMatchObject({
    key: after.logs.spend,
    user: after.logs.spend,
    team: after.logs.spend,
    rollup: { requests: after.logs.count, spend: after.logs.spend },
  });
}

/**
 * Calls the priced model from CONCURRENCY loops (round-robin over `callers`) for LOAD_MS, then
 * SIGKILLs `victim` while calls are in flight; resolves with how many calls were answered 200.
 */
async function loadThenKill(
  callers: ReturnType<typeof bearer>[],
  victim: Instance,
): Promise<number> {
  let answered = 0;
  let stop = false;
  let turn = 0;
  const loops = Array.from({ length: CONCURRENCY }, async () => {
    while (!stop) {
      try {
        const res = await callers[turn++ % callers.length].post('/v1/chat/completions', {
          model: 'priced',
          messages: [{ role: 'user', content: 'hi' }],
        });
        if (res.status === 200) answered++;
        else if (!stop) throw new Error(`status ${res.status}: ${JSON.stringify(res.body)}`);
      } catch (error) {
        if (!stop) throw error;
      }
    }
  });
  // At least LOAD_MS, and (on a loaded machine) until MIN_ANSWERED calls were answered.
  const started = Date.now();
  while (
    Date.now() - started < LOAD_MS ||
    (answered < MIN_ANSWERED && Date.now() - started < 20_000)
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exited = new Promise((resolve) => victim.process.once('exit', resolve));
  victim.process.kill('SIGKILL');
  stop = true;
  await exited;
  await Promise.all(loops);
  return answered;
}

const variants: [string, (dir: string) => Promise<Database_>][] = [
  ['SQLite (its own file)', (dir) => Promise.resolve(sqliteDatabase(dir))],
  [
    'PostgreSQL',
    () => {
      if (!PG_URL?.startsWith('postgres')) throw new Error('set DATABASE_URL=postgres://…');
      return pgDatabase(PG_URL);
    },
  ],
];

describe.each(variants)('issue 17: SIGKILL under load on %s loses no spend', (_name, open) => {
  let dir: string;
  let db: Database_;
  let upstream: MockUpstream;
  let instance: Instance | null = null;
  const masterKey = `sk-crash-master-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-crash-'));
    db = await open(dir);
    upstream = await startMockUpstream();
  });
  afterAll(async () => {
    await instance?.stop();
    await upstream?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bills every answered call exactly once after a restart: logs = counters = rollups', async () => {
    const env = {
      ...db.env,
      SPEND_JOURNAL_PATH: join(dir, 'journal'),
      SPEND_FLUSH_INTERVAL_MS: '300',
      SPEND_FLUSH_MAX_EVENTS: '100000',
    };
    instance = await startInstance('crash', env, masterKey);
    const first = instance;
    const { key, ids } = await pricedKey(first, upstream.url);
    const caller = bearer(first, key);

    // Concurrent load; SIGKILL while calls are in flight.
    const answered = await loadThenKill([caller], first);
    expect(answered).toBeGreaterThanOrEqual(MIN_ANSWERED);

    // The kill caught answered calls the writer had not written yet (else this proves nothing).
    const beforeRestart = await books(db.sql, ids);
    expect(beforeRestart.logs.count).toBeGreaterThan(0);
    expect(beforeRestart.logs.count).toBeLessThan(answered);

    instance = await startInstance('crash (restarted)', env, masterKey);
    const after = await books(db.sql, ids);
    // Every answered call is billed; beyond them, at most the calls in flight at the kill
    // (journaled, then killed before their answer left).
    expect(after.logs.count).toBeGreaterThanOrEqual(answered);
    expect(after.logs.count).toBeLessThanOrEqual(answered + CONCURRENCY);
    expectExact(after);
    // The key's own view agrees (its budget is charged), and the journal is small again.
    const info = await master(instance).get(`/key/info?key=${ids.key}`).expect(200);
    expect(Math.round((info.body.info.spend as number) * 1e9)).toBe(after.logs.spend);
    const metrics = await master(instance).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^gatehouse_spend_journal_bytes \d+$/m);

    // A second restart replays nothing again.
    await instance.stop();
    instance = await startInstance('crash (again)', env, masterKey);
    const again = await books(db.sql, ids);
    expect(again).toEqual(after);
  });
});

describe('issue 17: two instances on Redis, one SIGKILLed mid-load: the survivor bills its calls', () => {
  let c: Cluster;
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    c = await startCluster({
      instances: 2,
      env: { SPEND_FLUSH_INTERVAL_MS: '300', SPEND_STREAM_CLAIM_IDLE_MS: '1000' },
    });
  });
  afterAll(async () => {
    await c?.close();
    await upstream?.close();
  });

  it('every call answered by either instance is billed once, by the spend stream', async () => {
    const [a, b] = c.instances;
    const { key, ids } = await pricedKey(a, upstream.url);
    await eventually(async () => {
      await bearer(b, key)
        .post('/v1/chat/completions', {
          model: 'priced',
          messages: [{ role: 'user', content: 'hi' }],
        })
        .expect(200);
    }, 2000);

    const answered = 1 + (await loadThenKill([bearer(a, key), bearer(b, key)], a));
    expect(answered).toBeGreaterThanOrEqual(MIN_ANSWERED);
    const sql: Sql = (query) => c.sql(query);
    // B writes what A journaled in the stream: what A had not read, and (after 1 s idle) what
    // A had read and not written.
    const after = await eventually(async () => {
      const now = await books(sql, ids);
      expect(now.logs.count).toBeGreaterThanOrEqual(answered);
    }, 10_000).then(() => books(sql, ids));
    expect(after.logs.count).toBeLessThanOrEqual(answered + CONCURRENCY);
    expectExact(after);
    // Written entries are acknowledged and deleted: the stream holds nothing pending.
    const redis = new Redis(c.redis?.url ?? '');
    try {
      // One stream, named after this database (the harness's Redis is private).
      const streams = await redis.keys('gatehouse:spend:*');
      expect(streams).toHaveLength(1);
      await eventually(async () => {
        expect(await redis.xlen(streams[0])).toBe(0);
      }, 3000);
      const pending = (await redis.xpending(streams[0], 'writers')) as [number];
      expect(Number(pending[0])).toBe(0);
    } finally {
      redis.disconnect();
    }
    // Nothing is written twice later on.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await books(sql, ids)).toEqual(after);
  });
});
