import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { ClosedDaysCache } from './closed-days.cache';
import { SpendQueue } from './spend-queue';
import { DAY_MS, utcDay } from './utc-days';
import type { CounterEntity, SpendEvent, SpendRecord } from './spend-record';
import { SPEND_SINKS, type CounterDelta, type SpendSink } from './spend-sinks';
import {
  placeholder,
  SpendStore,
  type SqlDialect,
  type SqlStatement,
  type SqlValue,
} from './spend-store';

const LOG_CHUNK = 400;
/** How often the writer looks at the queue's length (ms); the interval bounds it too. */
const POLL_MS = 20;
const ROLLUP_CHUNK = 200;
const ROLLUP_COUNTERS = [
  'requests',
  'successes',
  'failures',
  'prompt_tokens',
  'completion_tokens',
  'cache_hits',
  'cached_tokens',
  'spend',
  'saved_spend',
] as const;
const ROLLUP_KEYS = ['date', 'user_id', 'key_token', 'team_id', 'model'] as const;
type RollupRow = Record<(typeof ROLLUP_KEYS)[number], string> &
  Record<(typeof ROLLUP_COUNTERS)[number], number>;

/**
 * Sums a batch into rollup rows (date × user × key × team × model). Runs on the gateway's event
 * loop once per flush, so it stays cheap per record: a string key, one date string per day.
 */
export function rollup(records: SpendRecord[]): RollupRow[] {
  const rows = new Map<string, RollupRow>();
  let dayStart = NaN;
  let date = '';
  for (const r of records) {
    const start = r.startTimeMs - (r.startTimeMs % DAY_MS);
    if (start !== dayStart) {
      dayStart = start;
      date = utcDay(start);
    }
    const keyToken = r.keyToken ?? '';
    const teamId = r.teamId ?? '';
    const id = `${date}\u0000${r.userId}\u0000${keyToken}\u0000${teamId}\u0000${r.model}`;
    let row = rows.get(id);
    if (!row) {
      row = {
        date,
        user_id: r.userId,
        key_token: keyToken,
        team_id: teamId,
        model: r.model,
        requests: 0,
        successes: 0,
        failures: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cache_hits: 0,
        cached_tokens: 0,
        spend: 0,
        saved_spend: 0,
      };
      rows.set(id, row);
    }
    row.requests += 1;
    if (r.status === 'success') row.successes += 1;
    else row.failures += 1;
    row.prompt_tokens += r.promptTokens;
    row.completion_tokens += r.completionTokens;
    if (r.cacheHit) {
      row.cache_hits += 1;
      row.cached_tokens += r.promptTokens + r.completionTokens;
    }
    row.spend += r.spendNanos;
    row.saved_spend += r.savedNanos;
  }
  return [...rows.values()];
}

/** Per entity, in event order: increments, and a restart at 0 when a budget period rolls. */
export function counterDeltas(events: SpendEvent[]): Map<CounterEntity, CounterDelta[]> {
  const byEntity = new Map<CounterEntity, Map<string, CounterDelta>>();
  const touch = (entity: CounterEntity, id: string): CounterDelta => {
    let map = byEntity.get(entity);
    if (!map) byEntity.set(entity, (map = new Map<string, CounterDelta>()));
    let delta = map.get(id);
    if (!delta) map.set(id, (delta = { id, deltaNanos: 0, reset: null }));
    return delta;
  };
  for (const event of events) {
    if (event.type === 'reset') {
      const delta = touch(event.reset.entity, event.reset.id);
      delta.deltaNanos = 0;
      delta.reset = { nextResetAt: event.reset.nextResetAt };
      continue;
    }
    const r = event.record;
    if (r.spendNanos === 0) continue;
    touch('user', r.userId).deltaNanos += r.spendNanos;
    if (r.keyToken) touch('key', r.keyToken).deltaNanos += r.spendNanos;
    if (r.teamId) touch('team', r.teamId).deltaNanos += r.spendNanos;
  }
  return new Map([...byEntity].map(([entity, map]) => [entity, [...map.values()]]));
}

