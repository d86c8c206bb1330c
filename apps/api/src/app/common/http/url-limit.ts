import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors/app-error';
import { toErrorResponse } from '../errors/error-response';
import { logDataPlaneAnswer, requestId } from '../logging/request-logger';
import { MAX_URL_CHARS } from './limits';
import { SECURITY_HEADERS } from './security-headers';

/**
 * Answers 414 to a request whose target is longer than MAX_URL_CHARS, before the data plane or
 * Fastify routes it, parses its query or logs it: nothing downstream then spends time that
 * grows with a hostile URL (node:http already caps the request line with the headers, at
 * MAX_HEADER_BYTES). The answer has the usual error body, security headers, request id and
 * access log line (its URL cut for the log). True when it answered.
 */
export function refuseLongUrl(req: IncomingMessage, res: ServerResponse): boolean {
  if ((req.url?.length ?? 0) <= MAX_URL_CHARS) return false;
  const started = performance.now();
  const id = requestId(req);
  res.on('close', () => logDataPlaneAnswer(req, res, performance.now() - started));
  const error = new AppError(
    414,
    'invalid_request_error',
    `Request URL is longer than ${MAX_URL_CHARS} characters`,
  ).withCode('uri_too_long');
  const body = JSON.stringify(toErrorResponse(error).body);
  res.writeHead(414, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': id,
  });
  res.end(body);
  return true;
}
