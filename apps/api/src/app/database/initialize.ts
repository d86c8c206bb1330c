import { DataSource, type DataSourceOptions } from 'typeorm';

/** Session-level advisory lock, one per schema, held while an instance runs the migrations. */
const MIGRATIONS_LOCK = `hashtext('gatehouse migrations ' || current_schema())`;

/**
 * Connects and runs the pending migrations. On PostgreSQL, under an advisory lock: replicas
 * started at once on an empty database run them one after another (the later ones find
 * nothing left to do) instead of racing on the same CREATE TABLEs. SQLite has one writer.
 */
export async function initializeDataSource(options: DataSourceOptions): Promise<DataSource> {
  if (options.type !== 'postgres') return new DataSource(options).initialize();
  const dataSource = await new DataSource({ ...options, migrationsRun: false }).initialize();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(${MIGRATIONS_LOCK})`);
    await dataSource.runMigrations({ transaction: options.migrationsTransactionMode ?? 'each' });
  } finally {
    await runner.query(`SELECT pg_advisory_unlock(${MIGRATIONS_LOCK})`).catch(() => undefined);
    await runner.release();
  }
  return dataSource;
}
