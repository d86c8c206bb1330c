import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type Dispatcher } from 'undici';
import { AppError } from '../common/errors/app-error';
import type { ModelDeployment } from '../models/model-deployment';

export interface UpstreamResponse {
  statusCode: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Thrown when the client went away and we aborted the upstream call ourselves. */
export class ClientGoneError extends Error {
  constructor() {
    super('Client disconnected');
    this.name = 'ClientGoneError';
  }
}

/** Maps a transport failure (not an HTTP error status) to the answer the client gets. */
export function transportError(error: unknown, signal: AbortSignal): Error {
  if (signal.aborted) return new ClientGoneError();
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new AppError(504, 'timeout', 'The upstream model did not answer in time');
  }
  return new AppError(502, 'upstream_error', 'The upstream model could not be reached');
}

/** An upstream error status as an OpenAI-style error: 4xx relayed, 5xx become 502. */
export function upstreamStatusError(status: number, text: string): AppError {
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string };
    const inner = parsed.error;
    if (typeof inner === 'string') message = inner;
    else if (inner && typeof inner.message === 'string') message = inner.message;
  } catch {
    // not JSON: keep the (truncated) text
  }
  const relayed = status >= 400 && status < 500 ? status : 502;
  return new AppError(relayed, 'upstream_error', `Upstream error (${status}): ${message}`);
}

/**
 * Upstream HTTP with `undici` over one keep-alive Pool per origin (never `fetch`). The
 * deployment's `api_base` may carry a path (`http://host:port/v1`).
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly defaultTimeoutMs: number) {}

  async post(
    deployment: ModelDeployment,
    path: '/chat/completions' | '/embeddings',
    body: string,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    const url = new URL(deployment.apiBase);
    const timeout = deployment.timeoutMs ?? this.defaultTimeoutMs;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (deployment.apiKey) headers['authorization'] = `Bearer ${deployment.apiKey}`;
    try {
      const response = await this.pool(url.origin).request({
        method: 'POST',
        path: `${url.pathname.replace(/\/+$/, '')}${path}`,
        headers,
        body,
        signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw transportError(error, signal);
    }
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: 10_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }
}
