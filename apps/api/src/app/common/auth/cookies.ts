/** The session cookie's base name (plain-http deployments use it as is). */
export const SESSION_COOKIE = 'gatehouse_session';
/** Angular's HttpClient reads this cookie and echoes it in X-XSRF-TOKEN: its name is fixed. */
export const XSRF_COOKIE = 'XSRF-TOKEN';
export const XSRF_HEADER = 'x-xsrf-token';

/**
 * The session cookie's name in use: behind an https PROXY_BASE_URL it is `__Host-` prefixed,
 * so browsers accept it only Secure, Path=/ and without Domain, and no sibling subdomain can
 * set or shadow it. The one way to get the name, for setting, clearing and reading it.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}
