import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The `GET /key/list?sort_by=` columns that had no index (created_at and user_id have one),
 * each with the token: the list breaks ties by token in the sort's direction, so one index
 * serves both directions and a page reads its rows in order, even when most keys tie (every
 * unused key has spend 0 and no budget), instead of sorting every key.
 */
const COLUMNS = ['spend', 'updated_at', 'key_alias', 'max_budget', 'expires'] as const;

export class KeyListSortIndexes1764860000000 implements MigrationInterface {
  name = 'KeyListSortIndexes1764860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndices(
      'keys',
      COLUMNS.map(
        (column) =>
          new TableIndex({ name: `IDX_keys_${column}_token`, columnNames: [column, 'token'] }),
      ),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of COLUMNS) await queryRunner.dropIndex('keys', `IDX_keys_${column}_token`);
  }
}
