import type { AppError } from '../common/errors/app-error';
import type { RateLimits } from './gateway-caller';
import { InMemoryRateLimiter } from './rate-limiter';

const subject = (fields: Partial<RateLimits>) => ({
  id: 'key:k1',
  limits: { tpmLimit: null, rpmLimit: null, maxParallelRequests: null, ...fields },
});

function refusal(fn: () => unknown): AppError | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error as AppError;
  }
}

describe('InMemoryRateLimiter', () => {
  it('counts requests per minute and says when to retry', () => {
    const sut = new InMemoryRateLimiter();
    const s = subject({ rpmLimit: 2 });
    sut.acquire([s], 60_000).release(0);
    sut.acquire([s], 60_000).release(0);
    const error = refusal(() => sut.acquire([s], 90_000));
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect(error?.headers['retry-after']).toBe('30');
    expect(refusal(() => sut.acquire([s], 120_000))).toBeNull();
  });

  it('counts tokens at release against tpm_limit', () => {
    const sut = new InMemoryRateLimiter();
    const s = subject({ tpmLimit: 100 });
    sut.acquire([s], 0).release(60);
    sut.acquire([s], 0).release(60);
    expect(refusal(() => sut.acquire([s], 1))?.status).toBe(429);
  });

  it('caps requests in flight, and frees the slot on release (once)', () => {
    const sut = new InMemoryRateLimiter();
    const s = subject({ maxParallelRequests: 1 });
    const permit = sut.acquire([s], 0);
    expect(refusal(() => sut.acquire([s], 0))?.status).toBe(429);
    permit.release(0);
    permit.release(0);
    const again = sut.acquire([s], 0);
    expect(refusal(() => sut.acquire([s], 0))?.status).toBe(429);
    again.release(0);
  });

  it('takes nothing when one subject refuses', () => {
    const sut = new InMemoryRateLimiter();
    const open = {
      id: 'user:u1',
      limits: { tpmLimit: null, rpmLimit: 1, maxParallelRequests: null },
    };
    const shut = subject({ rpmLimit: 0 });
    expect(refusal(() => sut.acquire([open, shut], 0))?.status).toBe(429);
    expect(refusal(() => sut.acquire([open], 0))).toBeNull();
  });

  it('does nothing for subjects without limits', () => {
    const sut = new InMemoryRateLimiter();
    for (let i = 0; i < 1000; i++) sut.acquire([subject({})], 0);
  });
});
