import { Readable } from 'node:stream';
import { AppError } from '../../common/errors/app-error';
import type { ErrorResponse } from '../../common/errors/error-response';
import { parseGatewayRequest, type GatewayRequest } from '../gateway-request';
import type { GatewayResult } from '../gateway.service';
import { eventData } from '../providers/anthropic.adapter';

/**
 * `POST /v1/messages`: Anthropic's wire format at the edge. The request becomes a chat
 * completion call (the same admission, cache, router and books as `/v1/chat/completions`),
 * keeping its Anthropic body for `anthropic/` deployments. An `anthropic/` deployment's answer
 * passes through as the upstream sent it (the gateway reads its usage in Anthropic's format);
 * any other's (an `openai/` or `azure/` one, a fallback to one, a mock) arrives in OpenAI's
 * format and is turned into a Messages answer here, JSON or SSE events in Anthropic's
 * documented order.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function textOfBlocks(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObject)
    .map((b) => (b['type'] === 'text' && typeof b['text'] === 'string' ? b['text'] : ''))
    .join('');
}

function imagePart(source: unknown): Json | null {
  if (!isObject(source)) return null;
  if (source['type'] === 'base64') {
    return {
      type: 'image_url',
      image_url: { url: `data:${String(source['media_type'])};base64,${String(source['data'])}` },
    };
  }
  if (source['type'] === 'url') return { type: 'image_url', image_url: { url: source['url'] } };
  return null;
}

/** One Anthropic message as OpenAI messages (tool results become `tool` messages). */
function chatMessages(message: Json): Json[] {
  const role = message['role'];
  const content = message['content'];
  if (role !== 'user' && role !== 'assistant') {
    throw AppError.badRequest('messages: role must be user or assistant', 'messages');
  }
  if (typeof content === 'string') return [{ role, content }];
  if (!Array.isArray(content)) {
    throw AppError.badRequest('messages: content must be a string or a list of blocks', 'messages');
  }
  const out: Json[] = [];
  const parts: Json[] = [];
  const toolCalls: Json[] = [];
  for (const block of content) {
    if (!isObject(block)) continue;
    switch (block['type']) {
      case 'text':
        if (typeof block['text'] === 'string') parts.push({ type: 'text', text: block['text'] });
        break;
      case 'image': {
        const part = imagePart(block['source']);
        if (part) parts.push(part);
        break;
      }
      case 'tool_use':
        toolCalls.push({
          id: block['id'],
          type: 'function',
          function: { name: block['name'], arguments: JSON.stringify(block['input'] ?? {}) },
        });
        break;
      case 'tool_result':
        out.push({
          role: 'tool',
          tool_call_id: block['tool_use_id'],
          content: textOfBlocks(block['content']),
        });
        break;
      default:
        break; // thinking and other blocks carry nothing an OpenAI upstream reads
    }
  }
  if (role === 'assistant') {
    const text = parts.map((p) => (typeof p['text'] === 'string' ? p['text'] : '')).join('');
    out.push({
      role,
      content: text === '' ? null : text,
      ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
    });
  } else if (parts.length > 0) {
    out.push({ role, content: parts });
  }
  return out;
}

function toolChoice(choice: unknown): unknown {
  if (!isObject(choice)) return undefined;
  if (choice['type'] === 'any') return 'required';
  if (choice['type'] === 'tool') return { type: 'function', function: { name: choice['name'] } };
  return choice['type'];
}

