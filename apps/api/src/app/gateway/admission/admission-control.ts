import { Injectable } from '@nestjs/common';
import { SpendQueue } from '../../spend/spend-queue';
import { InProcessBudgets } from './in-process-budgets';
import { InProcessRateLimits } from './in-process-rate-limits';
import type { Limits } from './limits';

/** What one admitted call holds; settle it exactly once, with what the call cost and used. */
export interface Ticket {
  settle(actualNanos: number, totalTokens: number): void | Promise<void>;
}

/**
 * Admission control: for every scope of a call (key, owner, team) checks rpm, tpm, requests
 * in flight and the budget, and holds a request slot and the call's estimated cost — all or
 * nothing. Throws an `AppError` (429 with Retry-After, or 400 `budget_exceeded`) when a limit
 * is reached. Settlement swaps the hold for the actual cost and frees the slot. In-process
 * (this file) or, with `REDIS_URL`, shared by every instance through Redis.
 */
export abstract class AdmissionControl {
  abstract admit(
    scopes: readonly Limits[],
    holdNanos: number,
    nowMs: number,
  ): Ticket | Promise<Ticket>;
}

/** One instance's limits, in memory: rate windows first, then budgets. */
@Injectable()
export class InProcessAdmission extends AdmissionControl {
  readonly rates = new InProcessRateLimits();
  readonly budgets: InProcessBudgets;

  constructor(queue: SpendQueue) {
    super();
    // A budget period rolled over: the spend writer restarts the counter at 0.
    this.budgets = new InProcessBudgets((reset) => void queue.push({ type: 'reset', reset }));
  }

  admit(scopes: readonly Limits[], holdNanos: number, nowMs: number): Ticket {
    const permit = this.rates.acquire(scopes, nowMs);
    let reservation;
    try {
      reservation = this.budgets.reserve(scopes, holdNanos, nowMs);
    } catch (error) {
      permit.release(0);
      throw error;
    }
    return {
      settle: (actualNanos, totalTokens) => {
        reservation.settle(actualNanos);
        permit.release(totalTokens);
      },
    };
  }
}
