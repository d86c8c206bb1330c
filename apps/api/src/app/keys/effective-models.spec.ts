import { effectiveModels } from './effective-models';
import type { CachedKey, CachedKeyOwner, CachedKeyTeam } from './key-cache';

const owner = (models: string[]): CachedKeyOwner => ({
  userId: 'u1',
  email: null,
  role: 'internal_user',
  models,
  maxBudget: null,
  spend: 0,
  budgetDuration: null,
  budgetResetAt: null,
  tpmLimit: null,
  rpmLimit: null,
});

const team = (models: string[]): CachedKeyTeam => ({
  teamId: 'team-1',
  blocked: false,
  models,
  maxBudget: null,
  spend: 0,
  tpmLimit: null,
  rpmLimit: null,
});

const key = (
  models: string[],
  ownerModels: string[] | null,
  teamModels: string[] | null,
): Pick<CachedKey, 'models' | 'owner' | 'team'> => ({
  models,
  owner: ownerModels && owner(ownerModels),
  team: teamModels && team(teamModels),
});

describe('effectiveModels', () => {
  it("is 'all' when no level restricts", () => {
    expect(effectiveModels(key([], [], []))).toBe('all');
    expect(effectiveModels(key([], null, null))).toBe('all');
  });

  it('is the one non-empty list when only one level restricts', () => {
    expect(effectiveModels(key(['a', 'b'], [], null))).toEqual(['a', 'b']);
    expect(effectiveModels(key([], ['b'], null))).toEqual(['b']);
    expect(effectiveModels(key([], [], ['c']))).toEqual(['c']);
  });

  it('intersects every non-empty list (key, owner, team), ignoring empty ones', () => {
    expect(effectiveModels(key(['a', 'b', 'c'], ['b', 'c', 'd'], ['c', 'b']))).toEqual(['b', 'c']);
    expect(effectiveModels(key([], ['a', 'b'], ['b', 'c']))).toEqual(['b']);
    expect(effectiveModels(key(['a', 'b'], [], ['b']))).toEqual(['b']);
  });

  it('is empty (nothing allowed, not all) when the levels exclude each other', () => {
    expect(effectiveModels(key(['a'], ['b'], null))).toEqual([]);
    expect(effectiveModels(key([], ['a'], ['b']))).toEqual([]);
  });

  it('lists each model once', () => {
    expect(effectiveModels(key(['a', 'a', 'b'], null, null))).toEqual(['a', 'b']);
  });
});
