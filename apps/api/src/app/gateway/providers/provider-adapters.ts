import type { ModelDeployment } from '../../models/model-deployment';
import { openAiAdapter } from './openai.adapter';
import type { ProviderAdapter } from './provider-adapter';

const ADAPTERS: ReadonlyMap<string, ProviderAdapter> = new Map(
  [openAiAdapter].map((a) => [a.prefix, a]),
);

/** The adapter for a deployment's `litellm_params.model` prefix (`openai/` when there is none). */
export function adapterFor(deployment: ModelDeployment): ProviderAdapter {
  const slash = deployment.providerModel.indexOf('/');
  const prefix = slash < 0 ? 'openai' : deployment.providerModel.slice(0, slash);
  return ADAPTERS.get(prefix) ?? openAiAdapter;
}
