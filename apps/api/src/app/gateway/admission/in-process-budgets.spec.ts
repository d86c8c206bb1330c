import type { CounterReset } from '../../spend/spend-record';
import { InProcessBudgets } from './in-process-budgets';
import { limitsFor, type Limits } from './limits';

const USD = 1e9;
const key = (fields: Partial<Limits> = {}): Limits => limitsFor('key', 'k1', fields);

describe('InProcessBudgets', () => {
  it('admits while spent + reserved is below the budget, then refuses with budget_exceeded', () => {
    const sut = new InProcessBudgets(() => undefined);
    const scope = key({ maxBudgetNanos: 1000 });
    const held = [
      sut.reserve([scope], 400, 0),
      sut.reserve([scope], 400, 0),
      sut.reserve([scope], 400, 0),
    ];
    expect(() => sut.reserve([scope], 400, 0)).toThrow(
      expect.objectContaining({ status: 400, type: 'budget_exceeded' }),
    );
    held.forEach((r) => r.settle(400));
    expect(sut.spentNanos('key', 'k1')).toBe(1200);
    expect(() => sut.reserve([scope], 1, 0)).toThrow(/Budget has been exceeded/);
  });

  it('settles to the actual cost once, freeing the unused hold', () => {
    const sut = new InProcessBudgets(() => undefined);
    const scope = key({ maxBudgetNanos: 1000 });
    const r = sut.reserve([scope], 900, 0);
    r.settle(100);
    r.settle(100);
    expect(sut.spentNanos('key', 'k1')).toBe(100);
    expect(() => sut.reserve([scope], 900, 0)).not.toThrow();
  });

  it('starts from the persisted spend and checks every scope (key, user, team)', () => {
    const sut = new InProcessBudgets(() => undefined);
    const user: Limits = {
      ...key({ maxBudgetNanos: USD, spendNanos: USD }),
      scope: 'user',
      id: 'u1',
    };
    expect(() => sut.reserve([key(), user], 1, 0)).toThrow(/user=u1/);
    expect(sut.spentNanos('user', 'u1')).toBe(1e9);
  });

  it('restarts the period at budget_reset_at and reports the next reset', () => {
    const resets: CounterReset[] = [];
    const sut = new InProcessBudgets((r) => resets.push(r));
    const scope = key({
      maxBudgetNanos: USD,
      spendNanos: USD,
      budgetDuration: '1h',
      budgetResetAtMs: 3_600_000,
    });
    expect(() => sut.reserve([scope], 1, 1000)).toThrow();
    sut.reserve([scope], 1, 3 * 3_600_000 + 5).settle(7);
    expect(sut.spentNanos('key', 'k1')).toBe(7);
    expect(resets).toEqual([
      { entity: 'key', id: 'k1', nextResetAt: new Date(4 * 3_600_000), endedNanos: USD },
    ]);
  });

  it('takes a period set, changed or cleared on the row after it first saw the entity', () => {
    const resets: CounterReset[] = [];
    const sut = new InProcessBudgets((r) => resets.push(r));
    const H = 3_600_000;
    sut.reserve([key({ maxBudgetNanos: USD })], 0, 0).settle(1e9); // lifetime budget, spent
    expect(() => sut.reserve([key({ maxBudgetNanos: USD })], 0, 10 * H)).toThrow(/exceeded/);
    // budget_duration added later (the row now states a reset time): it applies from then.
    const hourly = key({ maxBudgetNanos: USD, budgetDuration: '1h', budgetResetAtMs: 11 * H });
    expect(() => sut.reserve([hourly], 0, 10 * H + 1)).toThrow(/exceeded/);
    sut.reserve([hourly], 0, 11 * H).settle(1e9);
    expect(resets).toEqual([
      { entity: 'key', id: 'k1', nextResetAt: new Date(12 * H), endedNanos: 1e9 },
    ]);
    // The row still says 11h until the writer's update is read back: no second reset.
    expect(() => sut.reserve([hourly], 0, 11 * H + 1)).toThrow(/exceeded/);
    // Read back (12h): the same period, nothing restarts.
    const readBack = key({ maxBudgetNanos: USD, budgetDuration: '1h', budgetResetAtMs: 12 * H });
    expect(() => sut.reserve([readBack], 0, 11 * H + 2)).toThrow(/exceeded/);
    // Cleared: a lifetime budget again, never restarted.
    expect(() => sut.reserve([key({ maxBudgetNanos: USD })], 0, 20 * H)).toThrow(/exceeded/);
    expect(resets).toHaveLength(1);
  });
});
