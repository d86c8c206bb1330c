/**
 * Upstream `usage` is input from another server: it is billed only when every count is a
 * finite, non-negative integer. 1e400 parses as Infinity (spend Infinity locks the owner out,
 * Infinity - Infinity = NaN poisons every later spend flush) and a negative count would pay
 * money back; such a call is billed by estimate instead. A count above the ceiling is clamped.
 * One reader per wire format: OpenAI's `usage` and Anthropic's (the passthrough of
 * `/v1/messages`), read into the same reading, so both are billed alike.
 */

/** No single call is billed for more than this many prompt or completion tokens. */
export const MAX_TOKENS_PER_CALL = 10_000_000;

/** Anthropic's usage fields, each a count when present. */
const ANTHROPIC_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
] as const;

export type UsageReading =
  /** No usage (or no `prompt_tokens` / `input_tokens`): bill by estimate. */
  | { kind: 'absent' }
  /** A count is not a finite non-negative integer: bill by estimate, and log `field`. */
  | {
      kind: 'invalid';
      field: 'usage' | 'prompt_tokens' | 'completion_tokens' | (typeof ANTHROPIC_FIELDS)[number];
    }
  /** Usable counts; `clamped` when one was above MAX_TOKENS_PER_CALL (log it). */
  | { kind: 'ok'; prompt: number; completion: number; clamped: boolean; cache: CacheTokens };

/** Prompt tokens (already in `prompt`) read from / written to the provider's prompt cache. */
export interface CacheTokens {
  read: number;
  write: number;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Counts as billed: clamped to the ceiling, cache reads and writes never more than the prompt. */
function reading(prompt: number, completion: number, read: number, write: number): UsageReading {
  const promptTokens = Math.min(prompt, MAX_TOKENS_PER_CALL);
  const cacheRead = Math.min(read, promptTokens);
  return {
    kind: 'ok',
    prompt: promptTokens,
    completion: Math.min(completion, MAX_TOKENS_PER_CALL),
    clamped: prompt > MAX_TOKENS_PER_CALL || completion > MAX_TOKENS_PER_CALL,
    cache: { read: cacheRead, write: Math.min(write, promptTokens - cacheRead) },
  };
}

/**
 * Reads an OpenAI `usage` object (JSON answer or the final stream chunk): cache reads from
 * `prompt_tokens_details.cached_tokens`, writes from `cache_creation_input_tokens` (kept by the
 * anthropic/ adapter's translation); 0 when not a count.
 */
export function readUsage(usage: unknown): UsageReading {
  if (usage === undefined || usage === null) return { kind: 'absent' };
  if (typeof usage !== 'object' || Array.isArray(usage)) return { kind: 'invalid', field: 'usage' };
  const u = usage as Record<string, unknown>;
  const { prompt_tokens: prompt, completion_tokens: completion } = u;
  if (prompt === undefined || prompt === null) return { kind: 'absent' };
  if (!isCount(prompt)) return { kind: 'invalid', field: 'prompt_tokens' };
  // Embeddings carry no completion_tokens.
  if (completion !== undefined && completion !== null && !isCount(completion)) {
    return { kind: 'invalid', field: 'completion_tokens' };
  }
  const details = u['prompt_tokens_details'];
  const cached =
    typeof details === 'object' && details !== null
      ? (details as Record<string, unknown>)['cached_tokens']
      : undefined;
  const written = u['cache_creation_input_tokens'];
  return reading(
    prompt,
    typeof completion === 'number' ? completion : 0,
    isCount(cached) ? cached : 0,
    isCount(written) ? written : 0,
  );
}

/**
 * Reads an Anthropic `usage` object (a Messages answer, or `message_start`'s merged with
 * `message_delta`'s): the prompt is every input token (uncached + read from + written to the
 * prompt cache), exactly as the anthropic/ adapter translates it. Here a cache count is part of
 * the prompt, so one that is not a count makes the whole usage invalid.
 */
export function readAnthropicUsage(usage: unknown): UsageReading {
  if (usage === undefined || usage === null) return { kind: 'absent' };
  if (typeof usage !== 'object' || Array.isArray(usage)) return { kind: 'invalid', field: 'usage' };
  const u = usage as Record<string, unknown>;
  if (u['input_tokens'] === undefined || u['input_tokens'] === null) return { kind: 'absent' };
  const counts = [0, 0, 0, 0];
  for (const [i, field] of ANTHROPIC_FIELDS.entries()) {
    const value = u[field];
    if (value === undefined || value === null) continue;
    if (!isCount(value)) return { kind: 'invalid', field };
    counts[i] = value;
  }
  const [input, output, read, write] = counts;
  return reading(input + read + write, output, read, write);
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
