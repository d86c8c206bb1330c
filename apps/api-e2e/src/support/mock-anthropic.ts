import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An Anthropic Messages API upstream on 127.0.0.1, written from Anthropic's API reference:
 * `POST /v1/messages` needs `x-api-key` (401 `authentication_error` otherwise) and
 * `anthropic-version` (400), `model`, `max_tokens` and `messages` (400 `invalid_request_error`).
 * Errors are `{"type":"error","error":{"type","message"}}`; streams send `event:`/`data:` pairs
 * in the documented order (message_start, content blocks with a ping, message_delta,
 * message_stop). Driven by the model id: `status-<n>` fails with HTTP n (echoing the key, as
 * a careless server might), `stream-cut` breaks a stream off after its first text delta; a
 * request with `tools` whose last turn is not a tool result is answered with a `tool_use`
 * block; one with `thinking` enabled gets a signed `thinking` block and a `redacted_thinking`
 * block before its text (streamed with thinking_delta and signature_delta), and a text block
 * with `citations`; one with `stop_sequences` stops on the first (`stop_reason:
 * "stop_sequence"`). Usage: 12 uncached input, 100 cache-read, 20 cache-write and 7 output
 * tokens, with `service_tier` (a field the OpenAI translation has no place for).
 */
export interface MockAnthropic {
  url: string;
  key: string;
  received: { path: string; body: Record<string, unknown>; headers: IncomingMessage['headers'] }[];
  /** The text of each answer sent (a JSON body, or every event of a stream), in order. */
  answers: string[];
  close(): Promise<void>;
}

export const ANTHROPIC_MOCK_TEXT = 'Hello from the Anthropic mock';
export const ANTHROPIC_MOCK_USAGE = {
  input_tokens: 12,
  cache_creation_input_tokens: 20,
  cache_read_input_tokens: 100,
  output_tokens: 7,
};
export const ANTHROPIC_MOCK_TOOL_INPUT = { city: 'Paris' };
export const ANTHROPIC_MOCK_THINKING = {
  type: 'thinking',
  thinking: 'The user greets me; a short greeting back.',
  signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
};
export const ANTHROPIC_MOCK_REDACTED = {
  type: 'redacted_thinking',
  data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
};

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function send(res: ServerResponse, status: number, body: unknown, answers?: string[]): void {
  const text = JSON.stringify(body);
  answers?.push(text);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': 'req_mock',
  });
  res.end(text);
}

function fail(res: ServerResponse, status: number, message: string): void {
  send(res, status, {
    type: 'error',
    error: { type: ERROR_TYPES[status] ?? 'api_error', message },
  });
}

type Block = Record<string, unknown>;

function answerBlocks(body: Record<string, unknown>): {
  content: Block[];
  stop: string;
  stopSequence: string | null;
} {
  const messages = body['messages'] as { content: unknown }[];
  const last = messages[messages.length - 1]?.content;
  const answeredTool =
    Array.isArray(last) && last.some((b) => (b as Block)['type'] === 'tool_result');
  const tools = body['tools'] as { name: string }[] | undefined;
  if (tools && tools.length > 0 && !answeredTool) {
    return {
      content: [
        { type: 'text', text: 'Let me check.' },
        {
          type: 'tool_use',
          id: 'toolu_mock_1',
          name: tools[0].name,
          input: ANTHROPIC_MOCK_TOOL_INPUT,
        },
      ],
      stop: 'tool_use',
      stopSequence: null,
    };
  }
  const stops = body['stop_sequences'];
  const stopSequence = Array.isArray(stops) && typeof stops[0] === 'string' ? stops[0] : null;
  const stop = stopSequence === null ? 'end_turn' : 'stop_sequence';
  const thinking = body['thinking'] as { type?: string } | undefined;
  if (thinking?.type === 'enabled') {
    const text = { type: 'text', text: ANTHROPIC_MOCK_TEXT, citations: null };
    return {
      content: [ANTHROPIC_MOCK_THINKING, ANTHROPIC_MOCK_REDACTED, text],
      stop,
      stopSequence,
    };
  }
  return { content: [{ type: 'text', text: ANTHROPIC_MOCK_TEXT }], stop, stopSequence };
}

