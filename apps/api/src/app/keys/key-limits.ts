import { parseDuration } from '@gatehouse/shared/dto';
import { AppError } from '../common/errors/app-error';

/** The limit fields of a key as a request states them: undefined = not given, null = none. */
export interface KeyLimitFields {
  models?: string[];
  max_budget?: number | null;
  budget_duration?: string | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  max_parallel_requests?: number | null;
  /** Lifetime from now (`2h`); null = never expires. */
  duration?: string | null;
}

/** A key's current values, for checks that look at what a request leaves alone. */
export interface KeyLimitValues {
  models: readonly string[];
  maxBudget: number | null;
  tpmLimit: number | null;
  rpmLimit: number | null;
  maxParallelRequests: number | null;
}

/**
 * One set of limits a key must stay within: the configured bounds, the owner's, the team's,
 * the calling key's, the key's own current period. Absent fields (undefined) limit nothing;
 * a null limit is "no limit" too.
 */
export interface KeyLimitSource {
  /** How errors name it: `max_budget 5 is over ${label} max_budget (3)`. */
  label: string;
  /** Models a key may name; empty = no restriction. */
  models?: readonly string[];
  /**
   * Whether a key with an empty model list (= every model its owner may call) is wider than
   * `models`: true for a calling key, whose list is its own; false for the owner and team,
   * whose lists the gateway applies to every key of theirs anyway.
   */
  emptyModelsAreWider?: boolean;
  maxBudget?: number | null;
  tpmLimit?: number | null;
  rpmLimit?: number | null;
  maxParallelRequests?: number | null;
  /** The longest lifetime a key may get, from now (ms). */
  lifetimeMs?: number | null;
  /** An instant the key may never outlive (applied as an absolute cap, see `expiresCap`). */
  expiresAt?: Date | null;
  /**
   * The shortest budget period (ms) a key may get, or `lifetime` when it may get none at all (a
   * lifetime budget is the longest period; a shorter one resets the spend sooner).
   */
  shortestBudgetPeriod?: number | 'lifetime' | null;
  /**
   * On create, whether a limit of this source fills in a value the request leaves out (the
   * configured bounds, a calling key). The other sources only lower a filled-in value.
   */
  fills?: boolean;
  /** Also checked against the current values the request leaves alone (a key moved in). */
  untouched?: KeyLimitValues;
}

/** The fields after the clamp; `durationMs`/`expiresCap` replace `duration` where a limit set them. */
export type ClampedKeyLimits<T extends KeyLimitFields> = T & {
  /** A lifetime worked out by the clamp (from now). */
  durationMs?: number;
  /** An absolute expiry the key may not outlive (so the time between check and write can't add up). */
  expiresCap?: Date;
};

export interface ClampOptions {
  /** Generate (absent values may be filled in) or update (absent values are left alone). */
  creating: boolean;
  nowMs: number;
  sources: readonly KeyLimitSource[];
  /**
   * Instead of `duration`: an absolute expiry to check (regenerate checks a key's current
   * values); null = never expires.
   */
  expiresAt?: Date | null;
}

const NUMERIC = [
  ['max_budget', 'maxBudget'],
  ['tpm_limit', 'tpmLimit'],
  ['rpm_limit', 'rpmLimit'],
  ['max_parallel_requests', 'maxParallelRequests'],
] as const;

function over(
  source: KeyLimitSource,
  field: string,
  value: number | string,
  limit: number | string,
): AppError {
  return AppError.badRequest(
    `${field} ${value} is over ${source.label} ${field} (${limit})`,
    field,
  );
}

const isNumber = (value: number | null | undefined): value is number => typeof value === 'number';

function clampModels<T extends KeyLimitFields>(
  result: ClampedKeyLimits<T>,
  creating: boolean,
  sources: readonly KeyLimitSource[],
): void {
  const limiting = sources.filter((s) => (s.models ?? []).length > 0);
  if (creating && result.models === undefined) {
    // Not given on create: the models every filling source allows (then checked like the rest).
    for (const source of limiting.filter((s) => s.fills)) {
      const allowed = source.models ?? [];
      result.models = result.models
        ? result.models.filter((m) => allowed.includes(m))
        : [...allowed];
    }
  }
  for (const source of limiting) {
    const allowed = source.models ?? [];
    const asked = result.models ?? source.untouched?.models;
    if (asked === undefined) continue;
    const wider =
      asked.length === 0
        ? source.emptyModelsAreWider
          ? ['all models']
          : []
        : asked.filter((m) => !allowed.includes(m));
    if (wider.length > 0) {
      throw new AppError(
        403,
        'permission_error',
        `models not allowed by ${source.label} models: ${wider.join(', ')}`,
        'models',
      );
    }
  }
}

