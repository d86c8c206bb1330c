import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNotEmptyObject,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

/** `openai/<upstream model id>`: any OpenAI-compatible upstream. */
export const PROVIDER_MODEL_PATTERN = /^openai\/[\x21-\x7e]{1,200}$/;
export const MODEL_NAME_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** How Gatehouse reaches the upstream (LiteLLM's `litellm_params`). */
export class LitellmParams {
  @IsString()
  @Matches(PROVIDER_MODEL_PATTERN, {
    message: 'litellm_params.model must look like openai/<model id>',
  })
  model!: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'api_base must be an http(s) URL' })
  api_base?: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  api_key?: string;

  /** Upstream timeout in seconds (fractions allowed). */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.05)
  @Max(3600)
  timeout?: number;
}

/** Prices and per-model options (LiteLLM's `model_info`). */
export class ModelInfoRequest {
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'model_info.id must be a short identifier' })
  id?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  input_cost_per_token?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  output_cost_per_token?: number;

  /** Opt this model into the exact-match response cache. */
  @IsOptional()
  @IsBoolean()
  cache?: boolean;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(30 * 86_400)
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

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ModelInfoRequest)
  model_info?: ModelInfoRequest;
}

export class DeleteModelRequest {
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'id must be a model id' })
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
  };
  model_info: {
    id: string;
    input_cost_per_token: number;
    output_cost_per_token: number;
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
