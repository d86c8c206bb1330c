import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { nanosToUsd, usdToNanos } from '../database/columns';
import type { CounterEntity, CounterReset } from '../spend/spend-record';
import { nextResetAfter } from './durations';
import type { SpendLimits } from './gateway-caller';

export interface BudgetScope {
  entity: CounterEntity;
  id: string;
  limits: SpendLimits;
}

/** Money held for one request; settle it exactly once with the actual cost. */
export interface Reservation {
  settle(actualNanos: number): void;
}

/**
 * Budgets in memory. `reserve` admits a request while every budgeted scope has room left
 * (spent + reserved < max) and holds the request's estimated cost; `settle` swaps the hold
 * for the actual cost. So concurrent requests overshoot a budget by at most what was in
 * flight when it was reached. A Redis-backed ledger can replace this one.
 */
export abstract class BudgetLedger {
  abstract reserve(scopes: BudgetScope[], estimateNanos: number, nowMs: number): Reservation;
  /** Spend (nano-dollars) as the ledger sees it, committed only; undefined if never seen. */
  abstract spentNanos(entity: CounterEntity, id: string): number | undefined;
  /** Drops what the ledger knows of an entity (after an admin changed its spend or budget). */
  abstract forget(entity: CounterEntity, id: string): void;
}

interface Account {
  committed: number;
  reserved: number;
  resetAtMs: number | null;
  /** `budget_reset_at` as the entity's row said when the ledger last looked (epoch ms). */
  statedResetAtMs: number | null;
}

@Injectable()
export class InMemoryBudgetLedger extends BudgetLedger {
  private readonly accounts = new Map<string, Account>();

  /** Called when a budget period rolls over (the spend writer persists the restart). */
  onReset: (reset: CounterReset) => void = () => undefined;

  reserve(scopes: BudgetScope[], estimateNanos: number, nowMs: number): Reservation {
    const accounts = scopes.map((scope) => this.account(scope, nowMs));
    scopes.forEach((scope, i) => {
      const max = scope.limits.maxBudget;
      if (max === null) return;
      const account = accounts[i];
      if (account.committed + account.reserved >= usdToNanos(max)) {
        throw new AppError(
          400,
          'budget_exceeded',
          `Budget has been exceeded! ${scope.entity}=${scope.entity === 'key' ? 'this key' : scope.id} ` +
            `Current cost: ${nanosToUsd(account.committed)}, Max budget: ${max}`,
        );
      }
    });
    for (const account of accounts) account.reserved += estimateNanos;
    let settled = false;
    return {
      settle: (actualNanos: number) => {
        if (settled) return;
        settled = true;
        for (const account of accounts) {
          account.reserved -= estimateNanos;
          account.committed += actualNanos;
        }
      },
    };
  }

  spentNanos(entity: CounterEntity, id: string): number | undefined {
    return this.accounts.get(`${entity}:${id}`)?.committed;
  }

  forget(entity: CounterEntity, id: string): void {
    this.accounts.delete(`${entity}:${id}`);
  }

  private account(scope: BudgetScope, nowMs: number): Account {
    const id = `${scope.entity}:${scope.id}`;
    const stated = scope.limits.budgetResetAt?.getTime() ?? null;
    let account = this.accounts.get(id);
    if (!account) {
      account = {
        committed: usdToNanos(scope.limits.spend),
        reserved: 0,
        resetAtMs: stated,
        statedResetAtMs: stated,
      };
      this.accounts.set(id, account);
    } else if (stated !== account.statedResetAtMs) {
      // The row's period changed since: budget_duration was set, changed or cleared (or a
      // reset this ledger made was written and read back, which states the same time).
      account.statedResetAtMs = stated;
      account.resetAtMs = stated;
    }
    if (account.resetAtMs !== null && nowMs >= account.resetAtMs) {
      const next = nextResetAfter(account.resetAtMs, scope.limits.budgetDuration, nowMs);
      account.committed = 0;
      account.resetAtMs = next;
      this.onReset({
        entity: scope.entity,
        id: scope.id,
        nextResetAt: next === null ? null : new Date(next),
      });
    }
    return account;
  }
}
