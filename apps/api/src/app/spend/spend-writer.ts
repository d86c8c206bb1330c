import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { CounterDelta } from '../database/sql-statement';
import { KeysRepository } from '../keys/keys.repository';
import { MetricsService } from '../metrics/metrics.service';
import { TeamsRepository } from '../teams/teams.repository';
import { UsersRepository } from '../users/users.repository';
import { ClosedDaysCache } from './closed-days.cache';
import { SpendQueue, type JournalMark, type QueuedEvent } from './spend-queue';
import { DAY_MS, utcDay } from './utc-days';
import type { CounterEntity, SpendEvent, SpendRecord } from './spend-record';
import {
  placeholder,
  SpendStore,
  type SqlDialect,
  type SqlStatement,
  type SqlValue,
} from './spend-store';

const LOG_CHUNK = 400;
/** request_ids per lookup when the replay skips what is written already. */
const REPLAY_LOOKUP_CHUNK = 500;

/**
 * Who persists each counter: the owner of the table (users, keys, teams), as statements for
 * the flush transaction. Plain static functions, not injected: there is exactly one way to
 * write each counter, so a token, an interface or a sink class per table would be a seam that
 * encodes no variation. A static import also adds no edge to the Nest module graph: injecting
 * the repositories would make SpendModule import UsersModule (and with it teams, invitations
 * and keys) for three UPDATE statements.
 */
const COUNTER_STATEMENTS: Record<
  CounterEntity,
  (deltas: CounterDelta[], dialect: SqlDialect) => SqlStatement[]
> = {
  user: (deltas, dialect) => UsersRepository.spendStatements(deltas, dialect),
  key: (deltas, dialect) => KeysRepository.spendStatements(deltas, dialect),
  team: (deltas, dialect) => TeamsRepository.spendStatements(deltas, dialect),
};
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

