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

/**
 * One entity's counter change in a spend flush: add `deltaNanos`; when a budget period ended,
 * also take off what it had committed (`reset.endedNanos`) and move the reset date on.
 */
export interface CounterDelta {
  id: string;
  deltaNanos: number;
  reset: { nextResetAt: Date | null; endedNanos: number } | null;
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
 * writer's flush transaction. Every change is an addition, so flushes from several writers
 * may land in any order. A reset subtracts the ended period's spend and moves the reset date,
 * once: it applies only while the row's reset date is still before the new one (a reset
 * replayed from a journal after a crash finds it moved and changes nothing). A zero delta
 * without a reset writes nothing.
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
    const reset = delta.reset;
    if (reset && resetAtColumn) {
      const next = reset.nextResetAt?.getTime() ?? null;
      const notYet =
        next === null
          ? `"${resetAtColumn}" IS NOT NULL`
          : `("${resetAtColumn}" IS NULL OR "${resetAtColumn}" < ${p(4)})`;
      statements.push({
        sql:
          `UPDATE "${table}" SET "spend" = "spend" - ${p(1)}, "${resetAtColumn}" = ${p(2)} ` +
          `${where(3)} AND ${notYet}`,
        params:
          next === null
            ? [reset.endedNanos, null, delta.id]
            : [reset.endedNanos, next, delta.id, next],
      });
    } else if (reset && reset.endedNanos !== 0) {
      statements.push({
        sql: `UPDATE "${table}" SET "spend" = "spend" - ${p(1)} ${where(2)}`,
        params: [reset.endedNanos, delta.id],
      });
    }
    if (delta.deltaNanos !== 0) {
      statements.push({
        sql: `UPDATE "${table}" SET "spend" = "spend" + ${p(1)} ${where(2)}`,
        params: [delta.deltaNanos, delta.id],
      });
    }
  }
  return statements;
}
