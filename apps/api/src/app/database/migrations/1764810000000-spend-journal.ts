import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * How far the spend writer has written each spend journal: the journal's id, the segment file
 * and the byte offset after the last record written. The writer moves it in the same
 * transaction as the spend logs, counters and rollups it writes, so a restart replays exactly
 * what was journaled and not yet written.
 */
export class SpendJournal1764810000000 implements MigrationInterface {
  name = 'SpendJournal1764810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'spend_journal_marks',
        columns: [
          { name: 'journal_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'segment', type: 'varchar', length: '128' },
          { name: 'offset', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('spend_journal_marks');
  }
}
