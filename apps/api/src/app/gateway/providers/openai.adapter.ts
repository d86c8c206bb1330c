import type { ModelDeployment } from '../../models/model-deployment';
import type { GatewayRequest } from '../gateway-request';
import type { ProviderAdapter, UpstreamCall } from './provider-adapter';

const PATHS = { chat_completion: '/chat/completions', embedding: '/embeddings' } as const;

/** The OpenAI request body for a call (shared with `azure/`, which speaks the same format). */
export function openAiBody(deployment: ModelDeployment, request: GatewayRequest): string {
  const body: Record<string, unknown> = { ...request.body, model: deployment.upstreamModel };
  delete body['cache'];
  delete body['mock_response'];
  if (request.stream) {
    const options = (body['stream_options'] ?? {}) as Record<string, unknown>;
    body['stream_options'] = { ...options, include_usage: true };
  }
  return JSON.stringify(body);
}

/**
 * `openai/`: any OpenAI-compatible server. The body is relayed as it came, with the deployment's
 * model id, without Gatehouse's own fields, and asking for usage in streams (the books need it).
 */
export const openAiAdapter: ProviderAdapter = {
  prefix: 'openai',
  format: 'openai',

  headers(deployment: ModelDeployment): Record<string, string> {
    return deployment.apiKey ? { authorization: `Bearer ${deployment.apiKey}` } : {};
  },

  request(deployment: ModelDeployment, request: GatewayRequest): UpstreamCall {
    return { path: PATHS[request.callType], body: openAiBody(deployment, request) };
  },

  answer(text: string): string {
    return text;
  },

  streamTranslator(): null {
    return null;
  },
};
