import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real OpenAI-compatible upstream on 127.0.0.1 (node:http), driven by the upstream model
 * id: `echo` answers, `status-<n>` fails with HTTP n, `slow-<ms>` answers after ms,
 * `hang` never answers (until the caller goes away), `drip` streams one chunk then hangs. Usage is fixed: 10 prompt + 5
 * completion tokens for chat, 8 prompt tokens for embeddings.
 */
export interface MockUpstream {
  url: string;
  /** Every request body received, in order, with its Authorization header. */
  received: {
    path: string;
    body: Record<string, unknown>;
    authorization: string | null;
    /** Azure OpenAI's key header. */
    apiKey: string | null;
  }[];
  /** Requests whose connection closed before we answered (aborted by Gatehouse). */
  aborted: number;
  /**
   * A test's own answer for upstream model ids it names (hostile usage, echoed headers…):
   * return true when it answered. Checked after the request is recorded.
   */
  respond: MockResponder | null;
  close(): Promise<void>;
}

export type MockResponder = (
  request: {
    path: string;
    model: string;
    body: Record<string, unknown>;
    authorization: string | null;
  },
  res: ServerResponse,
) => boolean;

export const MOCK_CONTENT = 'Hello from the mock upstream';
export const MOCK_USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function completion(model: string): unknown {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: MOCK_CONTENT },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: MOCK_USAGE,
  };
}

function stream(res: ServerResponse, model: string, includeUsage: boolean): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = {
    id: 'chatcmpl-mock',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
  };
  const words = MOCK_CONTENT.split(' ');
  res.write(
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`,
  );
  words.forEach((w, i) => {
    const content = i === 0 ? w : ` ${w}`;
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`,
    );
  });
  res.write(
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
  );
  if (includeUsage)
    res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: MOCK_USAGE })}\n\n`);
  res.end('data: [DONE]\n\n');
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const state: MockUpstream = {
    url: '',
    received: [],
    aborted: 0,
    respond: null,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const path = req.url ?? '';
      if (req.method === 'GET' && path === '/v1/models') {
        json(res, 200, {
          object: 'list',
          data: [{ id: 'echo', object: 'model', created: 0, owned_by: 'mock' }],
        });
        return;
      }
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const apiKey = req.headers['api-key'];
      state.received.push({
        path,
        body,
        authorization: req.headers.authorization ?? null,
        apiKey: typeof apiKey === 'string' ? apiKey : null,
      });
      const model = typeof body['model'] === 'string' ? body['model'] : '';
      const authorization = req.headers.authorization ?? null;
      if (state.respond?.({ path, model, body, authorization }, res)) return;
      const status = /^status-(\d{3})$/.exec(model);
      if (status) {
        json(res, Number(status[1]), {
          error: {
            message: `mock failure ${status[1]}`,
            type: 'mock_error',
            param: null,
            code: null,
          },
        });
        return;
      }
      if (model === 'drip') {
        // One chunk, then silence until the caller goes away.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(
          `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { content: 'first words' }, finish_reason: null }] })}\n\n`,
        );
        res.on('close', () => {
          if (!res.writableFinished) state.aborted += 1;
        });
        return;
      }
      if (model === 'hang') {
        res.on('close', () => {
          if (!res.writableFinished) state.aborted += 1;
        });
        return;
      }
      const slow = /^slow-(\d+)$/.exec(model);
      if (slow) await new Promise((r) => setTimeout(r, Number(slow[1])));
      if (path === '/v1/embeddings') {
        const inputs = Array.isArray(body['input']) ? body['input'] : [body['input']];
        json(res, 200, {
          object: 'list',
          data: inputs.map((_, index) => ({
            object: 'embedding',
            index,
            // The openai npm client asks for base64 (little-endian float32) by default.
            embedding:
              body['encoding_format'] === 'base64'
                ? Buffer.from(new Float32Array([0.1, 0.2, 0.3]).buffer).toString('base64')
                : [0.1, 0.2, 0.3],
          })),
          model,
          usage: { prompt_tokens: 8, total_tokens: 8 },
        });
        return;
      }
      if (path === '/v1/chat/completions') {
        if (body['stream'] === true) {
          const options = body['stream_options'] as { include_usage?: boolean } | undefined;
          stream(res, model, options?.include_usage === true);
        } else {
          json(res, 200, completion(model));
        }
        return;
      }
      json(res, 404, { error: { message: 'no such route', type: 'invalid_request_error' } });
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { message: String(error) } });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}/v1`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
