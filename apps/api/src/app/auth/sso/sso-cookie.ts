import { createHmac, timingSafeEqual } from 'node:crypto';

/** What the callback must find again: the values sent to the provider with the login. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Epoch ms after which the login is refused. */
  expiresAt: number;
}

/** How long a user may spend at the provider. */
export const PENDING_LOGIN_TTL_MS = 10 * 60_000;

export const SSO_COOKIE = 'gatehouse_sso';

function mac(key: string, payload: string): Buffer {
  return createHmac('sha256', `gatehouse sso login\n${key}`).update(payload).digest();
}

/**
 * The pending login as a cookie value: JSON, base64url, and an HMAC under the master key, so a
 * cookie planted by somebody else (login CSRF) or edited by hand is refused.
 */
export function sealPendingLogin(pending: PendingLogin, key: string): string {
  const payload = Buffer.from(
    JSON.stringify([pending.state, pending.nonce, pending.codeVerifier, pending.expiresAt]),
  ).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The pending login, or null when the cookie is missing, forged, malformed or expired. */
export function openPendingLogin(
  value: string | undefined,
  key: string,
  nowMs: number,
): PendingLogin | null {
  if (!value || value.length > 2048) return null;
  const [payload, signature, extra] = value.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) return null;
  const [state, nonce, codeVerifier, expiresAt] = parsed as unknown[];
  if (
    typeof state !== 'string' ||
    typeof nonce !== 'string' ||
    typeof codeVerifier !== 'string' ||
    typeof expiresAt !== 'number' ||
    expiresAt <= nowMs
  ) {
    return null;
  }
  return { state, nonce, codeVerifier, expiresAt };
}
