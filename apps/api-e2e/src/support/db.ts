import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { TestApp } from './test-app';

/** Runs one read-only SQL statement straight on the test's database (also after app.close()). */
export async function sql<T = Record<string, unknown>>(t: TestApp, query: string): Promise<T[]> {
  const database = t.config.database;
  if (database.type === 'sqlite') {
    const db = new Database(database.path, { readonly: true });
    try {
      return db.prepare(query).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    if (database.schema) await client.query(`SET search_path TO "${database.schema}"`);
    return (await client.query(query)).rows as T[];
  } finally {
    await client.end();
  }
}

/** One number from a one-row, one-column query (NULL counts as 0). */
export async function sqlNumber(t: TestApp, query: string): Promise<number> {
  const rows = await sql(t, query);
  const value = Object.values(rows[0] ?? {})[0];
  return Number(value ?? 0);
}

/**
 * Runs SQL statements that write, straight on the test's database, behind the app's back (the
 * audit suite edits a row and plants a failing trigger). `sqlite` and `postgres` are the same
 * change in each dialect.
 */
export async function sqlWrite(
  t: TestApp,
  statements: { sqlite: string; postgres: string },
): Promise<void> {
  const database = t.config.database;
  if (database.type === 'sqlite') {
    const db = new Database(database.path);
    try {
      db.exec(statements.sqlite);
    } finally {
      db.close();
    }
    return;
  }
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    if (database.schema) await client.query(`SET search_path TO "${database.schema}"`);
    await client.query(statements.postgres);
  } finally {
    await client.end();
  }
}
