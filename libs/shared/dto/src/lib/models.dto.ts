import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsNotEmptyObject,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { BoundedInt, BoundedNumber, Nullable, Optional, Text } from './field-rules';

/**
 * `<provider>/<upstream model id>`: `openai/` (any OpenAI-compatible upstream), `anthropic/`
 * (Anthropic's Messages API), `azure/<deployment name>` (Azure OpenAI).
 */
export const PROVIDER_MODEL_PATTERN = /^(openai|anthropic|azure)\/[\x21-\x7e]{1,200}$/;
/** Azure OpenAI's `api-version` query value, e.g. `2024-10-21` or `2025-01-01-preview`. */
export const API_VERSION_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Where a deployment's prices come from (`GET /model/info`). */
export type PriceSource = 'model_info' | 'catalogue' | 'none';
export const MODEL_NAME_PATTERN = /^[\x21-\x7e]{1,200}$/;
/** A model's `model_info.id`. */
const MODEL_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A price per token in USD: $1 a token is already a million times today's dearest model. */
export const MAX_COST_PER_TOKEN = 1;

/** How Gatehouse reaches the upstream (LiteLLM's `litellm_params`). */
export class LitellmParams {
  @IsString()
  @Matches(PROVIDER_MODEL_PATTERN, {
    message:
      'litellm_params.model must look like openai/<model id>, anthropic/<model id> or azure/<deployment>',
  })
  model!: string;

  @Optional()
  @IsString()
  @MaxLength(1024)
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'api_base must be an http(s) URL' })
  api_base?: string;

  @Optional()
  @Text(4096)
  api_key?: string;

  /** Upstream timeout in seconds (fractions allowed). */
  @Optional()
  @BoundedNumber(0.05, 3600)
  timeout?: number;

  /** simple-shuffle: this deployment's share of its model's traffic (relative; default 1). */
  @Optional()
  @BoundedNumber(0, 1_000_000)
  weight?: number;

  /** usage-based-routing: this deployment's own requests per minute (never exceeded). */
  @Optional()
  @BoundedInt(1, 1_000_000_000)
  rpm?: number;

  /** usage-based-routing: this deployment's own tokens per minute (never exceeded). */
  @Optional()
  @BoundedInt(1, 1_000_000_000_000)
  tpm?: number;

  /** Azure OpenAI's `api-version` (required for `azure/` models). */
  @Optional()
  @IsString()
  @Matches(API_VERSION_PATTERN, { message: 'api_version must be a short version string' })
  api_version?: string;
}

/** Prices and per-model options (LiteLLM's `model_info`). */
export class ModelInfoRequest {
  @Optional()
  @IsString()
  @Matches(MODEL_ID, { message: 'model_info.id must be a short identifier' })
  id?: string;

  @Optional()
  @BoundedNumber(0, MAX_COST_PER_TOKEN)
  input_cost_per_token?: number;

  @Optional()
  @BoundedNumber(0, MAX_COST_PER_TOKEN)
  output_cost_per_token?: number;

  /** Price of a prompt token read from the provider's prompt cache. */
  @Optional()
  @BoundedNumber(0, MAX_COST_PER_TOKEN)
  cache_read_input_token_cost?: number;

  /** Price of a prompt token written to the provider's prompt cache (Anthropic). */
  @Optional()
  @BoundedNumber(0, MAX_COST_PER_TOKEN)
  cache_creation_input_token_cost?: number;

  /** The catalogue name to price an `azure/<deployment>` by, e.g. `gpt-4o`. */
  @Optional()
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: 'base_model must be 1-200 printable characters' })
  base_model?: string;

  /** Opt this model into the exact-match response cache. */
  @Optional()
  @IsBoolean()
  cache?: boolean;

  @Optional()
  @BoundedInt(1, 30 * 86_400)
  cache_ttl_seconds?: number;
}

export class NewModelRequest {
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: 'model_name must be 1-200 printable characters' })
  model_name!: string;

  @IsObject()
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => LitellmParams)
  litellm_params!: LitellmParams;

  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => ModelInfoRequest)
  model_info?: ModelInfoRequest;
}

/**
 * `POST /model/update`'s `litellm_params`: each field sent replaces the stored one, each field
 * left out is kept (the upstream `api_key` too). `null` clears an optional setting.
 */
export class UpdateLitellmParams {
  @Optional()
  @IsString()
  @Matches(PROVIDER_MODEL_PATTERN, {
    message:
      'litellm_params.model must look like openai/<model id>, anthropic/<model id> or azure/<deployment>',
  })
  model?: string;

  /** Null: the provider's default base. */
  @Nullable()
  @IsString()
  @MaxLength(1024)
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'api_base must be an http(s) URL' })
  api_base?: string | null;

  /** A new upstream key (stored encrypted); null removes it; absent keeps the stored one. */
  @Nullable()
  @Text(4096)
  api_key?: string | null;

  @Nullable()
  @BoundedNumber(0.05, 3600)
  timeout?: number | null;

  @Nullable()
  @BoundedNumber(0, 1_000_000)
  weight?: number | null;

  @Nullable()
  @BoundedInt(1, 1_000_000_000)
  rpm?: number | null;

  @Nullable()
  @BoundedInt(1, 1_000_000_000_000)
  tpm?: number | null;

  @Nullable()
  @IsString()
  @Matches(API_VERSION_PATTERN, { message: 'api_version must be a short version string' })
  api_version?: string | null;
}

