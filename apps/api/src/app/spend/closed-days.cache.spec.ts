import { Clock } from '../common/time/clock';
import { ClosedDaysCache } from './closed-days.cache';

class MovableClock extends Clock {
  ms = Date.UTC(2026, 10, 27, 12);
  now(): Date {
    return new Date(this.ms);
  }
}

describe('ClosedDaysCache', () => {
  let clock: MovableClock;
  let sut: ClosedDaysCache<string>;

  beforeEach(() => {
    clock = new MovableClock();
    sut = new ClosedDaysCache<string>(clock, 10, 60_000);
  });

  it('counts days up to the day before yesterday as closed', () => {
    expect(sut.lastClosedDay()).toBe('2026-11-25');
    clock.ms = Date.UTC(2026, 10, 28, 0, 0, 1);
    expect(sut.lastClosedDay()).toBe('2026-11-26');
  });

  it('keeps closed days per scope, and never today or yesterday', () => {
    const v = sut.version();
    sut.set('*', '2026-11-25', 'all', 1, v);
    sut.set('u1', '2026-11-25', 'mine', 1, v);
    sut.set('*', '2026-11-26', 'yesterday', 1, v);
    sut.set('*', '2026-11-27', 'today', 1, v);
    expect(sut.get('*', '2026-11-25')).toBe('all');
    expect(sut.get('u1', '2026-11-25')).toBe('mine');
    expect(sut.get('u2', '2026-11-25')).toBeUndefined();
    expect(sut.get('*', '2026-11-26')).toBeUndefined();
    expect(sut.get('*', '2026-11-27')).toBeUndefined();
  });

  it('drops a closed day the writer writes (every scope), and ignores writes to open days', () => {
    const v = sut.version();
    sut.set('*', '2026-11-20', 'a', 1, v);
    sut.set('u1', '2026-11-20', 'b', 1, v);
    sut.set('*', '2026-11-21', 'c', 1, v);
    sut.written(['2026-11-27', '2026-11-26']);
    expect(sut.version()).toBe(v);
    expect(sut.size).toBe(3);
    sut.written(['2026-11-20']);
    expect(sut.version()).toBe(v + 1);
    expect(sut.get('*', '2026-11-20')).toBeUndefined();
    expect(sut.get('u1', '2026-11-20')).toBeUndefined();
    expect(sut.get('*', '2026-11-21')).toBe('c');
  });

  it('drops a cached day written while the clock says it is open (a clock set back)', () => {
    sut.set('*', '2026-11-20', 'a', 1, sut.version());
    clock.ms = Date.UTC(2026, 10, 20, 12);
    sut.written(['2026-11-20']);
    clock.ms = Date.UTC(2026, 10, 27, 12);
    expect(sut.get('*', '2026-11-20')).toBeUndefined();
  });

  it('does not keep what was read before a closed day was written (no stale entry after a race)', () => {
    const before = sut.version();
    sut.written(['2026-11-01']);
    sut.set('*', '2026-11-01', 'stale', 1, before);
    expect(sut.get('*', '2026-11-01')).toBeUndefined();
  });

  it('forgets entries after the TTL', () => {
    sut.set('*', '2026-11-20', 'a', 1, sut.version());
    clock.ms += 59_000;
    expect(sut.get('*', '2026-11-20')).toBe('a');
    clock.ms += 2_000;
    expect(sut.get('*', '2026-11-20')).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('evicts the least recently used entries past its weight budget', () => {
    const v = sut.version();
    sut.set('*', '2026-11-01', 'a', 4, v);
    sut.set('*', '2026-11-02', 'b', 4, v);
    expect(sut.get('*', '2026-11-01')).toBe('a'); // now the most recently used
    sut.set('*', '2026-11-03', 'c', 4, v); // 12 > 10: the oldest (b) goes
    expect(sut.get('*', '2026-11-02')).toBeUndefined();
    expect(sut.get('*', '2026-11-01')).toBe('a');
    expect(sut.get('*', '2026-11-03')).toBe('c');
    sut.set('*', '2026-11-04', 'huge', 11, v); // heavier than the budget: not kept
    expect(sut.get('*', '2026-11-04')).toBeUndefined();
  });
});
