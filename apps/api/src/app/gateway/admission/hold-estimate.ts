import { MAX_TOKENS_PER_CALL } from '../books/usage';

/** Rough token count for text we cannot measure: ≈ one token per four characters. */
export function estimateTokens(chars: number): number {
  return chars <= 0 ? 0 : Math.ceil(chars / 4);
}

function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (Array.isArray(content)) {
    return content.reduce<number>((sum, part) => {
      const text = (part as { text?: unknown } | null)?.text;
      return sum + (typeof text === 'string' ? text.length : 0);
    }, 0);
  }
  return 0;
}

/**
 * Prompt size of a `mock_response` call (message contents, chars / 4): it reaches no upstream
 * and costs nobody anything, and the answer carries it as `usage` before it leaves.
 */
export function mockPromptTokens(messages: unknown[]): number {
  const chars = messages.reduce<number>(
    (sum, m) => sum + contentChars((m as { content?: unknown } | null)?.content),
    0,
  );
  return estimateTokens(chars);
}

/** Bytes per token assumed by the up-front hold: fewer than any real tokenizer averages. */
export const HOLD_BYTES_PER_TOKEN = 3;

/**
 * Prompt tokens held against the budget before a call goes out: a linear bound over the
 * whole request body (messages, tools, functions, response_format… all count), so that no
 * field is free. No tokenizer here: that runs only when settling a call without usage.
 * Embedding token arrays are counted one token per number (they are shorter than 3 bytes).
 */
export function holdPromptTokens(bodyBytes: number, input?: unknown): number {
  const byBytes = Math.ceil(Math.max(0, bodyBytes) / HOLD_BYTES_PER_TOKEN);
  return Math.min(MAX_TOKENS_PER_CALL, Math.max(byBytes, tokenIdsIn(input)));
}

function tokenIdsIn(input: unknown): number {
  if (!Array.isArray(input)) return 0;
  return input.reduce<number>((sum, item) => {
    if (typeof item === 'number') return sum + 1;
    if (Array.isArray(item)) return sum + item.length;
    return sum;
  }, 0);
}

/**
 * Completion tokens held up front: what the upstream will honour. OpenAI-compatible servers
 * differ on which of `max_tokens`/`max_completion_tokens` wins, so the larger one; the model
 * default when neither is set (or both are 0, which some servers read as "no limit").
 */
export function holdCompletionTokens(
  maxTokens: number | null,
  maxCompletionTokens: number | null,
  modelDefault: number,
): number {
  const larger = Math.max(maxTokens ?? 0, maxCompletionTokens ?? 0);
  return Math.min(MAX_TOKENS_PER_CALL, larger > 0 ? larger : modelDefault);
}

/**
 * Cost in integer nano-dollars (the only rounding spend ever sees). Always a safe integer: a
 * NaN or Infinity here would be booked to every counter and fail every later spend flush.
 */
export function costNanos(
  promptTokens: number,
  completionTokens: number,
  inputCostPerToken: number,
  outputCostPerToken: number,
): number {
  const nanos = Math.round(
    promptTokens * inputCostPerToken * 1e9 + completionTokens * outputCostPerToken * 1e9,
  );
  if (Number.isNaN(nanos) || nanos < 0) return 0;
  return Math.min(nanos, Number.MAX_SAFE_INTEGER);
}
