import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import type { RateLimits } from './gateway-caller';

export interface RateSubject {
  /** e.g. `key:<token>`, `user:<id>`, `team:<id>`. */
  id: string;
  limits: RateLimits;
}

/** A request's slot; release it exactly once with the tokens the request used. */
export interface Permit {
  release(totalTokens: number): void;
}

/**
 * Requests per minute, tokens per minute and requests in flight, per subject. Throws a 429
 * with Retry-After. A Redis-backed limiter can replace the in-process one.
 */
export abstract class RateLimiter {
  abstract acquire(subjects: RateSubject[], nowMs: number): Permit;
}

interface Window {
  startMs: number;
  requests: number;
  tokens: number;
  inFlight: number;
}

const WINDOW_MS = 60_000;
const SWEEP_AT = 10_000;

/** Fixed one-minute windows (aligned to the minute) and an in-flight counter per subject. */
@Injectable()
export class InMemoryRateLimiter extends RateLimiter {
  private readonly windows = new Map<string, Window>();

  acquire(subjects: RateSubject[], nowMs: number): Permit {
    const limited = subjects.filter(
      (s) =>
        s.limits.rpmLimit !== null ||
        s.limits.tpmLimit !== null ||
        s.limits.maxParallelRequests !== null,
    );
    if (limited.length === 0) return { release: () => undefined };
    const windows = limited.map((s) => this.window(s.id, nowMs));
    const retryAfter = (windows[0].startMs + WINDOW_MS - nowMs) / 1000;
    limited.forEach((subject, i) => {
      const w = windows[i];
      const { rpmLimit, tpmLimit, maxParallelRequests } = subject.limits;
      if (maxParallelRequests !== null && w.inFlight >= maxParallelRequests) {
        throw AppError.tooManyRequests(
          `Max parallel request limit reached (${maxParallelRequests})`,
          1,
        );
      }
      if (rpmLimit !== null && w.requests >= rpmLimit) {
        throw AppError.tooManyRequests(
          `Rate limit reached: ${rpmLimit} requests per minute`,
          retryAfter,
        );
      }
      if (tpmLimit !== null && w.tokens >= tpmLimit) {
        throw AppError.tooManyRequests(
          `Rate limit reached: ${tpmLimit} tokens per minute`,
          retryAfter,
        );
      }
    });
    for (const w of windows) {
      w.requests += 1;
      w.inFlight += 1;
    }
    let released = false;
    return {
      release: (totalTokens: number) => {
        if (released) return;
        released = true;
        for (const w of windows) {
          w.inFlight -= 1;
          w.tokens += totalTokens;
        }
      },
    };
  }

  private window(id: string, nowMs: number): Window {
    const startMs = nowMs - (nowMs % WINDOW_MS);
    let w = this.windows.get(id);
    if (!w) {
      if (this.windows.size >= SWEEP_AT) this.sweep(startMs);
      w = { startMs, requests: 0, tokens: 0, inFlight: 0 };
      this.windows.set(id, w);
    } else if (w.startMs !== startMs) {
      w.startMs = startMs;
      w.requests = 0;
      w.tokens = 0;
    }
    return w;
  }

  private sweep(currentStartMs: number): void {
    for (const [id, w] of this.windows) {
      if (w.inFlight === 0 && w.startMs !== currentStartMs) this.windows.delete(id);
    }
  }
}
