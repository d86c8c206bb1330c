import { changedValues, withoutSecrets } from './audit-diff';

describe('changedValues', () => {
  it('keeps only the fields that changed, compared as canonical JSON', () => {
    expect(
      changedValues(
        { max_budget: null, models: ['a'], metadata: { x: 1, y: 2 }, alias: 'k' },
        { max_budget: 5000, models: ['a'], metadata: { y: 2, x: 1 }, alias: 'k' },
      ),
    ).toEqual({ before_value: { max_budget: null }, updated_values: { max_budget: 5000 } });
  });

  it('counts a field present on one side only, as null on the other', () => {
    expect(changedValues({ a: 1 }, { b: 2 })).toEqual({
      before_value: { a: 1, b: null },
      updated_values: { a: null, b: 2 },
    });
    expect(changedValues({ a: 1 }, { a: 1 })).toEqual({ before_value: {}, updated_values: {} });
  });
});

describe('withoutSecrets', () => {
  it('drops secret-named fields at any depth and masks whole key secrets', () => {
    const secret = `sk-${'a'.repeat(40)}`;
    expect(
      withoutSecrets({
        password: 'hunter22',
        nested: { Password_Hash: '$argon2id$x', key: secret, token: 'f'.repeat(64) },
        list: [{ current_password: 'x', note: secret }],
        key_name: 'sk-...abcd',
      }),
    ).toEqual({
      nested: { token: 'f'.repeat(64) },
      list: [{ note: `sk-...${secret.slice(-4)}` }],
      key_name: 'sk-...abcd',
    });
  });

  it('keeps an upstream api_key only in its masked form', () => {
    expect(withoutSecrets({ api_key: 'sk-...wxyz' })).toEqual({ api_key: 'sk-...wxyz' });
    expect(withoutSecrets({ api_key: '****' })).toEqual({ api_key: '****' });
    expect(withoutSecrets({ api_key: null })).toEqual({ api_key: null });
    expect(withoutSecrets({ api_key: 'plain-upstream-secret' })).toEqual({});
  });
});