function stream(
  res: ServerResponse,
  model: string,
  { content, stop, stopSequence }: ReturnType<typeof answerBlocks>,
  answers: string[],
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  answers.push('');
  const event = (type: string, data: Record<string, unknown>, then?: () => void): void => {
    const text = `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    answers[answers.length - 1] += text;
    res.write(text, then);
  };
  const { output_tokens: output, ...input } = ANTHROPIC_MOCK_USAGE;
  event('message_start', {
    message: {
      id: 'msg_mock_1',
      type: 'message',
      role: 'assistant',
      content: [],
      model,
      stop_reason: null,
      stop_sequence: null,
      usage: { ...input, output_tokens: 1 },
    },
  });
  for (const [index, block] of content.entries()) {
    if (block['type'] === 'text') {
      event('content_block_start', { index, content_block: { ...block, text: '' } });
      if (index === 0) event('ping', {});
      const text = String(block['text']);
      const half = Math.floor(text.length / 2);
      for (const piece of [text.slice(0, half), text.slice(half)]) {
        if (model === 'stream-cut') {
          // Broken off once the first delta has left (headers and events are on the wire).
          const cut = (): void => void res.destroy();
          event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }, cut);
          return;
        }
        event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      }
    } else if (block['type'] === 'thinking') {
      event('content_block_start', {
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      event('content_block_delta', {
        index,
        delta: { type: 'thinking_delta', thinking: block['thinking'] },
      });
      event('content_block_delta', {
        index,
        delta: { type: 'signature_delta', signature: block['signature'] },
      });
    } else if (block['type'] === 'redacted_thinking') {
      event('content_block_start', { index, content_block: block });
    } else {
      event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block['id'], name: block['name'], input: {} },
      });
      const json = JSON.stringify(block['input']);
      for (const piece of [json.slice(0, 5), json.slice(5)]) {
        event('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: piece },
        });
      }
    }
    event('content_block_stop', { index });
  }
  event('message_delta', {
    delta: { stop_reason: stop, stop_sequence: stopSequence },
    usage: { output_tokens: output },
  });
  event('message_stop', {});
  res.end();
}

export async function startMockAnthropic(key = 'sk-ant-mock-key-4321'): Promise<MockAnthropic> {
  const state: MockAnthropic = {
    url: '',
    key,
    received: [],
    answers: [],
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const path = req.url ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        fail(res, 400, 'There was an issue with the format of your request: invalid JSON');
        return;
      }
      state.received.push({ path, body, headers: req.headers });
      if (req.method !== 'POST' || path !== '/v1/messages') {
        fail(res, 404, 'Not found');
        return;
      }
      if (req.headers['x-api-key'] !== key) {
        fail(res, 401, 'invalid x-api-key');
        return;
      }
      if (typeof req.headers['anthropic-version'] !== 'string') {
        fail(res, 400, 'anthropic-version: header is required');
        return;
      }
      const model = body['model'];
      if (typeof model !== 'string') return fail(res, 400, 'model: Field required');
      if (typeof body['max_tokens'] !== 'number')
        return fail(res, 400, 'max_tokens: Field required');
      if (!Array.isArray(body['messages']) || body['messages'].length === 0) {
        return fail(res, 400, 'messages: Field required');
      }
      const status = /^status-(\d{3})$/.exec(model);
      if (status) return fail(res, Number(status[1]), `mock failure; your key was ${key}`);
      const answer = answerBlocks(body);
      if (body['stream'] === true) return stream(res, model, answer, state.answers);
      send(
        res,
        200,
        {
          id: 'msg_mock_1',
          type: 'message',
          role: 'assistant',
          model,
          content: answer.content,
          stop_reason: answer.stop,
          stop_sequence: answer.stopSequence,
          usage: { ...ANTHROPIC_MOCK_USAGE, service_tier: 'standard' },
        },
        state.answers,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
