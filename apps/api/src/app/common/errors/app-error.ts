/** The error `type`s the API answers with (OpenAI/LiteLLM style). */
export type ErrorType =
  | 'invalid_request_error'
  | 'auth_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'budget_exceeded'
  | 'payload_too_large'
  | 'upstream_error'
  | 'timeout'
  | 'service_unavailable'
  | 'internal_server_error';

/**
 * A domain error with the status and body it answers with. Services throw these; the global
 * filter turns them into `{"error":{message,type,param,code}}`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
    /** A stable machine-readable `code` (e.g. `model_not_found`); the status when absent. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** The same error with a stable `code` that clients and tests can match on. */
  withCode(code: string): AppError {
    return new AppError(this.status, this.type, this.message, this.param, this.headers, code);
  }

  static badRequest(message: string, param: string | null = null): AppError {
    return new AppError(400, 'invalid_request_error', message, param);
  }

  static unauthorized(message = 'Authentication required'): AppError {
    return new AppError(401, 'auth_error', message);
  }

  static forbidden(message = 'You are not allowed to do this'): AppError {
    return new AppError(403, 'permission_error', message);
  }

  /** Also what a non-admin gets for somebody else's resource: no existence oracle. */
  static notFound(what: string, param: string | null = null): AppError {
    return new AppError(404, 'not_found_error', `${what} not found`, param);
  }

  static conflict(message: string, param: string | null = null): AppError {
    return new AppError(409, 'conflict_error', message, param);
  }

  static tooManyRequests(message: string, retryAfterSeconds: number): AppError {
    return new AppError(429, 'rate_limit_error', message, null, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}
