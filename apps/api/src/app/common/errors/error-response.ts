import { HttpException } from '@nestjs/common';
import type { ErrorBody } from '@gatehouse/shared/dto';
import { AppError, type ErrorType } from './app-error';

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Readonly<Record<string, string>>;
  /** True when the error was not one we meant to answer with: log its detail. */
  unexpected: boolean;
}

const TYPE_BY_STATUS: Readonly<Record<number, ErrorType>> = {
  400: 'invalid_request_error',
  401: 'auth_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'payload_too_large',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
};

const GENERIC_MESSAGE = 'Internal server error';

function body(
  status: number,
  type: ErrorType,
  message: string,
  param: string | null,
  code: string | null = null,
): ErrorBody {
  return { error: { message, type, param, code: code ?? String(status) } };
}

function typeFor(status: number): ErrorType {
  return (
    TYPE_BY_STATUS[status] ?? (status >= 500 ? 'internal_server_error' : 'invalid_request_error')
  );
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/**
 * An http-errors style 4xx that its thrower marked safe to show (`expose: true`), such as the
 * 400 `@fastify/send` throws for a NUL byte in a static path: the client's fault, not ours.
 */
function exposedClientError(error: unknown): { status: number; message: string } | null {
  if (typeof error !== 'object' || error === null) return null;
  const { expose, status, statusCode, message } = error as Record<string, unknown>;
  const code = typeof status === 'number' ? status : statusCode;
  if (expose !== true || typeof code !== 'number' || code < 400 || code > 499) return null;
  return { status: code, message: typeof message === 'string' ? message : 'Bad Request' };
}

/**
 * Maps anything thrown to the status, body and headers we answer with. Fastify's own errors
 * (body too large, bad content type) reach here as HttpExceptions through Nest's handler.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof AppError) {
    return {
      status: error.status,
      body: body(error.status, error.type, error.message, error.param, error.code),
      headers: error.headers,
      unexpected: false,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const message = status >= 500 ? GENERIC_MESSAGE : httpExceptionMessage(error);
    return {
      status,
      body: body(status, typeFor(status), message, null),
      headers: {},
      unexpected: status >= 500,
    };
  }
  const exposed = exposedClientError(error);
  if (exposed) {
    return {
      status: exposed.status,
      body: body(exposed.status, typeFor(exposed.status), exposed.message, null),
      headers: {},
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: body(500, 'internal_server_error', GENERIC_MESSAGE, null),
    headers: {},
    unexpected: true,
  };
}
