import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Master-key console sessions remember which master key opened them, so that rotating
 * PROXY_MASTER_KEY ends them (before, they lived on until they expired).
 */
export class SessionMasterKey1764600000000 implements MigrationInterface {
  name = 'SessionMasterKey1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'sessions',
      new TableColumn({
        name: 'master_key_fingerprint',
        type: 'varchar',
        length: '64',
        isNullable: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('sessions', 'master_key_fingerprint');
  }
}
