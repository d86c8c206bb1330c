import type { AppError } from '../common/errors/app-error';
import {
  budgetPeriodFloor,
  clampKeyLimits,
  type ClampOptions,
  type KeyLimitFields,
  type KeyLimitSource,
} from './key-limits';

const NOW = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

const bounds = (fields: Partial<KeyLimitSource> = {}): KeyLimitSource => ({
  label: 'the configured upper bound for',
  fills: true,
  ...fields,
});
const owner = (fields: Partial<KeyLimitSource> = {}): KeyLimitSource => ({
  label: "the owner's",
  ...fields,
});
const calling = (fields: Partial<KeyLimitSource> = {}): KeyLimitSource => ({
  label: "the calling key's own",
  emptyModelsAreWider: true,
  fills: true,
  ...fields,
});

function clamp(
  requested: KeyLimitFields,
  sources: KeyLimitSource[],
  options: Partial<ClampOptions> = {},
): ReturnType<typeof clampKeyLimits> {
  return clampKeyLimits(requested, { creating: true, nowMs: NOW, sources, ...options });
}

function refusal(fn: () => unknown): [number, string | null] | null {
  try {
    fn();
    return null;
  } catch (error) {
    return [(error as AppError).status, (error as AppError).param];
  }
}

describe('clampKeyLimits', () => {
  it('with no sources changes nothing (admins)', () => {
    expect(clamp({ max_budget: 1e6, models: [] }, [])).toEqual({ max_budget: 1e6, models: [] });
  });

  describe('on create, fills absent values from the filling sources, lowered to every limit', () => {
    it.each<[string, KeyLimitSource[], KeyLimitFields, Partial<ReturnType<typeof clampKeyLimits>>]>(
      [
        [
          'a bound',
          [bounds({ maxBudget: 50, tpmLimit: 1000 })],
          {},
          { max_budget: 50, tpm_limit: 1000 },
        ],
        [
          "the owner's lower budget",
          [bounds({ maxBudget: 50 }), owner({ maxBudget: 5 })],
          {},
          { max_budget: 5 },
        ],
        ['the owner alone fills nothing', [owner({ maxBudget: 5 })], {}, {}],
        ["the calling key's models", [calling({ models: ['a', 'b'] })], {}, { models: ['a', 'b'] }],
        [
          'the tighter of bound and calling key',
          [bounds({ rpmLimit: 60 }), calling({ rpmLimit: 10 })],
          {},
          { rpm_limit: 10 },
        ],
        [
          'null on create is "not given" for filling sources',
          [bounds({ maxBudget: 50 })],
          { max_budget: null },
          { max_budget: 50 },
        ],
        [
          'a lifetime',
          [bounds({ lifetimeMs: 30 * 24 * HOUR })],
          {},
          { durationMs: 30 * 24 * HOUR },
        ],
        [
          "the calling key's expiry, as an absolute cap",
          [calling({ expiresAt: new Date(NOW + HOUR) })],
          {},
          { durationMs: HOUR, expiresCap: new Date(NOW + HOUR) },
        ],
      ],
    )('%s', (_, sources, requested, expected) => {
      expect(clamp(requested, sources)).toEqual({ ...requested, ...expected });
    });
  });

  describe('refuses what is over any source, naming the field', () => {
    it.each<[string, KeyLimitSource[], KeyLimitFields, [number, string], Partial<ClampOptions>?]>([
      [
        'a budget over a bound',
        [bounds({ maxBudget: 50 })],
        { max_budget: 50.01 },
        [400, 'max_budget'],
      ],
      [
        "a budget over the owner's",
        [owner({ maxBudget: 5 })],
        { max_budget: 6 },
        [400, 'max_budget'],
      ],
      [
        "unlimited under the owner's budget",
        [owner({ maxBudget: 5 })],
        { max_budget: null },
        [400, 'max_budget'],
      ],
      [
        "unlimited rpm on update under the calling key's",
        [calling({ rpmLimit: 1 })],
        { rpm_limit: null },
        [400, 'rpm_limit'],
        { creating: false },
      ],
      [
        "models outside the owner's",
        [owner({ models: ['a'] })],
        { models: ['a', 'b'] },
        [403, 'models'],
      ],
      [
        'every model through a limited calling key',
        [calling({ models: ['a'] })],
        { models: [] },
        [403, 'models'],
      ],
      [
        'a lifetime over the bound',
        [bounds({ lifetimeMs: HOUR })],
        { duration: '2h' },
        [400, 'duration'],
      ],
      [
        '"never expires" on update under a bound',
        [bounds({ lifetimeMs: HOUR })],
        { duration: null },
        [400, 'duration'],
        { creating: false },
      ],
      [
        'outliving the calling key',
        [calling({ expiresAt: new Date(NOW + HOUR) })],
        { duration: '2h' },
        [400, 'duration'],
      ],
      // Finding 8: a shorter budget period is a higher budget.
      [
        'a period under the floor',
        [bounds({ shortestBudgetPeriod: HOUR })],
        { budget_duration: '30m' },
        [400, 'budget_duration'],
      ],
      [
        'a period on a lifetime budget',
        [calling({ shortestBudgetPeriod: 'lifetime' })],
        { budget_duration: '30d' },
        [400, 'budget_duration'],
      ],
      [
        'a period shorter than the key has',
        [owner({ shortestBudgetPeriod: 24 * HOUR })],
        { budget_duration: '1h' },
        [400, 'budget_duration'],
        { creating: false },
      ],
      [
        "a moved key's untouched budget over the team's",
        [
          owner({
            maxBudget: 5,
            untouched: {
              models: [],
              maxBudget: 6,
              tpmLimit: null,
              rpmLimit: null,
              maxParallelRequests: null,
            },
          }),
        ],
        {},
        [400, 'max_budget'],
        { creating: false },
      ],
      [
        "a moved key's untouched models outside the team's",
        [
          owner({
            models: ['a'],
            untouched: {
              models: ['b'],
              maxBudget: null,
              tpmLimit: null,
              rpmLimit: null,
              maxParallelRequests: null,
            },
          }),
        ],
        {},
        [403, 'models'],
        { creating: false },
      ],
      [
        'regenerate: a never-expiring key through an expiring one',
        [calling({ expiresAt: new Date(NOW + HOUR) })],
        {},
        [400, 'duration'],
        { creating: false, expiresAt: null },
      ],
    ])('%s', (_, sources, requested, expected, options = {}) => {
      expect(refusal(() => clamp(requested, sources, options))).toEqual(expected);
    });
  });

  describe('accepts what is within every source', () => {
    it.each<[string, KeyLimitSource[], KeyLimitFields, Partial<ClampOptions>?]>([
      [
        'a budget at the bound',
        [bounds({ maxBudget: 50 }), owner({ maxBudget: 50 })],
        { max_budget: 50 },
      ],
      ["an empty model list under the owner's", [owner({ models: ['a'] })], { models: [] }],
      ['a longer period', [owner({ shortestBudgetPeriod: HOUR })], { budget_duration: '1d' }],
      [
        'a lifetime budget (the longest period)',
        [calling({ shortestBudgetPeriod: 'lifetime' })],
        { budget_duration: null },
      ],
      [
        'an update leaving everything alone',
        [bounds({ maxBudget: 1, lifetimeMs: HOUR }), calling({ rpmLimit: 1 })],
        {},
        { creating: false },
      ],
      [
        'regenerate: a key expiring before the calling key',
        [calling({ expiresAt: new Date(NOW + 2 * HOUR) })],
        {},
        { creating: false, expiresAt: new Date(NOW + HOUR) },
      ],
    ])('%s', (_, sources, requested, options = {}) => {
      expect(refusal(() => clamp(requested, sources, options))).toBeNull();
    });
  });
});

describe('budgetPeriodFloor', () => {
  it.each<[number | null, string | null, number | 'lifetime' | null]>([
    [null, null, null],
    [null, '1h', null],
    [5, null, 'lifetime'],
    [5, '1h', HOUR],
  ])('max_budget %s, budget_duration %s -> %s', (maxBudget, budgetDuration, expected) => {
    expect(budgetPeriodFloor({ maxBudget, budgetDuration })).toBe(expected);
  });
});
