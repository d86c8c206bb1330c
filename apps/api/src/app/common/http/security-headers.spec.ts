import { SECURITY_HEADERS } from './security-headers';

describe('SECURITY_HEADERS', () => {
  it("holds helmet's headers for this configuration, worked out once", () => {
    expect(SECURITY_HEADERS['content-security-policy']).toBe(
      "default-src 'self';base-uri 'self';script-src 'self';style-src 'self' 'unsafe-inline';" +
        "img-src 'self' data:;font-src 'self' data:;connect-src 'self';form-action 'self';" +
        "frame-ancestors 'none';object-src 'none';script-src-attr 'none'",
    );
    expect(SECURITY_HEADERS).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    });
    expect(SECURITY_HEADERS['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(SECURITY_HEADERS).not.toHaveProperty('x-powered-by');
    expect(Object.isFrozen(SECURITY_HEADERS)).toBe(true);
  });
});
