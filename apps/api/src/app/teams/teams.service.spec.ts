import type { Principal } from '../common/auth/principal';
import type { AppError } from '../common/errors/app-error';
import { TeamEvents } from '../common/events/team-events';
import { Clock } from '../common/time/clock';
import { TeamEntity } from './team.entity';
import type { TeamsRepository } from './teams.repository';
import { TeamsService } from './teams.service';
import { inlineTransactions, recordingAudit } from '../audit/audit.fakes';

class FakeClock extends Clock {
  now(): Date {
    return new Date(Date.UTC(2026, 0, 1));
  }
}

const admin: Principal = {
  method: 'master_key',
  userId: 'admin',
  email: null,
  role: 'proxy_admin',
};
const viewer: Principal = {
  method: 'session',
  userId: 'vera',
  email: 'vera@example.com',
  role: 'proxy_admin_viewer',
};
const member: Principal = {
  method: 'session',
  userId: 'mia',
  email: 'mia@example.com',
  role: 'internal_user',
};

function team(teamId: string): TeamEntity {
  return Object.assign(new TeamEntity(), {
    teamId,
    alias: null,
    models: [],
    maxBudget: null,
    spend: 0,
    tpmLimit: null,
    rpmLimit: null,
    blocked: false,
    createdAt: new Date(0),
    createdBy: 'admin',
    updatedAt: new Date(0),
    updatedBy: 'admin',
  });
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a rejection');
}

describe('TeamsService', () => {
  let repo: Record<keyof TeamsRepository, jest.Mock>;
  let sut: TeamsService;
  let events: TeamEvents;

  beforeEach(() => {
    repo = {
      findById: jest.fn().mockImplementation((id: string) => Promise.resolve(team(id))),
      findByIds: jest.fn().mockResolvedValue([]),
      isMember: jest.fn().mockResolvedValue(false),
      membersOf: jest.fn().mockResolvedValue([]),
      listAll: jest.fn().mockResolvedValue([team('a'), team('b')]),
      listForUser: jest.fn().mockResolvedValue([team('a')]),
      findUsersByIds: jest.fn().mockResolvedValue([]),
      findUsersByEmails: jest.fn().mockResolvedValue([]),
      insertWithMembers: jest.fn().mockResolvedValue(undefined),
      addMembers: jest.fn().mockResolvedValue(undefined),
      save: jest.fn().mockImplementation((t: TeamEntity) => Promise.resolve(t)),
      removeMember: jest.fn().mockResolvedValue(undefined),
      deleteByIds: jest.fn().mockResolvedValue(undefined),
    } as unknown as Record<keyof TeamsRepository, jest.Mock>;
    events = new TeamEvents();
    sut = new TeamsService(
      repo as unknown as TeamsRepository,
      new FakeClock(),
      events,
      inlineTransactions(),
      recordingAudit(),
    );
  });

  describe('findVisible (the one visibility rule)', () => {
    it('lets admins and admin viewers see any team without a membership lookup', async () => {
      for (const principal of [admin, viewer]) {
        await expect(sut.findVisible(principal, 't1')).resolves.toMatchObject({ teamId: 't1' });
      }
      expect(repo.isMember).not.toHaveBeenCalled();
    });

    it('answers 404 to a non-member, exactly like an unknown team', async () => {
      const hidden = await rejection(sut.findVisible(member, 't1'));
      repo.isMember.mockResolvedValueOnce(true);
      repo.findById.mockResolvedValueOnce(null);
      const unknown = await rejection(sut.findVisible(member, 'nope'));
      expect([hidden.status, hidden.message]).toEqual([unknown.status, unknown.message]);
      expect(hidden.status).toBe(404);
    });

    it('lets a member see their team', async () => {
      repo.isMember.mockResolvedValueOnce(true);
      await expect(sut.findVisible(member, 't1')).resolves.toMatchObject({ teamId: 't1' });
      expect(repo.isMember).toHaveBeenCalledWith('t1', 'mia');
    });
  });

  it('lists every team to admins and only their own to members', async () => {
    expect((await sut.list(viewer)).map((t) => t.team_id)).toEqual(['a', 'b']);
    expect((await sut.list(member)).map((t) => t.team_id)).toEqual(['a']);
    expect(repo.listForUser).toHaveBeenCalledWith('mia');
  });

  it('names the unknown team ids', async () => {
    repo.findByIds.mockResolvedValueOnce([team('a')]);
    const error = await rejection(sut.assertExist(['a', 'x', 'y']));
    expect([error.status, error.param]).toEqual([404, 'teams']);
    expect(error.message).toContain('x, y');
  });

  it('refuses a member without user_id or user_email, and an unknown user', async () => {
    const missing = await rejection(sut.create(admin, { members_with_roles: [{ role: 'user' }] }));
    expect(missing.status).toBe(400);
    const unknown = await rejection(
      sut.create(admin, { members_with_roles: [{ user_email: 'Ghost@Example.com' }] }),
    );
    expect(unknown.status).toBe(404);
    expect(repo.findUsersByEmails).toHaveBeenCalledWith(['ghost@example.com']);
    expect(repo.insertWithMembers).not.toHaveBeenCalled();
  });

  it('keeps one membership per user when a user is named twice', async () => {
    repo.findById.mockResolvedValueOnce(null);
    repo.findUsersByIds.mockResolvedValueOnce([{ userId: 'u1', email: 'u1@example.com' }]);
    await sut.create(admin, {
      team_id: 'team-1',
      members_with_roles: [
        { user_id: 'u1', role: 'user' },
        { user_id: 'u1', role: 'admin' },
      ],
    });
    const members = repo.insertWithMembers.mock.calls[0][1] as { userId: string; role: string }[];
    expect(members.map((m) => [m.userId, m.role])).toEqual([['u1', 'admin']]);
  });

  describe('publishes team events (the keys module listens; teams never import keys)', () => {
    let heard: unknown[];
    beforeEach(() => {
      heard = [];
      events.subscribe((event) => {
        heard.push(event);
      });
    });

    it('on update (blocked included)', async () => {
      await sut.update(admin, { team_id: 't1', blocked: true });
      expect(heard).toEqual([{ type: 'team.updated', teamId: 't1', actorId: 'admin' }]);
    });

    it('on member removal, naming the member', async () => {
      repo.membersOf.mockResolvedValue([
        { teamId: 't1', userId: 'mia', email: 'mia@example.com', role: 'user' },
      ]);
      await sut.removeMember(admin, { team_id: 't1', user_id: 'mia' });
      expect(heard).toEqual([
        { type: 'team.member_removed', teamId: 't1', userId: 'mia', actorId: 'admin' },
      ]);
    });

    it('on delete, after the rows are gone, and not for an unknown id', async () => {
      repo.findByIds.mockResolvedValueOnce([team('t1')]);
      await sut.delete(admin, { team_ids: ['t1', 't1'] });
      expect(repo.deleteByIds).toHaveBeenCalledWith(['t1']);
      expect(heard).toEqual([{ type: 'team.deleted', teamIds: ['t1'], actorId: 'admin' }]);
      repo.findByIds.mockResolvedValueOnce([]);
      await expect(sut.delete(admin, { team_ids: ['x'] })).rejects.toMatchObject({ status: 404 });
      expect(heard).toHaveLength(1);
    });
  });
});
