import type { ModelDeployment } from '../../models/model-deployment';
import { parseGatewayRequest } from '../gateway-request';
import { azureAdapter } from './azure.adapter';
import pairs from './fixtures/azure-requests.json';

const deployment = {
  id: 'd1',
  providerModel: 'azure/my-gpt4o',
  upstreamModel: 'my-gpt4o',
  apiBase: 'https://res.openai.azure.com',
  apiKey: 'azure-key-1',
  apiVersion: '2024-10-21',
} as ModelDeployment;

const sut = azureAdapter;

describe('azureAdapter (recorded requests)', () => {
  it.each(pairs.map((p) => [p.name, p] as const))('%s', (_name, pair) => {
    const request = parseGatewayRequest(pair.callType as 'chat_completion', pair.openai);
    const call = sut.request(deployment, request);
    expect(call.path).toBe(pair.path);
    expect(JSON.parse(call.body)).toEqual(pair.azure);
  });

  it('sends the key in api-key, not Authorization', () => {
    expect(sut.headers(deployment)).toEqual({ 'api-key': 'azure-key-1' });
    expect(sut.headers({ ...deployment, apiKey: null })).toEqual({});
  });

  it('relays answers and streams as they come (Azure speaks OpenAI)', () => {
    expect(sut.answer('{"choices":[]}', {} as never)).toBe('{"choices":[]}');
    expect(sut.streamTranslator({} as never)).toBeNull();
  });
});
