import { fastifyCookie } from '@fastify/cookie';
import { hasPermission, keyTypeAllows } from '@gatehouse/shared/auth';
import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream';
import type { Principal } from '../common/auth/principal';
import { PrincipalResolver, type CredentialSource } from '../common/auth/principal-resolver';
import { AppError } from '../common/errors/app-error';
import { toErrorResponse } from '../common/errors/error-response';
import { GATEWAY_JSON_LIMITS, parseJsonBody } from '../common/http/lenient-json';
import { BODY_LIMIT_BYTES } from '../common/http/limits';
import { SECURITY_HEADERS } from '../common/http/security-headers';
import { logDataPlaneAnswer, requestId } from '../common/logging/request-logger';
import { describeError } from '../common/logging/safe-error';
import { MetricsService } from '../metrics/metrics.service';
import { GatewayService, type CallContext, type GatewayResult } from './gateway.service';
import { messagesErrorText } from './messages/anthropic-messages';
import { ClientSignal } from './providers/upstream-client';

export const OVERHEAD_HEADER = 'x-gatehouse-overhead-ms';

type Operation = 'chat' | 'embeddings' | 'messages' | 'models';

/**
 * The OpenAI-compatible routes. They are served straight from `node:http` (see `handle`), so
 * they are listed here rather than found by Fastify's router: the OpenAPI document and the
 * route-walking test read this list.
 */
export const DATA_PLANE_ROUTES: readonly { method: 'GET' | 'POST'; url: string; op: Operation }[] =
  [
    { method: 'POST', url: '/v1/chat/completions', op: 'chat' },
    { method: 'POST', url: '/chat/completions', op: 'chat' },
    { method: 'POST', url: '/v1/embeddings', op: 'embeddings' },
    { method: 'POST', url: '/embeddings', op: 'embeddings' },
    { method: 'POST', url: '/v1/messages', op: 'messages' },
    { method: 'POST', url: '/anthropic/v1/messages', op: 'messages' },
    { method: 'GET', url: '/v1/models', op: 'models' },
    { method: 'GET', url: '/models', op: 'models' },
  ];

const OPERATIONS = new Map(DATA_PLANE_ROUTES.map((r) => [`${r.method} ${r.url}`, r.op]));
const CALL_TYPES = {
  chat: 'chat_completion',
  messages: 'chat_completion',
  embeddings: 'embedding',
} as const;
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;
/** The upstream's JSON, relayed as it came; and JSON that Gatehouse writes (as Fastify labels it). */
const RELAYED_JSON = { 'content-type': 'application/json' } as const;
const OWN_JSON = { 'content-type': 'application/json; charset=utf-8' } as const;
/** Body types read as JSON: JSON itself, none, and curl's `-d` default (a form type). */
const JSON_BODY_TYPES = new Set(['', 'application/json', 'application/x-www-form-urlencoded']);

