import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { PinoLogger, type Params } from 'nestjs-pino';
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
 * The access line for a data-plane answer (gateway/data-plane.handler.ts serves those routes
 * from node:http, outside the pino-http middleware): what pino-http writes for every other
 * route, through pino-http's own logger, so the same serializers and redaction paths shape it
 * (request id, method, redacted URL and headers, status). 5xx: `request errored` at error;
 * else `request completed` at info; a client gone before the answer: `request aborted`.
 * Nothing is built when the level would drop the line.
 */
export function logDataPlaneAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  elapsedMs: number,
  logger: Logger | undefined = PinoLogger.root,
): void {
  if (!logger) return;
  const failed = res.statusCode >= 500;
  if (!logger.isLevelEnabled(failed ? 'error' : 'info')) return;
  const line = { service: 'gatehouse', req, res, responseTime: Math.round(elapsedMs) };
  if (failed) {
    logger.error(
      { ...line, err: new Error(`failed with status code ${res.statusCode}`) },
      'request errored',
    );
  } else {
    logger.info(line, res.writableFinished ? 'request completed' : 'request aborted');
  }
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
    pinoHttp: destination ? [options, destination] : options,
  };
}
