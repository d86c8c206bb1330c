import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The `GET /key/list?sort_by=` columns that had no index (created_at and user_id have one):
 * with one, a sorted page reads the first rows in order instead of sorting every key.
 */
const COLUMNS = ['spend', 'updated_at', 'key_alias', 'max_budget', 'expires'] as const;

export class KeyListSortIndexes1764860000000 implements MigrationInterface {
  name = 'KeyListSortIndexes1764860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndices(
      'keys',
      COLUMNS.map(
        (column) => new TableIndex({ name: `IDX_keys_${column}`, columnNames: [column] }),
      ),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of COLUMNS) await queryRunner.dropIndex('keys', `IDX_keys_${column}`);
  }
}
