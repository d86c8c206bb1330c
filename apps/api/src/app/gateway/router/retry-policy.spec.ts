import {
  classifyStatus,
  isContextWindowError,
  MAX_RETRY_AFTER_MS,
  retryAfterMsOf,
  retryDelayMs,
} from './retry-policy';

describe('retry policy', () => {
  it('retries 408, 429, 5xx; cools down but does not retry 401/403/404; never retries other 4xx', () => {
    expect([408, 429, 500, 502, 503, 504].map((s) => classifyStatus(s, ''))).toEqual(
      Array(6).fill('retryable'),
    );
    expect([401, 403, 404].map((s) => classifyStatus(s, ''))).toEqual(Array(3).fill('deployment'));
    expect([400, 409, 413, 422].map((s) => classifyStatus(s, '{}'))).toEqual(
      Array(4).fill('caller'),
    );
  });

  it('recognises OpenAI and Anthropic context-length errors', () => {
    const openai = JSON.stringify({
      error: {
        message: "This model's maximum context length is 8192 tokens. However, you requested 9000",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
      },
    });
    const anthropic = JSON.stringify({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'prompt is too long: 210000 tokens > 200000 maximum',
      },
    });
    expect(classifyStatus(400, openai)).toBe('context_window');
    expect(classifyStatus(400, anthropic)).toBe('context_window');
    expect(isContextWindowError(400, '{"error":{"message":"bad temperature"}}')).toBe(false);
    expect(isContextWindowError(500, openai)).toBe(false);
  });

  it('backs off exponentially with jitter, capped at 8 s', () => {
    expect(retryDelayMs(0, null, () => 0)).toBe(250);
    expect(retryDelayMs(0, null, () => 0.999_999)).toBe(500);
    expect(retryDelayMs(1, null, () => 1)).toBe(1_000);
    expect(retryDelayMs(3, null, () => 0)).toBe(2_000);
    expect(retryDelayMs(10, null, () => 1)).toBe(8_000);
  });

  it('honours the upstream’s Retry-After, and gives up when it asks for too long', () => {
    expect(retryDelayMs(0, 1_200, () => 0)).toBe(1_200);
    expect(retryDelayMs(0, MAX_RETRY_AFTER_MS + 1, () => 0)).toBeNull();
  });

  it('reads retry-after-ms, retry-after seconds and retry-after dates', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(retryAfterMsOf({ 'retry-after-ms': '150' }, now)).toBe(150);
    expect(retryAfterMsOf({ 'retry-after': '2' }, now)).toBe(2_000);
    expect(retryAfterMsOf({ 'retry-after': 'Tue, 01 Dec 2026 00:00:03 GMT' }, now)).toBe(3_000);
    expect(retryAfterMsOf({ 'retry-after': 'soon' }, now)).toBeNull();
    expect(retryAfterMsOf({}, now)).toBeNull();
  });
});
