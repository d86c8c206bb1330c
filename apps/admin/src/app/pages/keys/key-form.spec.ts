import type { KeyResponse } from '@gatehouse/shared/dto';
import { aKey as aKeyResponse } from '../../../testing/factories';
import { formValueOf, updateRequest } from './key-form';

function aKey(overrides: Partial<KeyResponse> = {}): KeyResponse {
  return aKeyResponse({ models: ['gpt-4o', 'mini'], rpm_limit: 60, ...overrides });
}

describe('updateRequest (key page edit)', () => {
  it('sends nothing but the key when nothing changed (models in any order)', () => {
    const key = aKey();
    const sut = updateRequest(key, { ...formValueOf(key), models: ['mini', 'gpt-4o'] });
    expect(sut).toEqual({ key: key.token });
  });

  it('sends only the changed fields, numbers as numbers and emptied ones as null', () => {
    const key = aKey();
    const sut = updateRequest(key, {
      ...formValueOf(key),
      key_alias: ' ci ',
      max_budget: null,
      tpm_limit: '1000' as unknown as number,
      budget_duration: '30d',
    });
    expect(sut).toEqual({
      key: key.token,
      key_alias: 'ci',
      max_budget: null,
      tpm_limit: 1000,
      budget_duration: '30d',
    });
  });

  it('sends an emptied model list (every allowed model) as []', () => {
    const key = aKey();
    expect(updateRequest(key, { ...formValueOf(key), models: [] })).toEqual({
      key: key.token,
      models: [],
    });
  });
});
