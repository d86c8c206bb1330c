import type { OpenAPIObject } from '@nestjs/swagger';
import { DATA_PLANE_ROUTES, OVERHEAD_HEADER } from './data-plane.handler';

type Operation = (typeof DATA_PLANE_ROUTES)[number]['op'];

const SUMMARIES: Record<Operation, string> = {
  chat: 'OpenAI chat completions (JSON, or SSE with "stream": true); "mock_response" answers without an upstream call',
  embeddings: 'OpenAI embeddings',
  messages:
    'Anthropic Messages (JSON, or SSE with "stream": true); same limits and books as chat; errors in Anthropic\'s shape',
  models: 'The models this key (or user) may call',
};

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
});

/**
 * The data plane's routes are served outside Nest's router (data-plane.handler.ts), so the
 * swagger plugin does not see them: they are described here, from the same route list.
 */
export function documentDataPlane(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas['ErrorBody'] ??= {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          message: { type: 'string' },
          type: { type: 'string' },
          param: { type: 'string', nullable: true },
          code: { type: 'string' },
        },
      },
    },
  };
  const overhead = {
    [OVERHEAD_HEADER]: {
      description: "Milliseconds Gatehouse added (the answer's time minus the upstream's)",
      schema: { type: 'string' },
    },
  };
  for (const route of DATA_PLANE_ROUTES) {
    const operation = {
      tags: ['gateway'],
      summary: SUMMARIES[route.op],
      operationId: `gateway_${route.op}${route.url.startsWith('/v1/') ? '_v1' : ''}`,
      security: [{ bearer: [] }, { cookie: [] }],
      ...(route.method === 'POST'
        ? {
            requestBody: {
              required: true,
              description: 'The OpenAI request body, relayed as it is ("model" is required)',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          }
        : {}),
      responses: {
        200: {
          description: 'The upstream answer (OpenAI wire format)',
          headers: overhead,
          content: {
            'application/json': { schema: { type: 'object' } },
            ...(route.op === 'chat' || route.op === 'messages'
              ? { 'text/event-stream': { schema: { type: 'string' } } }
              : {}),
          },
        },
        400: error('Malformed body, or budget_exceeded'),
        401: error('Missing or invalid credentials'),
        403: error('The role may not call models'),
        404: error('model_not_found: an unknown model, or one the caller may not use (alike)'),
        413: error('Body larger than 1 MiB'),
        429: error('Rate limit (rpm, tpm or parallel requests); see Retry-After'),
        502: error('The upstream failed'),
        504: error('The upstream did not answer in time'),
      },
    };
    document.paths[route.url] = {
      ...document.paths[route.url],
      [route.method.toLowerCase()]: operation,
    };
  }
}
