import { permissionsOf, type Role } from '@gatehouse/shared/auth';
import type {
  KeyResponse,
  MeResponse,
  SpendLogResponse,
  TeamResponse,
} from '@gatehouse/shared/dto';

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

/** A request log row as `/spend/logs` answers it; override what the spec is about. */
export function aLog(overrides: Partial<SpendLogResponse> = {}): SpendLogResponse {
  return {
    request_id: 'req-1',
    api_key: 'a'.repeat(64),
    user: 'u-owner',
    team_id: null,
    model: 'gpt-4o',
    call_type: 'chat_completion',
    prompt_tokens: 12,
    completion_tokens: 5,
    total_tokens: 17,
    spend: 0.00027,
    startTime: '2026-12-01T10:00:00.000Z',
    endTime: '2026-12-01T10:00:01.250Z',
    status: 'success',
    cache_hit: false,
    error_type: null,
    key_alias: null,
    user_email: null,
    ...overrides,
  };
}

/** Who `/me` says is signed in, with the role's permissions from the shared map. */
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

/** A team as `/team/info` answers it; override what the spec is about. */
export function aTeam(overrides: Partial<TeamResponse> = {}): TeamResponse {
  return {
    team_id: 't-1',
    team_alias: 'research',
    members_with_roles: [],
    models: [],
    max_budget: 10,
    spend: 2.5,
    tpm_limit: null,
    rpm_limit: null,
    blocked: false,
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}
