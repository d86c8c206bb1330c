import type { FastifyReply } from 'fastify';
import { SESSION_COOKIE, XSRF_COOKIE } from '../common/auth/cookies';
import type { NewSession } from './sessions.service';

/**
 * The cookies that carry a new console session: the HttpOnly session cookie and the readable
 * XSRF-TOKEN that Angular echoes. Used by POST /login and POST /onboarding/claim_token.
 */
export function setSessionCookies(reply: FastifyReply, session: NewSession, secure: boolean): void {
  const cookie = { path: '/', sameSite: 'strict' as const, secure, expires: session.expiresAt };
  void reply.setCookie(SESSION_COOKIE, session.token, { ...cookie, httpOnly: true });
  void reply.setCookie(XSRF_COOKIE, session.csrfToken, { ...cookie, httpOnly: false });
}