function clampNumbers<T extends KeyLimitFields>(
  result: ClampedKeyLimits<T>,
  requested: KeyLimitFields,
  creating: boolean,
  sources: readonly KeyLimitSource[],
): void {
  for (const [field, limitKey] of NUMERIC) {
    const asked = requested[field];
    const limited = sources.filter((s) => isNumber(s[limitKey]));
    if (isNumber(asked)) {
      for (const source of limited) {
        const limit = source[limitKey] as number;
        if (asked > limit) throw over(source, field, asked, limit);
      }
      continue;
    }
    if (asked === undefined && !creating) {
      // Untouched: a moved key's current value must fit (null = the source's limit applies).
      for (const source of limited) {
        const current = source.untouched?.[limitKey];
        const limit = source[limitKey] as number;
        if (isNumber(current) && current > limit) throw over(source, field, current, limit);
      }
      continue;
    }
    // Not given on create, or asked for "unlimited" (null).
    if (creating && limited.some((s) => s.fills)) {
      // Filled in: the tightest of every limit (the owner's and team's lower a bound's value).
      result[field] = Math.min(...limited.map((s) => s[limitKey] as number));
    } else if (asked === null && limited.length > 0) {
      throw over(limited[0], field, 'unlimited', limited[0][limitKey] as number);
    }
  }
}

function clampLifetime<T extends KeyLimitFields>(
  result: ClampedKeyLimits<T>,
  requested: KeyLimitFields,
  options: ClampOptions,
): void {
  const { creating, nowMs, sources } = options;
  const checking = options.expiresAt !== undefined;
  if (!creating && !checking && requested.duration === undefined) return;
  const notGiven = !checking && (requested.duration === undefined || requested.duration === null);
  for (const source of sources) {
    const lifetimes = [
      isNumber(source.lifetimeMs) ? source.lifetimeMs : null,
      source.expiresAt ? source.expiresAt.getTime() - nowMs : null,
    ].filter(isNumber);
    if (lifetimes.length === 0) continue;
    const longest = Math.min(...lifetimes);
    if (source.expiresAt) {
      result.expiresCap =
        result.expiresCap && result.expiresCap < source.expiresAt
          ? result.expiresCap
          : source.expiresAt;
    }
    const limitText = source.expiresAt ? source.expiresAt.toISOString() : `${longest / 1000}s`;
    if (creating && notGiven) {
      result.durationMs = Math.min(result.durationMs ?? Infinity, longest);
      continue;
    }
    const asked = checking
      ? options.expiresAt === null || options.expiresAt === undefined
        ? null
        : options.expiresAt.getTime() - nowMs
      : requested.duration === null || requested.duration === undefined
        ? null
        : (parseDuration(requested.duration) ?? Infinity);
    if (asked === null) throw over(source, 'duration', 'never', limitText);
    if (asked > longest) {
      throw over(source, 'duration', requested.duration ?? `${asked / 1000}s`, limitText);
    }
  }
}

function clampBudgetPeriod(requested: KeyLimitFields, sources: readonly KeyLimitSource[]): void {
  const asked = requested.budget_duration;
  // Absent leaves the period alone; null is a lifetime budget, the longest period there is.
  if (asked === undefined || asked === null) return;
  const askedMs = parseDuration(asked) ?? 0;
  for (const source of sources) {
    const shortest = source.shortestBudgetPeriod;
    if (shortest === undefined || shortest === null) continue;
    if (shortest === 'lifetime') {
      throw AppError.badRequest(
        `budget_duration ${asked} would reset a budget that ${source.label} keeps for life`,
        'budget_duration',
      );
    }
    if (askedMs < shortest) {
      throw AppError.badRequest(
        `budget_duration ${asked} is shorter than ${source.label} budget_duration (${shortest / 1000}s)`,
        'budget_duration',
      );
    }
  }
}

/**
 * The one clamp on what a key may carry: fed every set of limits that applies (the configured
 * bounds, the owner's, the team's, the calling key's, the key's current budget period), it
 * refuses a value over any of them naming the field (models 403, the rest 400), and on create
 * fills an absent value in from the sources that fill (lowered to every other limit). Pure.
 */
export function clampKeyLimits<T extends KeyLimitFields>(
  requested: T,
  options: ClampOptions,
): ClampedKeyLimits<T> {
  const result: ClampedKeyLimits<T> = { ...requested };
  clampModels(result, options.creating, options.sources);
  clampNumbers(result, requested, options.creating, options.sources);
  clampLifetime(result, requested, options);
  clampBudgetPeriod(requested, options.sources);
  return result;
}

/** The shortest budget period a key with these values lets what it makes or becomes have. */
export function budgetPeriodFloor(key: {
  maxBudget: number | null;
  budgetDuration: string | null;
}): number | 'lifetime' | null {
  if (key.maxBudget === null) return null;
  return key.budgetDuration === null ? 'lifetime' : (parseDuration(key.budgetDuration) ?? null);
}
