import { REDACTED, redactUpstreamSecrets } from './upstream-error-redaction';

describe('redactUpstreamSecrets (finding 18)', () => {
  it("removes the deployment's key, raw and JSON-escaped, whatever its shape", () => {
    const key = 'azure/key"with-quote';
    const echoed = JSON.stringify({ error: { message: `bad key ${key}`, headers: { key } } });
    const out = redactUpstreamSecrets(echoed, key);
    expect(out).not.toContain('azure/key');
    expect(out).toContain(REDACTED);
    expect(redactUpstreamSecrets('plain azure/key"with-quote here', key)).toBe(
      `plain ${REDACTED} here`,
    );
  });

  it('removes any sk-… key and any Bearer token, keeping the rest of the message', () => {
    const text =
      'Invalid header: Authorization: Bearer sk-live-0123456789abcdef; also sk-ant-xyz_12 and ' +
      'authorization: bearer abc.def.ghi, done';
    const out = redactUpstreamSecrets(text, null);
    expect(out).not.toMatch(/0123456789abcdef|sk-ant-xyz|abc\.def\.ghi/);
    expect(out).toContain('Invalid header: Authorization: Bearer [redacted]');
    expect(out).toContain('done');
  });

  it('leaves text without secrets alone', () => {
    expect(redactUpstreamSecrets('rate limited, try again', 'sk-real-key-1234')).toBe(
      'rate limited, try again',
    );
  });
});
