import type {
  ActivityMetrics,
  CacheHitsResponse,
  DailyActivityResponse,
  KeyResponse,
} from '@gatehouse/shared/dto';
import { csvEscape } from '../../shared/format';

const DAY_MS = 86_400_000;
/** Longest range drawn day by day (the API accepts any range; ten years is plenty). */
const MAX_DAYS = 3660;

/** The `api_keys` breakdown's name for requests made without a key (master key, console). */
export const NO_KEY = 'none';

/** One UTC day of the range, zeros where the rollup had nothing. */
export interface UsageDay {
  date: string;
  spend: number;
  requests: number;
  failedRequests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cacheHits: number;
  llmCalls: number;
  cachedTokens: number;
  savedSpend: number;
}

export interface Totals {
  spend: number;
  requests: number;
  failedRequests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** One model or key over the whole range. `id` is the model name or the key's token id. */
export interface Ranked {
  id: string;
  spend: number;
  requests: number;
  tokens: number;
}

export interface CacheSummary {
  hits: number;
  calls: number;
  /** hits / (hits + calls), 0 without traffic. */
  hitRate: number;
  cachedTokens: number;
  saved: number;
}

/** Every day from `start` to `end` (YYYY-MM-DD, inclusive); empty for a reversed range. */
export function daysBetween(start: string, end: string): string[] {
  const first = Date.parse(`${start}T00:00:00Z`);
  const last = Date.parse(`${end}T00:00:00Z`);
  const days: string[] = [];
  if (Number.isNaN(first) || Number.isNaN(last)) return days;
  for (let ms = first; ms <= last && days.length < MAX_DAYS; ms += DAY_MS) {
    days.push(new Date(ms).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * The range day by day, joining `/user/daily/activity` and `/global/activity/cache_hits`
 * (both list only the days that had traffic).
 */
export function dailyRows(
  range: { start: string; end: string },
  activity: DailyActivityResponse | null,
  cache: CacheHitsResponse | null,
): UsageDay[] {
  const metrics = new Map((activity?.results ?? []).map((d) => [d.date, d.metrics]));
  const hits = new Map((cache?.daily_data ?? []).map((d) => [d.date, d]));
  const dates = new Set(daysBetween(range.start, range.end));
  // A day the API answered outside the asked range (clock skew) is still shown.
  for (const date of [...metrics.keys(), ...hits.keys()]) dates.add(date);
  return [...dates].sort().map((date) => {
    const m = metrics.get(date);
    const c = hits.get(date);
    return {
      date,
      spend: m?.spend ?? 0,
      requests: m?.api_requests ?? 0,
      failedRequests: m?.failed_requests ?? 0,
      promptTokens: m?.prompt_tokens ?? 0,
      completionTokens: m?.completion_tokens ?? 0,
      totalTokens: m?.total_tokens ?? 0,
      cacheHits: c?.cache_hits ?? 0,
      llmCalls: c?.llm_api_calls ?? 0,
      cachedTokens: c?.cached_tokens ?? 0,
      savedSpend: c?.saved_spend ?? 0,
    };
  });
}

/** The period's totals, as the API summed them. */
export function totals(activity: DailyActivityResponse | null): Totals {
  const m = activity?.metadata;
  return {
    spend: m?.total_spend ?? 0,
    requests: m?.total_api_requests ?? 0,
    failedRequests: m?.total_failed_requests ?? 0,
    promptTokens: m?.total_prompt_tokens ?? 0,
    completionTokens: m?.total_completion_tokens ?? 0,
    totalTokens: m?.total_tokens ?? 0,
  };
}

/** The top entries of one breakdown (`models` or `api_keys`) over all days, by spend. */
export function top(
  activity: DailyActivityResponse | null,
  by: 'models' | 'api_keys',
  limit = 5,
): Ranked[] {
  const ranked = new Map<string, Ranked>();
  for (const day of activity?.results ?? []) {
    for (const [id, m] of Object.entries<ActivityMetrics>(day.breakdown[by])) {
      const row = ranked.get(id) ?? { id, spend: 0, requests: 0, tokens: 0 };
      row.spend += m.spend;
      row.requests += m.api_requests;
      row.tokens += m.total_tokens;
      ranked.set(id, row);
    }
  }
  return [...ranked.values()]
    .sort((a, b) => b.spend - a.spend || b.requests - a.requests || a.id.localeCompare(b.id))
    .slice(0, limit);
}

/** How a key of the `api_keys` breakdown is shown; `key` is its `/key/info`, if it still exists. */
export function keyLabel(id: string, key: KeyResponse | null | undefined): string {
  if (id === NO_KEY) return 'No key (master key or console)';
  if (!key) return 'Deleted key';
  return key.key_alias ? `${key.key_alias} (${key.key_name})` : key.key_name;
}

export function cacheSummary(cache: CacheHitsResponse | null): CacheSummary {
  const hits = cache?.sum_cache_hits ?? 0;
  const calls = cache?.sum_llm_api_calls ?? 0;
  return {
    hits,
    calls,
    hitRate: hits + calls === 0 ? 0 : hits / (hits + calls),
    cachedTokens: cache?.sum_cached_tokens ?? 0,
    saved: cache?.sum_saved_spend ?? 0,
  };
}

export const CSV_HEADER = [
  'date',
  'spend_usd',
  'requests',
  'failed_requests',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cache_hits',
  'llm_api_calls',
  'cached_tokens',
  'saved_spend_usd',
] as const;

/** One row per day: what the Usage and Caching tabs show, for a spreadsheet. */
export function toCsv(rows: UsageDay[]): string {
  const lines = rows.map((r) =>
    [
      r.date,
      r.spend,
      r.requests,
      r.failedRequests,
      r.promptTokens,
      r.completionTokens,
      r.totalTokens,
      r.cacheHits,
      r.llmCalls,
      r.cachedTokens,
      r.savedSpend,
    ]
      .map(csvEscape)
      .join(','),
  );
  return [CSV_HEADER.join(','), ...lines].join('\n') + '\n';
}
