import { parseGatewayRequest } from './gateway-request';
import { chatPromptTokens, costNanos, embeddingPromptTokens } from './token-estimate';

describe('parseGatewayRequest', () => {
  it('reads the fields the gateway needs and keeps the body', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
      cache: { 'no-cache': true },
      max_tokens: 7,
      temperature: 0.2,
    };
    expect(parseGatewayRequest('chat_completion', body)).toEqual({
      callType: 'chat_completion',
      body,
      model: 'm',
      stream: true,
      includeUsage: true,
      mockResponse: null,
      noCache: true,
      maxTokens: 7,
    });
  });

  it.each([
    [null, null],
    [{ model: 1, messages: [] }, 'model'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ model: 'm', messages: [{ role: 'user' }], mock_response: 3 }, 'mock_response'],
  ])('refuses %j (param %s)', (body, param) => {
    expect(() => parseGatewayRequest('chat_completion', body)).toThrow(
      expect.objectContaining({ status: 400, param }),
    );
  });

  it('checks embedding inputs', () => {
    expect(parseGatewayRequest('embedding', { model: 'm', input: [[1, 2]] }).model).toBe('m');
    expect(() => parseGatewayRequest('embedding', { model: 'm', input: [] })).toThrow();
    expect(() =>
      parseGatewayRequest('embedding', { model: 'm', input: 'x', mock_response: 'y' }),
    ).toThrow();
  });
});

describe('token estimates and cost', () => {
  it('estimates ≈ chars / 4, rounding up', () => {
    expect(
      chatPromptTokens([{ content: 'abcde' }, { content: [{ type: 'text', text: 'abc' }] }]),
    ).toBe(2);
    expect(embeddingPromptTokens(['abcd', 'a'])).toBe(2);
    expect(embeddingPromptTokens([1, 2, 3])).toBe(3);
  });

  it('prices in whole nano-dollars', () => {
    expect(costNanos(10, 5, 0.000001, 0.000002)).toBe(20_000);
    expect(costNanos(3, 0, 0.0000000025, 0)).toBe(8);
  });
});