/** An Anthropic Messages request as the OpenAI chat request the gateway runs (400s otherwise). */
export function chatBodyOf(body: Json): Json {
  const maxTokens = body['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    throw AppError.badRequest('max_tokens is required (a positive integer)', 'max_tokens');
  }
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0 || !messages.every(isObject)) {
    throw AppError.badRequest('messages must be a non-empty list of messages', 'messages');
  }
  const system = textOfBlocks(body['system']);
  const chat: Json = {
    model: body['model'],
    max_tokens: maxTokens,
    messages: [
      ...(system !== '' ? [{ role: 'system', content: system }] : []),
      ...messages.flatMap(chatMessages),
    ],
  };
  if (Array.isArray(body['stop_sequences'])) chat['stop'] = body['stop_sequences'];
  for (const field of ['temperature', 'top_p', 'top_k'] as const) {
    if (body[field] !== undefined) chat[field] = body[field];
  }
  if (Array.isArray(body['tools'])) {
    chat['tools'] = body['tools'].filter(isObject).map((t) => ({
      type: 'function',
      function: { name: t['name'], description: t['description'], parameters: t['input_schema'] },
    }));
    const choice = toolChoice(body['tool_choice']);
    if (choice !== undefined) chat['tool_choice'] = choice;
  }
  if (isObject(body['metadata']) && typeof body['metadata']['user_id'] === 'string') {
    chat['user'] = body['metadata']['user_id'];
  }
  if (body['stream'] === true) {
    chat['stream'] = true;
    // The Messages stream ends with usage: always ask for it.
    chat['stream_options'] = { include_usage: true };
  }
  return chat;
}

/** Gatehouse's own request fields: read by the gateway, never sent to an Anthropic upstream. */
const GATEHOUSE_FIELDS = ['mock_response', 'cache', 'fallbacks'] as const;

/** The gateway request of a `/v1/messages` call. */
export function messagesRequest(raw: unknown): GatewayRequest {
  if (!isObject(raw)) throw AppError.badRequest('Request body must be a JSON object');
  const chat = chatBodyOf(raw);
  const anthropicBody = { ...raw };
  for (const field of GATEHOUSE_FIELDS) {
    if (raw[field] === undefined) continue;
    chat[field] = raw[field];
    delete anthropicBody[field];
  }
  return { ...parseGatewayRequest('chat_completion', chat), anthropicBody };
}

const STOP_REASONS: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

const stopReasonOf = (finish: unknown): string =>
  (typeof finish === 'string' ? STOP_REASONS[finish] : undefined) ?? 'end_turn';

