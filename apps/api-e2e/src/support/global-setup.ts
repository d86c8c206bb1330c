import { Client } from 'pg';

/** With DATABASE_URL=postgres://… the suite needs PostgreSQL: fail loudly, never skip. */
export default async function globalSetup(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url?.startsWith('postgres')) return;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${url}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
