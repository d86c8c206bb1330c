import { effectiveModels, mayUseModel } from './model-access';

describe('model access (the one rule: key, owner, team allow-lists)', () => {
  describe('effectiveModels', () => {
    it("is 'all' when no level restricts (empty, missing or wildcard lists)", () => {
      expect(effectiveModels([[], [], []])).toBe('all');
      expect(effectiveModels([[], null, undefined])).toBe('all');
      expect(effectiveModels([['*'], ['all-proxy-models'], []])).toBe('all');
    });

    it('is the one restricting list when only one level restricts', () => {
      expect(effectiveModels([['a', 'b'], [], null])).toEqual(['a', 'b']);
      expect(effectiveModels([[], ['b'], null])).toEqual(['b']);
      expect(effectiveModels([[], [], ['c']])).toEqual(['c']);
    });

    it('intersects every restricting list, ignoring empty and wildcard ones', () => {
      expect(
        effectiveModels([
          ['a', 'b', 'c'],
          ['b', 'c', 'd'],
          ['c', 'b'],
        ]),
      ).toEqual(['b', 'c']);
      expect(effectiveModels([[], ['a', 'b'], ['b', 'c']])).toEqual(['b']);
      expect(effectiveModels([['a', 'b'], ['*'], ['b']])).toEqual(['b']);
      // A wildcard anywhere in a list makes that level unrestricted.
      expect(effectiveModels([['a', '*'], ['b'], null])).toEqual(['b']);
    });

    it('is empty (nothing allowed, not all) when the levels exclude each other', () => {
      expect(effectiveModels([['a'], ['b'], null])).toEqual([]);
      expect(effectiveModels([[], ['a'], ['b']])).toEqual([]);
    });

    it('lists each model once', () => {
      expect(effectiveModels([['a', 'a', 'b'], null, null])).toEqual(['a', 'b']);
    });
  });

  describe('mayUseModel agrees with effectiveModels', () => {
    const cases: [string[] | null, string[] | null, string[] | null][] = [
      [[], [], []],
      [['a'], null, null],
      [['a', 'b'], ['b', 'c'], null],
      [['*'], ['b'], ['all-proxy-models']],
      [['a'], ['b'], null],
      [[], ['a', 'b'], ['b']],
    ];
    it.each(cases)('key %j, owner %j, team %j', (key, owner, team) => {
      const lists = [key, owner, team];
      const allowed = effectiveModels(lists);
      for (const model of ['a', 'b', 'c', 'zzz']) {
        expect(mayUseModel(lists, model)).toBe(allowed === 'all' || allowed.includes(model));
      }
    });
  });
});