/**
 * `POST /model/update`'s `model_info`: `id` names the model; a price sent as `null` goes back
 * to the built-in catalogue's price (`price_source: catalogue`, or `none` when it has none).
 */
export class UpdateModelInfo {
  @IsString()
  @Matches(MODEL_ID, { message: 'model_info.id must be a model id' })
  id!: string;

  @Nullable()
  @BoundedNumber(0, MAX_COST_PER_TOKEN)
  input_cost_per_token?: number | null;

  @Nullable()
  @BoundedNumber(0, MAX_COST_PER_TOKEN)
  output_cost_per_token?: number | null;

  @Nullable()
  @BoundedNumber(0, MAX_COST_PER_TOKEN)
  cache_read_input_token_cost?: number | null;

  @Nullable()
  @BoundedNumber(0, MAX_COST_PER_TOKEN)
  cache_creation_input_token_cost?: number | null;

  @Nullable()
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: 'base_model must be 1-200 printable characters' })
  base_model?: string | null;

  @Optional()
  @IsBoolean()
  cache?: boolean;

  @Nullable()
  @BoundedInt(1, 30 * 86_400)
  cache_ttl_seconds?: number | null;
}

/** `POST /model/update` (LiteLLM's shape): a partial update of one database model. */
export class UpdateModelRequest {
  @Optional()
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: 'model_name must be 1-200 printable characters' })
  model_name?: string;

  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateLitellmParams)
  litellm_params?: UpdateLitellmParams;

  @IsObject()
  @ValidateNested()
  @Type(() => UpdateModelInfo)
  model_info!: UpdateModelInfo;
}

/** `POST /model/test`: one tiny call to a deployment. */
export class TestModelRequest {
  @IsString()
  @Matches(MODEL_ID, { message: 'model_id must be a model id' })
  model_id!: string;
}

/** `POST /model/test`'s answer: 200 either way; `ok: false` carries the upstream's error. */
export interface TestModelResponse {
  ok: boolean;
  /** From sending the call to the end of the upstream's answer (or its failure). */
  latency_ms: number;
  /** The upstream's HTTP status; null when it could not be reached or timed out. */
  status: number | null;
  /** The upstream's error, secrets redacted; null when ok. */
  error: string | null;
}

export class DeleteModelRequest {
  @IsString()
  @Matches(MODEL_ID, { message: 'id must be a model id' })
  id!: string;
}

export interface ModelResponse {
  model_name: string;
  litellm_params: {
    model: string;
    api_base: string | null;
    /** Masked (`sk-...abcd`) for admins, null for everybody else; never the secret. */
    api_key: string | null;
    timeout: number | null;
    weight: number | null;
    rpm: number | null;
    tpm: number | null;
    api_version: string | null;
  };
  model_info: {
    id: string;
    input_cost_per_token: number;
    output_cost_per_token: number;
    cache_read_input_token_cost: number | null;
    cache_creation_input_token_cost: number | null;
    /** Where the prices come from: `model_info` (set on the model), the built-in `catalogue`, or `none` ($0). */
    price_source: PriceSource;
    base_model: string | null;
    cache: boolean;
    cache_ttl_seconds: number | null;
    /** False for models from CONFIG_FILE: read-only through the API. */
    db_model: boolean;
    created_at: string | null;
    created_by: string | null;
  };
}

export interface ModelInfoResponse {
  data: ModelResponse[];
}

export interface DeleteModelResponse {
  id: string;
  deleted: true;
}

/** `GET /v1/models` (OpenAI list shape). */
export interface OpenAiModelList {
  object: 'list';
  data: { id: string; object: 'model'; created: number; owned_by: string }[];
}

/** One deployment's state as the router sees it on the answering instance (`GET /health/models`). */
export interface DeploymentHealth {
  model_name: string;
  model_id: string;
  /** `healthy`, or `cooling_down` until `cooldown_until` (shared across instances). */
  status: 'healthy' | 'cooling_down';
  cooldown_until: string | null;
  in_flight: number;
  /** Moving average of the time to the upstream's response headers; null before any answer. */
  latency_ms: number | null;
  /** This minute and the one before. */
  recent_requests: number;
  recent_errors: number;
  /** recent_errors / recent_requests; null without requests. */
  error_rate: number | null;
  /** usage-based-routing counters for the current minute, with the deployment's own limits. */
  rpm_used: number;
  tpm_used: number;
  rpm: number | null;
  tpm: number | null;
}

export interface HealthModelsResponse {
  routing_strategy: string;
  num_retries: number;
  allowed_fails: number;
  /** Seconds. */
  cooldown_time: number;
  data: DeploymentHealth[];
}
