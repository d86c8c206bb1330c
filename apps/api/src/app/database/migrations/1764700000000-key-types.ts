import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const TABLES = ['keys', 'deleted_keys'] as const;

/**
 * Keys get a `key_type` (what they may be used for) and remember the management role of whoever
 * made them (`created_by_role`): a key's management role is capped at the meet of its owner's
 * role and that one. Existing keys are backfilled from their creator's current role (the master
 * key counts as proxy_admin; a creator that is gone counts as the owner), and the keys the old
 * team-admin rule could have minted for somebody else (creator neither the owner, nor the master
 * key, nor a proxy_admin) become `llm_api`. Aliases become unique per owner instead of globally
 * (a 409 named another user's alias).
 */
export class KeyTypes1764700000000 implements MigrationInterface {
  name = 'KeyTypes1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.addColumns(table, [
        new TableColumn({
          name: 'key_type',
          type: 'varchar',
          length: '16',
          default: "'default'",
        }),
        new TableColumn({
          name: 'created_by_role',
          type: 'varchar',
          length: '32',
          // Least privilege until the backfill below sets it.
          default: "'internal_user_viewer'",
        }),
      ]);
      await queryRunner.query(
        `UPDATE ${table} SET created_by_role = CASE
           WHEN created_by = 'admin' THEN 'proxy_admin'
           WHEN EXISTS (SELECT 1 FROM users u WHERE u.user_id = ${table}.created_by)
             THEN (SELECT u.user_role FROM users u WHERE u.user_id = ${table}.created_by)
           ELSE COALESCE(
             (SELECT u.user_role FROM users u WHERE u.user_id = ${table}.user_id),
             'internal_user_viewer')
         END`,
      );
      await queryRunner.query(
        `UPDATE ${table} SET key_type = 'llm_api'
         WHERE created_by IS NULL
            OR (created_by <> COALESCE(user_id, '')
                AND created_by <> 'admin'
                AND NOT EXISTS (SELECT 1 FROM users u
                                WHERE u.user_id = ${table}.created_by
                                  AND u.user_role = 'proxy_admin'))`,
      );
    }
    await queryRunner.dropIndex('keys', 'UQ_keys_key_alias');
    await queryRunner.createIndex(
      'keys',
      new TableIndex({
        name: 'UQ_keys_user_id_key_alias',
        columnNames: ['user_id', 'key_alias'],
        isUnique: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('keys', 'UQ_keys_user_id_key_alias');
    await queryRunner.createIndex(
      'keys',
      new TableIndex({ name: 'UQ_keys_key_alias', columnNames: ['key_alias'], isUnique: true }),
    );
    for (const table of TABLES) {
      await queryRunner.dropColumn(table, 'created_by_role');
      await queryRunner.dropColumn(table, 'key_type');
    }
  }
}
