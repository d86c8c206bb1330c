import {
  defaultApiBaseOf,
  providerOf,
  upstreamModelOf,
  type ModelDeployment,
} from './model-deployment';
import { deploymentPrices, type PriceOverrides } from './model-prices';

/** What a deployment is built from, whether it came from CONFIG_FILE or the models table. */
export interface DeploymentSource {
  id: string;
  modelName: string;
  providerModel: string;
  apiBase: string | null;
  apiKey: string | null;
  apiVersion: string | null;
  timeoutMs: number | null;
  /** The router's: simple-shuffle weight, usage-based-routing limits of this deployment. */
  weight: number | null;
  rpm: number | null;
  tpm: number | null;
  info: PriceOverrides & { cache?: boolean | null; cache_ttl_seconds?: number | null };
  source: ModelDeployment['source'];
  createdAt: Date | null;
  createdBy: string | null;
}

/** Why a provider's parameters cannot work (a 400 / a refused CONFIG_FILE), or null. */
export function providerParamsProblem(
  providerModel: string,
  apiBase: string | null | undefined,
  apiVersion: string | null | undefined,
): { param: string; message: string } | null {
  if (providerOf(providerModel) !== 'azure') return null;
  if (!apiBase) {
    return {
      param: 'api_base',
      message: 'azure/ models need api_base (https://<resource>.openai.azure.com)',
    };
  }
  if (!apiVersion) {
    return { param: 'api_version', message: 'azure/ models need api_version (e.g. 2024-10-21)' };
  }
  return null;
}

/** The one place a ModelDeployment is made: prefix stripped, default base, prices resolved. */
export function buildDeployment(src: DeploymentSource): ModelDeployment {
  const upstreamModel = upstreamModelOf(src.providerModel);
  const prices = deploymentPrices(providerOf(src.providerModel), upstreamModel, src.info);
  return {
    id: src.id,
    modelName: src.modelName,
    providerModel: src.providerModel,
    upstreamModel,
    apiBase: src.apiBase ?? defaultApiBaseOf(src.providerModel) ?? '',
    apiKey: src.apiKey,
    apiVersion: src.apiVersion,
    timeoutMs: src.timeoutMs,
    weight: src.weight,
    rpm: src.rpm,
    tpm: src.tpm,
    ...prices,
    baseModel: src.info.base_model ?? null,
    cache: src.info.cache ?? false,
    cacheTtlSeconds: src.info.cache_ttl_seconds ?? null,
    source: src.source,
    createdAt: src.createdAt,
    createdBy: src.createdBy,
  };
}
