import type { AdmittedCall } from '../admission/admission';
import { success } from './books';

const servedBy = {
  inputCostPerToken: 3e-6,
  outputCostPerToken: 15e-6,
  cacheReadCostPerToken: 0.3e-6,
  cacheWriteCostPerToken: 3.75e-6,
};
const call = (prices: object): AdmittedCall => ({ servedBy: prices }) as unknown as AdmittedCall;

describe('success (pricing)', () => {
  it('prices uncached prompt, cache reads, cache writes and output each at its own price', () => {
    // 10 uncached + 1000 read + 200 written, and 5 out (nano-dollars).
    const outcome = success(call(servedBy), 1210, 5, { read: 1000, write: 200 });
    expect(outcome.spendNanos).toBe(
      Math.round(10 * 3e3 + 5 * 15e3) + Math.round(1000 * 300 + 200 * 3750),
    );
  });

  it('prices cache tokens as input when the deployment has no cache prices', () => {
    const plain = { ...servedBy, cacheReadCostPerToken: null, cacheWriteCostPerToken: null };
    expect(success(call(plain), 1210, 5, { read: 1000, write: 200 }).spendNanos).toBe(
      success(call(plain), 1210, 5).spendNanos,
    );
  });
});
