import type { Dispatcher } from 'undici';

/** What the router does after a failed attempt. */
export type FailureKind =
  /** 408, 429, 5xx, connection errors, timeouts: retry (another deployment first), cool down. */
  | 'retryable'
  /** 401/403/404: this deployment is misconfigured — no retry, but cool down and fall back. */
  | 'deployment'
  /** The prompt does not fit the model: try `context_window_fallbacks`. */
  | 'context_window'
  /** Any other 4xx: the caller's request is wrong; answered as is. */
  | 'caller';

export function classifyStatus(status: number, text: string): FailureKind {
  if (status === 408 || status === 429 || status >= 500) return 'retryable';
  if (status === 401 || status === 403 || status === 404) return 'deployment';
  if (isContextWindowError(status, text)) return 'context_window';
  return 'caller';
}

/**
 * A context-length error: OpenAI (`code: context_length_exceeded`, "maximum context length"),
 * Anthropic (`prompt is too long`, "exceed context limit"), and the common wording of
 * OpenAI-compatible servers (vLLM, llama.cpp: "context length", "context window").
 */
const CONTEXT_WORDS =
  /context_length_exceeded|maximum context length|context length|context window|prompt is too long|exceeds? (the )?context limit|exceed context limit|too many tokens/i;

export function isContextWindowError(status: number, text: string): boolean {
  if (status !== 400 && status !== 413 && status !== 422) return false;
  return CONTEXT_WORDS.test(text.slice(0, 4096));
}

/** Backoff between attempts on the same deployment: 0.5 s doubling, at most 8 s (LiteLLM's). */
export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 8_000;
/** An upstream asking to wait longer than this is not retried (the caller is waiting). */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * The wait before retry `attempt` (0-based) on the same deployment: the upstream's
 * `retry-after-ms` / `retry-after` (seconds or an HTTP date) when given, else exponential
 * backoff with full jitter in [delay/2, delay]. Null when the upstream asks for more than
 * MAX_RETRY_AFTER_MS.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | null,
  random: () => number,
): number | null {
  if (retryAfterMs !== null) return retryAfterMs > MAX_RETRY_AFTER_MS ? null : retryAfterMs;
  const delay = Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** attempt);
  return Math.round(delay / 2 + random() * (delay / 2));
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMsOf(
  headers: Dispatcher.ResponseData['headers'],
  nowMs: number,
): number | null {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const after = header(headers, 'retry-after');
  if (after === undefined) return null;
  const trimmed = after.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