/** Per entity: the spend to add, and what an ended budget period takes off (with its next reset). */
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
      // Additions only (see spendCounterStatements): two resets in one flush add up.
      const delta = touch(event.reset.entity, event.reset.id);
      const ended = (delta.reset?.endedNanos ?? 0) + (event.reset.endedNanos ?? 0);
      delta.reset = { nextResetAt: event.reset.nextResetAt, endedNanos: ended };
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
 * in ONE transaction, the spend_logs rows, the daily_spend rollup, the spend counters (through
 * each owner's statements) and how far it has written the journal (`spend_journal_marks`).
 * A failed flush puts its events back. At start (before the server listens) it replays what an
 * earlier run journaled and did not write; on shutdown (after the HTTP server has drained) it
 * flushes whatever is left.
 */
@Injectable()
export class SpendWriter implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SpendWriter.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private lastFlushMs = 0;
  /** After a failed flush, retries wait for the interval (no retry storm on a full queue). */
  private failing = false;

  constructor(
    private readonly queue: SpendQueue,
    private readonly store: SpendStore,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly closedDays: ClosedDaysCache,
  ) {}

  /**
   * Replays what an earlier run journaled and did not write: every record past the journal's
   * mark, minus any request_id spend_logs has already (belt and braces), written before the
   * server takes its first request — so budgets are read from complete counters.
   */
  async onModuleInit(): Promise<void> {
    const recovered = this.queue.recovered();
    if (recovered.length === 0) return;
    const marks = new Map<string, { segment: number; offset: number }>();
    for (const journalId of new Set(recovered.flatMap((q) => (q.mark ? [q.mark.journalId] : [])))) {
      const [row] = await this.store.query({
        sql: `SELECT "segment", "offset" FROM "spend_journal_marks" WHERE "journal_id" = ${placeholder(this.store.dialect, 1)}`,
        params: [journalId],
      });
      if (row)
        marks.set(journalId, { segment: Number(row['segment']), offset: Number(row['offset']) });
    }
    const unmarked = recovered.filter(({ mark }) => {
      const written = mark && marks.get(mark.journalId);
      return !written || !isAtOrBefore(mark, written);
    });
    const existing = await this.writtenRequestIds(unmarked);
    const replay = unmarked.filter(
      (q) => q.event.type !== 'spend' || !existing.has(q.event.record.requestId),
    );
    // Everything recovered is accounted for once the replay commits: its segments can go.
    const last = recovered.at(-1);
    const carrier: QueuedEvent[] =
      replay.length > 0 && last
        ? [...replay.slice(0, -1), { ...replay[replay.length - 1], mark: last.mark }]
        : [];
    if (carrier.length === 0) {
      this.queue.written(recovered);
      this.logger.log(`Spend journal: ${recovered.length} earlier records were written already`);
      return;
    }
    this.queue.requeue(carrier);
    await this.flush();
    this.logger.log(
      `Spend journal: replayed ${replay.length} spend events an earlier run had not written` +
        (recovered.length > replay.length
          ? ` (${recovered.length - replay.length} were written)`
          : ''),
    );
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
      this.logger.error(
        `${this.queue.size} spend events could not be written at shutdown` +
          (this.config.spendJournal ? ' (they stay in the spend journal for the next start)' : ''),
      );
    }
    this.queue.close();
    await this.store.close();
  }

  /**
   * The events to write: without those that may be written already (`unverified`: read from
   * the Redis stream) and whose request_id spend_logs holds, and without a second copy of
   * one request_id in the batch (an XADD that timed out yet landed, and its fallback copy).
   */
  private async unwritten(events: QueuedEvent[]): Promise<QueuedEvent[]> {
    const unverified = events.filter((q) => q.unverified);
    if (unverified.length === 0) return events;
    const written = await this.writtenRequestIds(unverified);
    return events.filter((q) => {
      if (q.event.type !== 'spend') return true;
      const id = q.event.record.requestId;
      if (written.has(id)) return false;
      written.add(id);
      return true;
    });
  }

  /** The request_ids of these events that spend_logs holds already. */
  private async writtenRequestIds(queued: QueuedEvent[]): Promise<Set<string>> {
    const ids = queued.flatMap((q) => (q.event.type === 'spend' ? [q.event.record.requestId] : []));
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += REPLAY_LOOKUP_CHUNK) {
      const chunk = ids.slice(i, i + REPLAY_LOOKUP_CHUNK);
      const marks = chunk.map((_, n) => placeholder(this.store.dialect, n + 1)).join(', ');
      const rows = await this.store.query({
        sql: `SELECT "request_id" FROM "spend_logs" WHERE "request_id" IN (${marks})`,
        params: chunk,
      });
      for (const row of rows) found.add(String(row['request_id']));
    }
    return found;
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
    const events = await this.queue.drain();
    this.metrics.queueDepth.set(this.queue.size);
    if (events.length === 0) return;
    const end = this.metrics.flushDuration.startTimer();
    try {
      const flush = this.statements(await this.unwritten(events));
      await this.store.execute(flush.statements);
      this.failing = false;
      this.closedDays.written(flush.days);
      this.queue.written(events);
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
  private statements(queued: QueuedEvent[]): { statements: SqlStatement[]; days: Set<string> } {
    const dialect = this.store.dialect;
    const events = queued.map((q) => q.event);
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
      statements.push(...COUNTER_STATEMENTS[entity](deltas, dialect));
    }
    for (const mark of lastMarks(queued)) statements.push(upsertMark(mark, dialect));
    return { statements, days };
  }
}

/** `mark` is at or before `written` (the same journal): its record is in the database. */
function isAtOrBefore(mark: JournalMark, written: { segment: number; offset: number }): boolean {
  return (
    mark.segment < written.segment ||
    (mark.segment === written.segment && mark.offset <= written.offset)
  );
}

/** The last mark of each journal in a batch (one journal, unless a replay brings an old one). */
function lastMarks(queued: QueuedEvent[]): JournalMark[] {
  const last = new Map<string, JournalMark>();
  for (const { mark } of queued) if (mark) last.set(mark.journalId, mark);
  return [...last.values()];
}

function upsertMark(mark: JournalMark, dialect: SqlDialect): SqlStatement {
  return {
    sql:
      'INSERT INTO "spend_journal_marks" ("journal_id", "segment", "offset", "updated_at") ' +
      `VALUES (${tuples(1, 4, dialect).slice(1, -1)}) ON CONFLICT ("journal_id") DO UPDATE SET ` +
      '"segment" = excluded."segment", "offset" = excluded."offset", "updated_at" = excluded."updated_at"',
    params: [mark.journalId, String(mark.segment), mark.offset, Date.now()],
  };
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
