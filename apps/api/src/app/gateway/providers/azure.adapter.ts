import type { ModelDeployment } from '../../models/model-deployment';
import type { GatewayRequest } from '../gateway-request';
import { openAiBody } from './openai.adapter';
import type { ProviderAdapter, UpstreamCall } from './provider-adapter';

const OPERATIONS = { chat_completion: 'chat/completions', embedding: 'embeddings' } as const;

/**
 * `azure/<deployment>`: Azure OpenAI. OpenAI's wire format, but the deployment is named in the
 * path (`/openai/deployments/<d>/chat/completions?api-version=…`, below `api_base`, the
 * resource URL) and the key travels in `api-key`.
 */
export const azureAdapter: ProviderAdapter = {
  prefix: 'azure',
  format: 'openai',

  headers(deployment: ModelDeployment): Record<string, string> {
    return deployment.apiKey ? { 'api-key': deployment.apiKey } : {};
  },

  request(deployment: ModelDeployment, request: GatewayRequest): UpstreamCall {
    const name = encodeURIComponent(deployment.upstreamModel);
    const version = encodeURIComponent(deployment.apiVersion ?? '');
    return {
      path: `/openai/deployments/${name}/${OPERATIONS[request.callType]}?api-version=${version}`,
      body: openAiBody(deployment, request),
    };
  },

  answer(text: string): string {
    return text;
  },

  streamTranslator(): null {
    return null;
  },
};
