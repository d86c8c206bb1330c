import { HttpErrorResponse } from '@angular/common/http';
import type { ErrorBody } from '@gatehouse/shared/dto';

function isErrorBody(value: unknown): value is ErrorBody {
  const error = (value as { error?: { message?: unknown } } | null)?.error;
  return typeof error === 'object' && error !== null && typeof error.message === 'string';
}

/** The API's own message (`{"error":{"message",...}}`) when there is one. */
export function apiErrorMessage(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    if (isErrorBody(error.error)) return error.error.error.message;
    if (error.status === 0) return 'Cannot reach the Gatehouse API. Check your connection.';
    if (error.status === 404) return 'This feature is not available on this server (404).';
    return `Request failed (${error.status} ${error.statusText})`.trim();
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}

/** The request field the API's error names (`error.param`), null when it names none. */
export function apiErrorParam(error: unknown): string | null {
  if (!(error instanceof HttpErrorResponse) || !isErrorBody(error.error)) return null;
  const param: unknown = error.error.error.param;
  return typeof param === 'string' ? param : null;
}
