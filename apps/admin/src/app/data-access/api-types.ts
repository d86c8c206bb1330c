/**
 * Console-side shapes for API areas whose shared DTOs are being written in parallel
 * (keys, invitations, onboarding, teams, spend, models), following the contract in DESIGN.md.
 *
 * COORDINATOR: when libs/shared/dto exports these (keys.dto.ts, invitations.dto.ts,
 * teams.dto.ts, ...), replace each interface below by an `export type { X } from
 * '@gatehouse/shared/dto'` re-export (type-only, so no class-validator code reaches the bundle).
 */

// ---- keys (POST /key/generate, /key/list, /key/regenerate, /key/block) -----------------------

export interface KeyGenerateRequest {
  key_alias?: string;
  user_id?: string;
  team_id?: string;
  models?: string[];
  max_budget?: number;
  duration?: string;
  budget_duration?: string;
  tpm_limit?: number;
  rpm_limit?: number;
  max_parallel_requests?: number;
  metadata?: Record<string, unknown>;
}

/** A key as listed: never the secret. */
export interface KeyResponse {
  token: string;
  key_name: string;
  key_alias: string | null;
  expires: string | null;
  user_id: string | null;
  team_id: string | null;
  models: string[];
  max_budget: number | null;
  spend: number;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  budget_duration: string | null;
  blocked: boolean | null;
  metadata: Record<string, unknown>;
  created_at?: string;
}

/** `POST /key/generate` and `/key/regenerate`: the only answers holding the secret `key`. */
export interface KeyGenerateResponse extends KeyResponse {
  key: string;
}

export interface KeyListResponse {
  keys: KeyResponse[];
  total_count: number;
  current_page: number;
  total_pages: number;
}

// ---- invitations + onboarding ----------------------------------------------------------------

export interface InvitationResponse {
  id: string;
  user_id: string;
  is_accepted: boolean;
  accepted_at: string | null;
  expires_at: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  /** The full `/ui/onboarding?id=` link, when the API builds it. */
  invitation_link?: string;
}

export interface OnboardingTokenResponse {
  token: string;
  user_id: string;
  user_email: string | null;
}

export interface ClaimTokenRequest {
  invitation_link: string;
  user_id: string;
  password: string;
}

// ---- teams -----------------------------------------------------------------------------------

export interface TeamMember {
  user_id: string;
  user_email?: string | null;
  role: string;
}

export interface TeamResponse {
  team_id: string;
  team_alias: string | null;
  models: string[];
  max_budget: number | null;
  spend: number;
  members_with_roles?: TeamMember[];
  created_at?: string;
}

export interface NewTeamRequest {
  team_alias: string;
  models?: string[];
  max_budget?: number;
}

// ---- models ----------------------------------------------------------------------------------

export interface ModelInfoEntry {
  model_name: string;
  litellm_params: { model: string; api_base?: string | null };
  model_info: {
    id?: string;
    input_cost_per_token?: number | null;
    output_cost_per_token?: number | null;
  };
}

export interface ModelInfoResponse {
  data: ModelInfoEntry[];
}

export interface NewModelRequest {
  model_name: string;
  litellm_params: { model: string; api_base?: string; api_key?: string };
  model_info?: { input_cost_per_token?: number; output_cost_per_token?: number };
}

// ---- spend / activity ------------------------------------------------------------------------

export interface ActivityMetrics {
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  api_requests: number;
  successful_requests?: number;
  failed_requests?: number;
  cache_hits?: number;
}

export interface DailyActivity {
  date: string;
  metrics: ActivityMetrics;
  breakdown?: {
    models?: Record<string, { metrics: ActivityMetrics }>;
    api_keys?: Record<string, { metrics: ActivityMetrics; metadata?: { key_alias?: string } }>;
  };
}

/** `GET /user/daily/activity?start_date&end_date[&user_id]`. */
export interface DailyActivityResponse {
  results: DailyActivity[];
  metadata?: { total_spend?: number; total_api_requests?: number; total_tokens?: number };
}

export interface CacheHitsDay {
  date: string;
  cache_hits: number;
  llm_api_calls: number;
  cached_completion_tokens?: number;
  /** USD the cache hits would have cost. */
  spend_saved?: number;
}

/** `GET /global/activity/cache_hits?start_date&end_date[&user_id]`. */
export interface CacheHitsResponse {
  daily_data: CacheHitsDay[];
  sum_cache_hits?: number;
  sum_llm_api_calls?: number;
  sum_spend_saved?: number;
}
