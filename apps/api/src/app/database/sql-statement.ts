export type SqlValue = string | number | null;

/** One parameterised statement, with the dialect's placeholders (`?` or `$n`) in `sql`. */
export interface SqlStatement {
  sql: string;
  params: SqlValue[];
}

export type SqlDialect = 'sqlite' | 'postgres';

/** `?` on SQLite, `$n` (1-based) on PostgreSQL. */
export function placeholder(dialect: SqlDialect, n: number): string {
  return dialect === 'postgres' ? `$${n}` : '?';
}

/** One entity's counter change in a spend flush: add `deltaNanos`, after a reset when `reset`. */
export interface CounterDelta {
  id: string;
  deltaNanos: number;
  reset: { nextResetAt: Date | null } | null;
}

/** Where an owner keeps a `spend` counter (nano-dollars): its table, id and reset columns. */
export interface SpendCounterColumns {
  table: string;
  idColumn: string;
  /** The epoch-ms column a budget reset moves to the next period; null = no budget period. */
  resetAtColumn: string | null;
}

/**
 * The statements that persist spend counter deltas on one owner's table, for the spend
 * writer's flush transaction. A reset restarts the counter at the delta (and moves the reset
 * date where the table keeps one); a zero delta without a reset writes nothing.
 */
export function spendCounterStatements(
  columns: SpendCounterColumns,
  deltas: CounterDelta[],
  dialect: SqlDialect,
): SqlStatement[] {
  const p = (n: number): string => placeholder(dialect, n);
  const { table, idColumn, resetAtColumn } = columns;
  const where = (n: number): string => `WHERE "${idColumn}" = ${p(n)}`;
  const statements: SqlStatement[] = [];
  for (const delta of deltas) {
    if (delta.reset && resetAtColumn) {
      statements.push({
        sql: `UPDATE "${table}" SET "spend" = ${p(1)}, "${resetAtColumn}" = ${p(2)} ${where(3)}`,
        params: [delta.deltaNanos, delta.reset.nextResetAt?.getTime() ?? null, delta.id],
      });
    } else if (delta.reset) {
      statements.push({
        sql: `UPDATE "${table}" SET "spend" = ${p(1)} ${where(2)}`,
        params: [delta.deltaNanos, delta.id],
      });
    } else if (delta.deltaNanos !== 0) {
      statements.push({
        sql: `UPDATE "${table}" SET "spend" = "spend" + ${p(1)} ${where(2)}`,
        params: [delta.deltaNanos, delta.id],
      });
    }
  }
  return statements;
}
