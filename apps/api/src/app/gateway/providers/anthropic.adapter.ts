import { AppError } from '../../common/errors/app-error';
import type { ModelDeployment } from '../../models/model-deployment';
import type { GatewayRequest } from '../gateway-request';
import type { ProviderAdapter, UpstreamCall } from './provider-adapter';
import { dataOf } from './sse';

/**
 * `anthropic/`: Anthropic's Messages API (`POST /v1/messages`). Chat completions are translated
 * to a Messages request and the answer (JSON or each SSE event) back to OpenAI's shape, so the
 * books, cache and clients see one format. A call that came in on `/v1/messages` carries its
 * own Anthropic body (`request.anthropicBody`), sent as it came with the deployment's model id;
 * its answer is this adapter's native format, so it is not translated at all (`answerFormat`)
 * and the gateway reads it with the Anthropic wire reader (`wire-readers.ts`).
 */

/** The `anthropic-version` header every request carries (the current and only GA version). */
export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires `max_tokens`; LiteLLM's default when the caller sets none. */
export const DEFAULT_MAX_TOKENS = 4096;

type Json = Record<string, unknown>;
type Block = Json;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `data:image/png;base64,...` → a base64 source; any other URL → a URL source. */
function imageBlock(url: string): Block {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match)
    return { type: 'image', source: { type: 'base64', media_type: match[1], data: match[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

/** OpenAI message content (a string or parts) as Anthropic content blocks. */
function contentBlocks(content: unknown): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: Block[] = [];
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part['type'] === 'text' && typeof part['text'] === 'string') {
      blocks.push({ type: 'text', text: part['text'] });
    } else if (part['type'] === 'image_url') {
      const image = part['image_url'];
      const url = typeof image === 'string' ? image : isObject(image) ? image['url'] : undefined;
      if (typeof url === 'string') blocks.push(imageBlock(url));
    }
  }
  return blocks;
}

function textOf(content: unknown): string {
  return contentBlocks(content)
    .map((b) => (typeof b['text'] === 'string' ? b['text'] : ''))
    .join('');
}

function parseArguments(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return isObject(parsed) ? parsed : { value: parsed };
  } catch {
    throw AppError.badRequest('tool_calls[].function.arguments must be a JSON object', 'messages');
  }
}

/** The OpenAI `messages` as Anthropic's `system` and alternating `messages`. */
function translateMessages(messages: unknown[]): {
  system: string | null;
  messages: AnthropicMessage[];
} {
  const system: string[] = [];
  const out: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage['role'], blocks: Block[]): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    // Consecutive turns of one role (several tool results, say) become one turn.
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const message of messages) {
    if (!isObject(message)) continue;
    const role = message['role'];
    if (role === 'system' || role === 'developer') {
      const text = textOf(message['content']);
      if (text !== '') system.push(text);
    } else if (role === 'user') {
      push('user', contentBlocks(message['content']));
    } else if (role === 'assistant') {
      const blocks = contentBlocks(message['content']);
      const calls = Array.isArray(message['tool_calls']) ? message['tool_calls'] : [];
      for (const call of calls) {
        if (!isObject(call) || !isObject(call['function'])) continue;
        blocks.push({
          type: 'tool_use',
          id: call['id'],
          name: call['function']['name'],
          input: parseArguments(call['function']['arguments']),
        });
      }
      push('assistant', blocks);
    } else if (role === 'tool') {
      push('user', [
        {
          type: 'tool_result',
          tool_use_id: message['tool_call_id'],
          content:
            typeof message['content'] === 'string'
              ? message['content']
              : contentBlocks(message['content']),
        },
      ]);
    } else {
      throw AppError.badRequest(`messages: role ${String(role)} is not supported`, 'messages');
    }
  }
  return { system: system.length > 0 ? system.join('\n\n') : null, messages: out };
}

function translateTools(tools: unknown): Block[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return tools.filter(isObject).map((tool) => {
    const fn = isObject(tool['function']) ? tool['function'] : tool;
    return {
      name: fn['name'],
      ...(typeof fn['description'] === 'string' ? { description: fn['description'] } : {}),
      input_schema: isObject(fn['parameters'])
        ? fn['parameters']
        : { type: 'object', properties: {} },
    };
  });
}

