/** Request bodies past this answer 413, on every route (Fastify's limit and the data plane's). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Room for oversized credentials to reach authentication and get a clear 401, not a 431. */
export const MAX_HEADER_BYTES = 64 * 1024;
