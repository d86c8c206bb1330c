import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The router's record of each call: the deployment that served it (`model_info.id`, as the
 * `x-gatehouse-model-id` header) and the retries and fallbacks it took. Older rows: null / 0.
 */
export class SpendLogRouting1764820000000 implements MigrationInterface {
  name = 'SpendLogRouting1764820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('spend_logs', [
      new TableColumn({ name: 'model_id', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'attempted_retries', type: 'integer', default: 0 }),
      new TableColumn({ name: 'attempted_fallbacks', type: 'integer', default: 0 }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('spend_logs', [
      'model_id',
      'attempted_retries',
      'attempted_fallbacks',
    ]);
  }
}
