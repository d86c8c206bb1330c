import { AppError } from '../../common/errors/app-error';
import { limitsRate, type Limits } from './limits';

/** A request's slot; release it exactly once with the tokens the request used. */
export interface Permit {
  release(totalTokens: number): void;
}

interface Window {
  startMs: number;
  requests: number;
  tokens: number;
  inFlight: number;
}

const SWEEP_AT = 10_000;
const NO_PERMIT: Permit = { release: () => undefined };

export const RATE_WINDOW_MS = 60_000;

/** The 429s every admission answers (in-process and Redis alike). */
export const rateErrors = {
  parallel: (limit: number): AppError =>
    AppError.tooManyRequests(`Max parallel request limit reached (${limit})`, 1),
  rpm: (limit: number, retryAfterSeconds: number): AppError =>
    AppError.tooManyRequests(`Rate limit reached: ${limit} requests per minute`, retryAfterSeconds),
  tpm: (limit: number, retryAfterSeconds: number): AppError =>
    AppError.tooManyRequests(`Rate limit reached: ${limit} tokens per minute`, retryAfterSeconds),
};

/**
 * Requests per minute, tokens per minute and requests in flight, per scope, in this process:
 * fixed one-minute windows (aligned to the minute) and an in-flight counter per scope. Throws
 * a 429 with Retry-After (nothing held).
 */
export class InProcessRateLimits {
  private readonly windows = new Map<string, Window>();

  acquire(scopes: readonly Limits[], nowMs: number): Permit {
    const limited = scopes.filter(limitsRate);
    if (limited.length === 0) return NO_PERMIT;
    const windows = limited.map((s) => this.window(`${s.scope}:${s.id}`, nowMs));
    const retryAfter = (windows[0].startMs + RATE_WINDOW_MS - nowMs) / 1000;
    limited.forEach((subject, i) => {
      const w = windows[i];
      const { rpmLimit, tpmLimit, maxParallelRequests } = subject;
      if (maxParallelRequests !== null && w.inFlight >= maxParallelRequests) {
        throw rateErrors.parallel(maxParallelRequests);
      }
      if (rpmLimit !== null && w.requests >= rpmLimit) throw rateErrors.rpm(rpmLimit, retryAfter);
      if (tpmLimit !== null && w.tokens >= tpmLimit) throw rateErrors.tpm(tpmLimit, retryAfter);
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
    const startMs = nowMs - (nowMs % RATE_WINDOW_MS);
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
