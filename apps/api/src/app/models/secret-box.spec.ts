import { maskSecret, SecretBox } from './secret-box';

describe('SecretBox', () => {
  it('round-trips with the same key and never stores the plaintext', () => {
    const sut = new SecretBox('sk-master-key-0123456789');
    const sealed = sut.encrypt('sk-upstream-secret');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('upstream');
    expect(sut.decrypt(sealed)).toBe('sk-upstream-secret');
    expect(sut.encrypt('sk-upstream-secret')).not.toBe(sealed);
  });

  it('refuses another key and tampered ciphertext', () => {
    const sealed = new SecretBox('key-one-0123456789').encrypt('secret');
    expect(() => new SecretBox('key-two-0123456789').decrypt(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => new SecretBox('key-one-0123456789').decrypt(parts.join('.'))).toThrow();
    expect(() => new SecretBox('key-one-0123456789').decrypt('plain')).toThrow();
  });
});

describe('maskSecret', () => {
  it('shows the prefix and the last four characters only', () => {
    expect(maskSecret('sk-abcdefghijklmnop')).toBe('sk-...mnop');
    expect(maskSecret('abcdefghijklmnop')).toBe('...mnop');
    expect(maskSecret('short')).toBe('****');
    expect(maskSecret(null)).toBeNull();
  });
});
