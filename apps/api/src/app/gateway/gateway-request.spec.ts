import { parseGatewayRequest } from './gateway-request';
import { MAX_TOKENS_PER_CALL } from './books/usage';
import {
  costNanos,
  holdCompletionTokens,
  holdPromptTokens,
  mockPromptTokens,
} from './admission/hold-estimate';

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
      maxCompletionTokens: null,
      fallbacks: null,
      anthropicBody: null,
    });
  });

  it('takes per-request fallbacks out of the body (names, or {model: [names]} for this model)', () => {
    const base = { model: 'm', messages: [{ role: 'user' }] };
    const named = parseGatewayRequest('chat_completion', {
      ...base,
      fallbacks: ['a', 'm', 'b', 'a'],
    });
    expect(named.fallbacks).toEqual(['a', 'b']);
    expect(named.body).toEqual(base);
    const mapped = parseGatewayRequest('chat_completion', {
      ...base,
      fallbacks: [{ m: ['c'] }, { other: ['d'] }],
    });
    expect(mapped.fallbacks).toEqual(['c']);
    for (const bad of [
      'a',
      [1],
      [{ m: [2] }],
      [''],
      Array.from({ length: 17 }, (_, i) => `x${i}`),
    ]) {
      expect(() => parseGatewayRequest('chat_completion', { ...base, fallbacks: bad })).toThrow(
        expect.objectContaining({ status: 400, param: 'fallbacks' }),
      );
    }
  });

  it('finding 9: reads max_tokens and max_completion_tokens both, and checks each', () => {
    const body = { model: 'm', messages: [{ role: 'user' }] };
    expect(
      parseGatewayRequest('chat_completion', {
        ...body,
        max_completion_tokens: 0,
        max_tokens: 4000,
      }),
    ).toMatchObject({ maxTokens: 4000, maxCompletionTokens: 0 });
    // The old code checked only the first one present.
    expect(() =>
      parseGatewayRequest('chat_completion', {
        ...body,
        max_completion_tokens: 5,
        max_tokens: 'lots',
      }),
    ).toThrow(expect.objectContaining({ status: 400, param: 'max_tokens' }));
    expect(() =>
      parseGatewayRequest('chat_completion', { ...body, max_completion_tokens: 1e300 }),
    ).toThrow(expect.objectContaining({ status: 400, param: 'max_completion_tokens' }));
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
  it("counts a mock answer's prompt by message contents (≈ chars / 4, rounding up)", () => {
    expect(
      mockPromptTokens([{ content: 'abcde' }, { content: [{ type: 'text', text: 'abc' }] }]),
    ).toBe(2);
  });

  it('finding 20: holds the prompt by the whole body (bytes / 3), token arrays by length', () => {
    expect(holdPromptTokens(0)).toBe(0);
    expect(holdPromptTokens(10)).toBe(4);
    expect(holdPromptTokens(200_000)).toBe(66_667);
    expect(holdPromptTokens(9, [1, 2, 3, 4, 5])).toBe(5);
    expect(
      holdPromptTokens(9, [
        [1, 2],
        [3, 4, 5, 6],
      ]),
    ).toBe(6);
    expect(holdPromptTokens(1e12)).toBe(MAX_TOKENS_PER_CALL);
  });

  it('finding 9: holds the larger completion limit, the model default when none is set', () => {
    expect(holdCompletionTokens(4000, 0, 256)).toBe(4000);
    expect(holdCompletionTokens(10, 300, 256)).toBe(300);
    expect(holdCompletionTokens(null, null, 256)).toBe(256);
    expect(holdCompletionTokens(0, 0, 256)).toBe(256);
    expect(holdCompletionTokens(null, 1e9, 256)).toBe(MAX_TOKENS_PER_CALL);
  });

  it('prices in whole nano-dollars', () => {
    expect(costNanos(10, 5, 0.000001, 0.000002)).toBe(20_000);
    expect(costNanos(3, 0, 0.0000000025, 0)).toBe(8);
  });

  it('findings 11 + 19: is always a safe non-negative integer (never NaN or Infinity)', () => {
    expect(costNanos(Infinity, -Infinity, 0.000001, 0.000002)).toBe(0);
    expect(costNanos(Infinity, 0, 0.000001, 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(costNanos(10_000_000, 0, 1e300, 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(costNanos(-5, 0, 0.000001, 0)).toBe(0);
  });
});
