import type {
  InvitationResponse,
  NewInvitationRequest,
  UpdateInvitationRequest,
} from '@gatehouse/shared/dto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { changedValues } from '../audit/audit-diff';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { PasswordHasher } from '../common/crypto/password-hasher';
import { UserEvents } from '../common/events/user-events';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { InvitationEntity } from './invitation.entity';
import { InvitationMailer } from './invitation-mailer';
import { InvitationsRepository, type InvitedUser } from './invitations.repository';

const EMAIL_ERROR_MAX = 1000;

export function invitationLink(baseUrl: string, id: string): string {
  return `${baseUrl}/ui/onboarding?id=${encodeURIComponent(id)}`;
}

export function toInvitationResponse(
  invitation: InvitationEntity,
  baseUrl: string,
): InvitationResponse {
  return {
    id: invitation.id,
    user_id: invitation.userId,
    is_accepted: invitation.isAccepted,
    accepted_at: invitation.acceptedAt?.toISOString() ?? null,
    expires_at: invitation.expiresAt.toISOString(),
    created_at: invitation.createdAt.toISOString(),
    created_by: invitation.createdBy,
    updated_at: invitation.updatedAt.toISOString(),
    updated_by: invitation.updatedBy,
    invitation_link: invitationLink(baseUrl, invitation.id),
    email_status: invitation.emailStatus,
    email_error: invitation.emailError,
    emailed_at: invitation.emailedAt?.toISOString() ?? null,
  };
}

/** 410: the link existed but can no longer be used. */
/** An invitation as its audit rows show it (its own fields; no link, no mail state). */
function auditedInvitation(invitation: InvitationEntity): Record<string, unknown> {
  return {
    id: invitation.id,
    user_id: invitation.userId,
    is_accepted: invitation.isAccepted,
    accepted_at: invitation.acceptedAt?.toISOString() ?? null,
    expires_at: invitation.expiresAt.toISOString(),
  };
}

function gone(message: string): AppError {
  return new AppError(410, 'invalid_request_error', message, 'invitation_link');
}

/**
 * Invitations: single-use onboarding links with an expiry. A new invitation leaves older
 * ones for the same user usable until they expire or are deleted, or until one of them is
 * accepted: that deletes the others (an old link must not reset an onboarded password).
 */
@Injectable()
export class InvitationsService implements OnModuleDestroy {
  private readonly logger = new Logger(InvitationsService.name);
  /** Emails being sent after their response went out; awaited on shutdown. */
  private readonly deliveries = new Set<Promise<void>>();

  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly mailer: InvitationMailer,
    private readonly hasher: PasswordHasher,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly events: UserEvents,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  /** Refuses an email request up front when SMTP is not configured. */
  assertCanEmail(param: string): void {
    if (!this.mailer.configured) {
      throw AppError.badRequest(
        'Invitation emails need SMTP: set SMTP_HOST and SMTP_SENDER_EMAIL (or leave out the email flag and share invitation_link yourself)',
        param,
      );
    }
  }

  async create(principal: Principal, request: NewInvitationRequest): Promise<InvitationResponse> {
    const user = await this.invitations.findUser(request.user_id);
    if (!user) throw AppError.notFound(`User ${request.user_id}`, 'user_id');
    return this.createFor(principal, user, request.send_email === true);
  }

  /** Also used by POST /user/new with send_invite_email. */
  async createFor(
    principal: Principal,
    user: Pick<InvitedUser, 'userId' | 'email'>,
    sendEmail: boolean,
    options: { audited?: boolean } = {},
  ): Promise<InvitationResponse> {
    if (!user.email) {
      throw AppError.badRequest(
        `User ${user.userId} has no user_email and cannot be invited; set one with /user/update`,
        'user_id',
      );
    }
    if (sendEmail) this.assertCanEmail('send_email');
    const now = this.clock.now();
    const invitation = Object.assign(new InvitationEntity(), {
      id: randomUUID(),
      userId: user.userId,
      isAccepted: false,
      acceptedAt: null,
      expiresAt: new Date(now.getTime() + this.config.invitationTtlMs),
      emailStatus: sendEmail ? 'pending' : null,
      emailError: null,
      emailedAt: null,
      createdAt: now,
      createdBy: principal.userId,
      updatedAt: now,
      updatedBy: principal.userId,
    } satisfies InvitationEntity);
    await this.transactions.run(async () => {
      await this.invitations.insert(invitation);
      // POST /user/new with send_invite_email records one row, the user's, naming this one.
      if (options.audited !== false) {
        await this.audit.record({
          action: 'created',
          table_name: 'invitation',
          object_id: invitation.id,
          updated_values: auditedInvitation(invitation),
        });
      }
    });
    if (sendEmail) this.deliverLater(invitation, user.email);
    return toInvitationResponse(invitation, this.config.baseUrl);
  }

  async info(id: string): Promise<InvitationResponse> {
    return toInvitationResponse(await this.find(id), this.config.baseUrl);
  }