/** Anthropic ids start with `msg_`; an OpenAI id (`chatcmpl-…`) is prefixed. */
const messageId = (id: unknown): string =>
  typeof id !== 'string' ? 'msg_gatehouse' : id.startsWith('msg_') ? id : `msg_${id}`;

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** OpenAI usage as Anthropic usage (the inverse of the anthropic/ adapter's). */
function anthropicUsage(usage: unknown): Json {
  const u = isObject(usage) ? usage : {};
  const details = isObject(u['prompt_tokens_details']) ? u['prompt_tokens_details'] : {};
  const read = count(details['cached_tokens']);
  const written = count(u['cache_creation_input_tokens']);
  return {
    input_tokens: Math.max(0, count(u['prompt_tokens']) - read - written),
    output_tokens: count(u['completion_tokens']),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: read,
  };
}

function parseArguments(raw: unknown): unknown {
  try {
    return typeof raw === 'string' && raw !== '' ? (JSON.parse(raw) as unknown) : {};
  } catch {
    return {};
  }
}

/** An OpenAI chat completion (text) as an Anthropic `message` (text). */
export function messageOf(completionText: string, model: string): string {
  let completion: Json;
  try {
    const parsed = JSON.parse(completionText) as unknown;
    completion = isObject(parsed) ? parsed : {};
  } catch {
    completion = {};
  }
  const choice =
    Array.isArray(completion['choices']) && isObject(completion['choices'][0])
      ? completion['choices'][0]
      : {};
  const message = isObject(choice['message']) ? choice['message'] : {};
  const content: Json[] = [];
  if (typeof message['content'] === 'string' && message['content'] !== '') {
    content.push({ type: 'text', text: message['content'] });
  }
  for (const call of Array.isArray(message['tool_calls']) ? message['tool_calls'] : []) {
    if (!isObject(call) || !isObject(call['function'])) continue;
    content.push({
      type: 'tool_use',
      id: call['id'],
      name: call['function']['name'],
      input: parseArguments(call['function']['arguments']),
    });
  }
  return JSON.stringify({
    id: messageId(completion['id']),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReasonOf(choice['finish_reason']),
    stop_sequence: null,
    usage: anthropicUsage(completion['usage']),
  });
}

const event = (type: string, data: Json): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/**
 * The gateway's OpenAI chunks as Anthropic's stream: message_start, then per content block
 * content_block_start / _delta (text_delta, input_json_delta) / _stop, message_delta with the
 * stop reason and usage, message_stop. An OpenAI error event becomes an `error` event.
 */
export async function* messageEvents(
  chunks: AsyncIterable<string | Buffer>,
  model: string,
): AsyncGenerator<string> {
  let started = false;
  let block: { index: number; kind: 'text' | 'tool'; tool: number } | null = null;
  let nextIndex = 0;
  let stopReason = 'end_turn';
  let usage: unknown = null;
  let buffer = '';
  const start = (id: unknown): string => {
    started = true;
    return event('message_start', {
      message: {
        id: messageId(id),
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  };
  const close = (): string[] => {
    if (!block) return [];
    const out = event('content_block_stop', { index: block.index });
    block = null;
    return [out];
  };
  const open = (kind: 'text' | 'tool', tool: number, contentBlock: Json): string[] => {
    const out = close();
    block = { index: nextIndex++, kind, tool };
    out.push(event('content_block_start', { index: block.index, content_block: contentBlock }));
    return out;
  };
  const handle = (raw: string): string[] => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed === 'data: [DONE]') return [];
    const data = eventData(trimmed);
    if (!data) return [];
    if (isObject(data['error'])) {
      const error = data['error'];
      return [
        event('error', {
          error: {
            type: 'api_error',
            message: typeof error['message'] === 'string' ? error['message'] : 'Upstream error',
          },
        }),
      ];
    }
    const out: string[] = started ? [] : [start(data['id'])];
    if (data['usage'] !== undefined && data['usage'] !== null) usage = data['usage'];
    const choices = Array.isArray(data['choices']) ? data['choices'] : [];
    for (const choice of choices) {
      if (!isObject(choice)) continue;
      const delta = isObject(choice['delta']) ? choice['delta'] : {};
      if (typeof delta['content'] === 'string' && delta['content'] !== '') {
        if (block?.kind !== 'text') out.push(...open('text', -1, { type: 'text', text: '' }));
        out.push(
          event('content_block_delta', {
            index: nextIndex - 1,
            delta: { type: 'text_delta', text: delta['content'] },
          }),
        );
      }
      for (const call of Array.isArray(delta['tool_calls']) ? delta['tool_calls'] : []) {
        if (!isObject(call)) continue;
        const tool = count(call['index']);
        const fn = isObject(call['function']) ? call['function'] : {};
        if (block?.kind !== 'tool' || block.tool !== tool) {
          out.push(
            ...open('tool', tool, {
              type: 'tool_use',
              id: call['id'],
              name: fn['name'],
              input: {},
            }),
          );
        }
        if (typeof fn['arguments'] === 'string' && fn['arguments'] !== '') {
          out.push(
            event('content_block_delta', {
              index: nextIndex - 1,
              delta: { type: 'input_json_delta', partial_json: fn['arguments'] },
            }),
          );
        }
      }
      if (typeof choice['finish_reason'] === 'string')
        stopReason = stopReasonOf(choice['finish_reason']);
    }
    return out;
  };
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const one = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      yield* handle(one);
    }
  }
  yield* handle(buffer);
  if (!started) yield start(null);
  yield* close();
  const final = anthropicUsage(usage);
  yield event('message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: final['output_tokens'], input_tokens: final['input_tokens'] },
  });
  yield event('message_stop', {});
}

/** A gateway result in Anthropic's shape: as it is when it passed through, else translated. */
export function asMessagesResult(result: GatewayResult, model: string): GatewayResult {
  if (result.format === 'anthropic') return result;
  const { headers } = result;
  if (result.kind === 'json') {
    return { kind: 'json', text: messageOf(result.text, model), format: 'anthropic', headers };
  }
  const stream = Readable.from(messageEvents(result.stream, model));
  return { kind: 'stream', stream, format: 'anthropic', headers };
}

const ANTHROPIC_ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

/** An error answer in Anthropic's shape: `{"type":"error","error":{"type","message"}}`. */
export function messagesErrorText(response: ErrorResponse): string {
  const type =
    ANTHROPIC_ERROR_TYPES[response.status] ??
    (response.status >= 500 ? 'api_error' : 'invalid_request_error');
  return JSON.stringify({ type: 'error', error: { type, message: response.body.error.message } });
}