function translateToolChoice(choice: unknown): Block | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (isObject(choice) && isObject(choice['function'])) {
    return { type: 'tool', name: choice['function']['name'] };
  }
  return undefined;
}

/** An OpenAI chat request as a Messages API request body. */
export function toAnthropicRequest(body: Json, model: string, maxTokens: number | null): Json {
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const translated = translateMessages(messages);
  const out: Json = {
    model,
    max_tokens: maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: translated.messages,
  };
  if (translated.system !== null) out['system'] = translated.system;
  const stop = body['stop'];
  if (typeof stop === 'string') out['stop_sequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) out['stop_sequences'] = stop;
  for (const field of ['temperature', 'top_p', 'top_k'] as const) {
    if (typeof body[field] === 'number') out[field] = body[field];
  }
  const tools = translateTools(body['tools']);
  if (tools && tools.length > 0) out['tools'] = tools;
  const toolChoice = translateToolChoice(body['tool_choice']);
  if (toolChoice && tools && tools.length > 0) out['tool_choice'] = toolChoice;
  if (typeof body['user'] === 'string') out['metadata'] = { user_id: body['user'] };
  if (body['stream'] === true) out['stream'] = true;
  return out;
}

const FINISH_REASONS: Readonly<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonOf(stopReason: unknown): string | null {
  if (typeof stopReason !== 'string') return null;
  return FINISH_REASONS[stopReason] ?? 'stop';
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Anthropic usage as OpenAI usage: `prompt_tokens` counts every prompt token (uncached, read
 * from cache, written to cache), `prompt_tokens_details.cached_tokens` the cache reads, and the
 * cache writes are kept under Anthropic's own name, so the books can price each kind.
 */
export function toOpenAiUsage(usage: unknown): Json | null {
  if (!isObject(usage)) return null;
  const input = usage['input_tokens'];
  if (typeof input !== 'number') return null;
  const read = count(usage['cache_read_input_tokens']);
  const written = count(usage['cache_creation_input_tokens']);
  const output = usage['output_tokens'];
  const prompt = input + read + written;
  const completion = typeof output === 'number' ? output : 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: output === undefined ? 0 : output,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read },
    cache_read_input_tokens: read,
    cache_creation_input_tokens: written,
  };
}

/** An Anthropic `message` as an OpenAI chat completion. */
export function toOpenAiCompletion(message: Json, created: number): Json {
  const content = Array.isArray(message['content']) ? message['content'] : [];
  let text = '';
  let hasText = false;
  const toolCalls: Json[] = [];
  for (const block of content) {
    if (!isObject(block)) continue;
    if (block['type'] === 'text' && typeof block['text'] === 'string') {
      text += block['text'];
      hasText = true;
    } else if (block['type'] === 'tool_use') {
      toolCalls.push({
        id: block['id'],
        type: 'function',
        function: { name: block['name'], arguments: JSON.stringify(block['input'] ?? {}) },
      });
    }
  }
  const assistant: Json = { role: 'assistant', content: hasText ? text : null };
  if (toolCalls.length > 0) assistant['tool_calls'] = toolCalls;
  return {
    id: message['id'],
    object: 'chat.completion',
    created,
    model: message['model'],
    choices: [
      {
        index: 0,
        message: assistant,
        finish_reason: finishReasonOf(message['stop_reason']),
        logprobs: null,
      },
    ],
    usage: toOpenAiUsage(message['usage']),
  };
}

