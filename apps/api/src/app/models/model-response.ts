import type { ModelResponse } from '@gatehouse/shared/dto';
import type { ModelDeployment } from './model-deployment';
import { maskSecret } from './secret-box';

/**
 * Who reads a model: an admin (`model.write`) sees where it points and the masked key; a caller
 * sees neither (finding 17: `api_base` names internal hosts), never the key in any form.
 */
export type ModelView = 'admin' | 'caller';

/** The one mapper to the LiteLLM `model/info` shape. */
export function toModelResponse(model: ModelDeployment, view: ModelView): ModelResponse {
  const admin = view === 'admin';
  return {
    model_name: model.modelName,
    litellm_params: {
      model: model.providerModel,
      api_base: admin ? model.apiBase : null,
      api_key: admin ? maskSecret(model.apiKey) : null,
      timeout: model.timeoutMs === null ? null : model.timeoutMs / 1000,
      weight: model.weight,
      rpm: model.rpm,
      tpm: model.tpm,
      api_version: model.apiVersion,
    },
    model_info: {
      id: model.id,
      input_cost_per_token: model.inputCostPerToken,
      output_cost_per_token: model.outputCostPerToken,
      cache_read_input_token_cost: model.cacheReadCostPerToken,
      cache_creation_input_token_cost: model.cacheWriteCostPerToken,
      price_source: model.priceSource,
      base_model: model.baseModel,
      cache: model.cache,
      cache_ttl_seconds: model.cacheTtlSeconds,
      db_model: model.source === 'db',
      created_at: model.createdAt?.toISOString() ?? null,
      created_by: model.createdBy,
    },
  };
}