  async update(
    principal: Principal,
    request: UpdateInvitationRequest,
  ): Promise<InvitationResponse> {
    const invitation = await this.find(request.invitation_id);
    const before = auditedInvitation(invitation);
    const now = this.clock.now();
    if (request.is_accepted !== undefined && request.is_accepted !== invitation.isAccepted) {
      invitation.isAccepted = request.is_accepted;
      invitation.acceptedAt = request.is_accepted ? now : null;
    }
    if (request.expires_at !== undefined) invitation.expiresAt = new Date(request.expires_at);
    invitation.updatedAt = now;
    invitation.updatedBy = principal.userId;
    await this.transactions.run(async () => {
      await this.invitations.save(invitation);
      await this.audit.record({
        action: 'updated',
        table_name: 'invitation',
        object_id: invitation.id,
        ...changedValues(before, auditedInvitation(invitation)),
      });
    });
    return toInvitationResponse(invitation, this.config.baseUrl);
  }

  /** Answers with the row as it was, like LiteLLM. */
  async delete(id: string): Promise<InvitationResponse> {
    const invitation = await this.find(id);
    await this.transactions.run(async () => {
      await this.invitations.delete(id);
      await this.audit.record({
        action: 'deleted',
        table_name: 'invitation',
        object_id: id,
        before_value: auditedInvitation(invitation),
      });
    });
    return toInvitationResponse(invitation, this.config.baseUrl);
  }

  /** Called when users are deleted (the foreign key cascades too; this keeps it explicit). */
  removeForUsers(userIds: string[]): Promise<void> {
    return this.invitations.deleteByUserIds(userIds);
  }

  /**
   * The invitation behind an onboarding link and its user, only when it can still be used:
   * unknown → 404, accepted → 409, expired → 410, user gone or without email → 404/400.
   */
  async findUsable(id: string): Promise<{ invitation: InvitationEntity; user: InvitedUser }> {
    const invitation = await this.invitations.findById(id);
    if (!invitation) throw AppError.notFound('Invitation', 'invitation_link');
    if (invitation.isAccepted) {
      throw AppError.conflict('This invitation has already been used', 'invitation_link');
    }
    if (invitation.expiresAt.getTime() <= this.clock.nowMs()) {
      throw gone('This invitation has expired; ask an admin for a new one');
    }
    const user = await this.invitations.findUser(invitation.userId);
    if (!user) throw AppError.notFound('Invitation', 'invitation_link');
    if (!user.email) {
      throw AppError.badRequest(`User ${user.userId} has no user_email to log in with`, 'user_id');
    }
    return { invitation, user };
  }

  /**
   * Sets the password, accepts the invitation and drops the user's other open invitations in
   * one transaction; a concurrent or second claim gets 409, a dropped one 404 like an unknown
   * link. The caller has already checked the onboarding token.
   */
  async accept(invitationId: string, userId: string, password: string): Promise<InvitedUser> {
    const { invitation, user } = await this.findUsable(invitationId);
    if (invitation.userId !== userId) throw AppError.notFound('Invitation', 'invitation_link');
    const passwordHash = await this.hasher.hash(password);
    await this.transactions.run(async () => {
      const now = this.clock.now();
      const claimed = await this.invitations.claim(invitation.id, user.userId, passwordHash, now);
      if (!claimed) {
        throw AppError.conflict('This invitation has already been used', 'invitation_link');
      }
      // The invited user acts here, proven by the onboarding token (no session yet).
      await this.audit.record(
        {
          action: 'accepted',
          table_name: 'invitation',
          object_id: invitation.id,
          before_value: { is_accepted: false, accepted_at: null },
          updated_values: {
            is_accepted: true,
            accepted_at: now.toISOString(),
            user_id: user.userId,
            password_set: true,
          },
        },
        { changed_by: user.userId, changed_by_api_key: null, auth_method: 'onboarding' },
      );
    });
    // A password set: every session of the user ends, like after any password change (the
    // claim then starts a fresh one).
    await this.events.publish({
      type: 'user.updated',
      userId: user.userId,
      actorId: user.userId,
      passwordChanged: true,
    });
    return user;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
    this.mailer.close();
  }

  private async find(id: string): Promise<InvitationEntity> {
    const invitation = await this.invitations.findById(id);
    if (!invitation) throw AppError.notFound('Invitation', 'invitation_id');
    return invitation;
  }

  /** Sends after the response; the outcome lands on the row (and failures in the log). */
  private deliverLater(invitation: InvitationEntity, to: string): void {
    const delivery = this.deliver(invitation, to).finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  private async deliver(invitation: InvitationEntity, to: string): Promise<void> {
    try {
      await this.mailer.send({
        to,
        link: invitationLink(this.config.baseUrl, invitation.id),
        expiresAt: invitation.expiresAt,
      });
      await this.invitations.recordEmail(invitation.id, {
        emailStatus: 'sent',
        emailError: null,
        emailedAt: this.clock.now(),
      });
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(
        0,
        EMAIL_ERROR_MAX,
      );
      this.logger.warn(`Invitation ${invitation.id}: email to its user failed: ${message}`);
      await this.invitations
        .recordEmail(invitation.id, { emailStatus: 'failed', emailError: message, emailedAt: null })
        .catch((recordError: unknown) =>
          this.logger.error(
            `Invitation ${invitation.id}: could not record the email failure: ${String(recordError)}`,
          ),
        );
    }
  }
}
