import type { DataSource } from 'typeorm';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

import type { SqlDialect, SqlStatement, SqlValue } from '../database/sql-statement';

export { placeholder } from '../database/sql-statement';
export type { SqlDialect, SqlStatement, SqlValue } from '../database/sql-statement';

export type SqlRow = Record<string, SqlValue>;

/**
 * Where the spend writer's statements run, all of one flush in ONE transaction (all or none).
 * On PostgreSQL the driver is asynchronous anyway; on a SQLite file the statements run on a
 * worker thread (better-sqlite3 is synchronous: on the event loop, every flush was a pause of
 * every request in flight).
 */
export abstract class SpendStore {
  abstract readonly dialect: SqlDialect;
  abstract execute(statements: SqlStatement[]): Promise<void>;
  /** One read outside any flush (the replay at start: marks, request ids already written). */
  abstract query(statement: SqlStatement): Promise<SqlRow[]>;
  /** After the last flush. */
  abstract close(): Promise<void>;
}

/** Through the application's own TypeORM connection (PostgreSQL; SQLite `:memory:`). */
export class TypeOrmSpendStore extends SpendStore {
  readonly dialect: SqlDialect;

  constructor(private readonly dataSource: DataSource) {
    super();
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  execute(statements: SqlStatement[]): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      for (const s of statements) await manager.query(s.sql, s.params);
    });
  }

  query(statement: SqlStatement): Promise<SqlRow[]> {
    return this.dataSource.query<SqlRow[]>(statement.sql, statement.params);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The worker's script: plain JavaScript, beside this file and copied beside the bundle. */
export const SQLITE_WORKER_FILE = 'spend-sqlite.worker.js';

/** The worker thread's `nice` on Linux: below the event loop, which serves the requests. */
export const WRITER_NICE = 10;

interface Pending {
  resolve: (rows: SqlRow[]) => void;
  reject: (error: Error) => void;
}

type WorkerReply = { id: number; error?: string; rows?: SqlRow[] };

/**
 * A SQLite file written by a worker thread with its own connection (WAL: the application's
 * connection keeps reading meanwhile; writers wait for each other up to `busyTimeoutMs`).
 * The worker starts on the first flush (after migrations) and again after a crash; a crash
 * fails the flushes in flight, which the writer puts back in its queue.
 */
export class SqliteWorkerSpendStore extends SpendStore {
  readonly dialect = 'sqlite' as const;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
    private readonly script = join(__dirname, SQLITE_WORKER_FILE),
  ) {
    super();
  }

  async execute(statements: SqlStatement[]): Promise<void> {
    await this.send({ statements });
  }

  query(statement: SqlStatement): Promise<SqlRow[]> {
    return this.send({ query: statement });
  }

  private send(
    message: { statements: SqlStatement[] } | { query: SqlStatement },
  ): Promise<SqlRow[]> {
    const id = this.nextId++;
    return new Promise<SqlRow[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.started().postMessage({ id, ...message });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ close: true });
    await exited;
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, {
      workerData: { path: this.path, busyTimeoutMs: this.busyTimeoutMs, nice: WRITER_NICE },
    });
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if (reply.error === undefined) pending.resolve(reply.rows ?? []);
      else pending.reject(new Error(reply.error));
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`spend writer thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