function mediaType(req: IncomingMessage): string {
  const value = req.headers['content-type'] ?? '';
  const semicolon = value.indexOf(';');
  return (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * The answer goes out at once; node:http reads and drops the rest of the body, so the client
 * that is still sending gets the 413 rather than a reset connection.
 */
function tooLarge(): AppError {
  return new AppError(413, 'payload_too_large', 'Request body is larger than 1 MiB');
}

/** The request body as text, refused (413) past the limit, declared or actual. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return; // refused already; node:http discards the rest
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      reject(tooLarge());
    });
    req.on('end', () => {
      if (size <= limit) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/**
 * A plain data object. (A lazy `get cookies()` here was measured to make every call's request,
 * with its headers and body listeners, survive young-generation GCs: 20x the promoted bytes.)
 */
function credentials(req: IncomingMessage): CredentialSource {
  const cookie = req.headers.cookie;
  return {
    method: req.method ?? '',
    headers: req.headers,
    cookies: cookie ? fastifyCookie.parse(cookie) : undefined,
  };
}

/**
 * The gateway's data plane over plain `node:http`, in front of Fastify: `handle` takes the
 * OpenAI and Anthropic routes and lets everything else through. Measured under load (BENCHMARKS.md), the
 * Fastify + Nest pipeline cost more CPU per call than the gateway's own work; here a call is
 * authenticated (the same PrincipalResolver the global guard uses), permission-checked
 * (`gateway.call`), answered with the same security headers, request id, error shape and log
 * lines as every other route, and everything else is GatewayService's.
 */
@Injectable()
export class DataPlaneHandler {
  private readonly errors = new Logger('Errors');

  constructor(
    private readonly gateway: GatewayService,
    private readonly principals: PrincipalResolver,
    private readonly metrics: MetricsService,
  ) {}

  /** Serves the request when it is one of DATA_PLANE_ROUTES; false hands it on, untouched. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    // HEAD is GET without a body (node:http leaves the body out of HEAD answers itself).
    const op = OPERATIONS.get(`${req.method === 'HEAD' ? 'GET' : req.method} ${path}`);
    if (!op) return false;
    const started = performance.now();
    const id = requestId(req);
    const ctx: CallContext = { signal: new ClientSignal(), upstreamMs: 0, bodyBytes: 0 };
    // One listener: a client gone before the answer stops the upstream call; then the log line.
    res.on('close', () => {
      if (!res.writableFinished) ctx.signal.abort();
      logDataPlaneAnswer(req, res, performance.now() - started);
    });
    void this.serve(op, req, res, id, started, ctx);
    return true;
  }

  private async serve(
    op: Operation,
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    started: number,
    ctx: CallContext,
  ): Promise<void> {
    const overhead = (): string => {
      const ms = Math.max(0, performance.now() - started - ctx.upstreamMs);
      if (op !== 'models') this.metrics.overheadSeries(CALL_TYPES[op]).observe(ms / 1000);
      return ms.toFixed(3);
    };
    try {
      const principal = await this.authorize(req);
      if (op === 'models') {
        const list = JSON.stringify(this.gateway.listModels(principal));
        this.send(res, 200, id, overhead(), list, OWN_JSON);
        return;
      }
      if (!JSON_BODY_TYPES.has(mediaType(req))) {
        throw new AppError(
          415,
          'invalid_request_error',
          `Unsupported Media Type: ${req.headers['content-type']} (send application/json)`,
        );
      }
      const raw = await readBody(req, BODY_LIMIT_BYTES);
      ctx.bodyBytes = Buffer.byteLength(raw);
      const body = parseJsonBody(raw, GATEWAY_JSON_LIMITS);
      const result =
        op === 'chat'
          ? await this.gateway.chat(principal, body, ctx)
          : op === 'messages'
            ? await this.gateway.messages(principal, body, ctx)
            : await this.gateway.embeddings(principal, body, ctx);
      this.answer(res, id, overhead(), result);
    } catch (error) {
      this.fail(res, id, overhead(), error, op === 'messages');
    }
  }

  private async authorize(req: IncomingMessage): Promise<Principal> {
    const principal = await this.principals.resolve(credentials(req));
    if (!principal) throw AppError.unauthorized();
    if (principal.keyType && !keyTypeAllows(principal.keyType, 'gateway.call', req.method ?? '')) {
      throw AppError.forbidden(`A ${principal.keyType} key may not call the LLM API`);
    }
    if (!hasPermission(principal.role, 'gateway.call')) {
      throw AppError.forbidden(
        `Your role (${principal.role}) may not do this (needs gateway.call)`,
      );
    }
    return principal;
  }

  private answer(res: ServerResponse, id: string, overhead: string, result: GatewayResult): void {
    if (result.kind === 'json') {
      const headers = result.headers ? { ...RELAYED_JSON, ...result.headers } : RELAYED_JSON;
      this.send(res, 200, id, overhead, result.text, headers);
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      ...SSE_HEADERS,
      ...result.headers,
      'x-request-id': id,
      [OVERHEAD_HEADER]: overhead,
    });
    // Either side ending early ends the other: a gone client stops the upstream stream.
    pipeline(result.stream, res, () => undefined);
  }

  /** `anthropic`: the error in Anthropic's shape (`/v1/messages`), same status and headers. */
  private fail(
    res: ServerResponse,
    id: string,
    overhead: string,
    error: unknown,
    anthropic = false,
  ): void {
    const response = toErrorResponse(error);
    if (response.unexpected) {
      this.errors.error(describeError(error));
    }
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const text = anthropic ? messagesErrorText(response) : JSON.stringify(response.body);
    this.send(res, response.status, id, overhead, text, {
      ...response.headers,
      ...OWN_JSON,
    });
  }

  private send(
    res: ServerResponse,
    status: number,
    id: string,
    overhead: string,
    json: string,
    headers: Readonly<Record<string, string>>,
  ): void {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      ...headers,
      'content-length': Buffer.byteLength(json),
      'x-request-id': id,
      [OVERHEAD_HEADER]: overhead,
    });
    res.end(json);
  }
}
