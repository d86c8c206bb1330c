import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { RedisLink } from '../../cluster/redis-link';
import { redisUnavailable } from '../../cluster/redis-unavailable';
import type { SpendQueue } from '../../spend/spend-queue';
import { AdmissionControl, InProcessAdmission, type Ticket } from './admission-control';
import { ADMIT, ADMIT_SCOPE_ARGS, RECONCILE, SETTLE } from './admission-scripts';
import { nextResetAfter } from './durations';
import { budgetExceeded } from './in-process-budgets';
import { RATE_WINDOW_MS, rateErrors } from './in-process-rate-limits';
import { limitsRate, type Limits } from './limits';
import type { SpendCounter, SpendCounters } from './spend-counters';

type Reply = (number | string)[];

interface AdmissionCommands {
  gatehouseAdmit(...args: (string | number)[]): Promise<Reply>;
  gatehouseSettle(...args: (string | number)[]): Promise<number>;
  gatehouseReconcile(...args: (string | number)[]): Promise<number>;
}

export interface RedisAdmissionOptions {
  /**
   * Key prefix. One hash tag, so a call's keys would share a slot on a Redis Cluster — which
   * is not supported yet (RedisLink connects to one node; see README "Sizing").
   */
  prefix?: string;
  /** A ticket never settled (its instance died) frees its slot and hold after this. */
  ticketTtlMs?: number;
  /** How often the accounts this instance used are reconciled with the database (0 = never). */
  reconcileIntervalMs?: number;
  /** Settlement-free time after which Redis spend above the database's is not in flight. */
  reconcileQuietMs?: number;
  /** Where `gatehouse_admission_fallback_total` is registered. */
  registry?: Registry;
  /** Epoch ms at settlement and reconcile (tests; admission gets its time from the caller). */
  now?: () => number;
}

export const TICKET_TTL_MS = 10 * 60_000;
export const RECONCILE_INTERVAL_MS = 60_000;
const WINDOW_TTL_MS = 2 * RATE_WINDOW_MS;
const NO_TICKET: Ticket = { settle: () => undefined };
const MAX_RECONCILED = 10_000;

/** Per scope: the database counter to seed a missing account with, or undefined. */
type Seeds = readonly (SpendCounter | undefined)[];

/**
 * Per scope: the first reset after now in the period sequence of the account's stated reset
 * (the seed's when seeding, else the row's) — what a due reset moves the account to. `1mo` is
 * calendar arithmetic, so it is done here rather than in Lua; every instance computes the same
 * sequence from the same stated time.
 */
function nextResets(tracked: readonly Limits[], seeds: Seeds, nowMs: number): (number | null)[] {
  return tracked.map((s, i) => {
    const base = seeds[i] ? seeds[i].budgetResetAtMs : s.budgetResetAtMs;
    return base === null ? null : nextResetAfter(base, s.budgetDuration, nowMs);
  });
}

function withScripts(redis: Redis): Redis & AdmissionCommands {
  const r = redis as Redis & Partial<AdmissionCommands>;
  if (!r.gatehouseAdmit) {
    redis.defineCommand('gatehouseAdmit', { lua: ADMIT });
    redis.defineCommand('gatehouseSettle', { lua: SETTLE });
    redis.defineCommand('gatehouseReconcile', { lua: RECONCILE });
  }
  return r as Redis & AdmissionCommands;
}

/** Whether the ledger keeps an account for the scope (a budget, or a budget period). */
function hasAccount(l: Limits): boolean {
  return l.maxBudgetNanos !== null || l.budgetResetAtMs !== null;
}

/**
 * Admission control shared by every instance through Redis: the in-process admission's rules
 * (`InProcessRateLimits` + `InProcessBudgets`, the same errors), each admission one Lua script
 * call (`admission-scripts.ts`) that checks and takes everything for every scope at once, all
 * or nothing; each settlement one more. PostgreSQL stays the source of truth: an account Redis
 * does not have (first use, Redis restarted or flushed) is seeded from the database counter as
 * it is now (`SpendCounters`, one read per missing account), and a periodic reconcile corrects
 * drift (see RECONCILE). What the ledger can lose with Redis: spend settled but not yet
 * flushed by the spend writers (at most one flush interval of every instance's spend) — it
 * reaches the database all the same, and the next reconcile puts it back into Redis.
 *
 * Redis not answering: REDIS_FAILURE_MODE=open admits on this instance's own limits (logged
 * once per outage, counted in `gatehouse_admission_fallback_total`), `closed` answers 503
 * `redis_unavailable`. Commands time out (RedisLink), so neither mode hangs.
 */
