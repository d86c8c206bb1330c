import type { SpendStatus } from '@gatehouse/shared/dto';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn, UsdColumn } from '../database/columns';

export type { SpendStatus };
export type CallType = 'chat_completion' | 'embedding';

/** One row per gateway request that reached a model (or the cache). Written in batches. */
@Entity('spend_logs')
export class SpendLogEntity {
  @PrimaryColumn({ name: 'request_id', type: 'varchar', length: 64 })
  requestId!: string;

  /** The virtual key's token id; null for master-key and console-session calls. */
  @Column({ name: 'key_token', type: 'varchar', length: 128, nullable: true })
  keyToken!: string | null;

  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'team_id', type: 'varchar', length: 128, nullable: true })
  teamId!: string | null;

  @Column({ name: 'model', type: 'varchar', length: 256 })
  model!: string;

  @Column({ name: 'call_type', type: 'varchar', length: 32 })
  callType!: CallType;

  @Column({ name: 'prompt_tokens', type: 'integer' })
  promptTokens!: number;

  @Column({ name: 'completion_tokens', type: 'integer' })
  completionTokens!: number;

  @Column({ name: 'total_tokens', type: 'integer' })
  totalTokens!: number;

  @UsdColumn({ name: 'spend' })
  spend!: number;

  @TimestampColumn({ name: 'start_time' })
  startTime!: Date;

  @TimestampColumn({ name: 'end_time' })
  endTime!: Date;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: SpendStatus;

  @Column({ name: 'cache_hit', type: 'boolean' })
  cacheHit!: boolean;

  @Column({ name: 'error_type', type: 'varchar', length: 64, nullable: true })
  errorType!: string | null;

  /** The deployment (model id) that served the call; null for cache hits and mock answers. */
  @Column({ name: 'model_id', type: 'varchar', length: 64, nullable: true })
  modelId!: string | null;

  @Column({ name: 'attempted_retries', type: 'integer', default: 0 })
  attemptedRetries!: number;

  @Column({ name: 'attempted_fallbacks', type: 'integer', default: 0 })
  attemptedFallbacks!: number;
}
