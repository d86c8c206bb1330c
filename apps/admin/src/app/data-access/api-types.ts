/**
 * PENDING the gateway/spend issue: console-side shapes for API areas that are not built yet,
 * following the contract in DESIGN.md. Every other area (users, keys, invitations, onboarding,
 * teams, session) is typed by `import type` from `@gatehouse/shared/dto`.
 *
 * When the spend and models modules land, move each shape below into libs/shared/dto
 * (spend.dto.ts, models.dto.ts) as a response interface, import it with `import type`, and
 * delete it here. Routes covered: GET /spend/logs, GET /user/daily/activity,
 * GET /global/activity, GET /global/activity/cache_hits, GET /global/spend/report,
 * GET /model/info, POST /model/new.
 */

// ---- models: GET /model/info, POST /model/new (pending) ---------------------------------------

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

// ---- spend / activity: /user/daily/activity, /global/activity/cache_hits (pending) ------------

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
