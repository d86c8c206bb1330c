import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Provider parameters a model needs beyond `openai/`: Azure OpenAI's `api_version`. (Prices
 * and `base_model` live in the `model_info` JSON column; rows without prices are priced from
 * the built-in catalogue at load.)
 */
export class ModelProviderParams1764830000000 implements MigrationInterface {
  name = 'ModelProviderParams1764830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'models',
      new TableColumn({ name: 'api_version', type: 'varchar', length: '64', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('models', 'api_version');
  }
}