const LOG_COLUMNS = [
  'request_id',
  'key_token',
  'user_id',
  'team_id',
  'model',
  'call_type',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'spend',
  'start_time',
  'end_time',
  'status',
  'cache_hit',
  'error_type',
  'model_id',
  'attempted_retries',
  'attempted_fallbacks',
] as const;

/** One spend_logs row's values in LOG_COLUMNS order (the boolean as 0/1: both databases take it). */
function pushLogValues(params: SqlValue[], r: SpendRecord): void {
  params.push(
    r.requestId,
    r.keyToken,
    r.userId,
    r.teamId,
    r.model,
    r.callType,
    r.promptTokens,
    r.completionTokens,
    r.promptTokens + r.completionTokens,
    r.spendNanos,
    r.startTimeMs,
    r.endTimeMs,
    r.status,
    r.cacheHit ? 1 : 0,
    r.errorType,
    r.modelId,
    r.attemptedRetries,
    r.attemptedFallbacks,
  );
}

/**
 * The batched spend writer: every SPEND_FLUSH_INTERVAL_MS it drains the queue and writes,
 * in ONE transaction, the spend_logs rows, the daily_spend rollup and the spend counters
 * (through the registered SpendSinks). A failed flush puts its events back. On shutdown
 * (after the HTTP server has drained) it flushes whatever is left.
 */
@Injectable()
export class SpendWriter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SpendWriter.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private lastFlushMs = 0;
  /** After a failed flush, retries wait for the interval (no retry storm on a full queue). */
  private failing = false;
  private readonly warned = new Set<CounterEntity>();
  private readonly sinks: Map<CounterEntity, SpendSink>;

  constructor(
    private readonly queue: SpendQueue,
    private readonly store: SpendStore,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    @Inject(SPEND_SINKS) sinks: SpendSink[],
    private readonly closedDays: ClosedDaysCache,
  ) {
    this.sinks = new Map(sinks.map((s) => [s.entity, s]));
  }

  /**
   * Flushes every SPEND_FLUSH_INTERVAL_MS, and sooner once SPEND_FLUSH_MAX_EVENTS are queued:
   * better-sqlite3 is synchronous, so one flush holds the event loop for as long as it writes;
   * many small flushes keep that pause (the gateway's p99) short under load.
   */
  onApplicationBootstrap(): void {
    const interval = this.config.spendFlushIntervalMs;
    this.lastFlushMs = performance.now();
    this.timer = setInterval(
      () => {
        const now = performance.now();
        const due = now - this.lastFlushMs >= interval;
        const full = this.queue.size >= this.config.spendFlushMaxEvents;
        if (!due && (!full || this.failing || this.inFlight > 0)) return;
        this.lastFlushMs = now;
        void this.flush();
      },
      Math.min(POLL_MS, interval),
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    if (this.queue.size > 0) {
      this.logger.error(`${this.queue.size} spend events could not be written at shutdown`);
    }
    await this.store.close();
  }

  /** Flushes now (one at a time: a call made during a flush runs after it). */
  flush(): Promise<void> {
    this.inFlight++;
    this.running = this.running
      .then(() => this.flushOnce())
      .finally(() => {
        this.inFlight--;
      });
    return this.running;
  }

  private async flushOnce(): Promise<void> {
    const events = this.queue.drain();
    this.metrics.queueDepth.set(this.queue.size);
    if (events.length === 0) return;
    const end = this.metrics.flushDuration.startTimer();
    try {
      const flush = this.statements(events);
      await this.store.execute(flush.statements);
      this.failing = false;
      this.closedDays.written(flush.days);
    } catch (error) {
      this.failing = true;
      this.queue.requeue(events);
      this.metrics.flushFailures.inc();
      this.logger.error(
        `Spend flush of ${events.length} events failed, will retry: ${(error as Error).message}`,
      );
    } finally {
      end();
      this.metrics.queueDepth.set(this.queue.size);
    }
  }

  /**
   * The whole flush as statements for one transaction (log rows, rollups, counters), and the
   * days whose rollups it changes.
   */
  private statements(events: SpendEvent[]): { statements: SqlStatement[]; days: Set<string> } {
    const dialect = this.store.dialect;
    const records = events.flatMap((e) => (e.type === 'spend' ? [e.record] : []));
    const statements: SqlStatement[] = [];
    for (let i = 0; i < records.length; i += LOG_CHUNK) {
      statements.push(insertLogs(records.slice(i, i + LOG_CHUNK), dialect));
    }
    const rows = rollup(records);
    const days = new Set(rows.map((row) => row.date));
    for (let i = 0; i < rows.length; i += ROLLUP_CHUNK) {
      statements.push(upsertRollup(rows.slice(i, i + ROLLUP_CHUNK), dialect));
    }
    for (const [entity, deltas] of counterDeltas(events)) {
      const sink = this.sinks.get(entity);
      if (sink) {
        statements.push(...sink.statements(deltas, dialect));
      } else if (!this.warned.has(entity)) {
        // Hook point: the keys/teams modules register their SpendSink (see spend.module.ts).
        this.warned.add(entity);
        this.logger.warn(
          `No spend sink for ${entity} counters yet: ${entity} spend is kept in spend_logs and ` +
            'daily_spend only',
        );
      }
    }
    return { statements, days };
  }
}

