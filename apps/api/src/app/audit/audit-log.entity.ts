import type { AuditAction, AuditAuthMethod, AuditTableName } from '@gatehouse/shared/dto';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

/** One audit row; appended only (no route updates or deletes one; retention purges). */
@Entity('audit_logs')
export class AuditLogEntity {
  /** The chain's order (the public id is `id`). */
  @PrimaryGeneratedColumn('increment', { name: 'seq' })
  seq!: number;

  @Column({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'changed_by', type: 'varchar', length: 256, nullable: true })
  changedBy!: string | null;

  @Column({ name: 'changed_by_api_key', type: 'varchar', length: 128, nullable: true })
  changedByApiKey!: string | null;

  @Column({ name: 'auth_method', type: 'varchar', length: 16 })
  authMethod!: AuditAuthMethod;

  @Column({ name: 'action', type: 'varchar', length: 32 })
  action!: AuditAction;

  @Column({ name: 'table_name', type: 'varchar', length: 32 })
  tableName!: AuditTableName;

  @Column({ name: 'object_id', type: 'varchar', length: 256, nullable: true })
  objectId!: string | null;

  @JsonColumn({ name: 'before_value', nullable: true })
  beforeValue!: Record<string, unknown> | null;

  @JsonColumn({ name: 'updated_values', nullable: true })
  updatedValues!: Record<string, unknown> | null;

  @Column({ name: 'ip', type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ name: 'hash', type: 'varchar', length: 64 })
  hash!: string;
}
