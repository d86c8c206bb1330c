import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible upstream on loopback for the browser specs: `POST …/chat/completions`
 * answers MOCK_CONTENT word by word as server-sent events when asked to stream (with the usage
 * chunk when `stream_options.include_usage`), or as one JSON answer. Usage is MOCK_USAGE.
 * The console's e2e project may not import apps/api-e2e (module boundaries), so this is the
 * browser specs' own, smaller twin of apps/api-e2e/src/support/mock-upstream.ts.
 */
export const MOCK_CONTENT = 'Hello from the mock upstream';
export const MOCK_USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

export interface BrowserUpstream {
  url: string;
  received: { body: Record<string, unknown>; authorization: string | null }[];
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text || '{}') as Record<string, unknown>;
}

export async function startUpstream(): Promise<BrowserUpstream> {
  const received: BrowserUpstream['received'] = [];
  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      received.push({ body, authorization: req.headers.authorization ?? null });
      const base = { id: 'chatcmpl-mock', created: 1_700_000_000, model: String(body['model']) };
      if (body['stream'] !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: MOCK_CONTENT },
                finish_reason: 'stop',
              },
            ],
            usage: MOCK_USAGE,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const event = (fields: object) =>
        res.write(
          `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...fields })}\n\n`,
        );
      MOCK_CONTENT.split(' ').forEach((word, i) =>
        event({
          choices: [{ index: 0, delta: { content: i ? ` ${word}` : word }, finish_reason: null }],
        }),
      );
      event({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      const options = body['stream_options'] as { include_usage?: boolean } | undefined;
      if (options?.include_usage) event({ choices: [], usage: MOCK_USAGE });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
