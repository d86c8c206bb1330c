import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { PinoLogger, type Params } from 'nestjs-pino';
import type { DestinationStream, Logger } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { serializeError } from './safe-error';

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

/**
 * Query parameters whose value is a credential, by name (lower case): key secrets, invitation
 * ids (the invitation is the credential until it is claimed: `/onboarding/get_token?invite_link=`,
 * the console's `/ui/onboarding?id=`), OAuth/OIDC codes and tokens, passwords.
 */
export const REDACTED_QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  'key',
  'api_key',
  'api-key',
  'apikey',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'password',
  'secret',
  'client_secret',
  'code',
  'state',
  'id',
  'invite_link',
  'invitation_link',
  'invitation_id',
]);

/** URLs are logged up to this length (the server refuses longer ones, see MAX_URL_CHARS). */
export const MAX_LOGGED_URL_CHARS = 8 * 1024;

const REDACTED = '[redacted]';

function decoded(component: string): string {
  if (!component.includes('%') && !component.includes('+')) return component;
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return component;
  }
}

/** A secret by name, or a value that looks like a key secret whatever its name. */
function isCredential(name: string, value: string): boolean {
  return (
    REDACTED_QUERY_PARAMETERS.has(decoded(name).toLowerCase()) ||
    /^sk-/i.test(decoded(value).trimStart())
  );
}

/**
 * The URL as it may be logged: cut at MAX_LOGGED_URL_CHARS, and the value of every credential
 * query parameter (`isCredential`) replaced. Linear in the URL: the query is split on `&`
 * and each pair on its first `=` once; no regular expression backtracks over it (the regex
 * this replaces spent 5 s on a 60 k `?????…` URL).
 */
export function redactUrl(url: string): string {
  const cut = url.length > MAX_LOGGED_URL_CHARS;
  const kept = cut ? url.slice(0, MAX_LOGGED_URL_CHARS) : url;
  const mark = cut ? `…[${url.length - MAX_LOGGED_URL_CHARS} more characters]` : '';
  const question = kept.indexOf('?');
  if (question < 0) return kept + mark;
  const hash = kept.indexOf('#', question);
  const query = kept.slice(question + 1, hash < 0 ? kept.length : hash);
  const pairs = query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    if (equals < 0) return pair;
    const name = pair.slice(0, equals);
    return isCredential(name, pair.slice(equals + 1)) ? `${name}=${REDACTED}` : pair;
  });
  return `${kept.slice(0, question + 1)}${pairs.join('&')}${hash < 0 ? '' : kept.slice(hash)}${mark}`;
}

function redactQueryValue(name: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => redactQueryValue(name, item));
  if (typeof value !== 'string') return value;
  return isCredential(name, value) ? REDACTED : value;
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
      err: serializeError,
      req: (req: {
        url?: string;
        query?: Record<string, unknown>;
        headers?: IncomingMessage['headers'];
      }) => {
        if (typeof req.url === 'string') req.url = redactUrl(req.url);
        // A page's URL (an onboarding link) can come back as the Referer of its API calls.
        // The headers object is the live request's: copied, never changed in place.
        const referer = req.headers?.referer;
        if (typeof referer === 'string')
          req.headers = { ...req.headers, referer: redactUrl(referer) };
        if (req.query && typeof req.query === 'object') {
          req.query = Object.fromEntries(
            Object.entries(req.query).map(([name, value]) => [name, redactQueryValue(name, value)]),
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