/** Placeholders for `rows` tuples of `width` values each: `(?, ?), (?, ?)` or `($1, $2), …`. */
function tuples(rows: number, width: number, dialect: SqlDialect): string {
  if (dialect === 'sqlite') {
    const tuple = `(${new Array<string>(width).fill('?').join(', ')})`;
    return new Array<string>(rows).fill(tuple).join(', ');
  }
  const out: string[] = [];
  for (let row = 0; row < rows; row++) {
    const marks: string[] = [];
    for (let col = 1; col <= width; col++) marks.push(placeholder(dialect, row * width + col));
    out.push(`(${marks.join(', ')})`);
  }
  return out.join(', ');
}

const quoted = (column: string): string => `"${column}"`;

/**
 * spend_logs rows as one multi-row INSERT: TypeORM's entity insert costs several times more
 * CPU per row, and the statement is built on the gateway's event loop.
 */
function insertLogs(records: SpendRecord[], dialect: SqlDialect): SqlStatement {
  return {
    sql:
      `INSERT INTO "spend_logs" (${LOG_COLUMNS.map(quoted).join(', ')}) ` +
      `VALUES ${tuples(records.length, LOG_COLUMNS.length, dialect)}`,
    params: records.reduce<SqlValue[]>((params, r) => {
      pushLogValues(params, r);
      return params;
    }, []),
  };
}

const ROLLUP_COLUMNS = [...ROLLUP_KEYS, ...ROLLUP_COUNTERS];
const ROLLUP_UPDATES = ROLLUP_COUNTERS.map(
  (c) => `${quoted(c)} = "daily_spend".${quoted(c)} + excluded.${quoted(c)}`,
).join(', ');

function upsertRollup(rows: RollupRow[], dialect: SqlDialect): SqlStatement {
  return {
    sql:
      `INSERT INTO "daily_spend" (${ROLLUP_COLUMNS.map(quoted).join(', ')}) ` +
      `VALUES ${tuples(rows.length, ROLLUP_COLUMNS.length, dialect)} ` +
      `ON CONFLICT (${ROLLUP_KEYS.map(quoted).join(', ')}) DO UPDATE SET ${ROLLUP_UPDATES}`,
    params: rows.flatMap((row) => ROLLUP_COLUMNS.map((c) => row[c])),
  };
}
