/**
 * What of an error may reach a log line. A database driver's error carries the statement's
 * parameters (TypeORM's QueryFailedError: `parameters`; and `driverError`, whose PostgreSQL
 * `detail` quotes row values, e.g. `Key (email)=(…)`), and a failed INSERT of a user has the
 * password hash among them. None of that is logged: the error's name, its message with any
 * parameter value cut out, its code, and the stack frames.
 */

/** Parameter values shorter than this are not cut out of messages (they would cut out words). */
const MIN_SCRUBBED_CHARS = 6;

const REDACTED = '[redacted]';

/** Fields of driver errors that hold row values or whole statements with values. */
const UNSAFE_FIELDS = new Set(['parameters', 'driverError', 'detail', 'where', 'internalQuery']);

function stringValues(parameters: unknown): string[] {
  const values: unknown[] = Array.isArray(parameters)
    ? (parameters as unknown[])
    : parameters && typeof parameters === 'object'
      ? Object.values(parameters)
      : [];
  return values
    .filter((value): value is string | number | bigint =>
      ['string', 'number', 'bigint'].includes(typeof value),
    )
    .map(String)
    .filter((value) => value.length >= MIN_SCRUBBED_CHARS);
}

/** The text with every occurrence of a (long enough) parameter value replaced. */
export function withoutParameters(text: string, parameters: unknown): string {
  let out = text;
  for (const value of stringValues(parameters)) out = out.split(value).join(REDACTED);
  return out;
}

function parametersOf(error: object): unknown {
  return (error as { parameters?: unknown }).parameters;
}

/** The stack's frames only: its first lines repeat the message, already scrubbed. */
function framesOf(stack: string | undefined): string[] {
  return (stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
}

/** One log line's text for an unexpected error: `Name: message (code)` and its frames. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parameters = parametersOf(error);
  const code = (error as { code?: unknown }).code;
  const head = `${error.name}: ${withoutParameters(error.message, parameters)}${
    typeof code === 'string' || typeof code === 'number' ? ` (code ${code})` : ''
  }`;
  return [head, ...framesOf(error.stack)].join('\n');
}

/**
 * pino's `err` serializer: the standard fields, minus what holds row values. Used for every
 * `err` on every log line (request errors and anything logged with an error object).
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const parameters = parametersOf(error);
  const fields: Record<string, unknown> = {
    type: error.name,
    message: withoutParameters(error.message, parameters),
    stack: describeError(error),
  };
  for (const [name, value] of Object.entries(error)) {
    if (UNSAFE_FIELDS.has(name) || name in fields) continue;
    fields[name] = typeof value === 'string' ? withoutParameters(value, parameters) : value;
  }
  return fields;
}
