import type { SsoErrorCode } from '@gatehouse/shared/auth';

/**
 * Why a single sign-on attempt failed. Never shown as such: the callback turns it into a
 * redirect to `/ui/login?sso_error=<code>`, and the detail (no token, no secret) goes to the log.
 */
export class SsoFailure extends Error {
  constructor(
    readonly code: SsoErrorCode,
    detail: string,
  ) {
    super(detail);
    this.name = 'SsoFailure';
  }
}