export class RedisAdmission extends AdmissionControl implements OnModuleDestroy {
  private readonly logger = new Logger('Admission');
  private readonly redis: Redis & AdmissionCommands;
  private readonly prefix: string;
  private readonly ticketTtlMs: number;
  private readonly quietMs: number;
  private readonly local: InProcessAdmission;
  private readonly fallbacks: Counter;
  /** Seeds being read, one per account (concurrent first calls share it). */
  private readonly seeding = new Map<string, Promise<SpendCounter | null>>();
  /** Accounts this instance used since the last reconcile. */
  private readonly used = new Map<string, Limits>();
  private readonly timer: NodeJS.Timeout | null;
  private readonly stopListening: () => void;
  private fellBack = false;
  private readonly now: () => number;

  constructor(
    private readonly link: RedisLink,
    private readonly queue: SpendQueue,
    private readonly counters: SpendCounters,
    options: RedisAdmissionOptions = {},
  ) {
    super();
    this.redis = withScripts(link.commands);
    this.prefix = options.prefix ?? 'gatehouse:{admission}:';
    this.ticketTtlMs = options.ticketTtlMs ?? TICKET_TTL_MS;
    this.quietMs = options.reconcileQuietMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.local = new InProcessAdmission(queue);
    this.fallbacks = new Counter({
      name: 'gatehouse_admission_fallback_total',
      help: 'Admissions decided on this instance alone because Redis did not answer (REDIS_FAILURE_MODE=open)',
      registers: options.registry ? [options.registry] : [],
    });
    this.stopListening = link.onRecovered(() => {
      if (this.fellBack) this.logger.log('Redis answers again: limits are shared again');
      this.fellBack = false;
    });
    const interval = options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS;
    this.timer = interval > 0 ? setInterval(() => void this.reconcile(), interval) : null;
    this.timer?.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.stopListening();
  }

  async admit(scopes: readonly Limits[], holdNanos: number, nowMs: number): Promise<Ticket> {
    const tracked = scopes.filter((s) => hasAccount(s) || limitsRate(s));
    if (tracked.length === 0) return NO_TICKET;
    if (!this.link.up) return this.fallBack(scopes, holdNanos, nowMs);
    const hold = Math.max(0, Math.round(holdNanos));
    const member = `${randomUUID()}:${hold}`;
    const windowStart = nowMs - (nowMs % RATE_WINDOW_MS);
    let seeds: Seeds = [];
    let nexts = nextResets(tracked, seeds, nowMs);
    // Only a failing Redis command falls back; a failing database read (seeding) is an error.
    const attempt = (): Promise<Reply | null> =>
      this.run(tracked, member, hold, nowMs, windowStart, seeds, nexts).catch(() => {
        this.link.failed();
        return null;
      });
    let reply = await attempt();
    // Accounts Redis lacks: read them from the database and try again (another one may have
    // gone meanwhile — a flush — hence the loop, bounded).
    for (let i = 0; i < 3 && reply !== null && Number(reply[0]) === 1; i++) {
      seeds = await this.seedsFor(tracked, reply.slice(3).map(Number), seeds);
      nexts = nextResets(tracked, seeds, nowMs);
      reply = await attempt();
    }
    if (reply === null) return this.fallBack(scopes, holdNanos, nowMs);
    for (const s of tracked) {
      if (hasAccount(s) && this.used.size < MAX_RECONCILED) this.used.set(`${s.scope}:${s.id}`, s);
    }
    this.queueResets(tracked, reply.slice(3).map(Number), nexts);
    const code = Number(reply[0]);
    const scope = tracked[Number(reply[1]) - 1];
    const value = Number(reply[2]);
    const retryAfter = (windowStart + RATE_WINDOW_MS - nowMs) / 1000;
    switch (code) {
      case 0:
        return { settle: (actual, tokens) => this.settle(tracked, member, actual, tokens) };
      case 2:
        throw rateErrors.parallel(value);
      case 3:
        throw rateErrors.rpm(value, retryAfter);
      case 4:
        throw rateErrors.tpm(value, retryAfter);
      case 5:
        throw budgetExceeded(scope, value);
      default:
        throw new Error(`Unexpected admission reply ${String(reply[0])}`);
    }
  }

  /**
   * Corrects every account this instance used since the last run against the database
   * counters (the rule is RECONCILE's); returns how many changed.
   */
  async reconcile(): Promise<number> {
    const nowMs = this.now();
    if (!this.link.up) return 0;
    const accounts = [...this.used.values()];
    this.used.clear();
    let changed = 0;
    for (const scope of accounts) {
      try {
        const db = await this.counters.read(scope.scope, scope.id);
        if (!db) continue;
        const result = await this.redis.gatehouseReconcile(
          1,
          this.accountKey(scope),
          db.spendNanos,
          db.budgetResetAtMs ?? -1,
          nowMs,
          this.quietMs,
        );
        if (Number(result) !== 0) changed++;
      } catch (error) {
        this.logger.warn(`Reconcile of a ${scope.scope} account failed: ${String(error)}`);
        return changed;
      }
    }
    return changed;
  }

