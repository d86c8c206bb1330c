import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Written with TypeORM's schema API so one migration serves SQLite and PostgreSQL. */
export class UsersAndSessions1764200000000 implements MigrationInterface {
  name = 'UsersAndSessions1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'user_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'user_email', type: 'varchar', length: '254', isNullable: true },
          { name: 'user_alias', type: 'varchar', length: '256', isNullable: true },
          { name: 'user_role', type: 'varchar', length: '32' },
          { name: 'password_hash', type: 'varchar', length: '255', isNullable: true },
          { name: 'max_budget', type: 'bigint', isNullable: true },
          { name: 'spend', type: 'bigint', default: 0 },
          { name: 'models', type: 'text' },
          { name: 'tpm_limit', type: 'integer', isNullable: true },
          { name: 'rpm_limit', type: 'integer', isNullable: true },
          { name: 'budget_duration', type: 'varchar', length: '16', isNullable: true },
          { name: 'budget_reset_at', type: 'bigint', isNullable: true },
          { name: 'metadata', type: 'text' },
          { name: 'created_at', type: 'bigint' },
          { name: 'created_by', type: 'varchar', length: '128', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
          { name: 'updated_by', type: 'varchar', length: '128', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'users',
      new TableIndex({ name: 'UQ_users_user_email', columnNames: ['user_email'], isUnique: true }),
    );
    await queryRunner.createIndex(
      'users',
      new TableIndex({ name: 'IDX_users_created_at', columnNames: ['created_at'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '128' },
          { name: 'is_master', type: 'boolean', default: false },
          { name: 'csrf_token', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'sessions',
      new TableIndex({ name: 'IDX_sessions_user_id', columnNames: ['user_id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sessions');
    await queryRunner.dropTable('users');
  }
}
