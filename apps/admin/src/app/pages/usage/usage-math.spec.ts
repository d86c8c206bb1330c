import type {
  ActivityMetrics,
  CacheHitsResponse,
  DailyActivityResponse,
  KeyResponse,
} from '@gatehouse/shared/dto';
import {
  cacheSummary,
  CSV_HEADER,
  dailyRows,
  daysBetween,
  keyLabel,
  NO_KEY,
  toCsv,
  top,
  totals,
} from './usage-math';

function metrics(
  spend: number,
  requests: number,
  tokens: number,
  extra: Partial<ActivityMetrics> = {},
): ActivityMetrics {
  return {
    spend,
    prompt_tokens: tokens / 2,
    completion_tokens: tokens / 2,
    total_tokens: tokens,
    api_requests: requests,
    successful_requests: requests,
    failed_requests: 0,
    cache_hits: 0,
    ...extra,
  };
}

/** What `GET /user/daily/activity` answers: only the days with traffic, breakdowns by model and key. */
const activity: DailyActivityResponse = {
  results: [
    {
      date: '2026-11-01',
      metrics: metrics(1.5, 3, 100),
      breakdown: {
        models: { 'gpt-4o': metrics(1, 2, 60), mini: metrics(0.5, 1, 40) },
        api_keys: { 'tok-a': metrics(1.5, 3, 100) },
      },
    },
    {
      date: '2026-11-03',
      metrics: metrics(2, 2, 50, { failed_requests: 1, successful_requests: 1 }),
      breakdown: {
        models: { mini: metrics(2, 2, 50) },
        api_keys: { [NO_KEY]: metrics(0, 1, 10), 'tok-b': metrics(2, 1, 40) },
      },
    },
  ],
  metadata: {
    total_spend: 3.5,
    total_prompt_tokens: 75,
    total_completion_tokens: 75,
    total_tokens: 150,
    total_api_requests: 5,
    total_successful_requests: 4,
    total_failed_requests: 1,
    total_cache_hits: 1,
  },
};

/** What `GET /global/activity/cache_hits` answers for the same range. */
const cache: CacheHitsResponse = {
  daily_data: [
    { date: '2026-11-03', cache_hits: 1, llm_api_calls: 1, cached_tokens: 12, saved_spend: 0.25 },
  ],
  sum_cache_hits: 1,
  sum_llm_api_calls: 3,
  sum_cached_tokens: 12,
  sum_saved_spend: 0.25,
};

const range = { start: '2026-10-31', end: '2026-11-03' };

function key(overrides: Partial<KeyResponse> = {}): KeyResponse {
  return {
    token: 'tok-a',
    key_name: 'sk-...abcd',
    key_alias: 'laptop',
    user_id: 'u-1',
    team_id: null,
    models: [],
    max_budget: null,
    spend: 1.5,
    budget_duration: null,
    budget_reset_at: null,
    expires: null,
    tpm_limit: null,
    rpm_limit: null,
    max_parallel_requests: null,
    metadata: {},
    blocked: false,
    key_type: 'default',
    created_at: '2026-11-01T00:00:00.000Z',
    created_by: 'u-1',
    updated_at: '2026-11-01T00:00:00.000Z',
    updated_by: 'u-1',
    ...overrides,
  };
}

describe('usage math', () => {
  it('lists every UTC day of a range, across a month end, and nothing for a reversed one', () => {
    expect(daysBetween('2026-10-30', '2026-11-02')).toEqual([
      '2026-10-30',
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
    ]);
    expect(daysBetween('2026-11-02', '2026-11-01')).toEqual([]);
    expect(daysBetween('not-a-day', '2026-11-01')).toEqual([]);
  });

  it('joins activity and cache hits day by day, with zeros for days without traffic', () => {
    const rows = dailyRows(range, activity, cache);
    expect(rows.map((r) => r.date)).toEqual([
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
    ]);
    expect(rows[0]).toEqual({
      date: '2026-10-31',
      spend: 0,
      requests: 0,
      failedRequests: 0,
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
      cacheHits: 0,
      llmCalls: 0,
      cachedTokens: 0,
      savedSpend: 0,
    });
    expect(rows[3]).toEqual({
      date: '2026-11-03',
      spend: 2,
      requests: 2,
      failedRequests: 1,
      promptTokens: 25,
      completionTokens: 25,
      totalTokens: 50,
      cacheHits: 1,
      llmCalls: 1,
      cachedTokens: 12,
      savedSpend: 0.25,
    });
  });

  it('keeps a day the API answered outside the asked range, and survives failed loads', () => {
    expect(
      dailyRows({ start: '2026-11-02', end: '2026-11-02' }, activity, null).map((r) => r.date),
    ).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    expect(dailyRows(range, null, null).every((r) => r.requests === 0 && r.cacheHits === 0)).toBe(
      true,
    );
  });

  it('takes the period totals from the API metadata', () => {
    expect(totals(activity)).toEqual({
      spend: 3.5,
      requests: 5,
      failedRequests: 1,
      promptTokens: 75,
      completionTokens: 75,
      totalTokens: 150,
    });
    expect(totals(null).requests).toBe(0);
  });

  it('ranks models and keys by spend over all days', () => {
    expect(top(activity, 'models').map((r) => [r.id, r.spend, r.requests, r.tokens])).toEqual([
      ['mini', 2.5, 3, 90],
      ['gpt-4o', 1, 2, 60],
    ]);
    expect(top(activity, 'api_keys').map((r) => r.id)).toEqual(['tok-b', 'tok-a', NO_KEY]);
    expect(top(activity, 'api_keys', 1)).toHaveLength(1);
    expect(top(null, 'models')).toEqual([]);
  });

  it('names keys by alias and masked name, and says which have no key or are gone', () => {
    expect(keyLabel('tok-a', key())).toBe('laptop (sk-...abcd)');
    expect(keyLabel('tok-a', key({ key_alias: null }))).toBe('sk-...abcd');
    expect(keyLabel('tok-x', null)).toBe('Deleted key');
    expect(keyLabel(NO_KEY, undefined)).toBe('No key (master key or console)');
  });

  it('summarises caching from the API sums, and tolerates no data', () => {
    expect(cacheSummary(cache)).toEqual({
      hits: 1,
      calls: 3,
      hitRate: 0.25,
      cachedTokens: 12,
      saved: 0.25,
    });
    expect(cacheSummary(null)).toEqual({
      hits: 0,
      calls: 0,
      hitRate: 0,
      cachedTokens: 0,
      saved: 0,
    });
  });

  it('exports one CSV row per day of the range', () => {
    const csv = toCsv(dailyRows(range, activity, cache));
    expect(csv.split('\n')).toEqual([
      CSV_HEADER.join(','),
      '2026-10-31,0,0,0,0,0,0,0,0,0,0',
      '2026-11-01,1.5,3,0,50,50,100,0,0,0,0',
      '2026-11-02,0,0,0,0,0,0,0,0,0,0',
      '2026-11-03,2,2,1,25,25,50,1,1,12,0.25',
      '',
    ]);
    expect(CSV_HEADER[0]).toBe('date');
  });
});
