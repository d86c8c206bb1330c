import { DataSource } from 'typeorm';
import { KeyTypes1764700000000 } from './1764700000000-key-types';
import { MIGRATIONS } from './index';

/**
 * The backfill of KeyTypes1764700000000 on SQLite (the SQL is plain enough for both databases;
 * the e2e suites run every migration on PostgreSQL too).
 */
describe('migration 1764700000000: key types', () => {
  let ds: DataSource;

  const user = (id: string, role: string): Promise<unknown> =>
    ds.query(
      `INSERT INTO users (user_id, user_role, models, metadata, created_at, updated_at)
       VALUES (?, ?, '[]', '{}', 0, 0)`,
      [id, role],
    );
  const key = (table: string, token: string, owner: string | null, creator: string | null) =>
    ds.query(
      `INSERT INTO ${table} (token, secret_hash, key_name, key_alias, user_id, models, metadata,
         created_at, created_by, updated_at${table === 'deleted_keys' ? ', deleted_at' : ''})
       VALUES (?, ?, 'sk-...', ?, ?, '[]', '{}', 0, ?, 0${table === 'deleted_keys' ? ', 0' : ''})`,
      [token, `hash-${token}`, `alias-${token}`, owner, creator],
    );

  beforeAll(async () => {
    ds = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await ds.initialize();
    const runner = ds.createQueryRunner();
    for (const Migration of MIGRATIONS.filter((m) => m !== KeyTypes1764700000000)) {
      await new Migration().up(runner);
    }
    await user('admin-user', 'proxy_admin');
    await user('team-admin', 'internal_user');
    await user('member-admin', 'proxy_admin');
    await user('viewer', 'internal_user_viewer');
    await key('keys', 'own', 'team-admin', 'team-admin');
    await key('keys', 'by-master', 'viewer', 'admin');
    await key('keys', 'by-admin', 'team-admin', 'admin-user');
    // The finding-1 key: a team admin's key for a proxy_admin member.
    await key('keys', 'escalated', 'member-admin', 'team-admin');
    await key('keys', 'creator-gone', 'member-admin', 'deleted-user');
    await key('deleted_keys', 'archived', 'member-admin', 'team-admin');
    await new KeyTypes1764700000000().up(runner);
    await runner.release();
  });
  afterAll(() => ds.destroy());

  const row = async (table: string, token: string) => {
    const rows = await ds.query<{ key_type: string; created_by_role: string }[]>(
      `SELECT key_type, created_by_role FROM ${table} WHERE token = ?`,
      [token],
    );
    return rows[0];
  };

  it.each([
    ['keys', 'own', 'default', 'internal_user'],
    ['keys', 'by-master', 'default', 'proxy_admin'],
    ['keys', 'by-admin', 'default', 'proxy_admin'],
    ['keys', 'escalated', 'llm_api', 'internal_user'],
    ['keys', 'creator-gone', 'llm_api', 'proxy_admin'],
    ['deleted_keys', 'archived', 'llm_api', 'internal_user'],
  ])('%s %s: key_type %s, created_by_role %s', async (table, token, keyType, role) => {
    expect(await row(table, token)).toEqual({ key_type: keyType, created_by_role: role });
  });

  it('makes aliases unique per owner, not globally', async () => {
    await key('keys', 'same-alias-other-owner', 'viewer', 'viewer');
    await ds.query(
      `UPDATE keys SET key_alias = 'alias-own' WHERE token = 'same-alias-other-owner'`,
    );
    await expect(
      ds.query(`UPDATE keys SET key_alias = 'alias-own' WHERE token = 'by-admin'`),
    ).rejects.toThrow(/UNIQUE/);
  });
});
