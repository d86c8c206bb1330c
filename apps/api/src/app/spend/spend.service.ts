import { hasPermission } from '@gatehouse/shared/auth';
import type {
  ActivityMetrics,
  CacheHitsResponse,
  DailyActivityDay,
  DailyActivityQuery,
  DailyActivityResponse,
  DateRangeQuery,
  GlobalActivityResponse,
  SpendLogResponse,
  SpendLogsQuery,
  SpendLogsResponse,
  SpendReportQuery,
  SpendReportResponse,
} from '@gatehouse/shared/dto';
import { SPEND_REPORT_DEFAULT_LIMIT } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { nanosToUsd } from '../database/columns';
import type { SpendLogEntity } from './spend-log.entity';
import { ClosedDaysCache } from './closed-days.cache';
import { DAY_MS, dayStartMs, utcDay } from './utc-days';
import {
  SpendRepository,
  type LogNames,
  type RollupGroup,
  type RollupScope,
  type RollupTotals,
} from './spend.repository';

const DEFAULT_RANGE_DAYS = 30;
/** Longer ranges are read as they are rather than looked up day by day in the cache. */
const MAX_CACHED_RANGE_DAYS = 400;

export function toSpendLogResponse(log: SpendLogEntity, names?: LogNames): SpendLogResponse {
  return {
    request_id: log.requestId,
    api_key: log.keyToken,
    user: log.userId,
    team_id: log.teamId,
    model: log.model,
    call_type: log.callType,
    prompt_tokens: log.promptTokens,
    completion_tokens: log.completionTokens,
    total_tokens: log.totalTokens,
    spend: log.spend,
    startTime: log.startTime.toISOString(),
    endTime: log.endTime.toISOString(),
    status: log.status,
    cache_hit: log.cacheHit,
    model_id: log.modelId,
    attempted_retries: log.attemptedRetries,
    attempted_fallbacks: log.attemptedFallbacks,
    error_type: log.errorType,
    key_alias: log.keyToken === null ? null : (names?.keyAliases.get(log.keyToken) ?? null),
    user_email: names?.userEmails.get(log.userId) ?? null,
  };
}

function toMetrics(t: RollupTotals): ActivityMetrics {
  return {
    spend: nanosToUsd(t.spend),
    prompt_tokens: t.promptTokens,
    completion_tokens: t.completionTokens,
    total_tokens: t.promptTokens + t.completionTokens,
    api_requests: t.requests,
    successful_requests: t.successes,
    failed_requests: t.failures,
    cache_hits: t.cacheHits,
  };
}

const ZERO: RollupTotals = {
  requests: 0,
  successes: 0,
  failures: 0,
  promptTokens: 0,
  completionTokens: 0,
  cacheHits: 0,
  cachedTokens: 0,
  spend: 0,
  savedSpend: 0,
};

const TOTAL_KEYS = Object.keys(ZERO) as (keyof RollupTotals)[];

function add(a: RollupTotals, b: RollupTotals): RollupTotals {
  const out = { ...a };
  for (const k of TOTAL_KEYS) out[k] += b[k];
  return out;
}

/** Adds `b` into `acc`, in place. */
function addInto(acc: RollupTotals, b: RollupTotals): void {
  // Spelled out (not a loop over the keys): this runs for every rollup row, four times.
  acc.requests += b.requests;
  acc.successes += b.successes;
  acc.failures += b.failures;
  acc.promptTokens += b.promptTokens;
  acc.completionTokens += b.completionTokens;
  acc.cacheHits += b.cacheHits;
  acc.cachedTokens += b.cachedTokens;
  acc.spend += b.spend;
  acc.savedSpend += b.savedSpend;
}

/** Adds `b` into the accumulator `into[key]` (created at zero), in place. */
function accumulate(into: Map<string, RollupTotals>, key: string, b: RollupTotals): void {
  let acc = into.get(key);
  if (!acc) into.set(key, (acc = { ...ZERO }));
  addInto(acc, b);
}

/** One day of the daily activity: its answer as JSON, its totals, its size (entries). */
export interface ActivityDay {
  json: string;
  totals: RollupTotals;
  weight: number;
}

