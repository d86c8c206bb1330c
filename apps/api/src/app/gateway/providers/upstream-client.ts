import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Pool, type Dispatcher } from 'undici';
import { AppError } from '../../common/errors/app-error';
import type { ModelDeployment } from '../../models/model-deployment';
import { adapterFor } from './provider-adapters';
import type { UpstreamCall } from './provider-adapter';
import { redactUpstreamSecrets } from './upstream-error-redaction';

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

interface Target {
  pool: Pool;
  basePath: string;
  headers: Readonly<Record<string, string>>;
}

/**
 * Tells a gateway call that its client went away, and aborts the upstream request: undici
 * takes an EventEmitter as `signal` (`aborted`, an `abort` event). One per call; an
 * AbortController (an EventTarget) cost ~0.05 ms of every sequential call (BENCHMARKS.md).
 */
export class ClientSignal extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/** Thrown when the client went away and we aborted the upstream call ourselves. */
export class ClientGoneError extends Error {
  constructor() {
    super('Client disconnected');
    this.name = 'ClientGoneError';
  }
}

/** Maps a transport failure (not an HTTP error status) to the answer the client gets. */
export function transportError(error: unknown, signal: { readonly aborted: boolean }): Error {
  if (signal.aborted) return new ClientGoneError();
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new AppError(504, 'timeout', 'The upstream model did not answer in time');
  }
  return new AppError(502, 'upstream_error', 'The upstream model could not be reached');
}

/**
 * An upstream error status as an OpenAI-style error: 4xx relayed, 5xx become 502. Secrets the
 * upstream echoed (its `Authorization` header, the deployment's key) are redacted first, then
 * the message is cut (cutting first could leave half a key behind).
 */
export function upstreamStatusError(
  status: number,
  rawText: string,
  deploymentKey: string | null,
): AppError {
  const text = redactUpstreamSecrets(rawText, deploymentKey);
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string };
    const inner = parsed.error;
    if (typeof inner === 'string') message = inner.slice(0, 500);
    else if (inner && typeof inner.message === 'string') message = inner.message.slice(0, 500);
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
  /** Deployments are rebuilt (new objects) when models change: a WeakMap forgets old ones. */
  private targets = new WeakMap<ModelDeployment, Target>();

  constructor(private readonly defaultTimeoutMs: number) {}

  async post(
    deployment: ModelDeployment,
    call: UpstreamCall,
    signal: ClientSignal,
  ): Promise<UpstreamResponse> {
    const target = this.target(deployment);
    const timeout = deployment.timeoutMs ?? this.defaultTimeoutMs;
    try {
      const response = await target.pool.request({
        method: 'POST',
        path: `${target.basePath}${call.path}`,
        headers: target.headers,
        body: call.body,
        signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw transportError(error, signal);
    }
  }

  /** The deployment's pool, base path and headers, worked out once per deployment object. */
  private target(deployment: ModelDeployment): Target {
    let target = this.targets.get(deployment);
    if (!target) {
      const url = new URL(deployment.apiBase);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...adapterFor(deployment).headers(deployment),
      };
      target = {
        pool: this.pool(url.origin),
        basePath: url.pathname.replace(/\/+$/, ''),
        headers: Object.freeze(headers),
      };
      this.targets.set(deployment, target);
    }
    return target;
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
    this.targets = new WeakMap();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }
}
