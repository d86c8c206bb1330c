import type { Principal } from '../common/auth/principal';
import { Clock } from '../common/time/clock';
import type { SpendRepository } from './spend.repository';
import { SpendService } from './spend.service';

class FixedClock extends Clock {
  now(): Date {
    return new Date(Date.UTC(2026, 10, 27, 12));
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
  const sut = new SpendService(repo as unknown as SpendRepository, new FixedClock());

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
});