/** Days from rollup rows (in date order): per day a total, and totals per model and key. */
function buildDays(groups: RollupGroup[]): Map<string, ActivityDay> {
  const sums = new Map<
    string,
    { total: RollupTotals; models: Map<string, RollupTotals>; keys: Map<string, RollupTotals> }
  >();
  for (const g of groups) {
    let day = sums.get(g.date);
    if (!day) sums.set(g.date, (day = { total: { ...ZERO }, models: new Map(), keys: new Map() }));
    addInto(day.total, g);
    accumulate(day.models, g.model, g);
    // '' is "no key" (master key or console session) in the rollup.
    accumulate(day.keys, g.keyToken === '' ? 'none' : g.keyToken, g);
  }
  const mapOf = (m: Map<string, RollupTotals>): Record<string, ActivityMetrics> =>
    Object.fromEntries([...m].map(([k, v]) => [k, toMetrics(v)]));
  const days = new Map<string, ActivityDay>();
  for (const [date, d] of sums) {
    const result: DailyActivityDay = {
      date,
      metrics: toMetrics(d.total),
      breakdown: { models: mapOf(d.models), api_keys: mapOf(d.keys) },
    };
    days.set(date, {
      json: JSON.stringify(result),
      totals: d.total,
      weight: 1 + d.models.size + d.keys.size,
    });
  }
  return days;
}

const minDate = (a: string, b: string): string => (a < b ? a : b);
const maxDate = (a: string, b: string): string => (a > b ? a : b);

/** Every day from `start` to `end` (inclusive), or null when there are more than `max`. */
function datesBetween(start: string, end: string, max: number): string[] | null {
  const from = dayStartMs(start);
  const to = dayStartMs(end);
  if ((to - from) / DAY_MS + 1 > max) return null;
  const dates: string[] = [];
  for (let ms = from; ms <= to; ms += DAY_MS) dates.push(utcDay(ms));
  return dates;
}

/** `2026-02-30` is well-formed but not a day: it must survive a round trip. */
function isCalendarDate(value: string): boolean {
  const ms = dayStartMs(value);
  return !Number.isNaN(ms) && utcDay(ms) === value;
}

@Injectable()
export class SpendService {
  constructor(
    private readonly spend: SpendRepository,
    private readonly clock: Clock,
    private readonly closedDaysCache: ClosedDaysCache<ActivityDay | null>,
  ) {}

  /**
   * The one scoping rule for spend and analytics: holders of spend.read.any see everybody
   * (or the user they ask for); everybody else sees only themselves, and asking for another
   * user answers 404 like an unknown one. Returns the user id to filter on, or null = all.
   */
  visibleUserId(principal: Principal, requested: string | undefined): string | null {
    if (hasPermission(principal.role, 'spend.read.any')) return requested ?? null;
    if (requested !== undefined && requested !== principal.userId) {
      throw AppError.notFound('User', 'user_id');
    }
    return principal.userId;
  }

