import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';

export interface LoginThrottleLimits {
  /** Failed logins allowed per account within the window. */
  perAccount: number;
  /** Failed logins allowed per client address within the window. */
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

/**
 * Sliding-window counters of failed logins, per account and per client, in memory. Kept
 * behind this small class so that a Redis-backed one can replace it for several instances.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly limits: LoginThrottleLimits;

  constructor(
    private readonly clock: Clock,
    @Optional() @Inject(LOGIN_THROTTLE_LIMITS) limits?: LoginThrottleLimits,
  ) {
    this.limits = limits ?? DEFAULT_LOGIN_LIMITS;
  }

  /** Throws 429 with Retry-After when the account or the client is locked out. */
  assertAllowed(account: string, client: string): void {
    const now = this.clock.nowMs();
    const waits = [
      this.waitMs(`a:${account}`, this.limits.perAccount, now),
      this.waitMs(`c:${client}`, this.limits.perClient, now),
    ];
    const wait = Math.max(...waits);
    if (wait > 0) {
      throw AppError.tooManyRequests('Too many failed logins; try again later', wait / 1000);
    }
  }

  recordFailure(account: string, client: string): void {
    const now = this.clock.nowMs();
    this.push(`a:${account}`, now);
    this.push(`c:${client}`, now);
  }

  recordSuccess(account: string): void {
    this.failures.delete(`a:${account}`);
  }

  private recent(key: string, now: number): number[] {
    const stamps = this.failures.get(key);
    if (!stamps) return [];
    const fresh = stamps.filter((t) => now - t < this.limits.windowMs);
    if (fresh.length === 0) this.failures.delete(key);
    else if (fresh.length !== stamps.length) this.failures.set(key, fresh);
    return fresh;
  }

  private waitMs(key: string, limit: number, now: number): number {
    const stamps = this.recent(key, now);
    if (stamps.length < limit) return 0;
    // Locked until the oldest failure that keeps the count at the limit leaves the window.
    return stamps[stamps.length - limit] + this.limits.windowMs - now;
  }

  private push(key: string, now: number): void {
    const stamps = this.recent(key, now);
    stamps.push(now);
    this.failures.delete(key);
    this.failures.set(key, stamps);
    if (this.failures.size > this.limits.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }
}
