import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The CSP the built console runs under: scripts and XHR from this origin only; inline styles
 * are allowed because Angular and Material add component styles at run time (the build does
 * not inline critical CSS: `optimization.styles.inlineCritical: false`).
 */
const securityMiddleware = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      scriptSrcAttr: ["'none'"],
    },
  },
});

/**
 * Runs helmet once, against a response that only records, and keeps what it set. Nothing in
 * this configuration depends on the request (no nonces), so every answer gets these exact
 * headers; helmet also removes `X-Powered-By`, which neither Fastify nor node:http sends.
 */
function recordHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
      return response;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  const outcome: { error?: Error } = {};
  securityMiddleware(
    { headers: {}, method: 'GET', url: '/' } as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) outcome.error = error instanceof Error ? error : new Error('helmet failed');
    },
  );
  if (outcome.error) throw outcome.error;
  return Object.freeze(headers);
}

/** Security headers (CSP, HSTS, nosniff, frame options, …) sent on every answer. */
export const SECURITY_HEADERS = recordHeaders();

/**
 * Puts SECURITY_HEADERS on every Fastify answer (API, console, errors). Worked out once:
 * `@fastify/helmet` rebuilds the middleware, directive parsing included, for every request.
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    done();
  });
}
