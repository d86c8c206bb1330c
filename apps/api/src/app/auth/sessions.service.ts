import type { AuditAuthMethod } from '@gatehouse/shared/dto';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LessThan, Not, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { randomToken, sha256Hex } from '../common/crypto/tokens';
import { UserEvents, type UserEvent } from '../common/events/user-events';
import { Clock } from '../common/time/clock';
import type { Principal } from '../common/auth/principal';
import { AuditService } from '../audit/audit.service';
import { Transactions } from '../database/transactions';
import { SessionEntity } from './session.entity';

export interface NewSession {
  /** The cookie value: shown to the browser only. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Server-side console sessions: a logout or an expiry ends them for good. */
@Injectable()
export class SessionsService implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;
  /** Names the current master key without being usable as one (a domain-separated hash). */
  private readonly masterKeyFingerprint: string;

  constructor(
    private readonly transactions: Transactions,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly events: UserEvents,
    private readonly audit: AuditService,
  ) {
    this.masterKeyFingerprint = sha256Hex(`gatehouse master-key session\n${config.masterKey}`);
  }

  private get sessions(): Repository<SessionEntity> {
    return this.transactions.repository(SessionEntity);
  }

  async create(userId: string, isMaster: boolean): Promise<NewSession> {
    const token = randomToken(32);
    const csrfToken = randomToken(24);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.sessionTtlMs);
    await this.sessions.insert({
      id: sha256Hex(token),
      userId,
      isMaster,
      masterKeyFingerprint: isMaster ? this.masterKeyFingerprint : null,
      csrfToken,
      createdAt: now,
      expiresAt,
    });
    // Expired rows of anybody are swept on the way, so the table does not grow without bound.
    await this.sessions.delete({ expiresAt: LessThan(now) });
    return { token, csrfToken, expiresAt };
  }

  /**
   * A login: a new session and its `login` audit row, in one transaction. `method` is how the
   * user proved who they are (`session` for a password, `master_key`, `sso`).
   */
  async login(
    userId: string,
    isMaster: boolean,
    method: AuditAuthMethod,
    details: Record<string, unknown> = {},
  ): Promise<NewSession> {
    return this.transactions.run(async () => {
      const session = await this.create(userId, isMaster);
      await this.audit.record(
        { action: 'login', table_name: 'session', object_id: userId, updated_values: details },
        { changed_by: userId, changed_by_api_key: null, auth_method: method },
      );
      return session;
    });
  }

  /** A logout: the session ends and the caller's `logout` row is written, together. */
  async logout(principal: Principal): Promise<void> {
    await this.transactions.run(async () => {
      if (principal.sessionId) await this.end(principal.sessionId);
      await this.audit.record({
        action: 'logout',
        table_name: 'session',
        object_id: principal.userId,
      });
    });
  }

  /** The live session for a cookie value, or null (unknown, expired, ended or rotated out). */
  async find(token: string): Promise<SessionEntity | null> {
    const session = await this.sessions.findOneBy({ id: sha256Hex(token) });
    if (!session) return null;
    const expired = session.expiresAt.getTime() <= this.clock.nowMs();
    // A master-key session ends with the master key that opened it (rotation, or a row from
    // before fingerprints were kept).
    const rotated = session.isMaster && session.masterKeyFingerprint !== this.masterKeyFingerprint;
    if (expired || rotated) {
      await this.sessions.delete({ id: session.id });
      return null;
    }
    return session;
  }

  async end(sessionId: string): Promise<void> {
    await this.sessions.delete({ id: sessionId });
  }

  /** Ends every session of a user, but the one given (the session that changed the password). */
  async endAllOf(userId: string, except?: string): Promise<void> {
    await this.sessions.delete(except ? { userId, id: Not(except) } : { userId });
  }

  /**
   * A new password ends the user's other sessions (whoever set it: a stolen session must not
   * outlive a reset); a deleted user's sessions go at once.
   */
  async onUserEvent(event: UserEvent): Promise<void> {
    if (event.type === 'user.deleted') await this.endAllOf(event.userId);
    else if (event.passwordChanged) {
      const keep = event.actorId === event.userId ? event.actorSessionId : undefined;
      await this.endAllOf(event.userId, keep);
    }
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => this.onUserEvent(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
