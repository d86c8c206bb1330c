/**
 * Upstream `usage` is input from another server: it is billed only when every count is a
 * finite, non-negative integer. 1e400 parses as Infinity (spend Infinity locks the owner out,
 * Infinity - Infinity = NaN poisons every later spend flush) and a negative count would pay
 * money back; such a call is billed by estimate instead. A count above the ceiling is clamped.
 */

/** No single call is billed for more than this many prompt or completion tokens. */
export const MAX_TOKENS_PER_CALL = 10_000_000;

export type UsageReading =
  /** No usage (or no `prompt_tokens`): bill by estimate. */
  | { kind: 'absent' }
  /** A count is not a finite non-negative integer: bill by estimate, and log `field`. */
  | { kind: 'invalid'; field: 'usage' | 'prompt_tokens' | 'completion_tokens' }
  /** Usable counts; `clamped` when one was above MAX_TOKENS_PER_CALL (log it). */
  | { kind: 'ok'; prompt: number; completion: number; clamped: boolean; cache: CacheTokens };

/** Prompt tokens (already in `prompt`) read from / written to the provider's prompt cache. */
export interface CacheTokens {
  read: number;
  write: number;
}

/**
 * OpenAI's `prompt_tokens_details.cached_tokens` (reads) and Anthropic's
 * `cache_creation_input_tokens` (writes, kept by the anthropic/ adapter); never more than the
 * prompt, and 0 when not a count.
 */
function cacheTokens(usage: Record<string, unknown>, prompt: number): CacheTokens {
  const details = usage['prompt_tokens_details'];
  const cached =
    typeof details === 'object' && details !== null
      ? (details as Record<string, unknown>)['cached_tokens']
      : undefined;
  const read = isCount(cached) ? Math.min(cached, prompt) : 0;
  const written = usage['cache_creation_input_tokens'];
  const write = isCount(written) ? Math.min(written, prompt - read) : 0;
  return { read, write };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Reads an OpenAI `usage` object (JSON answer or the final stream chunk). */
export function readUsage(usage: unknown): UsageReading {
  if (usage === undefined || usage === null) return { kind: 'absent' };
  if (typeof usage !== 'object' || Array.isArray(usage)) return { kind: 'invalid', field: 'usage' };
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Record<string, unknown>;
  if (prompt === undefined || prompt === null) return { kind: 'absent' };
  if (!isCount(prompt)) return { kind: 'invalid', field: 'prompt_tokens' };
  // Embeddings carry no completion_tokens.
  if (completion !== undefined && completion !== null && !isCount(completion)) {
    return { kind: 'invalid', field: 'completion_tokens' };
  }
  const completionTokens = typeof completion === 'number' ? completion : 0;
  const clamped = prompt > MAX_TOKENS_PER_CALL || completionTokens > MAX_TOKENS_PER_CALL;
  const promptTokens = Math.min(prompt, MAX_TOKENS_PER_CALL);
  return {
    kind: 'ok',
    prompt: promptTokens,
    completion: Math.min(completionTokens, MAX_TOKENS_PER_CALL),
    clamped,
    cache: cacheTokens(usage as Record<string, unknown>, promptTokens),
  };
}

/** What was wrong, for the log: a field name and a bound, never the value or any content. */
export function describeUsageProblem(reading: UsageReading): string | null {
  if (reading.kind === 'invalid') {
    const field = reading.field === 'usage' ? 'usage' : `usage.${reading.field}`;
    return `upstream ${field} is not a finite non-negative integer; billed by estimate`;
  }
  if (reading.kind === 'ok' && reading.clamped) {
    return `upstream usage above ${MAX_TOKENS_PER_CALL} tokens per call; clamped`;
  }
  return null;
}
