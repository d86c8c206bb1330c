import type { SpendReportResponse } from '@gatehouse/shared/dto';

export interface BreakdownRow {
  /** The model, key token, user id or team id; null: no key / no team. */
  value: string | null;
  spend: number;
  requests: number;
  tokens: number;
  /** Of the period's spend, 0..1 (0 when nothing was spent). */
  share: number;
}

/** The top `n` of a spend report by spend, with each row's share of the total. */
export function topBreakdown(report: SpendReportResponse, n = 10): BreakdownRow[] {
  const total = report.total_spend;
  return [...report.data]
    .sort((a, b) => b.spend - a.spend || b.api_requests - a.api_requests)
    .slice(0, n)
    .map((row) => ({
      value: row.value,
      spend: row.spend,
      requests: row.api_requests,
      tokens: row.total_tokens,
      share: total > 0 ? row.spend / total : 0,
    }));
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
