/** A model deployment as the hot path sees it: resolved, decrypted, in memory. */
export interface ModelDeployment {
  id: string;
  modelName: string;
  /** `openai/<id>` as configured. */
  providerModel: string;
  /** The model id sent upstream (`providerModel` without its `openai/` prefix). */
  upstreamModel: string;
  apiBase: string;
  /** Decrypted; only the upstream client reads it. */
  apiKey: string | null;
  timeoutMs: number | null;
  /** Router inputs (`litellm_params.weight/rpm/tpm`); null = not set. */
  weight: number | null;
  rpm: number | null;
  tpm: number | null;
  inputCostPerToken: number;
  outputCostPerToken: number;
  cache: boolean;
  cacheTtlSeconds: number | null;
  source: 'config' | 'db';
  createdAt: Date | null;
  createdBy: string | null;
}

export const DEFAULT_API_BASE = 'https://api.openai.com/v1';

export function upstreamModelOf(providerModel: string): string {
  return providerModel.replace(/^openai\//, '');
}
