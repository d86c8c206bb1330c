import type { CacheHitsResponse, DailyActivity } from '../../data-access/api-types';
import { csvEscape } from '../../shared/format';

export interface Totals {
  spend: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface Ranked {
  name: string;
  spend: number;
  requests: number;
  tokens: number;
}

export function totals(days: DailyActivity[]): Totals {
  return days.reduce<Totals>(
    (sum, day) => ({
      spend: sum.spend + (day.metrics.spend ?? 0),
      requests: sum.requests + (day.metrics.api_requests ?? 0),
      promptTokens: sum.promptTokens + (day.metrics.prompt_tokens ?? 0),
      completionTokens: sum.completionTokens + (day.metrics.completion_tokens ?? 0),
      totalTokens: sum.totalTokens + (day.metrics.total_tokens ?? 0),
    }),
    { spend: 0, requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 },
  );
}

/** Top entries of one breakdown (`models` or `api_keys`) over all days, by spend. */
export function top(days: DailyActivity[], by: 'models' | 'api_keys', limit = 5): Ranked[] {
  const ranked = new Map<string, Ranked>();
  for (const day of days) {
    for (const [id, entry] of Object.entries(day.breakdown?.[by] ?? {})) {
      const alias = (entry as { metadata?: { key_alias?: string } }).metadata?.key_alias;
      const name = alias ? `${alias} (${id})` : id;
      const row = ranked.get(id) ?? { name, spend: 0, requests: 0, tokens: 0 };
      row.spend += entry.metrics.spend ?? 0;
      row.requests += entry.metrics.api_requests ?? 0;
      row.tokens += entry.metrics.total_tokens ?? 0;
      ranked.set(id, row);
    }
  }
  return [...ranked.values()].sort((a, b) => b.spend - a.spend).slice(0, limit);
}

export interface CacheSummary {
  hits: number;
  calls: number;
  hitRate: number;
  saved: number;
}

export function cacheSummary(cache: CacheHitsResponse | null): CacheSummary {
  const days = cache?.daily_data ?? [];
  const hits = cache?.sum_cache_hits ?? days.reduce((s, d) => s + (d.cache_hits ?? 0), 0);
  const calls = cache?.sum_llm_api_calls ?? days.reduce((s, d) => s + (d.llm_api_calls ?? 0), 0);
  const saved = cache?.sum_spend_saved ?? days.reduce((s, d) => s + (d.spend_saved ?? 0), 0);
  return { hits, calls, hitRate: hits + calls === 0 ? 0 : hits / (hits + calls), saved };
}

/** One row per day: what the Usage and Caching tabs show, for a spreadsheet. */
export function toCsv(days: DailyActivity[], cache: CacheHitsResponse | null): string {
  const cacheByDay = new Map((cache?.daily_data ?? []).map((d) => [d.date, d]));
  const header = [
    'date',
    'spend_usd',
    'requests',
    'prompt_tokens',
    'completion_tokens',
    'total_tokens',
    'cache_hits',
    'llm_api_calls',
  ];
  const dates = [...new Set([...days.map((d) => d.date), ...cacheByDay.keys()])].sort();
  const byDay = new Map(days.map((d) => [d.date, d]));
  const rows = dates.map((date) => {
    const m = byDay.get(date)?.metrics;
    const c = cacheByDay.get(date);
    return [
      date,
      m?.spend ?? 0,
      m?.api_requests ?? 0,
      m?.prompt_tokens ?? 0,
      m?.completion_tokens ?? 0,
      m?.total_tokens ?? 0,
      c?.cache_hits ?? 0,
      c?.llm_api_calls ?? 0,
    ]
      .map(csvEscape)
      .join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}
