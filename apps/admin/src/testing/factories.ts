import type { KeyResponse } from '@gatehouse/shared/dto';

/** A key as the API answers it, for console specs; override what the spec is about. */
export function aKey(overrides: Partial<KeyResponse> = {}): KeyResponse {
  return {
    token: 'f'.repeat(64),
    key_name: 'sk-...abcd',
    key_alias: 'laptop',
    key_type: 'default',
    user_id: 'u-1',
    team_id: null,
    models: [],
    max_budget: 5,
    spend: 0,
    budget_duration: null,
    budget_reset_at: null,
    expires: null,
    tpm_limit: null,
    rpm_limit: null,
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
