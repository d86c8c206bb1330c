import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** `GET /spend/logs?team_id=` pages a team's logs newest first from an index, like a user's. */
export class SpendLogsTeamIndex1764840000000 implements MigrationInterface {
  name = 'SpendLogsTeamIndex1764840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'spend_logs',
      new TableIndex({ name: 'IDX_spend_logs_team_start', columnNames: ['team_id', 'start_time'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('spend_logs', 'IDX_spend_logs_team_start');
  }
}
