/** USD with cents (or more digits for tiny amounts). */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 4 : 2;
  return `$${value.toFixed(digits)}`;
}

export function dateOnly(value: string | null | undefined): string {
  if (!value) return 'Never';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().slice(0, 10);
}

/**
 * yyyy-mm-dd of the calendar day a date picker chose (its local year, month and day), the
 * API's date format; the API reads it as a UTC day.
 */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of the UTC day `daysAgo` days before `now`: a date picker's value for it. */
export function utcDayForPicker(now: Date, daysAgo = 0): Date {
  return new Date(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo);
}

/**
 * One CSV cell (RFC 4180: quoted when it holds a quote, comma or line break; quotes doubled).
 * Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) gets a
 * leading `'` (OWASP's CSV-injection advice): exported fields can be user-typed text.
 */
export function csvEscape(value: string | number): string {
  const text =
    typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
