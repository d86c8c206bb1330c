import { AppError } from '../../common/errors/app-error';
import { nanosToUsd } from '../../database/columns';
import type { CounterReset } from '../../spend/spend-record';
import { nextResetAfter } from './durations';
import type { Limits } from './limits';

/** Money held for one request; settle it exactly once with the actual cost. */
export interface Reservation {
  settle(actualNanos: number): void;
}

interface Account {
  committed: number;
  reserved: number;
  resetAtMs: number | null;
  /** `budget_reset_at` as the entity's row said when the ledger last looked (epoch ms). */
  statedResetAtMs: number | null;
}

/** The error every admission answers when a budget is spent (in-process and Redis alike). */
export function budgetExceeded(limits: Limits, committedNanos: number): AppError {
  const who = limits.scope === 'key' ? 'this key' : limits.id;
  return new AppError(
    400,
    'budget_exceeded',
    `Budget has been exceeded! ${limits.scope}=${who} ` +
      `Current cost: ${nanosToUsd(committedNanos)}, Max budget: ${nanosToUsd(limits.maxBudgetNanos ?? 0)}`,
  );
}

/**
 * Budgets in this process. `reserve` admits a request while every budgeted scope has room
 * left (spent + reserved < max) and holds the request's estimated cost; `settle` swaps the
 * hold for the actual cost. So concurrent requests overshoot a budget by at most what was in
 * flight when it was reached. A period that ended restarts the account at 0, once, and tells
 * `onReset` (the spend writer persists the restart).
 */
export class InProcessBudgets {
  private readonly accounts = new Map<string, Account>();

  constructor(private readonly onReset: (reset: CounterReset) => void) {}

  /** Throws `budget_exceeded` (nothing held) when a scope has no room. */
  reserve(scopes: readonly Limits[], estimateNanos: number, nowMs: number): Reservation {
    const accounts = scopes.map((scope) => this.account(scope, nowMs));
    scopes.forEach((scope, i) => {
      const max = scope.maxBudgetNanos;
      if (max === null) return;
      const account = accounts[i];
      if (account.committed + account.reserved >= max) {
        throw budgetExceeded(scope, account.committed);
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

  /** Spend (nano-dollars) as this ledger sees it, committed only; undefined if never seen. */
  spentNanos(scope: Limits['scope'], id: string): number | undefined {
    return this.accounts.get(`${scope}:${id}`)?.committed;
  }

  private account(scope: Limits, nowMs: number): Account {
    const id = `${scope.scope}:${scope.id}`;
    const stated = scope.budgetResetAtMs;
    let account = this.accounts.get(id);
    if (!account) {
      account = {
        committed: scope.spendNanos,
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
      const next = nextResetAfter(account.resetAtMs, scope.budgetDuration, nowMs);
      const endedNanos = account.committed;
      account.committed = 0;
      account.resetAtMs = next;
      this.onReset({
        entity: scope.scope,
        id: scope.id,
        nextResetAt: next === null ? null : new Date(next),
        endedNanos,
      });
    }
    return account;
  }
}
