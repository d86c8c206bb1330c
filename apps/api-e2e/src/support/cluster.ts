import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import type { HttpTarget } from './callers';

/**
 * Several real Gatehouse processes (the built `dist/apps/api/main.js`, never rebuilt here) on
 * one fresh PostgreSQL schema and one private `redis-server`, for tests of what instances
 * share. The harness owns its Redis, so a test may pause, kill, restart or flush it; the
 * shared one on 6379 is never touched. `close()` stops everything and drops the schema, also
 * after a failed start.
 */

const ROOT = resolve(__dirname, '../../../..');
export const API_MAIN = join(ROOT, 'dist/apps/api/main.js');
const START_TIMEOUT_MS = 30_000;

/** Waits on a condition without a fixed sleep: polls every `everyMs` until it holds. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise<void>((r) => setTimeout(r, everyMs));
  }
}

/** Retries an assertion until it passes or `timeoutMs` is over (then its last failure). */
export async function eventually(check: () => Promise<void>, timeoutMs = 1000): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise<void>((r) => setTimeout(r, 20));
    }
  }
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Resolves once the process prints `marker` on stdout/stderr; rejects if it exits first. */
function outputMarker(child: ChildProcess, marker: string, what: string, output: string[]) {
  return new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start in time:\n${output.join('')}`)),
      START_TIMEOUT_MS,
    );
    let seen: string | null = '';
    const onData = (chunk: Buffer): void => {
      output.push(chunk.toString());
      if (seen === null) return;
      seen = (seen + chunk.toString()).slice(-4096);
      if (seen.includes(marker)) {
        seen = null;
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}):\n${output.join('')}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** SIGCONT first (a stopped process ignores SIGTERM), SIGTERM, then SIGKILL after a while. */
async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** A private redis-server on a free port: no persistence, so a restart starts empty. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGSTOP: connections stay open, nothing answers. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** SIGKILL and wait for the exit (connections drop). */
  kill(): Promise<void>;
  /** Start again on the same port (after `kill`), empty. */
  restart(): Promise<void>;
  flush(): Promise<void>;
  /** Runs one command with redis-cli (for inspection). */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    const output: string[] = [];
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await outputMarker(child, 'Ready to accept connections', `redis-server on ${port}`, output);
    } catch (error) {
      await stopProcess(child);
      throw error;
    }
  };
  const cli = (...args: string[]): Promise<string> =>
    new Promise((resolveCli, reject) => {
      const run = spawn('redis-cli', ['-p', String(port), ...args]);
      let out = '';
      run.stdout.on('data', (c: Buffer) => (out += c.toString()));
      run.on('error', reject);
      run.on('exit', (code) =>
        code === 0 ? resolveCli(out.trim()) : reject(new Error(`redis-cli ${args.join(' ')}`)),
      );
    });
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    kill: async () => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: launch,
    flush: async () => {
      await cli('FLUSHALL');
    },
    cli,
    stop: () => stopProcess(child),
  };
}

/** One running instance: a TestApp-like target for the callers in callers.ts. */
export interface Instance extends HttpTarget {
  readonly name: string;
  readonly port: number;
  readonly baseUrl: string;
  /** Everything it printed (LOG_LEVEL=warn by default): for failure messages. */
  readonly output: string[];
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** How many instances (default 3). */
  instances?: number;
  /** Extra environment for every instance (e.g. REDIS_FAILURE_MODE). */
  env?: Record<string, string>;
  /** false: no Redis at all (instances without REDIS_URL). */
  redis?: boolean;
}

export interface Cluster {
  readonly masterKey: string;
  readonly schema: string;
  readonly redis: RedisServer | null;
  readonly instances: Instance[];
  /** Instance i modulo the count: `at(n)` for round-robin loops. */
  at(i: number): Instance;
  /** One SQL statement on the cluster's schema. */
  sql<T = Record<string, unknown>>(query: string): Promise<T[]>;
  close(): Promise<void>;
}

const PG_URL = process.env['DATABASE_URL'];

function requirePrerequisites(): string {
  if (!existsSync(API_MAIN)) {
    throw new Error(
      `${API_MAIN} is missing: the cluster specs run the built API. ` +
        'Build it first: npx nx run api:build --skip-nx-cache',
    );
  }
  if (!PG_URL?.startsWith('postgres')) {
    throw new Error(
      'The cluster specs need PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
    );
  }
  return PG_URL;
}

async function withPg<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One process of the built API, ready (database, and Redis when REDIS_URL is set). */
export async function startInstance(
  name: string,
  env: Record<string, string>,
  masterKey: string,
): Promise<Instance> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [API_MAIN], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      TZ: 'UTC',
      HOST: '127.0.0.1',
      PORT: String(port),
      PROXY_MASTER_KEY: masterKey,
      LOG_LEVEL: 'warn',
      SPEND_FLUSH_INTERVAL_MS: '100',
      ...env,
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await outputMarker(child, 'gatehouse: listening on', `instance ${name}`, output);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  const instance: Instance = {
    name,
    port,
    baseUrl,
    output,
    process: child,
    masterKey,
    http: request(baseUrl),
    stop: () => stopProcess(child),
  };
  // Ready = the database answers and (with Redis) both connections are live, so the
  // instance's subscriptions are in place before a test publishes anything.
  try {
    await waitFor(`instance ${name} to be ready`, async () => {
      const res = await instance.http.get('/health/readiness');
      return res.status === 200 && (env['REDIS_URL'] ? res.body.redis === 'ok' : true);
    });
  } catch (error) {
    await instance.stop();
    throw new Error(`${(error as Error).message}\n${output.join('')}`);
  }
  return instance;
}

/**
 * Starts `instances` processes of the built API at once (they race on the fresh schema's
 * migrations, as replicas do) on one new PostgreSQL schema, with one private Redis.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const pgUrl = requirePrerequisites();
  const schema = `gh_e2e_cluster_${process.pid}_${randomBytes(4).toString('hex')}`;
  const masterKey = `sk-cluster-master-${randomBytes(12).toString('hex')}`;
  await withPg(pgUrl, (c) => c.query(`CREATE SCHEMA "${schema}"`));
  let redis: RedisServer | null = null;
  const instances: Instance[] = [];
  // Each instance its own spend journal directory (one journal, one writer).
  const journals: string[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(instances.map((i) => i.stop()));
    for (const dir of journals) rmSync(dir, { recursive: true, force: true });
    await redis?.stop();
    await withPg(pgUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  };
  try {
    if (options.redis !== false) redis = await startRedis();
    const env: Record<string, string> = {
      DATABASE_URL: pgUrl,
      DATABASE_SCHEMA: schema,
      ...(redis ? { REDIS_URL: redis.url } : {}),
      ...options.env,
    };
    const names = 'ABCDEFGHIJ';
    const count = options.instances ?? 3;
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => {
        const journal = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-journal-'));
        journals.push(journal);
        return startInstance(
          names[i] ?? `#${i}`,
          { SPEND_JOURNAL_PATH: journal, ...env },
          masterKey,
        );
      }),
    );
    for (const result of started) if (result.status === 'fulfilled') instances.push(result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return {
    masterKey,
    schema,
    redis,
    instances,
    at: (i) => instances[((i % instances.length) + instances.length) % instances.length],
    sql: <T>(query: string) =>
      withPg(pgUrl, async (c) => {
        await c.query(`SET search_path TO "${schema}"`);
        return (await c.query(query)).rows as T[];
      }),
    close,
  };
}
