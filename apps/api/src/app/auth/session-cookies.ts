import type { FastifyReply } from 'fastify';
import { sessionCookieName, XSRF_COOKIE } from '../common/auth/cookies';
import type { NewSession } from './sessions.service';

/** Path=/ and no Domain always (what `__Host-` demands); Secure behind https. */
function cookieOptions(secure: boolean) {
  return { path: '/', sameSite: 'strict' as const, secure };
}

/**
 * The cookies that carry a new console session: the HttpOnly session cookie and the readable
 * XSRF-TOKEN that Angular echoes. Used by POST /login and POST /onboarding/claim_token.
 */
export function setSessionCookies(reply: FastifyReply, session: NewSession, secure: boolean): void {
  const cookie = { ...cookieOptions(secure), expires: session.expiresAt };
  void reply.setCookie(sessionCookieName(secure), session.token, { ...cookie, httpOnly: true });
  void reply.setCookie(XSRF_COOKIE, session.csrfToken, { ...cookie, httpOnly: false });
}

/** Expires both cookies, with the attributes they were set with (browsers match on them). */
export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(sessionCookieName(secure), { ...cookieOptions(secure), httpOnly: true });
  void reply.clearCookie(XSRF_COOKIE, cookieOptions(secure));
}
