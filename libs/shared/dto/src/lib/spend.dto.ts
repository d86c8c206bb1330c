import { IsIn, Matches } from 'class-validator';
import { ID_PATTERN } from './common.dto';
import { MAX_PAGE, Optional, QueryInt, Text } from './field-rules';

export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DATE_MESSAGE = 'must be a date as YYYY-MM-DD';

/** A date range over UTC days, both ends inclusive. */
export class DateRangeQuery {
  @Optional()
  @Matches(DATE_PATTERN, { message: `start_date ${DATE_MESSAGE}` })
  start_date?: string;

  @Optional()
  @Matches(DATE_PATTERN, { message: `end_date ${DATE_MESSAGE}` })
  end_date?: string;
}

export const SPEND_STATUSES = ['success', 'failure'] as const;
export type SpendStatus = (typeof SPEND_STATUSES)[number];

export class SpendLogsQuery extends DateRangeQuery {
  @Optional()
  @Matches(ID_PATTERN, { message: 'user_id must be a user id' })
  user_id?: string;

  /** A key's token id (or, once keys exist, its secret: resolved by the keys module). */
  @Optional()
  @Text(512)
  api_key?: string;

  @Optional()
  @Text(256)
  model?: string;

  @Optional()
  @Matches(ID_PATTERN, { message: 'team_id must be a team id' })
  team_id?: string;

  @Optional()
  @IsIn(SPEND_STATUSES)
  status?: SpendStatus;

  /** `true` or `false` (a query string carries text). */
  @Optional()
  @IsIn(['true', 'false'])
  cache_hit?: 'true' | 'false';

  @Optional()
  @QueryInt(1, MAX_PAGE)
  page?: number;

  @Optional()
  @QueryInt(1, 1000)
  page_size?: number;
}

export class DailyActivityQuery extends DateRangeQuery {
  /** Admins may look at one user; everybody else always sees themselves. */
  @Optional()
  @Matches(ID_PATTERN, { message: 'user_id must be a user id' })
  user_id?: string;
}

export const SPEND_GROUPS = ['user', 'key', 'model', 'team'] as const;
export type SpendGroup = (typeof SPEND_GROUPS)[number];

/** The report's rows when `limit` is not given. */
export const SPEND_REPORT_DEFAULT_LIMIT = 100;

export class SpendReportQuery extends DateRangeQuery {
  @Optional()
  @IsIn(SPEND_GROUPS)
  group_by?: SpendGroup;

  /** Top N groups by spend (default SPEND_REPORT_DEFAULT_LIMIT); `total_spend` covers all. */
  @Optional()
  @QueryInt(1, 1000)
  limit?: number;

  /** Admins may look at one user; everybody else always sees themselves. */
  @Optional()
  @Matches(ID_PATTERN, { message: 'user_id must be a user id' })
  user_id?: string;
}

export interface SpendLogResponse {
  request_id: string;
  api_key: string | null;
  user: string;
  team_id: string | null;
  model: string;
  call_type: string;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  spend: number;
  startTime: string;
  endTime: string;
  status: string;
  cache_hit: boolean;
  /** The deployment that served the call (`x-gatehouse-model-id`); null for cache hits and mocks. */
  model_id: string | null;
  attempted_retries: number;
  attempted_fallbacks: number;
  /** The error's type when status is `failure` (`budget_exceeded`, `rate_limit_error`, …). */
  error_type: string | null;
  /** The key's alias, looked up for the page (null: no key, no alias, or deleted since). */
  key_alias: string | null;
  /** The owner's email, looked up for the page (null: none, e.g. the master key's `admin`). */
  user_email: string | null;
}

export interface SpendLogsResponse {
  data: SpendLogResponse[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

export interface ActivityMetrics {
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  api_requests: number;
  successful_requests: number;
  failed_requests: number;
  cache_hits: number;
}

export interface DailyActivityDay {
  date: string;
  metrics: ActivityMetrics;
  breakdown: {
    models: Record<string, ActivityMetrics>;
    api_keys: Record<string, ActivityMetrics>;
  };
}

export interface DailyActivityResponse {
  results: DailyActivityDay[];
  metadata: {
    total_spend: number;
    total_prompt_tokens: number;
    total_completion_tokens: number;
    total_tokens: number;
    total_api_requests: number;
    total_successful_requests: number;
    total_failed_requests: number;
    total_cache_hits: number;
  };
}

export interface GlobalActivityResponse {
  daily_data: { date: string; api_requests: number; total_tokens: number; spend: number }[];
  sum_api_requests: number;
  sum_total_tokens: number;
  sum_spend: number;
}

export interface CacheHitDay {
  date: string;
  cache_hits: number;
  llm_api_calls: number;
  cached_tokens: number;
  saved_spend: number;
}

export interface CacheHitsResponse {
  daily_data: CacheHitDay[];
  sum_cache_hits: number;
  sum_llm_api_calls: number;
  sum_cached_tokens: number;
  sum_saved_spend: number;
}

export interface SpendReportRow {
  group_by: SpendGroup;
  /** The user id, key token, model name or team id (null: no key / no team). */
  value: string | null;
  spend: number;
  api_requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface SpendReportResponse {
  group_by: SpendGroup;
  /** The top `limit` groups by spend. */
  data: SpendReportRow[];
  /** Spend of every group in scope, including those past `limit`. */
  total_spend: number;
  /** How many groups there are in scope (data holds at most `limit` of them). */
  total_groups: number;
}
