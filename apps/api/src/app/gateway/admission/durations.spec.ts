import { addDuration, nextResetAfter } from './durations';

describe('budget durations', () => {
  it('adds seconds to weeks and calendar months', () => {
    expect(addDuration(0, '30s')).toBe(30_000);
    expect(addDuration(0, '2h')).toBe(7_200_000);
    expect(addDuration(0, '1w')).toBe(7 * 86_400_000);
    expect(addDuration(Date.UTC(2026, 0, 31), '1mo')).toBe(Date.UTC(2026, 2, 3));
    expect(addDuration(0, '0d')).toBeNull();
    expect(addDuration(0, 'soon')).toBeNull();
  });

  it('steps to the first reset after now', () => {
    expect(nextResetAfter(1000, '1s', 3500)).toBe(4000);
    expect(nextResetAfter(1000, null, 3500)).toBeNull();
  });
});
