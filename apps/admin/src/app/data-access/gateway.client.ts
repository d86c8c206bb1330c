import { Injectable } from '@angular/core';
import { parseStreamData, SseDecoder, type ChatUsage } from './chat-stream';

/** Whose power a playground call uses: the console session, or a key typed in (never kept). */
export type GatewayCredential = { kind: 'session' } | { kind: 'key'; secret: string };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A refusal by the gateway, as its `{"error":{...}}` body says (429, budget, unknown model…). */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string | null,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export interface ChatResult {
  text: string;
  usage: ChatUsage | null;
  requestId: string | null;
  /** The gateway's own time for the call (`x-gatehouse-overhead-ms`). */
  overheadMs: number | null;
  /** From sending to the last byte, as the browser saw it. */
  latencyMs: number;
  /** From sending to the first streamed text. */
  firstTokenMs: number | null;
}

/** A spend log row, as much as the playground reads of it. */
interface LogRow {
  request_id: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  spend: number;
  startTime: string;
}

function cookie(name: string): string | null {
  const found = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
}

/**
 * The data plane as a client calls it, for the playground: `fetch` (HttpClient cannot hand
 * over a stream as it arrives). A session call sends the cookie and echoes XSRF-TOKEN the way
 * Angular's HttpClient does; a key call sends only `Authorization` (no cookie).
 */
@Injectable({ providedIn: 'root' })
export class GatewayClient {
  private init(credential: GatewayCredential, init: RequestInit = {}): RequestInit {
    const headers = new Headers(init.headers);
    if (credential.kind === 'key') {
      headers.set('Authorization', `Bearer ${credential.secret}`);
    } else {
      const xsrf = cookie('XSRF-TOKEN');
      if (xsrf) headers.set('X-XSRF-TOKEN', xsrf);
    }
    return {
      ...init,
      headers,
      credentials: credential.kind === 'key' ? 'omit' : 'same-origin',
    };
  }

  private async json<T>(credential: GatewayCredential, path: string): Promise<T> {
    const response = await fetch(path, this.init(credential));
    if (!response.ok) throw await this.error(response);
    return (await response.json()) as T;
  }

  private async error(response: Response): Promise<GatewayError> {
    let body: { error?: { message?: unknown; type?: unknown; code?: unknown } } = {};
    try {
      body = (await response.json()) as typeof body;
    } catch {
      // Not JSON: the status says it.
    }
    const e = body.error ?? {};
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return new GatewayError(
      response.status,
      text(e.message) ?? `The gateway answered ${response.status}`,
      text(e.type),
      text(e.code) ?? (typeof e.code === 'number' ? String(e.code) : null),
    );
  }

  /** The models this credential may call (`GET /v1/models`). */
  async models(credential: GatewayCredential): Promise<string[]> {
    const answer = await this.json<{ data: { id: string }[] }>(credential, '/v1/models');
    return answer.data.map((m) => m.id);
  }

  /** One streamed chat completion; `onText` gets the answer's text as it arrives. */
  async chat(
    credential: GatewayCredential,
    body: { model: string; messages: ChatMessage[] },
    onText: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<ChatResult> {
    const started = performance.now();
    const response = await fetch(
      '/v1/chat/completions',
      this.init(credential, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
        signal,
      }),
    );
    if (!response.ok || !response.body) throw await this.error(response);
    const overhead = Number(response.headers.get('x-gatehouse-overhead-ms'));
    const decoder = new TextDecoder();
    const sse = new SseDecoder();
    const reader = response.body.getReader();
    let text = '';
    let usage: ChatUsage | null = null;
    let firstTokenMs: number | null = null;
    const take = (payloads: string[]): void => {
      for (const data of payloads) {
        const part = parseStreamData(data);
        if (!part) continue;
        if (part.error) throw new GatewayError(response.status, part.error, null, null);
        if (part.usage) usage = part.usage;
        if (part.content) {
          firstTokenMs ??= performance.now() - started;
          text += part.content;
          onText(text);
        }
      }
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      take(sse.push(decoder.decode(value, { stream: true })));
    }
    take(sse.end());
    return {
      text,
      usage,
      requestId: response.headers.get('x-request-id'),
      overheadMs: response.headers.has('x-gatehouse-overhead-ms') ? overhead : null,
      latencyMs: performance.now() - started,
      firstTokenMs,
    };
  }

  /**
   * What the call cost, from the caller's own spend log once the batched writer has booked
   * it: the newest row of this model since `since` with the same token counts that no earlier
   * turn claimed (`claimed`). Null when it does not show in time (or the caller may not read
   * that key's logs).
   */
  async costOf(
    credential: GatewayCredential,
    call: { model: string; usage: ChatUsage; since: Date; userId: string | null },
    claimed: ReadonlySet<string>,
    attempts = 8,
    delayMs = 400,
  ): Promise<{ requestId: string; spend: number } | null> {
    const scope =
      credential.kind === 'key'
        ? `api_key=${encodeURIComponent(
            (await this.json<{ key: string }>(credential, '/key/info')).key,
          )}`
        : call.userId
          ? `user_id=${encodeURIComponent(call.userId)}`
          : '';
    const day = call.since.toISOString().slice(0, 10);
    const path = `/spend/logs?page_size=20&start_date=${day}&model=${encodeURIComponent(call.model)}&${scope}`;
    const earliest = call.since.getTime() - 1000;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const page = await this.json<{ data: LogRow[] }>(credential, path);
      const row = page.data.find(
        (log) =>
          !claimed.has(log.request_id) &&
          new Date(log.startTime).getTime() >= earliest &&
          log.prompt_tokens === call.usage.prompt_tokens &&
          log.completion_tokens === call.usage.completion_tokens,
      );
      if (row) return { requestId: row.request_id, spend: row.spend };
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    return null;
  }
}
