/** Request bodies past this answer 413, on every route (Fastify's limit and the data plane's). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Room for oversized credentials to reach authentication and get a clear 401, not a 431. */
export const MAX_HEADER_BYTES = 64 * 1024;
/**
 * Request targets (path and query) past this answer 414 before anything routes, parses or
 * logs them, so no per-request work grows with a long URL (see refuseLongUrl).
 */
export const MAX_URL_CHARS = 8 * 1024;