  private run(
    tracked: readonly Limits[],
    member: string,
    hold: number,
    nowMs: number,
    windowStart: number,
    seeds: Seeds,
    nexts: readonly (number | null)[],
  ): Promise<Reply> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    tracked.forEach((s, i) => {
      keys.push(this.accountKey(s), this.ticketsKey(s), this.windowKey(s, windowStart));
      const seed = seeds[i];
      const stated = s.budgetResetAtMs ?? -1;
      const a = [
        s.maxBudgetNanos ?? -1,
        s.rpmLimit ?? -1,
        s.tpmLimit ?? -1,
        s.maxParallelRequests ?? -1,
        stated,
        nexts[i] ?? -1,
        seed ? seed.spendNanos : -2,
        seed ? (seed.budgetResetAtMs ?? -1) : -2,
      ];
      if (a.length !== ADMIT_SCOPE_ARGS) throw new Error('admission arguments');
      args.push(...a);
    });
    return this.redis.gatehouseAdmit(
      keys.length,
      ...keys,
      nowMs,
      member.slice(0, member.lastIndexOf(':')),
      hold,
      nowMs + this.ticketTtlMs,
      WINDOW_TTL_MS,
      tracked.length,
      ...args,
    );
  }

  /** Fresh database counters for the scopes (1-based) Redis has no account for. */
  private async seedsFor(
    tracked: readonly Limits[],
    missing: readonly number[],
    known: Seeds,
  ): Promise<Seeds> {
    const seeds: (SpendCounter | undefined)[] = tracked.map((_, i) => known[i]);
    await Promise.all(
      missing.map(async (index) => {
        const scope = tracked[index - 1];
        const id = `${scope.scope}:${scope.id}`;
        let read = this.seeding.get(id);
        if (!read) {
          read = this.counters.read(scope.scope, scope.id);
          this.seeding.set(id, read);
          void read.finally(() => this.seeding.delete(id)).catch(() => undefined);
        }
        // A deleted entity starts at 0 (its calls are refused by the key cache soon anyway).
        seeds[index - 1] = (await read) ?? { spendNanos: 0, budgetResetAtMs: null };
      }),
    );
    return seeds;
  }

  /**
   * Only the instance whose script made a reset tells the spend writer (exactly once), with
   * what the ended period had committed. `resets` is flat: scope index, ended spend, ….
   */
  private queueResets(
    tracked: readonly Limits[],
    resets: readonly number[],
    nexts: readonly (number | null)[],
  ): void {
    for (let r = 0; r + 1 < resets.length; r += 2) {
      const scope = tracked[resets[r] - 1];
      const next = nexts[resets[r] - 1];
      void this.queue.push({
        type: 'reset',
        reset: {
          entity: scope.scope,
          id: scope.id,
          nextResetAt: next === null ? null : new Date(next),
          endedNanos: resets[r + 1],
        },
      });
    }
  }

  private async settle(
    tracked: readonly Limits[],
    member: string,
    actualNanos: number,
    totalTokens: number,
  ): Promise<void> {
    const nowMs = this.now();
    const windowStart = nowMs - (nowMs % RATE_WINDOW_MS);
    const keys: string[] = [];
    const flags: number[] = [];
    for (const s of tracked) {
      keys.push(this.accountKey(s), this.ticketsKey(s), this.windowKey(s, windowStart));
      flags.push(hasAccount(s) ? 1 : 0, limitsRate(s) ? 1 : 0);
    }
    try {
      // In the same socket write as the call's spend event (RedisLink.coalesceWrites).
      await this.redis.gatehouseSettle(
        keys.length,
        ...keys,
        member,
        Math.max(0, Math.round(actualNanos)),
        Math.max(0, Math.round(totalTokens)),
        WINDOW_TTL_MS,
        nowMs,
        tracked.length,
        ...flags,
      );
    } catch {
      // The ticket expires by itself; the spend reaches the database, and reconcile brings
      // Redis up to it. The answer is never held up by a lost settlement.
      this.link.failed();
    }
  }

  private fallBack(scopes: readonly Limits[], holdNanos: number, nowMs: number): Ticket {
    if (this.link.failureMode === 'closed') throw redisUnavailable();
    this.fallbacks.inc();
    if (!this.fellBack) {
      this.fellBack = true;
      this.logger.warn(
        'Redis is not answering (REDIS_FAILURE_MODE=open): each instance enforces rate limits ' +
          'and budgets on its own until it is back',
      );
    }
    return this.local.admit(scopes, holdNanos, nowMs);
  }

  private accountKey(s: Limits): string {
    return `${this.prefix}b:${s.scope}:${s.id}`;
  }

  private ticketsKey(s: Limits): string {
    return `${this.prefix}t:${s.scope}:${s.id}`;
  }

  private windowKey(s: Limits, windowStart: number): string {
    return `${this.prefix}r:${s.scope}:${s.id}:${windowStart}`;
  }
}
