import {
  Table,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';

/** The columns of `keys` and of its archive `deleted_keys`. */
function keyColumns(): TableColumnOptions[] {
  return [
    { name: 'token', type: 'varchar', length: '64', isPrimary: true },
    { name: 'secret_hash', type: 'varchar', length: '64' },
    { name: 'previous_secret_hash', type: 'varchar', length: '64', isNullable: true },
    { name: 'previous_secret_expires_at', type: 'bigint', isNullable: true },
    { name: 'key_name', type: 'varchar', length: '32' },
    { name: 'key_alias', type: 'varchar', length: '256', isNullable: true },
    { name: 'user_id', type: 'varchar', length: '128', isNullable: true },
    { name: 'team_id', type: 'varchar', length: '128', isNullable: true },
    { name: 'models', type: 'text' },
    { name: 'max_budget', type: 'bigint', isNullable: true },
    { name: 'spend', type: 'bigint', default: 0 },
    { name: 'budget_duration', type: 'varchar', length: '16', isNullable: true },
    { name: 'budget_reset_at', type: 'bigint', isNullable: true },
    { name: 'expires', type: 'bigint', isNullable: true },
    { name: 'tpm_limit', type: 'integer', isNullable: true },
    { name: 'rpm_limit', type: 'integer', isNullable: true },
    { name: 'max_parallel_requests', type: 'integer', isNullable: true },
    { name: 'metadata', type: 'text' },
    { name: 'blocked', type: 'boolean', default: false },
    { name: 'created_at', type: 'bigint' },
    { name: 'created_by', type: 'varchar', length: '128', isNullable: true },
    { name: 'updated_at', type: 'bigint' },
    { name: 'updated_by', type: 'varchar', length: '128', isNullable: true },
  ];
}

/** Virtual keys (stored as SHA-256 of the secret) and the archive of deleted ones. */
export class Keys1764400000000 implements MigrationInterface {
  name = 'Keys1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(new Table({ name: 'keys', columns: keyColumns() }));
    await queryRunner.createIndices('keys', [
      new TableIndex({ name: 'UQ_keys_secret_hash', columnNames: ['secret_hash'], isUnique: true }),
      new TableIndex({
        name: 'IDX_keys_previous_secret_hash',
        columnNames: ['previous_secret_hash'],
      }),
      new TableIndex({ name: 'UQ_keys_key_alias', columnNames: ['key_alias'], isUnique: true }),
      new TableIndex({ name: 'IDX_keys_user_id', columnNames: ['user_id'] }),
      new TableIndex({ name: 'IDX_keys_team_id', columnNames: ['team_id'] }),
      new TableIndex({ name: 'IDX_keys_created_at', columnNames: ['created_at'] }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'deleted_keys',
        columns: [
          ...keyColumns(),
          { name: 'deleted_at', type: 'bigint' },
          { name: 'deleted_by', type: 'varchar', length: '128', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndices('deleted_keys', [
      new TableIndex({ name: 'IDX_deleted_keys_secret_hash', columnNames: ['secret_hash'] }),
      new TableIndex({
        name: 'IDX_deleted_keys_previous_secret_hash',
        columnNames: ['previous_secret_hash'],
      }),
      new TableIndex({ name: 'IDX_deleted_keys_user_id', columnNames: ['user_id'] }),
      new TableIndex({ name: 'IDX_deleted_keys_deleted_at', columnNames: ['deleted_at'] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('deleted_keys');
    await queryRunner.dropTable('keys');
  }
}
