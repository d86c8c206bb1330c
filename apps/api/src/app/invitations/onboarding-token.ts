import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';

export const ONBOARDING_TOKEN_TTL_MS = 15 * 60_000;
/** A real token is ~200 characters; anything much longer is refused before any work. */
const MAX_TOKEN_LENGTH = 1024;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;
const INVALID = 'Invalid or expired onboarding token';

export interface OnboardingClaims {
  /** The invitation id. */
  invitationId: string;
  userId: string;
  expiresAt: Date;
}

interface Payload {
  v: 1;
  inv: string;
  sub: string;
  exp: number;
}

function isPayload(value: unknown): value is Payload {
  if (value === null || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  return (
    p['v'] === 1 &&
    typeof p['inv'] === 'string' &&
    typeof p['sub'] === 'string' &&
    typeof p['exp'] === 'number' &&
    Number.isFinite(p['exp'])
  );
}

/**
 * Short-lived onboarding tokens: `base64url(payload).base64url(HMAC-SHA256)`, keyed with a
 * key derived from the master key (so rotating the master key voids every token). Anything
 * that is not a well-formed, correctly signed, unexpired token is one 401.
 */
@Injectable()
export class OnboardingTokens {
  private readonly key: Buffer;

  constructor(
    config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.key = createHmac('sha256', config.masterKey).update('gatehouse-onboarding').digest();
  }

  sign(invitationId: string, userId: string): { token: string; expiresAt: Date } {
    const expiresAt = new Date(this.clock.nowMs() + ONBOARDING_TOKEN_TTL_MS);
    const payload: Payload = { v: 1, inv: invitationId, sub: userId, exp: expiresAt.getTime() };
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return { token: `${body}.${this.signature(body).toString('base64url')}`, expiresAt };
  }

  /** The claims of a valid token; throws 401 for a forged, malformed or expired one. */
  verify(token: string): OnboardingClaims {
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
      throw AppError.unauthorized(INVALID);
    }
    const [body, signature] = token.split('.');
    const given = Buffer.from(signature, 'base64url');
    const expected = this.signature(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw AppError.unauthorized(INVALID);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw AppError.unauthorized(INVALID);
    }
    if (!isPayload(payload) || payload.exp <= this.clock.nowMs()) {
      throw AppError.unauthorized(INVALID);
    }
    return { invitationId: payload.inv, userId: payload.sub, expiresAt: new Date(payload.exp) };
  }

  private signature(body: string): Buffer {
    return createHmac('sha256', this.key).update(body, 'utf8').digest();
  }
}
