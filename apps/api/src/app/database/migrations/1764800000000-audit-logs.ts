import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The audit log: one row per management-plane change, appended in the change's transaction and
 * chained by `hash` (see audit/audit-chain.ts). `seq` orders the chain; `id` is the public id.
 */
export class AuditLogs1764800000000 implements MigrationInterface {
  name = 'AuditLogs1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'audit_logs',
        columns: [
          {
            name: 'seq',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'id', type: 'varchar', length: '36', isUnique: true },
          { name: 'updated_at', type: 'bigint' },
          { name: 'changed_by', type: 'varchar', length: '256', isNullable: true },
          { name: 'changed_by_api_key', type: 'varchar', length: '128', isNullable: true },
          { name: 'auth_method', type: 'varchar', length: '16' },
          { name: 'action', type: 'varchar', length: '32' },
          { name: 'table_name', type: 'varchar', length: '32' },
          { name: 'object_id', type: 'varchar', length: '256', isNullable: true },
          { name: 'before_value', type: 'text', isNullable: true },
          { name: 'updated_values', type: 'text', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'request_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    // The list's filters, each with seq for "newest first" (one index per filter column).
    for (const column of ['updated_at', 'object_id', 'changed_by', 'action', 'table_name']) {
      await queryRunner.createIndex(
        'audit_logs',
        new TableIndex({ name: `IDX_audit_logs_${column}`, columnNames: [column, 'seq'] }),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_logs');
  }
}
