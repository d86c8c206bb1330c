import { AppError } from '../common/errors/app-error';

/** REDIS_FAILURE_MODE=closed and Redis does not answer: a route that needs it refuses. */
export function redisUnavailable(): AppError {
  return new AppError(
    503,
    'service_unavailable',
    'A shared service (Redis) is not reachable; try again shortly',
    null,
    { 'retry-after': '1' },
    'redis_unavailable',
  );
}
