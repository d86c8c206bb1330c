/** `30s`, `10m`, `2h`, `7d`, `2w`, `1mo`: the durations LiteLLM accepts (one parser for all). */
export const DURATION_PATTERN = /^\d{1,6}(s|m|h|d|w|mo)$/;

export const DURATION_MESSAGE = 'must look like 30s, 10m, 2h, 7d, 2w or 1mo';

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  /** A month is 30 days, as in LiteLLM's duration_in_seconds. */
  mo: 30 * 86_400_000,
};

/** The length of a duration string in milliseconds, or null when it is not one. */
export function parseDuration(value: string): number | null {
  const match = /^(\d{1,6})(s|m|h|d|w|mo)$/.exec(value);
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2]];
}
