import { Injectable } from '@nestjs/common';
import type { CounterEntity } from './spend-record';
import { placeholder, type SqlDialect, type SqlStatement } from './spend-store';

/** One entity's counter change in a flush: add `deltaNanos`, after a reset when `reset`. */
export interface CounterDelta {
  id: string;
  deltaNanos: number;
  reset: { nextResetAt: Date | null } | null;
}

/** The statements that persist one entity's `spend` counter, run inside the flush transaction. */
export abstract class SpendSink {
  abstract readonly entity: CounterEntity;
  abstract statements(deltas: CounterDelta[], dialect: SqlDialect): SqlStatement[];
}

export const SPEND_SINKS = Symbol('SPEND_SINKS');

/**
 * A `spend` counter column (nano-dollars) on one table, keyed by one id column. A budget
 * reset restarts the counter at the delta and, where the table keeps one, moves
 * `budget_reset_at` (epoch ms) to the next period.
 */
abstract class CounterSink extends SpendSink {
  protected abstract readonly table: string;
  protected abstract readonly idColumn: string;
  protected abstract readonly keepsResetAt: boolean;

  statements(deltas: CounterDelta[], dialect: SqlDialect): SqlStatement[] {
    const p = (n: number): string => placeholder(dialect, n);
    const where = (n: number): string => `WHERE "${this.idColumn}" = ${p(n)}`;
    const statements: SqlStatement[] = [];
    for (const delta of deltas) {
      if (delta.reset && this.keepsResetAt) {
        statements.push({
          sql: `UPDATE "${this.table}" SET "spend" = ${p(1)}, "budget_reset_at" = ${p(2)} ${where(3)}`,
          params: [delta.deltaNanos, delta.reset.nextResetAt?.getTime() ?? null, delta.id],
        });
      } else if (delta.reset) {
        statements.push({
          sql: `UPDATE "${this.table}" SET "spend" = ${p(1)} ${where(2)}`,
          params: [delta.deltaNanos, delta.id],
        });
      } else if (delta.deltaNanos !== 0) {
        statements.push({
          sql: `UPDATE "${this.table}" SET "spend" = "spend" + ${p(1)} ${where(2)}`,
          params: [delta.deltaNanos, delta.id],
        });
      }
    }
    return statements;
  }
}

@Injectable()
export class UserSpendSink extends CounterSink {
  readonly entity = 'user' as const;
  protected readonly table = 'users';
  protected readonly idColumn = 'user_id';
  protected readonly keepsResetAt = true;
}

@Injectable()
export class KeySpendSink extends CounterSink {
  readonly entity = 'key' as const;
  protected readonly table = 'keys';
  protected readonly idColumn = 'token';
  protected readonly keepsResetAt = true;
}

/** Teams have no budget period, so their counter only grows. */
@Injectable()
export class TeamSpendSink extends CounterSink {
  readonly entity = 'team' as const;
  protected readonly table = 'teams';
  protected readonly idColumn = 'team_id';
  protected readonly keepsResetAt = false;
}
