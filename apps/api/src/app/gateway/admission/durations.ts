const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** The end of the budget period that starts at `fromMs` (`1mo` = same day next month, UTC). */
export function addDuration(fromMs: number, duration: string): number | null {
  const match = /^(\d{1,6})(s|m|h|d|w|mo)$/.exec(duration);
  if (!match) return null;
  const n = Number(match[1]);
  if (n === 0) return null;
  if (match[2] === 'mo') {
    const d = new Date(fromMs);
    d.setUTCMonth(d.getUTCMonth() + n);
    return d.getTime();
  }
  return fromMs + n * UNIT_MS[match[2]];
}

/** The first reset after `nowMs`, stepping from `resetAtMs` by `duration`. */
export function nextResetAfter(
  resetAtMs: number,
  duration: string | null,
  nowMs: number,
): number | null {
  if (!duration) return null;
  let next = resetAtMs;
  for (let i = 0; i < 100_000 && next <= nowMs; i++) {
    const stepped = addDuration(next, duration);
    if (stepped === null) return null;
    next = stepped;
  }
  return next > nowMs ? next : null;
}
