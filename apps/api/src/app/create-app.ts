import fastifyCookie from '@fastify/cookie';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import type { FastifyServerFactoryHandler } from 'fastify';
import { Logger } from 'nestjs-pino';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AppModule, type AppOptions } from './app.module';
import { AppError } from './common/errors/app-error';
import { parseJsonBody } from './common/http/lenient-json';
import { parseFormBody } from './common/http/form-body';
import { BODY_LIMIT_BYTES, MAX_HEADER_BYTES } from './common/http/limits';
import { registerSecurityHeaders } from './common/http/security-headers';
import { refuseLongUrl } from './common/http/url-limit';
import { requestId } from './common/logging/request-logger';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { registerConsole } from './console/console';
import type { AppConfig } from './config/app-config';
import { GATEHOUSE_VERSION } from './config/version';
import { DataPlaneHandler, DATA_PLANE_ROUTES } from './gateway/data-plane.handler';
import { documentDataPlane } from './gateway/data-plane.openapi';

export { BODY_LIMIT_BYTES, MAX_HEADER_BYTES };

/** The server settings Fastify hands a server factory (its options, defaults applied). */
interface ServerTimeouts {
  keepAliveTimeout?: number;
  connectionTimeout?: number;
}

/**
 * How often node:http looks for connections past their headers or request timeout (its default,
 * 30 s, would let a slow client hold on for the timeout plus up to 30 s).
 */
function checkingIntervalMs(timeouts: AppConfig['httpTimeouts']): number {
  return Math.min(1000, Math.max(50, Math.floor(timeouts.headersMs / 4)));
}

export interface RegisteredRoute {
  method: string;
  url: string;
}

/** The first failing field, with its path (`a.b.0.c`), as one 400. */
function validationError(errors: ValidationError[], parent = ''): AppError {
  const error = errors[0];
  const path = parent ? `${parent}.${error.property}` : error.property;
  if (!error.constraints && error.children?.length) return validationError(error.children, path);
  const message = error.constraints
    ? Object.values(error.constraints).join('; ')
    : `${path} is invalid`;
  return AppError.badRequest(message, path);
}

export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationError(errors),
  });
}

/**
 * Builds the whole application (used by main.ts and by the e2e tests, so both run the same
 * pipeline): Fastify with a 1 MiB body cap, cookies, validation, the error filter, OpenAPI.
 */
export async function createApp(
  config: AppConfig,
  options: AppOptions = {},
): Promise<{ app: NestFastifyApplication; routes: RegisteredRoute[] }> {
  // The gateway's data plane answers its routes straight from node:http, before Fastify (see
  // gateway/data-plane.handler.ts); set once the application is built, Fastify until then.
  let dataPlane: DataPlaneHandler | null = null;
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: requestId,
    serverFactory: (fastifyHandler: FastifyServerFactoryHandler, options: ServerTimeouts) => {
      const server = createServer(
        {
          maxHeaderSize: MAX_HEADER_BYTES,
          // A client must send its headers, then its whole request, in time (else 408 and
          // the connection closes). Answers are not covered: a long SSE stream is not cut.
          headersTimeout: config.httpTimeouts.headersMs,
          requestTimeout: config.httpTimeouts.requestMs,
          connectionsCheckingInterval: checkingIntervalMs(config.httpTimeouts),
        },
        (req: IncomingMessage, res: ServerResponse) => {
          if (refuseLongUrl(req, res)) return;
          if (!dataPlane?.handle(req, res)) fastifyHandler(req, res);
        },
      );
      // What Fastify sets on the server it makes itself (its defaults when unset): idle
      // keep-alive connections close after 72 s; no socket inactivity timeout.
      server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
      server.setTimeout(options.connectionTimeout ?? 0);
      return server;
    },
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  const routes: RegisteredRoute[] = DATA_PLANE_ROUTES.map(({ method, url }) => ({ method, url }));
  adapter.getInstance().addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    adapter,
    {
      bufferLogs: true,
      // Body parsers are ours (below): JSON with the product page's `#` comments, and forms.
      bodyParser: false,
    },
  );
  app.useLogger(app.get(Logger));
  // Nest buffers its log lines until `listen`; flushing here makes an app that is not listening
  // yet (the e2e tests drive it in-process) log as the served one does, error lines included.
  app.flushLogs();
  await app.register(fastifyCookie);
  registerSecurityHeaders(app.getHttpAdapter().getInstance());
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, parseFormBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gatehouse')
      .setDescription(
        'Self-hosted LLM gateway: users, invitations, virtual keys, spend. LiteLLM-compatible paths.',
      )
      .setVersion(GATEHOUSE_VERSION)
      .addBearerAuth()
      .addCookieAuth('gatehouse_session')
      .build(),
  );
  documentDataPlane(document);
  SwaggerModule.setup('docs', app, document);
  // Public: the built Angular console at /ui (static files, no auth; see console/console.ts).
  const logger = app.get(Logger);
  await registerConsole(fastify, (line) => logger.log(line, 'Console'));

  await app.init();
  await fastify.ready();
  dataPlane = app.get(DataPlaneHandler);
  return { app, routes };
}
