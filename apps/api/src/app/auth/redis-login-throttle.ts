import type { Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { redisUnavailable } from '../cluster/redis-unavailable';
import type { RedisLink } from '../cluster/redis-link';
import { AppError } from '../common/errors/app-error';
import type { Clock } from '../common/time/clock';
import {
  countersOf,
  DEFAULT_LOGIN_LIMITS,
  LoginThrottle,
  type LoginAttempt,
  type LoginThrottleLimits,
  type PasswordGuess,
} from './login-throttle';

/**
 * take: KEYS = the windows (sorted sets of attempt id → time), ARGV = now, window, attempt
 * id, then one limit per key. Trims every window, and refuses with the longest wait when any
 * is full; otherwise adds the attempt to all of them. Answers the wait in ms (0 = charged).
 */
const TAKE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[3 + i])
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return 0
`;

/** succeeded: KEYS = the account's window, then the client's (optional); ARGV = attempt id. */
const SUCCEEDED = `
redis.call('DEL', KEYS[1])
if KEYS[2] then redis.call('ZREM', KEYS[2], ARGV[1]) end
return 1
`;

interface ThrottleCommands {
  gatehouseLoginTake(...args: (string | number)[]): Promise<number>;
  gatehouseLoginSucceeded(...args: (string | number)[]): Promise<number>;
}

/** Defines the two scripts on a connection once (ioredis sends EVALSHA, EVAL on NOSCRIPT). */
function withScripts(redis: Redis): Redis & ThrottleCommands {
  const r = redis as Redis & Partial<ThrottleCommands>;
  if (!r.gatehouseLoginTake) {
    redis.defineCommand('gatehouseLoginTake', { lua: TAKE });
    redis.defineCommand('gatehouseLoginSucceeded', { lua: SUCCEEDED });
  }
  return r as Redis & ThrottleCommands;
}

/**
 * The login throttle shared by every instance: the in-process LoginThrottle's windows and
 * rules, kept in Redis and changed by one atomic Lua script per call, so 5 wrong passwords
 * spread over any number of instances lock the account on all of them. Keys are hashed
 * (no email or address in Redis) and carry one hash tag, so a Redis Cluster keeps a call's
 * keys in one slot. Times come from the instance's clock (instances keep NTP time; a skew of
 * seconds is nothing against a 15-minute window).
 *
 * When Redis does not answer: REDIS_FAILURE_MODE=open counts in this instance's own windows
 * (the in-process throttle: each instance then allows the full limit until Redis is back),
 * `closed` answers 503. An attempt remembers where it was counted, so `succeeded` goes to the
 * same place.
 */
export class RedisLoginThrottle extends LoginThrottle {
  private readonly redis: Redis & ThrottleCommands;

  constructor(
    clock: Clock,
    limits: LoginThrottleLimits,
    private readonly link: RedisLink,
    private readonly prefix = 'gatehouse:{login}:',
  ) {
    super(clock, limits);
    this.redis = withScripts(link.commands);
  }

  override async take(guess: PasswordGuess): Promise<LoginAttempt> {
    if (!this.link.up) return this.unavailable(guess);
    const now = this.clock.nowMs();
    const counters = countersOf(guess, this.limits);
    const member = `${now}-${randomBytes(6).toString('hex')}`;
    let wait: number;
    try {
      wait = Number(
        await this.redis.gatehouseLoginTake(
          counters.length,
          ...counters.map(([key]) => this.redisKey(key)),
          now,
          this.limits.windowMs,
          member,
          ...counters.map(([, limit]) => limit),
        ),
      );
    } catch {
      this.link.failed();
      return this.unavailable(guess);
    }
    if (wait > 0) {
      throw AppError.tooManyRequests('Too many failed logins; try again later', wait / 1000);
    }
    return { keys: counters.map(([key]) => key), at: now, member };
  }

  override async succeeded(attempt: LoginAttempt): Promise<void> {
    if (attempt.member === undefined) return super.succeeded(attempt);
    try {
      await this.redis.gatehouseLoginSucceeded(
        attempt.keys.length,
        ...attempt.keys.map((key) => this.redisKey(key)),
        attempt.member,
      );
    } catch {
      // The login stands; the account's window simply keeps this attempt until it expires.
      this.link.failed();
    }
  }

  private unavailable(guess: PasswordGuess): Promise<LoginAttempt> {
    if (this.link.failureMode === 'closed') return Promise.reject(redisUnavailable());
    return super.take(guess);
  }

  private redisKey(key: string): string {
    return this.prefix + createHash('sha256').update(key).digest('base64url');
  }
}

/** The login throttle of this instance: shared in Redis when REDIS_URL is set. */
export function loginThrottleFor(
  clock: Clock,
  limits: LoginThrottleLimits | undefined,
  link: RedisLink | undefined,
): LoginThrottle {
  return link
    ? new RedisLoginThrottle(clock, limits ?? DEFAULT_LOGIN_LIMITS, link)
    : new LoginThrottle(clock, limits);
}
