import { openPendingLogin, sealPendingLogin, type PendingLogin } from './sso-cookie';

const KEY = 'sk-0123456789abcdef0123';
const pending: PendingLogin = { state: 's1', nonce: 'n1', codeVerifier: 'v1', expiresAt: 10_000 };

describe('the pending-login cookie', () => {
  it('opens what it sealed, before its expiry', () => {
    expect(openPendingLogin(sealPendingLogin(pending, KEY), KEY, 9_999)).toEqual(pending);
  });

  it('is refused once expired', () => {
    expect(openPendingLogin(sealPendingLogin(pending, KEY), KEY, 10_000)).toBeNull();
  });

  it('is refused under another key (another instance or a rotated master key)', () => {
    expect(openPendingLogin(sealPendingLogin(pending, KEY), `${KEY}x`, 0)).toBeNull();
  });

  it('is refused when edited, truncated, or not a cookie of ours', () => {
    const sealed = sealPendingLogin(pending, KEY);
    const [payload, mac] = sealed.split('.');
    const forged = Buffer.from(JSON.stringify(['s2', 'n1', 'v1', 10_000])).toString('base64url');
    for (const value of [
      `${forged}.${mac}`,
      `${payload}.`,
      payload,
      `${sealed}.x`,
      '',
      undefined,
      'x'.repeat(5000),
    ]) {
      expect(openPendingLogin(value, KEY, 0)).toBeNull();
    }
  });
});
