import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The analytics rollup: one row per UTC day × user × key × team × model. "No key" and "no
 * team" are stored as '' (not NULL) so that the upsert's unique key matches them. Money in
 * nano-dollars (integers); read raw by the spend repository.
 */
@Entity('daily_spend')
export class DailySpendEntity {
  @PrimaryColumn({ name: 'date', type: 'varchar', length: 10 })
  date!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @PrimaryColumn({ name: 'key_token', type: 'varchar', length: 128 })
  keyToken!: string;

  @PrimaryColumn({ name: 'team_id', type: 'varchar', length: 128 })
  teamId!: string;

  @PrimaryColumn({ name: 'model', type: 'varchar', length: 256 })
  model!: string;

  @Column({ name: 'requests', type: 'bigint' })
  requests!: string;

  @Column({ name: 'successes', type: 'bigint' })
  successes!: string;

  @Column({ name: 'failures', type: 'bigint' })
  failures!: string;

  @Column({ name: 'prompt_tokens', type: 'bigint' })
  promptTokens!: string;

  @Column({ name: 'completion_tokens', type: 'bigint' })
  completionTokens!: string;

  @Column({ name: 'cache_hits', type: 'bigint' })
  cacheHits!: string;

  /** Tokens answered from the cache (prompt + completion of the cached response). */
  @Column({ name: 'cached_tokens', type: 'bigint' })
  cachedTokens!: string;

  /** Nano-dollars. */
  @Column({ name: 'spend', type: 'bigint' })
  spend!: string;

  /** Nano-dollars the cache hits would have cost. */
  @Column({ name: 'saved_spend', type: 'bigint' })
  savedSpend!: string;
}
