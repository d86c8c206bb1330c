import { Logger } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import type { PasswordHasher } from '../common/crypto/password-hasher';
import type { AppError } from '../common/errors/app-error';
import { UserEvents, type UserEvent } from '../common/events/user-events';
import { Clock } from '../common/time/clock';
import type { AppConfig } from '../config/app-config';
import { InvitationEntity } from './invitation.entity';
import type { InvitationMailer } from './invitation-mailer';
import type { InvitationsRepository, InvitedUser } from './invitations.repository';
import { InvitationsService } from './invitations.service';
import { inlineTransactions, recordingAudit } from '../audit/audit.fakes';

class FakeClock extends Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
}

const DAY = 86_400_000;
const admin: Principal = {
  method: 'master_key',
  userId: 'admin',
  email: null,
  role: 'proxy_admin',
};
const alice: InvitedUser = { userId: 'alice', email: 'alice@example.com', role: 'internal_user' };

function invitation(fields: Partial<InvitationEntity> = {}): InvitationEntity {
  return Object.assign(new InvitationEntity(), {
    id: '3f1d2c4b-1111-4222-8333-444455556666',
    userId: 'alice',
    isAccepted: false,
    acceptedAt: null,
    expiresAt: new Date(Date.UTC(2026, 0, 8)),
    emailStatus: null,
    emailError: null,
    emailedAt: null,
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    createdBy: 'admin',
    updatedAt: new Date(Date.UTC(2026, 0, 1)),
    updatedBy: 'admin',
    ...fields,
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

describe('InvitationsService', () => {
  let repo: jest.Mocked<
    Pick<
      InvitationsRepository,
      'findById' | 'findUser' | 'insert' | 'save' | 'delete' | 'recordEmail' | 'claim'
    >
  >;
  let mailer: { configured: boolean; send: jest.Mock; close: jest.Mock };
  let clock: FakeClock;
  let published: UserEvent[];
  let sut: InvitationsService;

  beforeEach(() => {
    repo = {
      findById: jest.fn(),
      findUser: jest.fn().mockResolvedValue(alice),
      insert: jest.fn().mockResolvedValue(undefined),
      save: jest.fn(),
      delete: jest.fn(),
      recordEmail: jest.fn().mockResolvedValue(undefined),
      claim: jest.fn().mockResolvedValue(true),
    };
    mailer = { configured: true, send: jest.fn().mockResolvedValue(undefined), close: jest.fn() };
    clock = new FakeClock();
    published = [];
    const events = new UserEvents();
    events.subscribe((event) => {
      published.push(event);
    });
    sut = new InvitationsService(
      repo as unknown as InvitationsRepository,
      mailer as unknown as InvitationMailer,
      { hash: jest.fn().mockResolvedValue('$argon2id$hash') } as unknown as PasswordHasher,
      { baseUrl: 'https://gh.example.com', invitationTtlMs: 7 * DAY } as AppConfig,
      clock,
      events,
      inlineTransactions(),
      recordingAudit(),
    );
  });

  describe('create', () => {
    it('expires 7 days after creation and answers with the link', async () => {
      const res = await sut.create(admin, { user_id: 'alice' });
      expect(Date.parse(res.expires_at) - Date.parse(res.created_at)).toBe(7 * DAY);
      expect(res.invitation_link).toBe(`https://gh.example.com/ui/onboarding?id=${res.id}`);
      expect(res).toMatchObject({ is_accepted: false, created_by: 'admin', email_status: null });
      expect(mailer.send).not.toHaveBeenCalled();
    });

    it('answers 404 for an unknown user and 400 naming user_id for one without email', async () => {
      repo.findUser.mockResolvedValueOnce(null);
      expect((await rejection(sut.create(admin, { user_id: 'ghost' }))).status).toBe(404);
      repo.findUser.mockResolvedValueOnce({ ...alice, email: null });
      const error = await rejection(sut.create(admin, { user_id: 'alice' }));
      expect([error.status, error.param]).toEqual([400, 'user_id']);
      expect(repo.insert).not.toHaveBeenCalled();
    });

    it('refuses send_email without SMTP before writing anything', async () => {
      mailer.configured = false;
      const error = await rejection(sut.create(admin, { user_id: 'alice', send_email: true }));
      expect([error.status, error.param]).toEqual([400, 'send_email']);
      expect(repo.insert).not.toHaveBeenCalled();
    });

    it('mails after answering and records the delivery', async () => {
      const res = await sut.create(admin, { user_id: 'alice', send_email: true });
      expect(res.email_status).toBe('pending');
      await sut.onModuleDestroy();
      expect(mailer.send).toHaveBeenCalledWith({
        to: 'alice@example.com',
        link: res.invitation_link,
        expiresAt: new Date(res.expires_at),
      });
      expect(repo.recordEmail).toHaveBeenCalledWith(res.id, {
        emailStatus: 'sent',
        emailError: null,
        emailedAt: clock.now(),
      });
    });

    it('records a failed delivery with its reason', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      mailer.send.mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:25'));
      const res = await sut.create(admin, { user_id: 'alice', send_email: true });
      await sut.onModuleDestroy();
      expect(repo.recordEmail).toHaveBeenCalledWith(res.id, {
        emailStatus: 'failed',
        emailError: 'connect ECONNREFUSED 127.0.0.1:25',
        emailedAt: null,
      });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(res.id));
      expect(warn.mock.calls.flat().join()).not.toContain('alice@example.com');
      warn.mockRestore();
    });
  });

  describe('findUsable and accept', () => {
    it('answers 404 unknown, 409 accepted, 410 expired', async () => {
      repo.findById.mockResolvedValueOnce(null);
      expect((await rejection(sut.findUsable('x'))).status).toBe(404);
      repo.findById.mockResolvedValueOnce(invitation({ isAccepted: true }));
      expect((await rejection(sut.findUsable('x'))).status).toBe(409);
      repo.findById.mockResolvedValueOnce(invitation({ expiresAt: clock.now() }));
      expect((await rejection(sut.findUsable('x'))).status).toBe(410);
      repo.findById.mockResolvedValueOnce(invitation());
      await expect(sut.findUsable('x')).resolves.toMatchObject({ user: alice });
    });

    it('hashes the password and claims once; a lost race is 409', async () => {
      repo.findById.mockResolvedValue(invitation());
      await expect(sut.accept('inv', 'alice', 'a-password')).resolves.toEqual(alice);
      expect(repo.claim).toHaveBeenCalledWith(
        '3f1d2c4b-1111-4222-8333-444455556666',
        'alice',
        '$argon2id$hash',
        clock.now(),
      );
      repo.claim.mockResolvedValueOnce(false);
      expect((await rejection(sut.accept('inv', 'alice', 'a-password'))).status).toBe(409);
    });

    it("finding 6: announces the password set, so that the user's sessions end, only when it won", async () => {
      repo.findById.mockResolvedValue(invitation());
      repo.claim.mockResolvedValueOnce(false);
      await rejection(sut.accept('inv', 'alice', 'a-password'));
      expect(published).toEqual([]);
      await sut.accept('inv', 'alice', 'a-password');
      expect(published).toEqual([
        { type: 'user.updated', userId: 'alice', actorId: 'alice', passwordChanged: true },
      ]);
    });

    it('refuses an invitation of another user', async () => {
      repo.findById.mockResolvedValue(invitation());
      expect((await rejection(sut.accept('inv', 'mallory', 'a-password'))).status).toBe(404);
      expect(repo.claim).not.toHaveBeenCalled();
    });
  });
});
