import type { KeyType, Role } from '@gatehouse/shared/auth';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn, UsdColumn } from '../database/columns';

/**
 * The columns a virtual key has, shared by the live table and the archive. The secret itself
 * is never stored: `secretHash` is SHA-256 hex of the current secret, `token` the stable id
 * (the hash of the first secret; it survives regeneration).
 */
export abstract class KeyColumns {
  @PrimaryColumn({ name: 'token', type: 'varchar', length: 64 })
  token!: string;

  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash!: string;

  /** After a regenerate with a grace period: the old secret's hash, valid until the time below. */
  @Column({ name: 'previous_secret_hash', type: 'varchar', length: 64, nullable: true })
  previousSecretHash!: string | null;

  @TimestampColumn({ name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt!: Date | null;

  /** `sk-...abcd`: the last 4 characters of the secret, to recognise it. */
  @Column({ name: 'key_name', type: 'varchar', length: 32 })
  keyName!: string;

  @Column({ name: 'key_alias', type: 'varchar', length: 256, nullable: true })
  keyAlias!: string | null;

  @Column({ name: 'user_id', type: 'varchar', length: 128, nullable: true })
  userId!: string | null;

  @Column({ name: 'team_id', type: 'varchar', length: 128, nullable: true })
  teamId!: string | null;

  @JsonColumn({ name: 'models' })
  models!: string[];

  @UsdColumn({ name: 'max_budget', nullable: true })
  maxBudget!: number | null;

  @UsdColumn({ name: 'spend' })
  spend!: number;

  @Column({ name: 'budget_duration', type: 'varchar', length: 16, nullable: true })
  budgetDuration!: string | null;

  @TimestampColumn({ name: 'budget_reset_at', nullable: true })
  budgetResetAt!: Date | null;

  @TimestampColumn({ name: 'expires', nullable: true })
  expires!: Date | null;

  @Column({ name: 'tpm_limit', type: 'integer', nullable: true })
  tpmLimit!: number | null;

  @Column({ name: 'rpm_limit', type: 'integer', nullable: true })
  rpmLimit!: number | null;

  @Column({ name: 'max_parallel_requests', type: 'integer', nullable: true })
  maxParallelRequests!: number | null;

  @JsonColumn({ name: 'metadata' })
  metadata!: Record<string, unknown>;

  @Column({ name: 'blocked', type: 'boolean' })
  blocked!: boolean;

  /** What the key may be used for: the LLM API, the management API, both, or reads only. */
  @Column({ name: 'key_type', type: 'varchar', length: 16 })
  keyType!: KeyType;

  /**
   * The management role of whoever made the key, when it was made (the master key counts as
   * proxy_admin; a key made through another key records that key's effective role). The key
   * never acts with more than the meet of this and its owner's current role.
   */
  @Column({ name: 'created_by_role', type: 'varchar', length: 32 })
  createdByRole!: Role;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 128, nullable: true })
  createdBy!: string | null;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 128, nullable: true })
  updatedBy!: string | null;
}

@Entity('keys')
export class KeyEntity extends KeyColumns {}

/** A deleted key, kept for audit and so that its secret answers "API key was deleted". */
@Entity('deleted_keys')
export class DeletedKeyEntity extends KeyColumns {
  @TimestampColumn({ name: 'deleted_at' })
  deletedAt!: Date;

  @Column({ name: 'deleted_by', type: 'varchar', length: 128, nullable: true })
  deletedBy!: string | null;
}
