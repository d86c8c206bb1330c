import {
  Clock,
  createApp,
  loadConfig,
  type AppConfig,
  type RegisteredRoute,
} from '@gatehouse/api/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';

/** A clock the test moves by hand: no sleeping through expiries. */
export class TestClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  clock: TestClock;
  routes: RegisteredRoute[];
  masterKey: string;
  http: TestAgent;
  /** The listening base URL, when started with `listen: true` (for curl and real clients). */
  baseUrl: string | null;
  close(): Promise<void>;
  /** Drops the test database only (for tests that close the app themselves). */
  drop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  logDestination?: DestinationStream;
  listen?: boolean;
}

const PG_URL = process.env['DATABASE_URL']?.startsWith('postgres')
  ? process.env['DATABASE_URL']
  : null;

async function freshDatabase(): Promise<{
  env: Record<string, string>;
  drop: () => Promise<void>;
}> {
  if (PG_URL) {
    const schema = `gh_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
    return {
      env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema },
      drop: async () => {
        const client = new Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  return {
    env: { DATABASE_URL: `sqlite:${join(dir, 'gatehouse.sqlite')}`, DATA_DIR: dir },
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** The real application on a fresh database, with a known master key and a movable clock. */
export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const database = await freshDatabase();
  const masterKey = `sk-test-master-${randomBytes(12).toString('hex')}`;
  // Each app its own spend journal, also two apps on one database (one journal, one writer).
  const journal = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-journal-'));
  const config = loadConfig({
    PROXY_MASTER_KEY: masterKey,
    LOG_LEVEL: options.logDestination ? 'info' : 'silent',
    SPEND_JOURNAL_PATH: journal,
    ...database.env,
    ...options.env,
  });
  const clock = new TestClock();
  const { app, routes } = await createApp(config, {
    clock,
    logDestination: options.logDestination,
  });
  let baseUrl: string | null = null;
  if (options.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    if (address && typeof address === 'object') baseUrl = `http://127.0.0.1:${address.port}`;
  }
  return {
    app,
    config,
    clock,
    routes,
    masterKey,
    http: request(app.getHttpServer()),
    baseUrl,
    close: async () => {
      await app.close();
      await database.drop();
      rmSync(journal, { recursive: true, force: true });
    },
    drop: async () => {
      await database.drop();
      rmSync(journal, { recursive: true, force: true });
    },
  };
}
