import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { RedisLink } from '../cluster/redis-link';
import type { DatabaseConfig } from '../config/app-config';
import { decodeRecord, encodeRecord } from './spend-journal';
import { SpendQueue, type QueuedEvent } from './spend-queue';
import type { SpendEvent } from './spend-record';

export const SPEND_GROUP = 'writers';

/**
 * The stream of one database: `gatehouse:spend:<12 hex>`, from the database's host, name and
 * schema (never its credentials), so installs — or test suites — sharing one Redis never write
 * each other's spend.
 */
export function spendStreamKey(database: DatabaseConfig): string {
  let where: string;
  if (database.type === 'sqlite') {
    where = `sqlite:${database.path}`;
  } else {
    const url = new URL(database.url);
    where = `postgres:${url.host}${url.pathname}:${database.schema ?? ''}`;
  }
  return `gatehouse:spend:${createHash('sha256').update(where).digest('hex').slice(0, 12)}`;
}
/** Entries per XREADGROUP / XAUTOCLAIM of one flush. */
const READ_COUNT = 1000;

type StreamEntry = [id: string, fields: string[]];

/**
 * With REDIS_URL the spend journal is one Redis stream per database (`spendStreamKey`): `push` is one XADD (its promise is
 * what the gateway awaits before it answers), and every instance's writer reads the stream
 * through one consumer group (XREADGROUP), so any instance may write any instance's events.
 * An entry is acknowledged and deleted (XACK + XDEL: the stream holds only what is not
 * written) after the flush that wrote it commits. Entries left pending by an instance that
 * died are claimed by a live one once idle for `claimIdleMs` (XAUTOCLAIM).
 *
 * Every entry read from the stream may have been written already (an instance that died
 * between its commit and its XACK; an XADD that timed out here but reached Redis, while the
 * event went to the fallback too): the writer skips those whose request_id spend_logs holds.
 *
 * While Redis does not answer, events go to `fallback` (the file journal, or memory when the
 * journal is off) and that is logged once; the writer drains both. REDIS_FAILURE_MODE=closed
 * makes `refuses()` true meanwhile, for the gateway to answer 503 before it calls a model.
 */
export class RedisStreamSpendQueue extends SpendQueue {
  private readonly logger = new Logger('SpendStream');
  readonly consumer = randomUUID();
  private retry: QueuedEvent[] = [];
  private pushed = 0;
  private lastClaimMs = 0;
  private groupReady = false;
  private fellBack = false;
  private readonly stopListening: () => void;

  constructor(
    private readonly link: RedisLink,
    private readonly fallback: SpendQueue,
    private readonly claimIdleMs: number,
    readonly stream: string,
  ) {
    super();
    this.stopListening = link.onRecovered(() => {
      this.groupReady = false;
      if (this.fellBack) {
        this.fellBack = false;
        this.logger.log('Redis answers again: spend events go to the spend stream');
      }
    });
  }

  override refuses(): boolean {
    return this.link.failureMode === 'closed' && !this.link.up;
  }

  push(event: SpendEvent): void | Promise<void> {
    if (!this.link.up) return this.toFallback(event);
    this.pushed++;
    const record = encodeRecord(event);
    // With the call's settlement, in one socket write (RedisLink.coalesceWrites).
    return this.link.commands.xadd(this.stream, '*', 'e', record).then(
      () => undefined,
      () => {
        this.pushed--;
        this.link.failed();
        return this.toFallback(event);
      },
    );
  }

  async drain(): Promise<QueuedEvent[]> {
    const taken = [...this.retry, ...(await this.fallback.drain())];
    this.retry = [];
    this.pushed = 0;
    if (!this.link.up) return taken;
    try {
      await this.ensureGroup();
      const now = Date.now();
      if (now - this.lastClaimMs >= this.claimIdleMs / 2) {
        this.lastClaimMs = now;
        const claimed = (await this.link.commands.xautoclaim(
          this.stream,
          SPEND_GROUP,
          this.consumer,
          this.claimIdleMs,
          '0-0',
          'COUNT',
          READ_COUNT,
        )) as [string, StreamEntry[]];
        taken.push(...this.entries(claimed[1]));
      }
      const read = (await this.link.commands.xreadgroup(
        'GROUP',
        SPEND_GROUP,
        this.consumer,
        'COUNT',
        READ_COUNT,
        'STREAMS',
        this.stream,
        '>',
      )) as [string, StreamEntry[]][] | null;
      for (const [, entries] of read ?? []) taken.push(...this.entries(entries));
    } catch (error) {
      // NOGROUP after a Redis restart or flush: the group is made again next time.
      this.groupReady = false;
      if (!/NOGROUP/.test(String(error))) this.link.failed();
    }
    return taken;
  }

  requeue(events: QueuedEvent[]): void {
    this.retry = [...events, ...this.retry];
  }

  written(events: QueuedEvent[]): void {
    this.fallback.written(events.filter((q) => q.mark));
    this.acknowledge(events.flatMap((q) => (q.streamId ? [q.streamId] : [])));
  }

  private acknowledge(ids: string[]): void {
    if (ids.length === 0 || !this.link.up) return;
    // Not acknowledged (Redis away): the entries are claimed again later and skipped then.
    this.link.commands
      .multi()
      .xack(this.stream, SPEND_GROUP, ...ids)
      .xdel(this.stream, ...ids)
      .exec()
      .catch(() => undefined);
  }

  get size(): number {
    return this.retry.length + this.pushed + this.fallback.size;
  }

  recovered(): QueuedEvent[] {
    return this.fallback.recovered();
  }

  close(): void {
    this.stopListening();
    this.fallback.close();
  }

  private toFallback(event: SpendEvent): void | Promise<void> {
    if (!this.fellBack) {
      this.fellBack = true;
      this.logger.warn(
        "Redis is not answering: spend events go to this instance's spend journal " +
          '(or memory, with SPEND_JOURNAL=off) until it is back',
      );
    }
    return this.fallback.push(event);
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      // From the start of the stream: entries added before the group existed are read too.
      await this.link.commands.xgroup('CREATE', this.stream, SPEND_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!/BUSYGROUP/.test(String(error))) throw error;
    }
    this.groupReady = true;
  }

  private entries(entries: StreamEntry[]): QueuedEvent[] {
    const out: QueuedEvent[] = [];
    for (const entry of entries) {
      if (!entry) continue; // XAUTOCLAIM lists deleted entries as null on some versions
      const [id, fields] = entry;
      const event = fields[0] === 'e' ? decodeRecord(String(fields[1]).replace(/\n$/, '')) : null;
      if (!event) {
        this.logger.warn(`Dropped a malformed spend stream entry ${id}`);
        this.acknowledge([id]);
        continue;
      }
      out.push({ event, mark: null, streamId: id, unverified: true });
    }
    return out;
  }
}
