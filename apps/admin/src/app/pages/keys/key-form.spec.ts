import type { KeyResponse } from '@gatehouse/shared/dto';
import { formValueOf, updateRequest } from './key-form';

function aKey(overrides: Partial<KeyResponse> = {}): KeyResponse {
  return {
    token: 'f'.repeat(64),
    key_name: 'sk-...abcd',
    key_alias: 'laptop',
    user_id: 'u-1',
    team_id: null,
    models: ['gpt-4o', 'mini'],
    max_budget: 5,
    spend: 0,
    budget_duration: null,
    budget_reset_at: null,
    expires: null,
    tpm_limit: null,
    rpm_limit: 60,
    max_parallel_requests: null,
    metadata: {},
    blocked: false,
    created_at: '2026-12-01T00:00:00.000Z',
    created_by: 'u-1',
    updated_at: '2026-12-01T00:00:00.000Z',
    updated_by: 'u-1',
    ...overrides,
  };
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
