import type { TeamRole } from '@gatehouse/shared/dto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn, UsdColumn } from '../database/columns';

@Entity('teams')
export class TeamEntity {
  @PrimaryColumn({ name: 'team_id', type: 'varchar', length: 128 })
  teamId!: string;

  @Column({ name: 'team_alias', type: 'varchar', length: 256, nullable: true })
  alias!: string | null;

  @JsonColumn({ name: 'models' })
  models!: string[];

  @UsdColumn({ name: 'max_budget', nullable: true })
  maxBudget!: number | null;

  @UsdColumn({ name: 'spend' })
  spend!: number;

  @Column({ name: 'tpm_limit', type: 'integer', nullable: true })
  tpmLimit!: number | null;

  @Column({ name: 'rpm_limit', type: 'integer', nullable: true })
  rpmLimit!: number | null;

  @Column({ name: 'blocked', type: 'boolean' })
  blocked!: boolean;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 128, nullable: true })
  createdBy!: string | null;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 128, nullable: true })
  updatedBy!: string | null;
}

/** One user's membership of one team. */
@Entity('team_members')
export class TeamMemberEntity {
  @PrimaryColumn({ name: 'team_id', type: 'varchar', length: 128 })
  teamId!: string;

  @Index('IDX_team_members_user_id')
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'role', type: 'varchar', length: 16 })
  role!: TeamRole;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;
}