  async logs(principal: Principal, query: SpendLogsQuery): Promise<SpendLogsResponse> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 50;
    const { start, end } = this.range(query, null);
    const [rows, total] = await this.spend.listLogs(
      {
        userId: this.visibleUserId(principal, query.user_id),
        keyToken: query.api_key ?? null,
        model: query.model ?? null,
        teamId: query.team_id ?? null,
        status: query.status ?? null,
        cacheHit: query.cache_hit === undefined ? null : query.cache_hit === 'true',
        startMs: start === null ? null : dayStartMs(start),
        endMs: end === null ? null : dayStartMs(end) + DAY_MS,
      },
      page,
      pageSize,
    );
    const names = await this.spend.namesFor(rows);
    return {
      data: rows.map((row) => toSpendLogResponse(row, names)),
      total,
      page,
      page_size: pageSize,
      total_pages: Math.ceil(total / pageSize),
    };
  }

  /**
   * Per day: totals and breakdowns by model and key, as the JSON text of a
   * DailyActivityResponse. Closed days (ClosedDaysCache: before yesterday) are computed once
   * per scope and kept; today and yesterday are always read.
   */
  async dailyActivity(principal: Principal, query: DailyActivityQuery): Promise<string> {
    const scope = this.scope(principal, query, query.user_id);
    const open = this.openPart(scope);
    const days = [
      ...(await this.closedDays(scope)),
      ...(open ? buildDays(await this.spend.rollupRows(open)).values() : []),
    ];
    const grand = { ...ZERO };
    for (const day of days) addInto(grand, day.totals);
    const metadata: DailyActivityResponse['metadata'] = {
      total_spend: nanosToUsd(grand.spend),
      total_prompt_tokens: grand.promptTokens,
      total_completion_tokens: grand.completionTokens,
      total_tokens: grand.promptTokens + grand.completionTokens,
      total_api_requests: grand.requests,
      total_successful_requests: grand.successes,
      total_failed_requests: grand.failures,
      total_cache_hits: grand.cacheHits,
    };
    // A DailyActivityResponse, written from each day's JSON (kept with the day): a 30-day
    // all-users answer is ~1.6 MB, serialised once per day rather than on every call.
    return `{"results":[${days.map((d) => d.json).join(',')}],"metadata":${JSON.stringify(metadata)}}`;
  }

  /** The scope's days up to the last closed day, from the cache or read once and kept. */
  private async closedDays(scope: RollupScope): Promise<ActivityDay[]> {
    const endDate = minDate(scope.endDate, this.closedDaysCache.lastClosedDay());
    if (scope.startDate > endDate) return [];
    const part = { ...scope, endDate };
    const dates = datesBetween(part.startDate, part.endDate, MAX_CACHED_RANGE_DAYS);
    // A range too long to look up day by day is read as it is (and not kept).
    if (!dates) return [...buildDays(await this.spend.rollupRows(part)).values()];
    const key = scope.userId ?? '*';
    const cached = dates.map((date) => this.closedDaysCache.get(key, date));
    if (cached.every((day) => day !== undefined)) {
      return cached.filter((day): day is ActivityDay => day !== null);
    }
    const version = this.closedDaysCache.version();
    const built = buildDays(await this.spend.rollupRows(part));
    for (const date of dates) {
      const day = built.get(date) ?? null;
      this.closedDaysCache.set(key, date, day, day ? day.weight : 1, version);
    }
    return [...built.values()];
  }

  /** The part of the scope after the last closed day (today and yesterday), if any. */
  private openPart(scope: RollupScope): RollupScope | null {
    const closed = this.closedDaysCache.lastClosedDay();
    if (scope.endDate <= closed) return null;
    const next = utcDay(dayStartMs(closed) + DAY_MS);
    return { ...scope, startDate: maxDate(scope.startDate, next) };
  }

  async globalActivity(
    principal: Principal,
    query: DateRangeQuery,
  ): Promise<GlobalActivityResponse> {
    const days = await this.spend.byDay(this.scope(principal, query, undefined));
    const daily = days.map((d) => ({
      date: d.date,
      api_requests: d.requests,
      total_tokens: d.promptTokens + d.completionTokens,
      spend: nanosToUsd(d.spend),
    }));
    return {
      daily_data: daily,
      sum_api_requests: daily.reduce((s, d) => s + d.api_requests, 0),
      sum_total_tokens: daily.reduce((s, d) => s + d.total_tokens, 0),
      sum_spend: nanosToUsd(days.reduce((s, d) => s + d.spend, 0)),
    };
  }

  /** Like the daily activity, admins may narrow the cache view to one `user_id`. */
  async cacheHits(principal: Principal, query: DailyActivityQuery): Promise<CacheHitsResponse> {
    const days = await this.spend.byDay(this.scope(principal, query, query.user_id));
    const total = days.reduce(add, ZERO);
    return {
      daily_data: days.map((d) => ({
        date: d.date,
        cache_hits: d.cacheHits,
        llm_api_calls: d.requests - d.cacheHits,
        cached_tokens: d.cachedTokens,
        saved_spend: nanosToUsd(d.savedSpend),
      })),
      sum_cache_hits: total.cacheHits,
      sum_llm_api_calls: total.requests - total.cacheHits,
      sum_cached_tokens: total.cachedTokens,
      sum_saved_spend: nanosToUsd(total.savedSpend),
    };
  }

  async report(principal: Principal, query: SpendReportQuery): Promise<SpendReportResponse> {
    const group = query.group_by ?? 'user';
    const { rows, totalSpend, groups } = await this.spend.byGroup(
      this.scope(principal, query, query.user_id),
      group,
      query.limit ?? SPEND_REPORT_DEFAULT_LIMIT,
    );
    return {
      group_by: group,
      data: rows.map((r) => ({
        group_by: group,
        value: r.value === '' ? null : r.value,
        spend: nanosToUsd(r.spend),
        api_requests: r.requests,
        prompt_tokens: r.promptTokens,
        completion_tokens: r.completionTokens,
        total_tokens: r.promptTokens + r.completionTokens,
      })),
      total_spend: nanosToUsd(totalSpend),
      total_groups: groups,
    };
  }

  private scope(
    principal: Principal,
    query: DateRangeQuery,
    requestedUser: string | undefined,
  ): RollupScope {
    const today = utcDay(this.clock.nowMs());
    const { start, end } = this.range(query, today);
    const endDate = end ?? today;
    const startDate = start ?? utcDay(dayStartMs(endDate) - (DEFAULT_RANGE_DAYS - 1) * DAY_MS);
    return { userId: this.visibleUserId(principal, requestedUser), startDate, endDate };
  }

  private range(
    query: DateRangeQuery,
    _today: string | null,
  ): { start: string | null; end: string | null } {
    const start = query.start_date ?? null;
    const end = query.end_date ?? null;
    for (const [name, value] of [
      ['start_date', start],
      ['end_date', end],
    ] as const) {
      if (value !== null && !isCalendarDate(value)) {
        throw AppError.badRequest(`${name} is not a valid date`, name);
      }
    }
    if (start !== null && end !== null && start > end) {
      throw AppError.badRequest('start_date must not be after end_date', 'start_date');
    }
    return { start, end };
  }
}
