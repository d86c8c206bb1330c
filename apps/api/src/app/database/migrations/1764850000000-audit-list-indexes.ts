import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const OLD = ['updated_at', 'object_id', 'changed_by', 'action', 'table_name'];

/**
 * `GET /audit` lists newest first by `(updated_at, seq)`. Each filter gets an index that
 * starts with its equality column(s) and then `(updated_at, seq)`, so a filter plus a date
 * range is one index range in list order (the page is its first rows, the `total` a count over
 * that range), and `table_name` + `action` together have their own. The first audit migration's
 * `(column, seq)` indexes answered one filter but not two, nor a filter and dates.
 *
 * Created from the least to the most selective: without statistics (ANALYZE), SQLite breaks a
 * tie between two single-column equality indexes in favour of the one created last, so
 * `changed_by` + `action` walks the actor's rows rather than every row with that action.
 */
const NEW: readonly (readonly string[])[] = [
  ['updated_at', 'seq'],
  ['table_name', 'updated_at', 'seq'],
  ['action', 'updated_at', 'seq'],
  ['table_name', 'action', 'updated_at', 'seq'],
  ['changed_by', 'updated_at', 'seq'],
  ['object_id', 'updated_at', 'seq'],
];

const name = (columns: readonly string[]): string =>
  `IDX_audit_logs_list_${columns.filter((c) => c !== 'updated_at' && c !== 'seq').join('_') || 'time'}`;

export class AuditListIndexes1764850000000 implements MigrationInterface {
  name = 'AuditListIndexes1764850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const column of OLD) await queryRunner.dropIndex('audit_logs', `IDX_audit_logs_${column}`);
    for (const columns of NEW) {
      await queryRunner.createIndex(
        'audit_logs',
        new TableIndex({ name: name(columns), columnNames: [...columns] }),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const columns of NEW) await queryRunner.dropIndex('audit_logs', name(columns));
    for (const column of OLD) {
      await queryRunner.createIndex(
        'audit_logs',
        new TableIndex({ name: `IDX_audit_logs_${column}`, columnNames: [column, 'seq'] }),
      );
    }
  }
}
