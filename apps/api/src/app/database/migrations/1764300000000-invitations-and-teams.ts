import {
  Table,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';

/** Invitations (onboarding links, email delivery state), teams and their members. */
export class InvitationsAndTeams1764300000000 implements MigrationInterface {
  name = 'InvitationsAndTeams1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'invitations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '128' },
          { name: 'is_accepted', type: 'boolean', default: false },
          { name: 'accepted_at', type: 'bigint', isNullable: true },
          { name: 'expires_at', type: 'bigint' },
          { name: 'email_status', type: 'varchar', length: '16', isNullable: true },
          { name: 'email_error', type: 'varchar', length: '1000', isNullable: true },
          { name: 'emailed_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'created_by', type: 'varchar', length: '128', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
          { name: 'updated_by', type: 'varchar', length: '128', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'invitations',
      new TableIndex({ name: 'IDX_invitations_user_id', columnNames: ['user_id'] }),
    );
    await queryRunner.createForeignKey(
      'invitations',
      new TableForeignKey({
        name: 'FK_invitations_user_id',
        columnNames: ['user_id'],
        referencedTableName: 'users',
        referencedColumnNames: ['user_id'],
        onDelete: 'CASCADE',
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'teams',
        columns: [
          { name: 'team_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'team_alias', type: 'varchar', length: '256', isNullable: true },
          { name: 'models', type: 'text' },
          { name: 'max_budget', type: 'bigint', isNullable: true },
          { name: 'spend', type: 'bigint', default: 0 },
          { name: 'tpm_limit', type: 'integer', isNullable: true },
          { name: 'rpm_limit', type: 'integer', isNullable: true },
          { name: 'blocked', type: 'boolean', default: false },
          { name: 'created_at', type: 'bigint' },
          { name: 'created_by', type: 'varchar', length: '128', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
          { name: 'updated_by', type: 'varchar', length: '128', isNullable: true },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'team_members',
        columns: [
          { name: 'team_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'team_members',
      new TableIndex({ name: 'IDX_team_members_user_id', columnNames: ['user_id'] }),
    );
    await queryRunner.createForeignKeys('team_members', [
      new TableForeignKey({
        name: 'FK_team_members_team_id',
        columnNames: ['team_id'],
        referencedTableName: 'teams',
        referencedColumnNames: ['team_id'],
        onDelete: 'CASCADE',
      }),
      new TableForeignKey({
        name: 'FK_team_members_user_id',
        columnNames: ['user_id'],
        referencedTableName: 'users',
        referencedColumnNames: ['user_id'],
        onDelete: 'CASCADE',
      }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('team_members');
    await queryRunner.dropTable('teams');
    await queryRunner.dropTable('invitations');
  }
}
