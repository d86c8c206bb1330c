import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { SystemClock } from '../common/time/clock';
import type { AppConfig, DatabaseConfig } from '../config/app-config';
import { SQLITE_BUSY_TIMEOUT_MS, dataSourceOptions } from '../database/data-source-options';
import { initializeDataSource } from '../database/initialize';
import { MetricsService } from '../metrics/metrics.service';
import { ClosedDaysCache } from './closed-days.cache';
import { FileSpendJournal, JournalSpendQueue } from './spend-journal';
import { InMemorySpendQueue } from './spend-queue';
import type { SpendRecord } from './spend-record';
import { SqliteWorkerSpendStore, TypeOrmSpendStore, type SpendStore } from './spend-store';
import { SpendWriter } from './spend-writer';

/**
 * Spend writers on real databases. Issue 12: three spend writers (three instances) flush at the same time into one database —
 * the same key, user and team counters, the same rollup rows — and the counters and rollups
 * still equal the logs, exactly. Real SQLite (a file, one writer thread each) and real
 * PostgreSQL (a fresh schema, one connection pool each).
 */

const PG_URL = process.env['DATABASE_URL']?.startsWith('postgres')
  ? process.env['DATABASE_URL']
  : 'postgres://postgres@127.0.0.1:5432/test';
const WRITERS = 3;
const ROUNDS = 8;
const PER_ROUND = 60;

interface Target {
  database: DatabaseConfig;
  /** One store per writer, each with its own connection(s), as three instances have. */
  store: () => Promise<SpendStore>;
  drop: () => Promise<void>;
}

function sqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-writers-'));
  const path = join(dir, 'db.sqlite');
  return Promise.resolve({
    database: { type: 'sqlite', path },
    store: () => Promise.resolve(new SqliteWorkerSpendStore(path, SQLITE_BUSY_TIMEOUT_MS)),
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
}

async function pgTarget(): Promise<Target> {
  const schema = `gh_unit_writers_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  const database: DatabaseConfig = { type: 'postgres', url: PG_URL, schema };
  const sources: DataSource[] = [];
  return {
    database,
    store: async () => {
      const source = await initializeDataSource(dataSourceOptions(database));
      sources.push(source);
      return new TypeOrmSpendStore(source);
    },
    drop: async () => {
      for (const source of sources) await source.destroy();
      const client = new Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

const record = (requestId: string, spendNanos: number, day: number): SpendRecord => ({
  requestId,
  keyToken: 'key-1',
  userId: 'user-1',
  teamId: 'team-1',
  model: day % 2 ? 'model-a' : 'model-b',
  callType: 'chat_completion',
  promptTokens: 3,
  completionTokens: 2,
  spendNanos,
  savedNanos: 0,
  startTimeMs: Date.UTC(2026, 11, 1 + day, 12),
  endTimeMs: Date.UTC(2026, 11, 1 + day, 12, 0, 1),
  status: 'success',
  cacheHit: false,
  errorType: null,
  modelId: null,
  attemptedRetries: 0,
  attemptedFallbacks: 0,
});

/** One key of one user in one team, counters at 0. */
async function seed(ds: DataSource): Promise<void> {
  await ds.query(
    `INSERT INTO users (user_id, user_role, models, metadata, created_at, updated_at, spend)
     VALUES ('user-1', 'internal_user', '[]', '{}', 0, 0, 0)`,
  );
  await ds.query(
    `INSERT INTO teams (team_id, models, created_at, updated_at, spend) VALUES ('team-1', '[]', 0, 0, 0)`,
  );
  await ds.query(
    `INSERT INTO keys (token, secret_hash, key_name, user_id, team_id, models, metadata, created_at, updated_at, spend)
     VALUES ('key-1', 'hash-1', 'sk-...', 'user-1', 'team-1', '[]', '{}', 0, 0, 0)`,
  );
}

interface Books {
  logs: number;
  logSpend: number;
  rollupRequests: number;
  rollupSpend: number;
  key: number;
  user: number;
  team: number;
}

async function books(ds: DataSource): Promise<Books> {
  const one = async (sql: string): Promise<number> =>
    Number(Object.values((await ds.query<Record<string, string>[]>(sql))[0])[0] ?? 0);
  return {
    logs: await one('SELECT COUNT(*) AS n FROM spend_logs'),
    logSpend: await one('SELECT COALESCE(SUM(spend), 0) AS s FROM spend_logs'),
    rollupRequests: await one('SELECT COALESCE(SUM(requests), 0) AS n FROM daily_spend'),
    rollupSpend: await one('SELECT COALESCE(SUM(spend), 0) AS s FROM daily_spend'),
    key: await one(`SELECT spend FROM keys WHERE token = 'key-1'`),
    user: await one(`SELECT spend FROM users WHERE user_id = 'user-1'`),
    team: await one(`SELECT spend FROM teams WHERE team_id = 'team-1'`),
  };
}

/** The books of `count` calls costing `spend` in all: every counter equal to the logs. */
const exact = (count: number, spend: number): Books => ({
  logs: count,
  logSpend: spend,
  rollupRequests: count,
  rollupSpend: spend,
  key: spend,
  user: spend,
  team: spend,
});

describe.each([
  ['SQLite (a file)', sqliteTarget],
  ['PostgreSQL', pgTarget],
])('issue 12: 3 spend writers flushing at once on %s stay exact', (_name, target) => {
  let t: Target;
  let ds: DataSource;

  beforeAll(async () => {
    t = await target();
    ds = await initializeDataSource(dataSourceOptions(t.database));
    await seed(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await t?.drop();
  });

  it('counters (key, user, team) and rollups equal the logs after concurrent flushes', async () => {
    const metrics = new MetricsService();
    const config = { spendFlushIntervalMs: 1000, spendFlushMaxEvents: 1000 } as AppConfig;
    const writers = await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        const queue = new InMemorySpendQueue();
        const closedDays = new ClosedDaysCache(new SystemClock());
        const writer = new SpendWriter(queue, await t.store(), config, metrics, closedDays);
        return { queue, writer };
      }),
    );
    let expected = 0;
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [w, { queue }] of writers.entries()) {
        for (let i = 0; i < PER_ROUND; i++) {
          const spend = 1_000 + ((n * 7919) % 5_000);
          expected += spend;
          queue.push({
            type: 'spend',
            record: record(`w${w}-r${round}-${i}-${n++}`, spend, i % 3),
          });
        }
      }
      // All three flush at once: their transactions contend for the same rows.
      await Promise.all(writers.map(({ writer }) => writer.flush()));
      for (const { queue } of writers) expect(queue.size).toBe(0);
    }
    for (const { writer } of writers) await writer.onApplicationShutdown();

    const b = await books(ds);
    expect(b).toEqual(exact(WRITERS * ROUNDS * PER_ROUND, expected));
  });
});

describe('issue 17: the writer replays the journal from its mark, exactly once (real SQLite, real journal)', () => {
  let t: Target;
  let ds: DataSource;
  let journalDir: string;

  beforeEach(async () => {
    t = await sqliteTarget();
    journalDir = mkdtempSync(join(tmpdir(), 'gatehouse-replay-'));
    ds = await initializeDataSource(dataSourceOptions(t.database));
    await seed(ds);
  });
  afterEach(async () => {
    await ds.destroy();
    await t.drop();
    rmSync(journalDir, { recursive: true, force: true });
  });

  /** One run of an instance: a journal, its queue, a writer (replayed at start). */
  async function run(): Promise<{
    queue: JournalSpendQueue;
    writer: SpendWriter;
    store: SpendStore;
  }> {
    const queue = new JournalSpendQueue(new FileSpendJournal({ path: journalDir, fsync: 'none' }));
    const store = await t.store();
    const writer = new SpendWriter(
      queue,
      store,
      { spendFlushIntervalMs: 1000, spendFlushMaxEvents: 1000 } as AppConfig,
      new MetricsService(),
      new ClosedDaysCache(new SystemClock()),
    );
    await writer.onModuleInit();
    return { queue, writer, store };
  }
  const push = (queue: JournalSpendQueue, from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      queue.push({ type: 'spend', record: record(`r${i}`, 100, 0) });
    }
  };
  /** The process dies: nothing more is flushed (what is queued is only in the journal). */
  const kill = ({ queue, store }: { queue: JournalSpendQueue; store: SpendStore }) => {
    queue.close();
    return store.close();
  };

  it('writes what was journaled after the mark, and nothing twice', async () => {
    const first = await run();
    push(first.queue, 0, 5);
    await first.writer.flush();
    push(first.queue, 5, 8);
    await kill(first);
    expect(await books(ds)).toEqual(exact(5, 500));

    const second = await run();
    expect(await books(ds)).toEqual(exact(8, 800));
    await kill(second);
    // Nothing past the mark: a third start writes nothing.
    const third = await run();
    expect(await books(ds)).toEqual(exact(8, 800));
    await third.writer.onApplicationShutdown();
    expect(readdirSync(journalDir).filter((f) => f.endsWith('.log'))).toHaveLength(1);
  });

  it('without a mark, skips every record whose request_id spend_logs has (idempotent)', async () => {
    const first = await run();
    push(first.queue, 0, 6);
    await first.writer.flush();
    push(first.queue, 6, 9);
    await kill(first);
    // As if the mark were lost: only the request_ids tell what is written.
    await ds.query('DELETE FROM spend_journal_marks');

    const second = await run();
    expect(await books(ds)).toEqual(exact(9, 900));
    await second.writer.onApplicationShutdown();
  });
});
