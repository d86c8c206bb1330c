/** Spend and analytics count in UTC days, written YYYY-MM-DD. */
export const DAY_MS = 86_400_000;

/** The UTC day of an epoch-ms instant, as YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The epoch ms at which a YYYY-MM-DD day starts (UTC); NaN when it is not a date. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}