/** The `data:` payload of one SSE event, parsed; null when there is none or it is not JSON. */
export function eventData(event: string): Json | null {
  const data = dataOf(event);
  if (data === '') return null;
  try {
    const parsed = JSON.parse(data) as unknown;
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Anthropic's error types, as the OpenAI-style `type` Gatehouse answers with. */
function openAiError(error: unknown): Json {
  const inner = isObject(error) ? error : {};
  return {
    error: {
      message:
        typeof inner['message'] === 'string' ? inner['message'] : 'The upstream stream failed',
      type: 'upstream_error',
      param: null,
      code: typeof inner['type'] === 'string' ? inner['type'] : null,
    },
  };
}

const sse = (payload: unknown): string => `data: ${JSON.stringify(payload)}`;

/**
 * Translates one streamed Messages answer, event by event, into OpenAI chunks: text deltas as
 * `content`, tool_use blocks as `tool_calls` (arguments streamed from `input_json_delta`), the
 * stop reason on `message_delta`, and on `message_stop` a final usage chunk and `[DONE]`.
 * `ping` and thinking blocks produce nothing.
 */
export function anthropicStreamTranslator(): (event: string) => string[] {
  let base: Json = {
    id: 'chatcmpl-gatehouse',
    object: 'chat.completion.chunk',
    created: 0,
    model: '',
  };
  let usage: Json = {};
  /** Content block index → tool_calls index, for the blocks that are tool calls. */
  const tools = new Map<number, number>();
  const chunk = (delta: Json, finishReason: string | null = null): string =>
    sse({ ...base, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] });
  return (event: string): string[] => {
    const data = eventData(event);
    if (!data) return [];
    switch (data['type']) {
      case 'message_start': {
        const message = isObject(data['message']) ? data['message'] : {};
        base = {
          id: message['id'] ?? base['id'],
          object: 'chat.completion.chunk',
          created: Math.floor(Date.now() / 1000),
          model: message['model'] ?? '',
        };
        usage = isObject(message['usage']) ? { ...message['usage'] } : {};
        return [chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start': {
        const block = isObject(data['content_block']) ? data['content_block'] : {};
        if (block['type'] !== 'tool_use') return [];
        const index = tools.size;
        tools.set(count(data['index']), index);
        return [
          chunk({
            tool_calls: [
              {
                index,
                id: block['id'],
                type: 'function',
                function: { name: block['name'], arguments: '' },
              },
            ],
          }),
        ];
      }
      case 'content_block_delta': {
        const delta = isObject(data['delta']) ? data['delta'] : {};
        if (delta['type'] === 'text_delta' && typeof delta['text'] === 'string') {
          return [chunk({ content: delta['text'] })];
        }
        const tool = tools.get(count(data['index']));
        if (delta['type'] === 'input_json_delta' && tool !== undefined) {
          return [
            chunk({
              tool_calls: [{ index: tool, function: { arguments: delta['partial_json'] ?? '' } }],
            }),
          ];
        }
        return [];
      }
      case 'message_delta': {
        if (isObject(data['usage'])) usage = { ...usage, ...data['usage'] };
        const delta = isObject(data['delta']) ? data['delta'] : {};
        return [chunk({}, finishReasonOf(delta['stop_reason']) ?? 'stop')];
      }
      case 'message_stop':
        return [sse({ ...base, choices: [], usage: toOpenAiUsage(usage) }), 'data: [DONE]'];
      case 'error':
        return [sse(openAiError(data['error']))];
      default:
        return []; // ping, content_block_stop, and event types added later
    }
  };
}

export const anthropicAdapter: ProviderAdapter = {
  prefix: 'anthropic',
  format: 'anthropic',

  headers(deployment: ModelDeployment): Record<string, string> {
    return {
      'anthropic-version': ANTHROPIC_VERSION,
      ...(deployment.apiKey ? { 'x-api-key': deployment.apiKey } : {}),
    };
  },

  request(deployment: ModelDeployment, request: GatewayRequest): UpstreamCall {
    if (request.callType !== 'chat_completion') {
      throw AppError.badRequest('anthropic/ models do not serve embeddings', 'model');
    }
    // `api_base` may be the host (`https://api.anthropic.com`) or end in `/v1`.
    const path = /\/v1\/?$/.test(deployment.apiBase) ? '/messages' : '/v1/messages';
    const body = request.anthropicBody
      ? { ...request.anthropicBody, model: deployment.upstreamModel }
      : toAnthropicRequest(
          request.body,
          deployment.upstreamModel,
          request.maxCompletionTokens ?? request.maxTokens,
        );
    return { path, body: JSON.stringify(body) };
  },

  answer(text: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text;
    }
    if (!isObject(parsed) || parsed['type'] !== 'message') return text;
    return JSON.stringify(toOpenAiCompletion(parsed, Math.floor(Date.now() / 1000)));
  },

  streamTranslator(): (event: string) => string[] {
    return anthropicStreamTranslator();
  },
};
