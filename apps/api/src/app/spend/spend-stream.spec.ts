import { spendStreamKey } from './spend-stream';

describe('spendStreamKey', () => {
  it('names one stream per database and schema, never with its credentials', () => {
    const url = 'postgres://gatehouse:s3cret-pass@db.internal:5432/gh';
    const key = spendStreamKey({ type: 'postgres', url, schema: 'a' });
    expect(key).toMatch(/^gatehouse:spend:[0-9a-f]{12}$/);
    expect(key).not.toContain('s3cret');
    // Another password, same database: the same stream (instances may differ in credentials).
    expect(
      spendStreamKey({ type: 'postgres', url: url.replace('s3cret-pass', 'x'), schema: 'a' }),
    ).toBe(key);
    expect(spendStreamKey({ type: 'postgres', url, schema: 'b' })).not.toBe(key);
    expect(spendStreamKey({ type: 'sqlite', path: '/data/gh.sqlite' })).not.toBe(key);
  });
});
