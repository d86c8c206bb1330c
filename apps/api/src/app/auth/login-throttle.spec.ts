import type { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { LoginThrottle } from './login-throttle';

class FakeClock extends Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
}

function thrown(fn: () => void): AppError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error as AppError;
  }
}

describe('LoginThrottle', () => {
  const limits = { perAccount: 3, perClient: 5, windowMs: 60_000, maxKeys: 1000 };
  let clock: FakeClock;
  let sut: LoginThrottle;

  beforeEach(() => {
    clock = new FakeClock();
    sut = new LoginThrottle(clock, limits);
  });

  it('locks an account after its failure limit with a Retry-After', () => {
    for (let i = 0; i < 3; i++) {
      expect(thrown(() => sut.assertAllowed('a@x.io', '1.1.1.1'))).toBeUndefined();
      sut.recordFailure('a@x.io', '1.1.1.1');
    }
    const error = thrown(() => sut.assertAllowed('a@x.io', '2.2.2.2'));
    expect(error?.status).toBe(429);
    expect(error?.headers['retry-after']).toBe('60');
  });

  it('unlocks once the failures leave the window', () => {
    for (let i = 0; i < 3; i++) sut.recordFailure('a@x.io', '1.1.1.1');
    clock.ms += 59_000;
    expect(thrown(() => sut.assertAllowed('a@x.io', '1.1.1.1'))?.headers['retry-after']).toBe('1');
    clock.ms += 1_000;
    expect(thrown(() => sut.assertAllowed('a@x.io', '1.1.1.1'))).toBeUndefined();
  });

  it('locks a client that sprays many accounts', () => {
    for (let i = 0; i < 5; i++) sut.recordFailure(`user${i}@x.io`, '9.9.9.9');
    expect(thrown(() => sut.assertAllowed('fresh@x.io', '9.9.9.9'))?.status).toBe(429);
    expect(thrown(() => sut.assertAllowed('fresh@x.io', '8.8.8.8'))).toBeUndefined();
  });

  it('forgets an account failures after a success', () => {
    sut.recordFailure('a@x.io', '1.1.1.1');
    sut.recordFailure('a@x.io', '1.1.1.1');
    sut.recordSuccess('a@x.io');
    sut.recordFailure('a@x.io', '1.1.1.1');
    sut.recordFailure('a@x.io', '1.1.1.1');
    expect(thrown(() => sut.assertAllowed('a@x.io', '3.3.3.3'))).toBeUndefined();
  });

  it('bounds its memory', () => {
    const small = new LoginThrottle(clock, { ...limits, maxKeys: 10 });
    for (let i = 0; i < 100; i++) small.recordFailure(`u${i}`, `c${i}`);
    expect(
      (small as unknown as { failures: Map<string, number[]> }).failures.size,
    ).toBeLessThanOrEqual(10);
  });
});
