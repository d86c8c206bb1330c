import type { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/app-config';
import { ONBOARDING_TOKEN_TTL_MS, OnboardingTokens } from './onboarding-token';

class FakeClock extends Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
}

const config = (masterKey: string) => ({ masterKey }) as AppConfig;
const INVITATION = '3f1d2c4b-1111-4222-8333-444455556666';

function rejection(fn: () => unknown): AppError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error as AppError;
  }
}

describe('OnboardingTokens', () => {
  let clock: FakeClock;
  let sut: OnboardingTokens;

  beforeEach(() => {
    clock = new FakeClock();
    sut = new OnboardingTokens(config('sk-master-key-for-tests-0001'), clock);
  });

  it('round-trips the invitation, the user and a 15-minute expiry', () => {
    const { token, expiresAt } = sut.sign(INVITATION, 'user-1');
    expect(expiresAt.getTime()).toBe(clock.ms + ONBOARDING_TOKEN_TTL_MS);
    expect(sut.verify(token)).toEqual({ invitationId: INVITATION, userId: 'user-1', expiresAt });
  });

  it('expires after 15 minutes exactly', () => {
    const { token } = sut.sign(INVITATION, 'user-1');
    clock.ms += ONBOARDING_TOKEN_TTL_MS - 1;
    expect(sut.verify(token).userId).toBe('user-1');
    clock.ms += 1;
    expect(rejection(() => sut.verify(token))?.status).toBe(401);
  });

  it('refuses a token signed with another master key', () => {
    const other = new OnboardingTokens(config('sk-another-master-key-0002'), clock);
    const { token } = other.sign(INVITATION, 'user-1');
    expect(rejection(() => sut.verify(token))?.status).toBe(401);
  });

  it('refuses a tampered payload that keeps the signature', () => {
    const { token } = sut.sign(INVITATION, 'user-1');
    const [, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ v: 1, inv: INVITATION, sub: 'admin', exp: clock.ms + 1e9 }),
    ).toString('base64url');
    expect(rejection(() => sut.verify(`${forged}.${signature}`))?.status).toBe(401);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'garbage'],
    ['no dot', 'abc'],
    ['short signature', 'abc.def'],
    ['20 kB', 'A'.repeat(20_000)],
    ['20 kB with a dot', `${'A'.repeat(20_000)}.${'B'.repeat(43)}`],
    ['spaces', 'a b.c'],
  ])('refuses %s with 401', (_label, token) => {
    const error = rejection(() => sut.verify(token));
    expect(error?.status).toBe(401);
    expect(error?.type).toBe('auth_error');
  });

  it('refuses a correctly signed body that is not a token payload', () => {
    const sign = (payload: unknown): string => {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const signed = (sut as unknown as { signature(b: string): Buffer }).signature(body);
      return `${body}.${signed.toString('base64url')}`;
    };
    for (const payload of [null, 42, 'x', { v: 2 }, { v: 1, inv: 1, sub: 'u', exp: 1e15 }]) {
      expect(rejection(() => sut.verify(sign(payload)))?.status).toBe(401);
    }
    const notJson = Buffer.from('{not json').toString('base64url');
    const signed = (sut as unknown as { signature(b: string): Buffer }).signature(notJson);
    expect(rejection(() => sut.verify(`${notJson}.${signed.toString('base64url')}`))?.status).toBe(
      401,
    );
  });
});
