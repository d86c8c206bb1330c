import type { ModelDeployment } from '../../models/model-deployment';
import { providerOf } from '../../models/model-deployment';
import { anthropicAdapter } from './anthropic.adapter';
import { azureAdapter } from './azure.adapter';
import { openAiAdapter } from './openai.adapter';
import type { ProviderAdapter } from './provider-adapter';

const ADAPTERS: ReadonlyMap<string, ProviderAdapter> = new Map(
  [openAiAdapter, anthropicAdapter, azureAdapter].map((a) => [a.prefix, a]),
);

/** The adapter for a deployment's `litellm_params.model` prefix (`openai/` when there is none). */
export function adapterFor(deployment: ModelDeployment): ProviderAdapter {
  return ADAPTERS.get(providerOf(deployment.providerModel)) ?? openAiAdapter;
}
