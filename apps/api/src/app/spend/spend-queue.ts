import { Injectable } from '@nestjs/common';
import type { SpendEvent } from './spend-record';

/**
 * Where a queued event sits in a durable journal: the journal's id, its segment and the byte
 * offset just after the event's record. The writer stores the last one of a flush in
 * `spend_journal_marks`, in the flush's transaction.
 */
export interface JournalMark {
  journalId: string;
  segment: number;
  offset: number;
}

/** One queued spend event and, when journaled, where. */
export interface QueuedEvent {
  event: SpendEvent;
  mark: JournalMark | null;
  /** Its Redis stream entry (acknowledged once written). */
  streamId?: string;
  /** It may be written already (read from the stream): the writer checks its request_id. */
  unverified?: boolean;
}

/**
 * Where the gateway puts spend events; the SpendWriter drains it on an interval. `push` runs
 * once per answered call, before the answer leaves: a returned promise is awaited first (a
 * journal whose write is not synchronous).
 */
export abstract class SpendQueue {
  abstract push(event: SpendEvent): void | Promise<void>;
  /** Takes everything queued so far, oldest first. */
  abstract drain(): QueuedEvent[] | Promise<QueuedEvent[]>;
  /** Puts events back at the front after a failed flush (or, at start, the replayed ones). */
  abstract requeue(events: QueuedEvent[]): void;
  /** These events' flush committed: what journaled them may be dropped. */
  abstract written(events: QueuedEvent[]): void;
  abstract get size(): number;
  /** What an earlier run journaled, oldest first (the writer replays what it did not write). */
  abstract recovered(): QueuedEvent[];
  /** After the writer's last flush. */
  abstract close(): void;

  /**
   * The spend journal is away and REDIS_FAILURE_MODE=closed: the gateway answers 503 before
   * it calls a model (what it has served already is kept, in the fallback journal).
   */
  refuses(): boolean {
    return false;
  }
}

/**
 * In process only: what is queued dies with the process (SPEND_JOURNAL=off, or an in-memory
 * database, where nothing survives anyway).
 */
@Injectable()
export class InMemorySpendQueue extends SpendQueue {
  protected events: QueuedEvent[] = [];

  push(event: SpendEvent): void {
    this.events.push({ event, mark: null });
  }

  drain(): QueuedEvent[] {
    const taken = this.events;
    this.events = [];
    return taken;
  }

  requeue(events: QueuedEvent[]): void {
    this.events = [...events, ...this.events];
  }

  written(_events: QueuedEvent[]): void {
    // Nothing kept elsewhere.
  }

  get size(): number {
    return this.events.length;
  }

  recovered(): QueuedEvent[] {
    return [];
  }

  close(): void {
    // Nothing open.
  }
}
