import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

/** Prices and options kept as JSON: costs per token are fractions of a nano-dollar at times. */
export interface StoredModelInfo {
  /** Null (or absent in rows written before the catalogue): priced from the catalogue. */
  input_cost_per_token: number | null;
  output_cost_per_token: number | null;
  cache_read_input_token_cost?: number | null;
  cache_creation_input_token_cost?: number | null;
  base_model?: string | null;
  cache: boolean;
  cache_ttl_seconds: number | null;
  /**
   * The router's `litellm_params.weight/rpm/tpm`, kept in this JSON column (optional: rows
   * written before the router have none), so they need no migration of `models`.
   */
  weight?: number | null;
  rpm?: number | null;
  tpm?: number | null;
}

/** A model deployment added through `POST /model/new` (config-file models are not stored). */
@Entity('models')
export class ModelEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'model_name', type: 'varchar', length: 256 })
  modelName!: string;

  /** `openai/<upstream id>`, `anthropic/<upstream id>` or `azure/<deployment>`. */
  @Column({ name: 'provider_model', type: 'varchar', length: 256 })
  providerModel!: string;

  @Column({ name: 'api_base', type: 'varchar', length: 1024, nullable: true })
  apiBase!: string | null;

  /** AES-256-GCM ciphertext (see secret-box.ts); never selected into a response. */
  @Column({ name: 'api_key_encrypted', type: 'text', nullable: true })
  apiKeyEncrypted!: string | null;

  /** Azure OpenAI's `api-version`. */
  @Column({ name: 'api_version', type: 'varchar', length: 64, nullable: true })
  apiVersion!: string | null;

  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs!: number | null;

  @JsonColumn({ name: 'model_info' })
  modelInfo!: StoredModelInfo;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 128, nullable: true })
  createdBy!: string | null;
}
