import type { CounterReset } from '../spend/spend-record';
import { InMemoryBudgetLedger, type BudgetScope } from './budget-ledger';
import type { SpendLimits } from './gateway-caller';

const limits = (fields: Partial<SpendLimits> = {}): SpendLimits => ({
  maxBudget: null,
  spend: 0,
  budgetDuration: null,
  budgetResetAt: null,
  ...fields,
});
const key = (fields: Partial<SpendLimits> = {}): BudgetScope => ({
  entity: 'key',
  id: 'k1',
  limits: limits(fields),
});

describe('InMemoryBudgetLedger', () => {
  it('admits while spent + reserved is below the budget, then refuses with budget_exceeded', () => {
    const sut = new InMemoryBudgetLedger();
    const scope = key({ maxBudget: 0.000001 }); // 1 000 nano-dollars
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
    const sut = new InMemoryBudgetLedger();
    const scope = key({ maxBudget: 0.000001 });
    const r = sut.reserve([scope], 900, 0);
    r.settle(100);
    r.settle(100);
    expect(sut.spentNanos('key', 'k1')).toBe(100);
    expect(() => sut.reserve([scope], 900, 0)).not.toThrow();
  });

  it('starts from the persisted spend and checks every scope (key, user, team)', () => {
    const sut = new InMemoryBudgetLedger();
    const user: BudgetScope = {
      entity: 'user',
      id: 'u1',
      limits: limits({ maxBudget: 1, spend: 1 }),
    };
    expect(() => sut.reserve([key(), user], 1, 0)).toThrow(/user=u1/);
    expect(sut.spentNanos('user', 'u1')).toBe(1e9);
  });

  it('restarts the period at budget_reset_at and reports the next reset', () => {
    const sut = new InMemoryBudgetLedger();
    const resets: CounterReset[] = [];
    sut.onReset = (r) => resets.push(r);
    const scope = key({
      maxBudget: 1,
      spend: 1,
      budgetDuration: '1h',
      budgetResetAt: new Date(3_600_000),
    });
    expect(() => sut.reserve([scope], 1, 1000)).toThrow();
    sut.reserve([scope], 1, 3 * 3_600_000 + 5).settle(7);
    expect(sut.spentNanos('key', 'k1')).toBe(7);
    expect(resets).toEqual([{ entity: 'key', id: 'k1', nextResetAt: new Date(4 * 3_600_000) }]);
  });

  it('takes a period set, changed or cleared on the row after it first saw the entity', () => {
    const sut = new InMemoryBudgetLedger();
    const resets: CounterReset[] = [];
    sut.onReset = (r) => resets.push(r);
    const H = 3_600_000;
    sut.reserve([key({ maxBudget: 1 })], 0, 0).settle(1e9); // lifetime budget, spent
    expect(() => sut.reserve([key({ maxBudget: 1 })], 0, 10 * H)).toThrow(/exceeded/);
    // budget_duration added later (the row now states a reset time): it applies from then.
    const hourly = key({ maxBudget: 1, budgetDuration: '1h', budgetResetAt: new Date(11 * H) });
    expect(() => sut.reserve([hourly], 0, 10 * H + 1)).toThrow(/exceeded/);
    sut.reserve([hourly], 0, 11 * H).settle(1e9);
    expect(resets).toEqual([{ entity: 'key', id: 'k1', nextResetAt: new Date(12 * H) }]);
    // The row still says 11h until the writer's update is read back: no second reset.
    expect(() => sut.reserve([hourly], 0, 11 * H + 1)).toThrow(/exceeded/);
    // Read back (12h): the same period, nothing restarts.
    const readBack = key({ maxBudget: 1, budgetDuration: '1h', budgetResetAt: new Date(12 * H) });
    expect(() => sut.reserve([readBack], 0, 11 * H + 2)).toThrow(/exceeded/);
    // Cleared: a lifetime budget again, never restarted.
    expect(() => sut.reserve([key({ maxBudget: 1 })], 0, 20 * H)).toThrow(/exceeded/);
    expect(resets).toHaveLength(1);
  });

  it('forgets an entity so the next request starts from fresh limits', () => {
    const sut = new InMemoryBudgetLedger();
    sut.reserve([key()], 5, 0).settle(5);
    sut.forget('key', 'k1');
    expect(sut.spentNanos('key', 'k1')).toBeUndefined();
  });
});
