import type { SpendReportResponse, SpendReportRow } from '@gatehouse/shared/dto';
import { percent, topBreakdown } from './breakdown';

const aRow = (value: string | null, spend: number, requests = 1): SpendReportRow => ({
  group_by: 'model',
  value,
  spend,
  api_requests: requests,
  prompt_tokens: 10,
  completion_tokens: 5,
  total_tokens: 15,
});

const report = (data: SpendReportRow[]): SpendReportResponse => ({
  group_by: 'model',
  data,
  total_spend: data.reduce((sum, row) => sum + row.spend, 0),
  total_groups: data.length,
});

describe('topBreakdown', () => {
  it('orders by spend, then requests, keeps the top n and gives each its share', () => {
    const sut = topBreakdown(
      report([aRow('a', 1), aRow('b', 3), aRow('c', 0, 5), aRow('d', 0, 9)]),
      3,
    );
    expect(sut.map((row) => [row.value, row.share])).toEqual([
      ['b', 0.75],
      ['a', 0.25],
      ['d', 0],
    ]);
  });

  it('gives every row a share of 0 when nothing was spent', () => {
    expect(topBreakdown(report([aRow('a', 0)]))[0].share).toBe(0);
    expect(percent(0.256)).toBe('25.6%');
  });
});
