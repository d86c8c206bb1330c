import type { DailyActivityResponse } from '@gatehouse/shared/dto';
import type { Principal } from '../common/auth/principal';
import { Clock } from '../common/time/clock';
import { ClosedDaysCache } from './closed-days.cache';
import type { RollupGroup, RollupScope, SpendRepository } from './spend.repository';
import { SpendService, type ActivityDay } from './spend.service';

class FixedClock extends Clock {
  ms = Date.UTC(2026, 10, 27, 12);
  now(): Date {
    return new Date(this.ms);
  }
}

const principal = (role: Principal['role'], userId = 'u1'): Principal => ({
  method: 'session',
  userId,
  email: null,
  role,
});

describe('SpendService', () => {
  const repo = { byDay: jest.fn().mockResolvedValue([]) };
  const clock = new FixedClock();
  const sut = new SpendService(
    repo as unknown as SpendRepository,
    clock,
    new ClosedDaysCache<ActivityDay | null>(clock),
  );

  it('lets admins and admin viewers see everybody or the user they name', () => {
    for (const role of ['proxy_admin', 'proxy_admin_viewer'] as const) {
      expect(sut.visibleUserId(principal(role), undefined)).toBeNull();
      expect(sut.visibleUserId(principal(role), 'u2')).toBe('u2');
    }
  });

  it('keeps internal users to themselves; another id is 404', () => {
    for (const role of ['internal_user', 'internal_user_viewer'] as const) {
      expect(sut.visibleUserId(principal(role), undefined)).toBe('u1');
      expect(sut.visibleUserId(principal(role), 'u1')).toBe('u1');
      expect(() => sut.visibleUserId(principal(role), 'u2')).toThrow(
        expect.objectContaining({ status: 404 }),
      );
    }
  });

  it('narrows cache hits to the user an admin names, and refuses others to internal users', async () => {
    await sut.cacheHits(principal('proxy_admin_viewer'), { user_id: 'u2' });
    expect(repo.byDay).toHaveBeenLastCalledWith(expect.objectContaining({ userId: 'u2' }));
    await expect(sut.cacheHits(principal('internal_user'), { user_id: 'u2' })).rejects.toThrow(
      expect.objectContaining({ status: 404 }),
    );
  });

  it('reads the last 30 days by default', async () => {
    await sut.globalActivity(principal('internal_user'), {});
    expect(repo.byDay).toHaveBeenCalledWith({
      userId: 'u1',
      startDate: '2026-10-29',
      endDate: '2026-11-27',
    });
  });

  describe('daily activity', () => {
    const row = (date: string, keyToken: string, spend: number): RollupGroup => ({
      date,
      model: 'm',
      keyToken,
      requests: 1,
      successes: 1,
      failures: 0,
      promptTokens: 10,
      completionTokens: 5,
      cacheHits: 0,
      cachedTokens: 0,
      spend,
      savedSpend: 0,
    });
    // The "database": rows for three closed days and today, answered per scope and range.
    let rows: RollupGroup[];
    let reads: RollupScope[];
    let service: SpendService;
    let cache: ClosedDaysCache<ActivityDay | null>;

    beforeEach(() => {
      clock.ms = Date.UTC(2026, 10, 27, 12);
      rows = [
        row('2026-11-01', 'k1', 1_000_000_000),
        row('2026-11-20', 'k1', 2_000_000_000),
        row('2026-11-20', 'k2', 3_000_000_000),
        row('2026-11-27', 'k1', 4_000_000_000),
      ];
      reads = [];
      const rollupRows = (scope: RollupScope): Promise<RollupGroup[]> => {
        reads.push(scope);
        return Promise.resolve(
          rows.filter((r) => r.date >= scope.startDate && r.date <= scope.endDate),
        );
      };
      cache = new ClosedDaysCache<ActivityDay | null>(clock);
      service = new SpendService({ rollupRows } as unknown as SpendRepository, clock, cache);
    });

    const admin = principal('proxy_admin');
    const activity = async (
      who: Principal,
      query: Parameters<SpendService['dailyActivity']>[1],
    ): Promise<DailyActivityResponse> =>
      JSON.parse(await service.dailyActivity(who, query)) as DailyActivityResponse;
    const ranges = (): string[] => reads.map((r) => `${r.startDate}..${r.endDate}`);

    it('reads closed days once per scope and today every time, with the same answer', async () => {
      const first = await activity(admin, {});
      expect(ranges()).toEqual(['2026-10-29..2026-11-25', '2026-11-26..2026-11-27']);
      expect(first.results.map((d) => [d.date, d.metrics.spend])).toEqual([
        ['2026-11-01', 1],
        ['2026-11-20', 5],
        ['2026-11-27', 4],
      ]);
      expect(first.metadata.total_spend).toBe(10);
      expect(Object.keys(first.results[1].breakdown.api_keys)).toEqual(['k1', 'k2']);
      reads = [];
      expect(await activity(admin, {})).toEqual(first);
      expect(ranges()).toEqual(['2026-11-26..2026-11-27']);
      reads = [];
      await activity(principal('internal_user'), {});
      expect(reads.map((r) => r.userId)).toEqual(['u1', 'u1']);
    });

    it('reads a closed day again once the spend writer wrote to it', async () => {
      await activity(admin, {});
      rows.push(row('2026-11-20', 'k3', 7_000_000_000));
      cache.written(['2026-11-27']); // today: the cached days stand
      reads = [];
      expect((await activity(admin, {})).metadata.total_spend).toBe(10);
      cache.written(['2026-11-20']);
      reads = [];
      const after = await activity(admin, {});
      expect(ranges()).toEqual(['2026-10-29..2026-11-25', '2026-11-26..2026-11-27']);
      expect(after.metadata.total_spend).toBe(17);
    });

    it('reads ranges of open days only, and long ranges without the cache', async () => {
      await activity(admin, { start_date: '2026-11-26' });
      expect(ranges()).toEqual(['2026-11-26..2026-11-27']);
      reads = [];
      await activity(admin, { start_date: '2025-01-01', end_date: '2026-11-20' });
      await activity(admin, { start_date: '2025-01-01', end_date: '2026-11-20' });
      expect(ranges()).toEqual(['2025-01-01..2026-11-20', '2025-01-01..2026-11-20']);
      expect(cache.size).toBe(0);
    });

    it('moves days into the cache as time passes', async () => {
      await activity(admin, {});
      clock.ms += 2 * 86_400_000; // 2026-11-29: the 27th is closed now
      reads = [];
      const later = await activity(admin, {});
      expect(ranges()).toEqual(['2026-10-31..2026-11-27', '2026-11-28..2026-11-29']);
      expect(later.results.map((d) => d.date)).toEqual(['2026-11-01', '2026-11-20', '2026-11-27']);
    });
  });
});
