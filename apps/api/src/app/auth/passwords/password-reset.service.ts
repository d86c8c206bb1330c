import type { PasswordMessageResponse, PasswordResetLinkResponse } from '@gatehouse/shared/dto';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { IsNull, LessThan, MoreThan, Repository } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { PasswordHasher } from '../../common/crypto/password-hasher';
import { randomToken, sha256Hex } from '../../common/crypto/tokens';
import { AppError } from '../../common/errors/app-error';
import { UserEvents } from '../../common/events/user-events';
import { linkMessage, SmtpMailer } from '../../common/mail/mailer';
import { Clock } from '../../common/time/clock';
import { AppConfig } from '../../config/app-config';
import { Transactions } from '../../database/transactions';
import type { UserEntity } from '../../users/user.entity';
import { UsersRepository } from '../../users/users.repository';
import { LoginThrottle } from '../login-throttle';
import { passwordLoginAllowed } from '../password-login';
import { PasswordResetTokenEntity } from './password-reset-token.entity';

/** A reset link works once, for one hour. */
export const RESET_TOKEN_TTL_MS = 60 * 60_000;

/** The one answer of POST /password/forgot, whoever asks. */
export const FORGOT_ANSWER: PasswordMessageResponse = {
  message:
    'If an account with this email may sign in with a password, a link to reset it has been emailed.',
};

export function resetLink(baseUrl: string, token: string): string {
  return `${baseUrl}/ui/reset-password?token=${encodeURIComponent(token)}`;
}

/** Bad, used, expired or voided: one answer, so that a token's fate is not told. */
function invalidToken(): AppError {
  return AppError.badRequest(
    'This password reset link is invalid or has expired',
    'token',
  ).withCode('invalid_reset_token');
}

function passwordLoginOff(): AppError {
  return new AppError(
    409,
    'conflict_error',
    'Password login is turned off for this user (PASSWORD_LOGIN)',
    'user_id',
  ).withCode('password_login_disabled');
}

/**
 * Forgotten passwords: single-use, one-hour reset links, stored as their SHA-256, a newer
 * link voiding the older ones. POST /password/forgot answers the same whoever asks; the
 * mail for a known address leaves after the answer, so neither body nor timing tells.
 */
