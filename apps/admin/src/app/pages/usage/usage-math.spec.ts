import type { DailyActivity } from '../../data-access/api-types';
import { cacheSummary, toCsv, top, totals } from './usage-math';

const metrics = (spend: number, requests: number, tokens: number) => ({
  spend,
  api_requests: requests,
  prompt_tokens: tokens / 2,
  completion_tokens: tokens / 2,
  total_tokens: tokens,
});

const days: DailyActivity[] = [
  {
    date: '2026-11-01',
    metrics: metrics(1.5, 3, 100),
    breakdown: {
      models: { 'gpt-4o': { metrics: metrics(1, 2, 60) }, mini: { metrics: metrics(0.5, 1, 40) } },
    },
  },
  {
    date: '2026-11-02',
    metrics: metrics(2, 1, 50),
    breakdown: { models: { mini: { metrics: metrics(2, 1, 50) } } },
  },
];

describe('usage math', () => {
  it('adds up the period', () => {
    expect(totals(days)).toEqual({
      spend: 3.5,
      requests: 4,
      promptTokens: 75,
      completionTokens: 75,
      totalTokens: 150,
    });
  });

  it('ranks models by spend over all days', () => {
    expect(top(days, 'models').map((r) => [r.name, r.spend])).toEqual([
      ['mini', 2.5],
      ['gpt-4o', 1],
    ]);
  });

  it('computes the hit rate and tolerates no data', () => {
    expect(cacheSummary(null)).toEqual({ hits: 0, calls: 0, hitRate: 0, saved: 0 });
    expect(
      cacheSummary({
        daily_data: [{ date: 'd', cache_hits: 1, llm_api_calls: 3, spend_saved: 0.2 }],
      }),
    ).toEqual({ hits: 1, calls: 3, hitRate: 0.25, saved: 0.2 });
  });

  it('exports one CSV row per day', () => {
    const csv = toCsv(days, {
      daily_data: [{ date: '2026-11-02', cache_hits: 4, llm_api_calls: 1 }],
    });
    expect(csv.split('\n')).toEqual([
      'date,spend_usd,requests,prompt_tokens,completion_tokens,total_tokens,cache_hits,llm_api_calls',
      '2026-11-01,1.5,3,50,50,100,0,0',
      '2026-11-02,2,1,25,25,50,4,1',
      '',
    ]);
  });
});
