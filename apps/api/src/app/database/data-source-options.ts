import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { DatabaseLogger } from '../common/logging/database-logger';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** How long a SQLite writer waits for another (the spend writer's thread, or the app's). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** One set of options for both databases; migrations run at start, never `synchronize`. */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    // Failed queries only, and never their parameters (see DatabaseLogger).
    logging: ['error' as const],
    logger: new DatabaseLogger(),
  };
  if (database.type === 'sqlite') {
    if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: database.path,
      enableWAL: database.path !== ':memory:',
      timeout: SQLITE_BUSY_TIMEOUT_MS,
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: database.url,
    extra: {
      max: 10,
      ...(database.schema ? { options: `-c search_path=${database.schema}` } : {}),
    },
  };
}