@Injectable()
export class PasswordResetService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PasswordReset');
  private readonly mailer: SmtpMailer;
  private readonly deliveries = new Set<Promise<void>>();
  private unsubscribe?: () => void;
  /**
   * Per client address: a 429 (the same for every email, it is about the caller). Per email
   * address: silent (still 200, no mail), so a victim's mailbox cannot be flooded and the
   * throttle tells nothing about whether the address has an account.
   */
  private readonly perClient: LoginThrottle;
  private readonly perEmail: LoginThrottle;

  constructor(
    private readonly transactions: Transactions,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly events: UserEvents,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.mailer = new SmtpMailer(config.smtp);
    const window = { windowMs: 15 * 60_000, maxKeys: 100_000 };
    this.perClient = new LoginThrottle(clock, { perAccount: 10, perClient: 10, ...window });
    this.perEmail = new LoginThrottle(clock, { perAccount: 3, perClient: 3, ...window });
  }
  private get tokens(): Repository<PasswordResetTokenEntity> {
    return this.transactions.repository(PasswordResetTokenEntity);
  }

  async forgot(email: string, client: string): Promise<PasswordMessageResponse> {
    await this.perClient.take({ account: client }).catch((error: unknown) => {
      if (!(error instanceof AppError)) throw error;
      throw new AppError(
        429,
        'rate_limit_error',
        'Too many password reset requests; try again later',
        null,
        error.headers,
      );
    });
    const address = email.trim().toLowerCase();
    const allowed = await this.perEmail.take({ account: address }).then(
      () => true,
      () => false,
    );
    if (!allowed) return FORGOT_ANSWER;
    const user = await this.users.findWithPasswordByEmail(address);
    // Only users who may sign in with a password: SSO-only users (no password yet, an SSO
    // identity) and roles PASSWORD_LOGIN shuts out get nothing, and the same answer.
    const eligible =
      user !== null &&
      user.email !== null &&
      passwordLoginAllowed(this.config.identity.passwordLogin, user.role) &&
      !(user.ssoSubject !== null && !user.passwordHash);
    if (eligible && this.mailer.configured) this.deliverLater(user);
    return FORGOT_ANSWER;
  }

  /** For proxy_admins without SMTP: the link itself, to hand over by hand. */
  async adminLink(userId: string): Promise<PasswordResetLinkResponse> {
    const user = await this.users.findById(userId);
    if (!user) throw AppError.notFound('User', 'user_id');
    if (!passwordLoginAllowed(this.config.identity.passwordLogin, user.role)) {
      throw passwordLoginOff();
    }
    const { token, expiresAt } = await this.transactions.run(async () => {
      const issued = await this.issue(user.userId);
      // The link is a credential: only that one was issued, and until when.
      await this.audit.record({
        action: 'updated',
        table_name: 'user',
        object_id: user.userId,
        updated_values: { password_reset_link_expires_at: issued.expiresAt.toISOString() },
      });
      return issued;
    });
    return {
      reset_link: resetLink(this.config.baseUrl, token),
      expires_at: expiresAt.toISOString(),
    };
  }

  /**
   * Spends the token (once: the row is claimed by a conditional update, so two parallel
   * resets cannot both win), sets the password, voids the user's other links and ends
   * every session of the user.
   */
  async reset(token: string, password: string): Promise<PasswordMessageResponse> {
    const tokenHash = sha256Hex(token);
    const now = this.clock.now();
    const row = await this.tokens.findOneBy({ tokenHash });
    if (!row) throw invalidToken();
    const claimed = await this.tokens.update(
      { tokenHash, usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    if (claimed.affected !== 1) throw invalidToken();
    const user = await this.users.findById(row.userId);
    if (!user) throw invalidToken();
    if (!passwordLoginAllowed(this.config.identity.passwordLogin, user.role)) {
      throw passwordLoginOff();
    }
    const passwordHash = await this.hasher.hash(password);
    await this.transactions.run(async () => {
      await this.users.setPasswordHash(user.userId, passwordHash, now, user.userId);
      await this.tokens.delete({ userId: user.userId });
      // The user acts, proven by a one-time emailed link (like an invitation's onboarding).
      await this.audit.record(
        {
          action: 'password_set',
          table_name: 'user',
          object_id: user.userId,
          updated_values: { via: 'reset_link' },
        },
        { changed_by: user.userId, changed_by_api_key: null, auth_method: 'onboarding' },
      );
    });
    // No actor session: every session of the user ends, whoever had it.
    await this.events.publish({
      type: 'user.updated',
      userId: user.userId,
      actorId: user.userId,
      passwordChanged: true,
    });
    return { message: 'Your password has been changed. Sign in with the new one.' };
  }

  onModuleInit(): void {
    // A deleted user's links go with them.
    this.unsubscribe = this.events.subscribe(async (event) => {
      if (event.type === 'user.deleted') await this.tokens.delete({ userId: event.userId });
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await Promise.allSettled([...this.deliveries]);
    this.mailer.close();
  }

  /** A new link for the user; every older one is voided first. */
  private async issue(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = randomToken(32);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + RESET_TOKEN_TTL_MS);
    await this.tokens.delete({ userId });
    await this.tokens.delete({ expiresAt: LessThan(now) });
    await this.tokens.insert({ tokenHash: sha256Hex(token), userId, createdAt: now, expiresAt });
    return { token, expiresAt };
  }

  private deliverLater(user: UserEntity): void {
    const delivery = this.deliver(user).finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  private async deliver(user: UserEntity): Promise<void> {
    try {
      const { token, expiresAt } = await this.issue(user.userId);
      await this.mailer.send(
        user.email ?? '',
        linkMessage({
          subject: 'Reset your Gatehouse password',
          intro: [
            'Somebody (hopefully you) asked to reset your Gatehouse password. Open this link to choose a new one:',
          ],
          link: resetLink(this.config.baseUrl, token),
          outro: [
            `The link works once and expires at ${expiresAt.toISOString()}.`,
            'If you did not ask for this, ignore this mail: your password stays as it is.',
          ],
        }),
      );
    } catch (error) {
      // The message names the SMTP failure, never the token or the link.
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        `Password reset mail for user ${user.userId} failed: ${message.slice(0, 300)}`,
      );
    }
  }
}
