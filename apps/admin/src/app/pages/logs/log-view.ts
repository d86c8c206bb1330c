import type { SpendLogResponse } from '@gatehouse/shared/dto';

/** Milliseconds from the request's start to its end (as the gateway logged them). */
export function latencyMs(log: Pick<SpendLogResponse, 'startTime' | 'endTime'>): number | null {
  const ms = new Date(log.endTime).getTime() - new Date(log.startTime).getTime();
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** `2026-12-01 21:05:09` in UTC: the logs' timestamps are read across time zones. */
export function utcTime(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().slice(0, 19).replace('T', ' ');
}

/** A key token is 64 hex characters: its first 8 are enough to tell keys apart in a table. */
export function shortKey(token: string | null): string {
  if (token === null) return 'No key (session or master key)';
  return token.length > 12 ? `${token.slice(0, 8)}…` : token;
}
