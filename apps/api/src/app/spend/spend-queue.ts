import { Injectable } from '@nestjs/common';
import type { SpendEvent } from './spend-record';

/**
 * Where the gateway puts spend events; the SpendWriter drains it on an interval. A
 * Redis-backed version (shared across instances) can replace the in-process one.
 */
export abstract class SpendQueue {
  /** A returned promise resolves once the event is durable (the gateway awaits it). */
  abstract push(event: SpendEvent): void | Promise<void>;
  /** Takes everything queued so far, oldest first. */
  abstract drain(): SpendEvent[];
  /** Puts events back at the front after a failed flush. */
  abstract requeue(events: SpendEvent[]): void;
  abstract get size(): number;
}

@Injectable()
export class InMemorySpendQueue extends SpendQueue {
  private events: SpendEvent[] = [];

  push(event: SpendEvent): void {
    this.events.push(event);
  }

  drain(): SpendEvent[] {
    const taken = this.events;
    this.events = [];
    return taken;
  }

  requeue(events: SpendEvent[]): void {
    this.events = [...events, ...this.events];
  }

  get size(): number {
    return this.events.length;
  }
}
