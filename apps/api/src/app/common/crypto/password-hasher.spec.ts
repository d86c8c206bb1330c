import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const sut = new PasswordHasher();

  it('stores argon2id with the OWASP parameters and never the password', async () => {
    const stored = await sut.hash('correct horse battery');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored).not.toContain('correct horse battery');
  });

  it('salts: two hashes of one password differ and both verify', async () => {
    const a = await sut.hash('same password');
    const b = await sut.hash('same password');
    expect(a).not.toBe(b);
    await expect(sut.verify(a, 'same password')).resolves.toBe(true);
    await expect(sut.verify(b, 'same password')).resolves.toBe(true);
  });

  it('refuses a wrong password', async () => {
    const stored = await sut.hash('right password');
    await expect(sut.verify(stored, 'wrong password')).resolves.toBe(false);
  });

  it('refuses when there is no hash, and a malformed hash, without throwing', async () => {
    await expect(sut.verify(null, 'anything')).resolves.toBe(false);
    await expect(sut.verify('not-a-hash', 'anything')).resolves.toBe(false);
  });
});
