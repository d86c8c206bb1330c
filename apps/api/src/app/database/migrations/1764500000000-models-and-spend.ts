import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Model deployments, spend logs and the daily spend rollup. */
export class ModelsAndSpend1764500000000 implements MigrationInterface {
  name = 'ModelsAndSpend1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'models',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'model_name', type: 'varchar', length: '256' },
          { name: 'provider_model', type: 'varchar', length: '256' },
          { name: 'api_base', type: 'varchar', length: '1024', isNullable: true },
          { name: 'api_key_encrypted', type: 'text', isNullable: true },
          { name: 'timeout_ms', type: 'integer', isNullable: true },
          { name: 'model_info', type: 'text' },
          { name: 'created_at', type: 'bigint' },
          { name: 'created_by', type: 'varchar', length: '128', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'models',
      new TableIndex({ name: 'IDX_models_model_name', columnNames: ['model_name'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'spend_logs',
        columns: [
          { name: 'request_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'key_token', type: 'varchar', length: '128', isNullable: true },
          { name: 'user_id', type: 'varchar', length: '128' },
          { name: 'team_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'model', type: 'varchar', length: '256' },
          { name: 'call_type', type: 'varchar', length: '32' },
          { name: 'prompt_tokens', type: 'integer' },
          { name: 'completion_tokens', type: 'integer' },
          { name: 'total_tokens', type: 'integer' },
          { name: 'spend', type: 'bigint', default: 0 },
          { name: 'start_time', type: 'bigint' },
          { name: 'end_time', type: 'bigint' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'cache_hit', type: 'boolean', default: false },
          { name: 'error_type', type: 'varchar', length: '64', isNullable: true },
        ],
      }),
    );
    for (const [name, columns] of [
      ['IDX_spend_logs_start_time', ['start_time']],
      ['IDX_spend_logs_user_start', ['user_id', 'start_time']],
      ['IDX_spend_logs_key_start', ['key_token', 'start_time']],
    ] as const) {
      await queryRunner.createIndex(
        'spend_logs',
        new TableIndex({ name, columnNames: [...columns] }),
      );
    }

    const counter = (name: string) => ({ name, type: 'bigint', default: 0 });
    await queryRunner.createTable(
      new Table({
        name: 'daily_spend',
        columns: [
          { name: 'date', type: 'varchar', length: '10', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'key_token', type: 'varchar', length: '128', isPrimary: true },
          { name: 'team_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'model', type: 'varchar', length: '256', isPrimary: true },
          counter('requests'),
          counter('successes'),
          counter('failures'),
          counter('prompt_tokens'),
          counter('completion_tokens'),
          counter('cache_hits'),
          counter('cached_tokens'),
          counter('spend'),
          counter('saved_spend'),
        ],
      }),
    );
    await queryRunner.createIndex(
      'daily_spend',
      new TableIndex({ name: 'IDX_daily_spend_user_date', columnNames: ['user_id', 'date'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('daily_spend');
    await queryRunner.dropTable('spend_logs');
    await queryRunner.dropTable('models');
  }
}
