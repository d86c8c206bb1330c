import { AppError } from '../common/errors/app-error';
import type { CallType } from '../spend/spend-log.entity';

/** The few fields Gatehouse reads; everything else is relayed to the upstream untouched. */
export interface GatewayRequest {
  callType: CallType;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  includeUsage: boolean;
  mockResponse: string | null;
  noCache: boolean;
  /** `max_tokens` and `max_completion_tokens` as sent (the hold uses the larger). */
  maxTokens: number | null;
  maxCompletionTokens: number | null;
  /**
   * The request's own `fallbacks` (LiteLLM's per-request field: model names, or
   * `[{model: [names]}]`), null when absent. Taken out of `body`: no upstream sees it.
   */
  fallbacks: readonly string[] | null;
  /**
   * The Anthropic Messages body of a `/v1/messages` call (`body` is its OpenAI translation),
   * without Gatehouse's own fields: an `anthropic/` deployment is sent this one as it came, and
   * its answer is relayed as it comes (`answerFormat`). It keys the call's cache entries.
   */
  anthropicBody: Record<string, unknown> | null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks an OpenAI request body just enough to route, limit and bill it (400s otherwise). */
export function parseGatewayRequest(callType: CallType, raw: unknown): GatewayRequest {
  if (!isObject(raw)) throw AppError.badRequest('Request body must be a JSON object');
  const model = raw['model'];
  if (typeof model !== 'string' || model.length === 0 || model.length > 256) {
    throw AppError.badRequest('model is required (a model name)', 'model');
  }
  if (callType === 'chat_completion') {
    const messages = raw['messages'];
    if (!Array.isArray(messages) || messages.length === 0) {
      throw AppError.badRequest('messages must be a non-empty array', 'messages');
    }
    if (!messages.every((m) => isObject(m) && typeof m['role'] === 'string')) {
      throw AppError.badRequest('each message must be an object with a role', 'messages');
    }
  } else {
    const input = raw['input'];
    const ok =
      typeof input === 'string' ||
      (Array.isArray(input) &&
        input.length > 0 &&
        input.every((x) => typeof x === 'string' || typeof x === 'number' || Array.isArray(x)));
    if (!ok) throw AppError.badRequest('input must be a string or a non-empty array', 'input');
  }
  const stream = raw['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    throw AppError.badRequest('stream must be a boolean', 'stream');
  }
  if (stream === true && callType !== 'chat_completion') {
    throw AppError.badRequest('stream is only supported for chat completions', 'stream');
  }
  const mock = raw['mock_response'];
  if (mock !== undefined && typeof mock !== 'string') {
    throw AppError.badRequest('mock_response must be a string', 'mock_response');
  }
  if (mock !== undefined && callType !== 'chat_completion') {
    throw AppError.badRequest(
      'mock_response is only supported for chat completions',
      'mock_response',
    );
  }
  const cache = raw['cache'];
  if (cache !== undefined && !isObject(cache)) {
    throw AppError.badRequest('cache must be an object such as {"no-cache": true}', 'cache');
  }
  const streamOptions = raw['stream_options'];
  if (streamOptions !== undefined && streamOptions !== null && !isObject(streamOptions)) {
    throw AppError.badRequest('stream_options must be an object', 'stream_options');
  }
  // Both are read: a client sending `max_completion_tokens: 0, max_tokens: 4000` must not be
  // held to 0 tokens by the budget when the upstream honours the 4000.
  const maxTokens = tokenLimit(raw, 'max_tokens');
  const maxCompletionTokens = tokenLimit(raw, 'max_completion_tokens');
  let body = raw;
  let fallbacks: string[] | null = null;
  if (raw['fallbacks'] !== undefined) {
    fallbacks = requestFallbacks(raw['fallbacks'], model);
    body = { ...raw };
    delete body['fallbacks'];
  }
  return {
    callType,
    body,
    model,
    stream: stream === true,
    includeUsage: isObject(streamOptions) && streamOptions['include_usage'] === true,
    mockResponse: typeof mock === 'string' ? mock : null,
    noCache: isObject(cache) && cache['no-cache'] === true,
    maxTokens,
    maxCompletionTokens,
    fallbacks,
    anthropicBody: null,
  };
}

const FALLBACKS_SHAPE = 'fallbacks must be a list of model names (or of {model: [model names]})';

/** `["a", "b"]`, or `[{"<model>": ["a", "b"]}]` whose entries for this model count. */
function requestFallbacks(value: unknown, model: string): string[] {
  if (!Array.isArray(value) || value.length > 16) {
    throw AppError.badRequest(FALLBACKS_SHAPE, 'fallbacks');
  }
  const names: string[] = [];
  for (const entry of value) {
    if (typeof entry === 'string') names.push(entry);
    else if (isObject(entry)) {
      for (const [from, to] of Object.entries(entry)) {
        const list: unknown[] = Array.isArray(to) ? to : [to];
        if (!list.every((m) => typeof m === 'string')) {
          throw AppError.badRequest(FALLBACKS_SHAPE, 'fallbacks');
        }
        if (from === model) names.push(...list);
      }
    } else throw AppError.badRequest(FALLBACKS_SHAPE, 'fallbacks');
  }
  if (names.length > 16 || !names.every((m) => m.length > 0 && m.length <= 256)) {
    throw AppError.badRequest(FALLBACKS_SHAPE, 'fallbacks');
  }
  return names.filter((m, i) => m !== model && names.indexOf(m) === i);
}

function tokenLimit(raw: Record<string, unknown>, field: string): number | null {
  const value = raw[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw AppError.badRequest(`${field} must be a non-negative integer`, field);
  }
  return value;
}
