import type { CounterEntity } from '../../spend/spend-record';

/**
 * One principal's limits as the data plane enforces them — a key's, its owner's or its team's —
 * in the units the hot path uses: money in integer nano-dollars, times in epoch milliseconds.
 * Built once per cached principal (`caller-resolver.ts`); the in-process and Redis admissions
 * read it as it is.
 */
export interface Limits {
  scope: CounterEntity;
  id: string;
  maxBudgetNanos: number | null;
  /** Spend as the database last said (the ledger's starting point when it first sees `id`). */
  spendNanos: number;
  /** `30s|10m|2h|7d|1mo`, or null for a lifetime budget. */
  budgetDuration: string | null;
  /** When the current budget period ends, as the database last said. */
  budgetResetAtMs: number | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallelRequests: number | null;
}

/** A scope's limits: nothing limited and nothing spent, but for `fields`. */
export function limitsFor(
  scope: Limits['scope'],
  id: string,
  fields: Partial<Omit<Limits, 'scope' | 'id'>> = {},
): Limits {
  return {
    scope,
    id,
    maxBudgetNanos: null,
    spendNanos: 0,
    budgetDuration: null,
    budgetResetAtMs: null,
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
    ...fields,
  };
}

/** Whether any request-rate limit applies (rpm, tpm or parallel). */
export function limitsRate(l: Limits): boolean {
  return l.rpmLimit !== null || l.tpmLimit !== null || l.maxParallelRequests !== null;
}
