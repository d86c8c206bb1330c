import { permissionsOf, type Role } from '@gatehouse/shared/auth';
import type { AuditLogEntry, KeyResponse, MeResponse, UserResponse } from '@gatehouse/shared/dto';

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

/** An audit row as `GET /audit` answers it: an admin raised a key's budget from 5 to 5000. */
export function anAuditEntry(overrides: Partial<AuditLogEntry> = {}): AuditLogEntry {
  return {
    id: 'a-1',
    updated_at: '2026-12-01T10:00:00.000Z',
    changed_by: 'u-admin',
    changed_by_api_key: null,
    auth_method: 'session',
    action: 'updated',
    table_name: 'key',
    object_id: 'f'.repeat(64),
    before_value: { max_budget: 5 },
    updated_values: { max_budget: 5000 },
    ip: '127.0.0.1',
    user_agent: 'jest',
    request_id: 'req-1',
    hash: '0'.repeat(64),
    ...overrides,
  };
}

/** `GET /me` for a signed-in user of `role` (set it on SessionService.me in a spec). */
export function aMe(role: Role, overrides: Partial<MeResponse> = {}): MeResponse {
  return {
    user_id: `u-${role}`,
    user_email: `${role}@example.test`,
    user_role: role,
    auth: 'session',
    permissions: permissionsOf(role),
    has_password: true,
    ...overrides,
  };
}

/** A user as `/user/list` answers it. */
export function aUser(overrides: Partial<UserResponse> = {}): UserResponse {
  return {
    user_id: 'u-1',
    user_email: 'user@example.test',
    user_alias: null,
    user_role: 'internal_user',
    max_budget: null,
    spend: 0,
    models: [],
    tpm_limit: null,
    rpm_limit: null,
    budget_duration: null,
    budget_reset_at: null,
    metadata: {},
    teams: [],
    key_count: 0,
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}
