import { permissionsOf, type Role } from '@gatehouse/shared/auth';
import type {
  AuditLogEntry,
  KeyResponse,
  MeResponse,
  ModelResponse,
  SpendLogResponse,
  TeamResponse,
  UserResponse,
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
    model_id: 'gpt-4o-eu',
    attempted_retries: 0,
    attempted_fallbacks: 0,
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

/** A database model as `/model/info` answers it to an admin; overrides go to `model_info`. */
export function aModel(overrides: Partial<ModelResponse['model_info']> = {}): ModelResponse {
  return {
    model_name: 'gpt-4o',
    litellm_params: {
      model: 'openai/gpt-4o',
      api_base: 'https://api.openai.com/v1',
      api_key: 'sk-...wxyz',
      timeout: null,
      weight: null,
      rpm: null,
      tpm: null,
      api_version: null,
    },
    model_info: {
      id: 'm-1',
      input_cost_per_token: 0.0000025,
      output_cost_per_token: 0.00001,
      cache_read_input_token_cost: null,
      cache_creation_input_token_cost: null,
      price_source: 'model_info',
      base_model: null,
      cache: false,
      cache_ttl_seconds: null,
      db_model: true,
      created_at: '2026-11-27T07:00:00.000Z',
      created_by: 'admin',
      ...overrides,
    },
  };
}
