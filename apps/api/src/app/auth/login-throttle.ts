import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';

export interface LoginThrottleLimits {
  /** Password attempts allowed per account within the window. */
  perAccount: number;
  /** Password attempts allowed per client address within the window. */
  perClient: number;
  windowMs: number;
  /** Most keys remembered; the oldest are forgotten first. */
  maxKeys: number;
}

export const LOGIN_THROTTLE_LIMITS = Symbol('LOGIN_THROTTLE_LIMITS');

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = {
  perAccount: 5,
  perClient: 20,
  windowMs: 15 * 60_000,
  maxKeys: 100_000,
};

/** Whose password is about to be checked, and from where. */
export interface PasswordGuess {
  /** The account guessed at: the normalized login name (an email, or `admin`). */
  account: string;
  /** The caller's address; its own counter is charged too when given. */
  client?: string;
  /**
   * Count the account per client address instead of globally. For the break-glass `admin`
   * login: nobody may lock the master-key console out from everywhere (finding 22). Its
   * secret is the master key, not a human password, so a per-address budget is enough.
   */
  accountPerClient?: boolean;
}

/** A reserved attempt: hand it back to `succeeded` when the password was right. */
export interface LoginAttempt {
  readonly keys: readonly string[];
  readonly at: number;
  /** Set when Redis counted it (RedisLoginThrottle): its entry in the client's window. */
  readonly member?: string;
}

/**
 * Password attempts (logins, and `current_password` on /user/update) in sliding windows per
 * account and per client address. An attempt is charged *before* the password is hashed, in
 * one step that checks every counter and then charges all of them, so N parallel guesses
 * reach the hash at most `limit` times (finding 5). A right password forgets the account's
 * count and gives the client its slot back.
 *
 * In process, for one instance; with REDIS_URL, RedisLoginThrottle runs the same two calls
 * as one Redis Lua script each, so every instance counts against the same windows.
 */
@Injectable()
export class LoginThrottle {
  private readonly attempts = new Map<string, number[]>();
  protected readonly limits: LoginThrottleLimits;

  constructor(
    protected readonly clock: Clock,
    @Optional() @Inject(LOGIN_THROTTLE_LIMITS) limits?: LoginThrottleLimits,
  ) {
    this.limits = limits ?? DEFAULT_LOGIN_LIMITS;
  }

  /** Reserves one attempt, or throws 429 with Retry-After when any counter is spent. */
  take(guess: PasswordGuess): Promise<LoginAttempt> {
    const now = this.clock.nowMs();
    const counters = countersOf(guess, this.limits);
    const wait = Math.max(...counters.map(([key, limit]) => this.waitMs(key, limit, now)));
    if (wait > 0) {
      return Promise.reject(
        AppError.tooManyRequests('Too many failed logins; try again later', wait / 1000),
      );
    }
    // No await between the check above and the charge below: nothing interleaves.
    for (const [key] of counters) this.push(key, now);
    return Promise.resolve({ keys: counters.map(([key]) => key), at: now });
  }

  /** The password was right: the account starts afresh and the client gets its slot back. */
  succeeded(attempt: LoginAttempt): Promise<void> {
    const [account, client] = attempt.keys;
    this.attempts.delete(account);
    if (client !== undefined) {
      const stamps = this.attempts.get(client);
      const index = stamps?.indexOf(attempt.at) ?? -1;
      if (stamps && index >= 0) stamps.splice(index, 1);
    }
    return Promise.resolve();
  }

  private recent(key: string, now: number): number[] {
    const stamps = this.attempts.get(key);
    if (!stamps) return [];
    const fresh = stamps.filter((t) => now - t < this.limits.windowMs);
    if (fresh.length === 0) this.attempts.delete(key);
    else if (fresh.length !== stamps.length) this.attempts.set(key, fresh);
    return fresh;
  }

  private waitMs(key: string, limit: number, now: number): number {
    const stamps = this.recent(key, now);
    if (stamps.length < limit) return 0;
    // Locked until the oldest attempt that keeps the count at the limit leaves the window.
    return stamps[stamps.length - limit] + this.limits.windowMs - now;
  }

  private push(key: string, now: number): void {
    const stamps = this.recent(key, now);
    stamps.push(now);
    this.attempts.delete(key);
    this.attempts.set(key, stamps);
    if (this.attempts.size > this.limits.maxKeys) {
      const oldest = this.attempts.keys().next().value;
      if (oldest !== undefined) this.attempts.delete(oldest);
    }
  }
}

/** The windows one guess is charged to, with their limits: the account's, then the client's. */
export function countersOf(
  guess: PasswordGuess,
  limits: LoginThrottleLimits,
): [key: string, limit: number][] {
  const counters: [key: string, limit: number][] = [[accountKey(guess), limits.perAccount]];
  if (guess.client !== undefined) counters.push([`c:${guess.client}`, limits.perClient]);
  return counters;
}

/** Separate namespaces: no typed username can name the per-client admin counter. */
function accountKey(guess: PasswordGuess): string {
  return guess.accountPerClient
    ? `ac:${guess.account}\n${guess.client ?? ''}`
    : `a:${guess.account}`;
}
