import { DURATION_PATTERN, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1mo', 2_592_000_000],
    ['0s', 0],
  ])('reads %s as %d ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
    expect(DURATION_PATTERN.test(value)).toBe(true);
  });

  it.each(['', '10', 'm', '1y', '1.5h', '-1d', ' 1d', '1d ', '1234567s', '1 mo', '1MO'])(
    'refuses %j',
    (value) => {
      expect(parseDuration(value)).toBeNull();
      expect(DURATION_PATTERN.test(value)).toBe(false);
    },
  );
});
