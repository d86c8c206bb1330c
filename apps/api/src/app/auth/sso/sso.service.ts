import type { SsoConfigResponse } from '@gatehouse/shared/dto';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { UserEvents } from '../../common/events/user-events';
import { Clock } from '../../common/time/clock';
import { AppConfig } from '../../config/app-config';
import type { OidcConfig } from '../../config/identity-config';
import { isUniqueViolation } from '../../database/errors';
import { TeamsService } from '../../teams/teams.service';
import { UserEntity } from '../../users/user.entity';
import { UsersRepository } from '../../users/users.repository';
import { SsoFailure } from './sso-error';
import type { SsoIdentity } from './sso-identity';

/** Who made rows and changes that a provider's login caused. */
const SSO_ACTOR = 'sso';

/**
 * Just-in-time users for single sign-on. A user is found by the provider's `iss` + `sub`
 * first (so a changed email at the provider is the same user), then by verified email (an
 * existing password user is linked), else created with OIDC_DEFAULT_ROLE. The role map and
 * the teams claim are applied at every login.
 */
@Injectable()
export class SsoService {
  private readonly logger = new Logger('SSO');
  private readonly oidc: OidcConfig | null;

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly teams: TeamsService,
    private readonly events: UserEvents,
    private readonly clock: Clock,
  ) {
    this.oidc = config.identity.oidc;
  }

  publicConfig(): SsoConfigResponse {
    return {
      enabled: this.oidc !== null,
      display_name: this.oidc?.displayName ?? null,
      login_url: this.oidc ? '/sso/login' : null,
      password_login: this.config.identity.passwordLogin,
    };
  }

  async signIn(identity: SsoIdentity): Promise<UserEntity> {
    let user: UserEntity;
    try {
      user = await this.provision(identity);
    } catch (error) {
      // Two first logins of one person at once: the loser finds the winner's row.
      if (!isUniqueViolation(error)) throw error;
      user = await this.provision(identity);
    }
    if (identity.teams !== null) {
      await this.teams.syncUserTeams(user.userId, identity.teams, SSO_ACTOR);
    }
    return user;
  }

  private async provision(identity: SsoIdentity): Promise<UserEntity> {
    const now = this.clock.now();
    const known = await this.users.findBySsoIdentity(identity.issuer, identity.subject);
    if (known) return this.refresh(known, identity, now);

    const byEmail = await this.users.findByEmail(identity.email);
    if (byEmail) {
      if (byEmail.ssoSubject !== null) {
        // The address belongs to somebody else's provider identity: never merge the two.
        throw new SsoFailure(
          'account_conflict',
          `email of ${byEmail.userId} is linked to another subject`,
        );
      }
      byEmail.ssoIssuer = identity.issuer;
      byEmail.ssoSubject = identity.subject;
      this.logger.log(`Linked user ${byEmail.userId} to its SSO identity`);
      return this.refresh(byEmail, identity, now, true);
    }

    const user = Object.assign(new UserEntity(), {
      userId: randomUUID(),
      email: identity.email,
      alias: null,
      role: identity.mappedRole ?? this.oidc?.defaultRole ?? 'internal_user_viewer',
      passwordHash: null,
      ssoIssuer: identity.issuer,
      ssoSubject: identity.subject,
      maxBudget: null,
      spend: 0,
      models: [],
      tpmLimit: null,
      rpmLimit: null,
      budgetDuration: null,
      budgetResetAt: null,
      metadata: {},
      createdAt: now,
      createdBy: SSO_ACTOR,
      updatedAt: now,
      updatedBy: SSO_ACTOR,
    });
    await this.users.insert(user);
    this.logger.log(`Created user ${user.userId} at its first SSO login (${user.role})`);
    return user;
  }

  /** The role map (promotion and demotion) and a changed email, saved when anything changed. */
  private async refresh(
    user: UserEntity,
    identity: SsoIdentity,
    now: Date,
    changed = false,
  ): Promise<UserEntity> {
    let dirty = changed;
    if (identity.mappedRole !== null && identity.mappedRole !== user.role) {
      this.logger.log(`SSO role map: user ${user.userId} ${user.role} -> ${identity.mappedRole}`);
      user.role = identity.mappedRole;
      dirty = true;
    }
    if (user.email !== identity.email) {
      const holder = await this.users.findByEmail(identity.email);
      if (!holder) {
        user.email = identity.email;
        dirty = true;
      }
    }
    if (!dirty) return user;
    user.updatedAt = now;
    user.updatedBy = SSO_ACTOR;
    await this.users.save(user);
    // Caches of the user's keys and role hear about it like after /user/update.
    await this.events.publish({ type: 'user.updated', userId: user.userId, actorId: SSO_ACTOR });
    return user;
  }
}
