import type { PriceSource } from '@gatehouse/shared/dto';

/** A model deployment as the hot path sees it: resolved, decrypted, in memory. */
export interface ModelDeployment {
  id: string;
  modelName: string;
  /** `openai/<id>`, `anthropic/<id>` or `azure/<deployment>` as configured. */
  providerModel: string;
  /** The model id sent upstream (`providerModel` without its provider prefix). */
  upstreamModel: string;
  apiBase: string;
  /** Decrypted; only the upstream client reads it. */
  apiKey: string | null;
  /** Azure OpenAI's `api-version` (`litellm_params.api_version`). */
  apiVersion: string | null;
  timeoutMs: number | null;
  /** Router inputs (`litellm_params.weight/rpm/tpm`); null = not set. */
  weight: number | null;
  rpm: number | null;
  tpm: number | null;
  inputCostPerToken: number;
  outputCostPerToken: number;
  /** USD per prompt token read from / written to the provider's prompt cache; null: as input. */
  cacheReadCostPerToken: number | null;
  cacheWriteCostPerToken: number | null;
  priceSource: PriceSource;
  /** `model_info.base_model`: the catalogue name an Azure deployment is priced by. */
  baseModel: string | null;
  cache: boolean;
  cacheTtlSeconds: number | null;
  source: 'config' | 'db';
  createdAt: Date | null;
  createdBy: string | null;
}

export const DEFAULT_API_BASE = 'https://api.openai.com/v1';

const DEFAULT_API_BASES: Readonly<Record<string, string>> = {
  openai: DEFAULT_API_BASE,
  anthropic: 'https://api.anthropic.com',
};

/** The provider prefix of `litellm_params.model` (`openai` when there is none). */
export function providerOf(providerModel: string): string {
  const slash = providerModel.indexOf('/');
  return slash < 0 ? 'openai' : providerModel.slice(0, slash);
}

/** The known prefixes; a model id that itself has a slash (`openai/org/model`) keeps it. */
const PREFIX = /^(openai|anthropic|azure)\//;

export function upstreamModelOf(providerModel: string): string {
  return providerModel.replace(PREFIX, '');
}

/** `api_base` when none is configured (Azure has none: its resource URL is required). */
export function defaultApiBaseOf(providerModel: string): string | null {
  return DEFAULT_API_BASES[providerOf(providerModel)] ?? null;
}
