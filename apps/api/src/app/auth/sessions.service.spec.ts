import { Not, type Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { UserEvents } from '../common/events/user-events';
import { SystemClock } from '../common/time/clock';
import type { Transactions } from '../database/transactions';
import { recordingAudit } from '../audit/audit.fakes';
import type { SessionEntity } from './session.entity';
import { SessionsService } from './sessions.service';

describe('SessionsService on user events', () => {
  let deleteFn: jest.Mock;
  let events: UserEvents;
  let sut: SessionsService;

  beforeEach(() => {
    deleteFn = jest.fn().mockResolvedValue({ affected: 1 });
    events = new UserEvents();
    const repo = { delete: deleteFn } as unknown as Repository<SessionEntity>;
    const transactions = { repository: () => repo } as unknown as Transactions;
    sut = new SessionsService(
      transactions,
      { sessionTtlMs: 1000 } as AppConfig,
      new SystemClock(),
      events,
      recordingAudit(),
    );
    sut.onModuleInit();
  });

  afterEach(() => sut.onModuleDestroy());

  it('keeps the session of a user who changed their own password and ends the others', async () => {
    await events.publish({
      type: 'user.updated',
      userId: 'u1',
      actorId: 'u1',
      passwordChanged: true,
      actorSessionId: 's-here',
    });
    expect(deleteFn).toHaveBeenCalledWith({ userId: 'u1', id: Not('s-here') });
  });

  it("ends every session when an admin sets the password, even the admin's own session id", async () => {
    await events.publish({
      type: 'user.updated',
      userId: 'u1',
      actorId: 'admin',
      passwordChanged: true,
      actorSessionId: 's-admin',
    });
    expect(deleteFn).toHaveBeenCalledWith({ userId: 'u1' });
  });

  it('ends the sessions of a deleted user, and none for other updates', async () => {
    await events.publish({ type: 'user.updated', userId: 'u1', actorId: 'admin' });
    expect(deleteFn).not.toHaveBeenCalled();
    await events.publish({ type: 'user.deleted', userId: 'u1', actorId: 'admin' });
    expect(deleteFn).toHaveBeenCalledWith({ userId: 'u1' });
  });
});
