import type { AppError } from '../../common/errors/app-error';
import { InProcessRateLimits } from './in-process-rate-limits';
import { limitsFor, type Limits } from './limits';

const subject = (fields: Partial<Limits>, scope: Limits['scope'] = 'key', id = 'k1'): Limits =>
  limitsFor(scope, id, fields);

function refusal(fn: () => unknown): AppError | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error as AppError;
  }
}

describe('InProcessRateLimits', () => {
  it('counts requests per minute and says when to retry', () => {
    const sut = new InProcessRateLimits();
    const s = subject({ rpmLimit: 2 });
    sut.acquire([s], 60_000).release(0);
    sut.acquire([s], 60_000).release(0);
    const error = refusal(() => sut.acquire([s], 90_000));
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect(error?.headers['retry-after']).toBe('30');
    expect(refusal(() => sut.acquire([s], 120_000))).toBeNull();
  });

  it('counts tokens at release against tpm_limit', () => {
    const sut = new InProcessRateLimits();
    const s = subject({ tpmLimit: 100 });
    sut.acquire([s], 0).release(60);
    sut.acquire([s], 0).release(60);
    expect(refusal(() => sut.acquire([s], 1))?.status).toBe(429);
  });

  it('caps requests in flight, and frees the slot on release (once)', () => {
    const sut = new InProcessRateLimits();
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
    const sut = new InProcessRateLimits();
    const open = subject({ rpmLimit: 1 }, 'user', 'u1');
    const shut = subject({ rpmLimit: 0 });
    expect(refusal(() => sut.acquire([open, shut], 0))?.status).toBe(429);
    expect(refusal(() => sut.acquire([open], 0))).toBeNull();
  });

  it('does nothing for subjects without limits', () => {
    const sut = new InProcessRateLimits();
    for (let i = 0; i < 1000; i++) sut.acquire([subject({})], 0);
  });
});
