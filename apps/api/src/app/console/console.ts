import fastifyStatic from '@fastify/static';
import type { ErrorBody } from '@gatehouse/shared/dto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/**
 * PUBLIC ROUTES: the Angular console's static files live under `/ui` and need no auth (the API
 * behind them does). Everything at `/ui`, `/ui/` and `/ui/*` is registered here, straight on
 * Fastify, outside Nest's guards. The route-walking test should skip exactly these.
 */
export const CONSOLE_PREFIX = '/ui/';

export function isConsoleRoute(url: string): boolean {
  return url === '/ui' || url.startsWith('/ui/');
}

/** Where the built console is looked for: next to the built API, then from the working dir. */
export function consoleRootCandidates(): string[] {
  return [
    join(__dirname, '..', 'admin', 'browser'),
    resolve(process.cwd(), 'dist', 'apps', 'admin', 'browser'),
  ];
}

function notFound(): ErrorBody {
  return {
    error: { message: 'Not found', type: 'not_found_error', param: null, code: '404' },
  };
}

/**
 * Serves the built console at `/ui/` (one process, one port). Files are registered one route
 * each (`wildcard: false`); any other `/ui/...` path without an extension is a client route and
 * gets index.html; a missing file with an extension is a 404. Skips (one log line) when the
 * console has not been built.
 */
export async function registerConsole(
  fastify: FastifyInstance,
  log: (line: string) => void,
  roots: string[] = consoleRootCandidates(),
): Promise<string | null> {
  const root = roots.find((dir) => existsSync(join(dir, 'index.html')));
  if (!root) {
    log(`console not built (looked in ${roots.join(', ')}): /ui is not served`);
    return null;
  }
  await fastify.register(fastifyStatic, {
    root,
    prefix: CONSOLE_PREFIX,
    wildcard: false,
    index: false,
    decorateReply: true,
    setHeaders: (res, path) => {
      // Hashed bundles are immutable; index.html must be revalidated to pick up a new build.
      void res.header(
        'cache-control',
        path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
  });
  const sendIndex = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', root);
  fastify.get('/ui', (_request, reply) => reply.redirect('/ui/', 301));
  fastify.get('/ui/', (_request, reply) => sendIndex(reply));
  fastify.get('/ui/*', (request, reply) => {
    const path = request.url.split('?')[0];
    if (extname(path)) return reply.status(404).send(notFound());
    return sendIndex(reply);
  });
  return root;
}
