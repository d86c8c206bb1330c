import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Single sign-on and password resets. A user signed in through OIDC keeps the provider's
 * `iss` + `sub` (unique together), so a changed email at the provider finds the same row.
 * Reset tokens are stored as their SHA-256 only; the passwords module owns the table.
 */
export class Identity1764720000000 implements MigrationInterface {
  name = 'Identity1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'sso_issuer', type: 'varchar', length: '512', isNullable: true }),
      new TableColumn({ name: 'sso_subject', type: 'varchar', length: '255', isNullable: true }),
    ]);
    // NULLs are distinct in a unique index on both databases: password-only users never clash.
    await queryRunner.createIndex(
      'users',
      new TableIndex({
        name: 'UQ_users_sso_identity',
        columnNames: ['sso_issuer', 'sso_subject'],
        isUnique: true,
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'password_reset_tokens',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '128' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'used_at', type: 'bigint', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'password_reset_tokens',
      new TableIndex({ name: 'IDX_password_reset_tokens_user_id', columnNames: ['user_id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('password_reset_tokens');
    await queryRunner.dropIndex('users', 'UQ_users_sso_identity');
    await queryRunner.dropColumns('users', ['sso_issuer', 'sso_subject']);
  }
}
