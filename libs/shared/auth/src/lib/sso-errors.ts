/**
 * Single sign-on (issue 13): the `sso_error` codes a failed SSO login lands on `/ui/login?sso_error=<code>` with, and
 * what the console says for each.
 */
export const SSO_ERROR_MESSAGES = {
  sso_disabled: 'Single sign-on is not configured.',
  provider_unavailable: 'The sign-in provider could not be reached. Try again later.',
  login_expired: 'The sign-in took too long or was started in another window. Please try again.',
  provider_error: 'The sign-in provider refused the login.',
  invalid_response: 'The sign-in provider sent an answer that could not be verified.',
  email_missing: 'The sign-in provider did not share your email address.',
  email_unverified: 'Your email address is not verified at the sign-in provider.',
  domain_not_allowed: 'Your email domain may not sign in here.',
  account_conflict: 'This email already belongs to an account linked to another sign-in.',
} as const;

export type SsoErrorCode = keyof typeof SSO_ERROR_MESSAGES;

export function isSsoErrorCode(value: unknown): value is SsoErrorCode {
  return (
    typeof value === 'string' && Object.prototype.hasOwnProperty.call(SSO_ERROR_MESSAGES, value)
  );
}
