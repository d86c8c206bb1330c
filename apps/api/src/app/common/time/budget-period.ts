import { parseDuration } from '@gatehouse/shared/dto';

/**
 * When a budget period set now ends: `now + budget_duration`, or null for a lifetime budget
 * (no duration). Keys and users share it; the gateway's ledger steps it on from there.
 */
export function firstBudgetReset(now: Date, budgetDuration: string | null): Date | null {
  if (budgetDuration === null) return null;
  return new Date(now.getTime() + (parseDuration(budgetDuration) ?? 0));
}
