import type { Clock } from '../common/time/clock';
import { DAY_MS, utcDay } from './utc-days';

/** How long a cached day is trusted: bounds staleness from writes this instance cannot see. */
export const CLOSED_DAY_TTL_MS = 5 * 60_000;
/** Cache weight budget, in breakdown entries (~200 bytes each): ~20 MB. */
export const CLOSED_DAYS_MAX_WEIGHT = 100_000;

interface Entry<T> {
  value: T;
  weight: number;
  expiresAt: number;
  date: string;
}

/**
 * Analytics days that can no longer change, as computed, per scope (everyone, or one user).
 * A day is closed from the day after tomorrow on: spend is booked to the UTC day a request
 * started, so only today and (for requests running across midnight) yesterday still get
 * rows. The spend writer reports every day it writes (`written`): a closed one drops its
 * entries. Writes this instance does not make (another instance, a restore, hand edits)
 * are picked up after CLOSED_DAY_TTL_MS at the latest. Least recently used entries go first
 * once the weight budget is spent.
 */
export class ClosedDaysCache<T = unknown> {
  private readonly entries = new Map<string, Entry<T>>();
  /** How many entries each day has (any scope). */
  private readonly perDay = new Map<string, number>();
  private weight = 0;
  /** Bumped whenever a closed day is written: a computation that began before is not kept. */
  private generation = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxWeight = CLOSED_DAYS_MAX_WEIGHT,
    private readonly ttlMs = CLOSED_DAY_TTL_MS,
  ) {}

  /** The last closed day (YYYY-MM-DD): every day up to and including it may be cached. */
  lastClosedDay(): string {
    return utcDay(this.clock.nowMs() - 2 * DAY_MS);
  }

  /** Take before reading the database; hand back to `set`. */
  version(): number {
    return this.generation;
  }

  get(scope: string, date: string): T | undefined {
    const id = `${scope}|${date}`;
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.nowMs()) {
      this.remove(id, entry);
      return undefined;
    }
    // Most recently used last.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.value;
  }

  /** Keeps a computed closed day, unless a closed day was written since `version`. */
  set(scope: string, date: string, value: T, weight: number, version: number): void {
    if (version !== this.generation || date > this.lastClosedDay()) return;
    if (weight > this.maxWeight) return;
    const id = `${scope}|${date}`;
    const previous = this.entries.get(id);
    if (previous) this.remove(id, previous);
    this.entries.set(id, { value, weight, date, expiresAt: this.clock.nowMs() + this.ttlMs });
    this.perDay.set(date, (this.perDay.get(date) ?? 0) + 1);
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.weight <= this.maxWeight) break;
      this.remove(oldest, entry);
    }
  }

  /**
   * The spend writer wrote rows for these days: closed ones (and any that has entries, should
   * the clock have gone back) are recomputed next time.
   */
  written(dates: Iterable<string>): void {
    const closed = this.lastClosedDay();
    const stale = new Set([...dates].filter((date) => date <= closed || this.perDay.has(date)));
    if (stale.size === 0) return;
    this.generation++;
    for (const [id, entry] of this.entries) {
      if (stale.has(entry.date)) this.remove(id, entry);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(id: string, entry: Entry<T>): void {
    this.entries.delete(id);
    this.weight -= entry.weight;
    const left = (this.perDay.get(entry.date) ?? 1) - 1;
    if (left > 0) this.perDay.set(entry.date, left);
    else this.perDay.delete(entry.date);
  }
}
