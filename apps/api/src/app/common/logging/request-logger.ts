import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { RequestMethod } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, Logger } from 'pino';
import type { AppConfig } from '../../config/app-config';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Credentials never reach a log line, whatever header or body carried them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers["x-xsrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.api_key',
];

/** A key named by its secret in a query string (`/key/info?key=sk-...`) is not logged either. */
export function redactUrl(url: string): string {
  return url.replace(/([?&][^=&#]*=)sk-[^&#]*/gi, '$1[redacted]');
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  return typeof value === 'string' && /^sk-/i.test(value) ? '[redacted]' : value;
}

/**
 * Honours a sane incoming X-Request-Id, else makes one. Fastify calls this for each request;
 * it is kept on the raw request, where pino-http picks it up for the log line.
 */
export function requestId(req: { headers: IncomingMessage['headers']; id?: unknown }): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  return id;
}

/**
 * The OpenAI-compatible data plane. Its request record is the spend log row; when the access
 * log is off (LOG_LEVEL above `info`), these routes skip pino-http (a child logger, the
 * redaction and an AsyncLocalStorage scope per request, for lines that are then dropped) and
 * `dataPlaneErrorLogger` writes their 5xx lines instead, as pino-http would have.
 */
export const DATA_PLANE_ROUTES: { path: string; method: RequestMethod }[] = [
  { path: 'v1/chat/completions', method: RequestMethod.POST },
  { path: 'chat/completions', method: RequestMethod.POST },
  { path: 'v1/embeddings', method: RequestMethod.POST },
  { path: 'embeddings', method: RequestMethod.POST },
  { path: 'v1/models', method: RequestMethod.GET },
  { path: 'models', method: RequestMethod.GET },
];

const DATA_PLANE_URLS = new Set(DATA_PLANE_ROUTES.map((r) => `/${r.path}`));

/** pino-http writes access lines at `info`: above that, only 5xx lines would be written. */
export function accessLogOff(level: string): boolean {
  return !['trace', 'debug', 'info'].includes(level);
}

/**
 * Fastify `onResponse` hook for the data plane while the access log is off: the 5xx line
 * pino-http would have written (`request errored`, level error). It hands pino-http's logger
 * the raw request and response, so the same serializers and redaction paths shape it as any
 * pino-http line (request id, method, redacted URL, redacted headers, status).
 */
export function dataPlaneErrorLogger(
  logger: () => Logger | undefined,
): (request: FastifyRequest, reply: FastifyReply) => void {
  return (request, reply) => {
    if (reply.statusCode < 500) return;
    const url = request.url;
    const query = url.indexOf('?');
    if (!DATA_PLANE_URLS.has(query < 0 ? url : url.slice(0, query))) return;
    logger()?.error(
      {
        service: 'gatehouse',
        req: request.raw,
        res: reply.raw,
        err: new Error(`failed with status code ${reply.statusCode}`),
        responseTime: Math.round(reply.elapsedTime),
      },
      'request errored',
    );
  };
}

export function requestLoggerOptions(config: AppConfig, destination?: DestinationStream): Params {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { url?: string; query?: Record<string, unknown> }) => {
        if (typeof req.url === 'string') req.url = redactUrl(req.url);
        if (req.query && typeof req.query === 'object') {
          req.query = Object.fromEntries(
            Object.entries(req.query).map(([name, value]) => [name, redactValue(value)]),
          );
        }
        return req;
      },
    },
    customProps: () => ({ service: 'gatehouse' }),
  };
  return {
    forRoutes: ['{*splat}'],
    ...(accessLogOff(config.logLevel) ? { exclude: DATA_PLANE_ROUTES } : {}),
    pinoHttp: destination ? [options, destination] : options,
  };
}
