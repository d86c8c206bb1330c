import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  DataSource,
  type EntityManager,
  type EntityTarget,
  type ObjectLiteral,
  type Repository,
} from 'typeorm';

/**
 * The one way to run several writes (a change and its audit row) in one database transaction.
 * `run(fn)` opens a transaction, or joins the caller's; repositories read their TypeORM
 * repository through `repository(Entity)`, so whatever they write inside `fn` lands in it
 * without a manager being handed down every call.
 *
 * SQLite (better-sqlite3) has one connection, and TypeORM turns a second transaction begun on
 * it into a savepoint of the first: two concurrent `run`s would interleave. They are queued
 * here instead, one after another. PostgreSQL gives each transaction its own connection.
 */
@Injectable()
export class Transactions {
  private readonly ambient = new AsyncLocalStorage<{ manager: EntityManager; open: boolean }>();
  private readonly serialize: boolean;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.serialize = dataSource.options.type !== 'postgres';
  }

  get isPostgres(): boolean {
    return !this.serialize;
  }

  run<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const current = this.current();
    if (current) return fn(current);
    const start = (): Promise<T> =>
      this.dataSource.transaction(async (manager) => {
        // Work started inside and still running after the end (a mail sent later) must not
        // reach for the finished transaction: it sees `open: false` and goes without.
        const store = { manager, open: true };
        try {
          return await this.ambient.run(store, () => fn(manager));
        } finally {
          store.open = false;
        }
      });
    if (!this.serialize) return start();
    const result = this.queue.then(start, start);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private current(): EntityManager | null {
    const store = this.ambient.getStore();
    return store?.open ? store.manager : null;
  }

  /** Whether the caller runs inside `run`. */
  get active(): boolean {
    return this.current() !== null;
  }

  /** The transaction's manager inside `run`, else the default one. */
  manager(): EntityManager {
    return this.current() ?? this.dataSource.manager;
  }

  repository<E extends ObjectLiteral>(entity: EntityTarget<E>): Repository<E> {
    return this.manager().getRepository(entity);
  }
}
