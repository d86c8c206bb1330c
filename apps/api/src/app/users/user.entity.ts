import type { Role } from '@gatehouse/shared/auth';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn, UsdColumn } from '../database/columns';

@Entity('users')
export class UserEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  /** Stored lower-cased: emails are unique regardless of case. */
  @Column({ name: 'user_email', type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Column({ name: 'user_alias', type: 'varchar', length: 256, nullable: true })
  alias!: string | null;

  @Column({ name: 'user_role', type: 'varchar', length: 32 })
  role!: Role;

  /** Never selected unless asked for by name; never leaves the API. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true, select: false })
  passwordHash?: string | null;

  /** The OIDC provider (`iss`) and subject (`sub`) this user signs in as; null for password-only users. */
  @Column({ name: 'sso_issuer', type: 'varchar', length: 512, nullable: true })
  ssoIssuer!: string | null;

  @Column({ name: 'sso_subject', type: 'varchar', length: 255, nullable: true })
  ssoSubject!: string | null;

  @UsdColumn({ name: 'max_budget', nullable: true })
  maxBudget!: number | null;

  @UsdColumn({ name: 'spend' })
  spend!: number;

  @JsonColumn({ name: 'models' })
  models!: string[];

  @Column({ name: 'tpm_limit', type: 'integer', nullable: true })
  tpmLimit!: number | null;

  @Column({ name: 'rpm_limit', type: 'integer', nullable: true })
  rpmLimit!: number | null;

  @Column({ name: 'budget_duration', type: 'varchar', length: 16, nullable: true })
  budgetDuration!: string | null;

  @TimestampColumn({ name: 'budget_reset_at', nullable: true })
  budgetResetAt!: Date | null;

  @JsonColumn({ name: 'metadata' })
  metadata!: Record<string, unknown>;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 128, nullable: true })
  createdBy!: string | null;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 128, nullable: true })
  updatedBy!: string | null;
}
