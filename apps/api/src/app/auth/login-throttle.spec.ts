import type { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { LoginThrottle, type PasswordGuess } from './login-throttle';

class FakeClock extends Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
}

describe('LoginThrottle', () => {
  const limits = { perAccount: 3, perClient: 5, windowMs: 60_000, maxKeys: 1000 };
  let clock: FakeClock;
  let sut: LoginThrottle;

  /** The 429 a take throws, or undefined when it was allowed. */
  async function refusal(guess: PasswordGuess): Promise<AppError | undefined> {
    try {
      await sut.take(guess);
      return undefined;
    } catch (error) {
      return error as AppError;
    }
  }

  beforeEach(() => {
    clock = new FakeClock();
    sut = new LoginThrottle(clock, limits);
  });

  it('finding 5: charges attempts as they are taken, so parallel ones cannot overrun the limit', async () => {
    const guess = { account: 'a@x.io', client: '1.1.1.1' };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => sut.take(guess)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const error = await refusal({ account: 'a@x.io', client: '2.2.2.2' });
    expect(error?.status).toBe(429);
    expect(error?.headers['retry-after']).toBe('60');
  });

  it('unlocks once the attempts leave the window', async () => {
    for (let i = 0; i < 3; i++) await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    clock.ms += 59_000;
    expect((await refusal({ account: 'a@x.io' }))?.headers['retry-after']).toBe('1');
    clock.ms += 1_000;
    expect(await refusal({ account: 'a@x.io' })).toBeUndefined();
  });

  it('locks a client that sprays many accounts, and only that client', async () => {
    for (let i = 0; i < 5; i++) await sut.take({ account: `user${i}@x.io`, client: '9.9.9.9' });
    expect((await refusal({ account: 'fresh@x.io', client: '9.9.9.9' }))?.status).toBe(429);
    expect(await refusal({ account: 'fresh@x.io', client: '8.8.8.8' })).toBeUndefined();
  });

  it("forgets the account's attempts and hands the client its slot back after a success", async () => {
    await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    await sut.succeeded(await sut.take({ account: 'a@x.io', client: '1.1.1.1' }));
    await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    await sut.take({ account: 'a@x.io', client: '1.1.1.1' });
    expect(await refusal({ account: 'a@x.io', client: '3.3.3.3' })).toBeUndefined();
    // Client 1.1.1.1: 5 taken, 1 handed back → one more fits, then it is spent.
    expect(await refusal({ account: 'b@x.io', client: '1.1.1.1' })).toBeUndefined();
    expect((await refusal({ account: 'c@x.io', client: '1.1.1.1' }))?.status).toBe(429);
  });

  it('finding 22: counts an account per client when asked, so other addresses stay open', async () => {
    const from = (client: string) => ({ account: 'admin', client, accountPerClient: true });
    for (let i = 0; i < 3; i++) await sut.take(from('6.6.6.6'));
    expect((await refusal(from('6.6.6.6')))?.status).toBe(429);
    expect(await refusal(from('7.7.7.7'))).toBeUndefined();
    // The per-client counter cannot be reached by typing a username.
    for (let i = 0; i < 3; i++) await refusal({ account: 'admin\n5.5.5.5', client: '4.4.4.4' });
    expect(await refusal(from('5.5.5.5'))).toBeUndefined();
  });

  it('bounds its memory', async () => {
    const small = new LoginThrottle(clock, { ...limits, maxKeys: 10 });
    for (let i = 0; i < 100; i++) await small.take({ account: `u${i}`, client: `c${i}` });
    expect(
      (small as unknown as { attempts: Map<string, number[]> }).attempts.size,
    ).toBeLessThanOrEqual(10);
  });
});
