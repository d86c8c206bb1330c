import { DEFAULT_ROLE, hasPermission, type Role } from '@gatehouse/shared/auth';
import type {
  DeleteUsersRequest,
  DeleteUsersResponse,
  ListUsersQuery,
  NewUserRequest,
  UpdateUserRequest,
  UserInfoResponse,
  UserListResponse,
  UserResponse,
} from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { changedValues } from '../audit/audit-diff';
import { LoginThrottle } from '../auth/login-throttle';
import { isMaster, MASTER_USER_ID, type Principal } from '../common/auth/principal';
import { PasswordHasher } from '../common/crypto/password-hasher';
import { UserEvents } from '../common/events/user-events';
import { AppError } from '../common/errors/app-error';
import { firstBudgetReset } from '../common/time/budget-period';
import { Clock } from '../common/time/clock';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { InvitationsService } from '../invitations/invitations.service';
import { KeysService } from '../keys/keys.service';
import { TeamsService } from '../teams/teams.service';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

/** Fields a user may change on their own row (everything else needs user.update.any). */
const SELF_UPDATABLE = new Set<keyof UpdateUserRequest>([
  'user_id',
  'user_alias',
  'password',
  'current_password',
]);

/** Higher is more powerful; used to refuse raising one's own role. */
const ROLE_RANK: Readonly<Record<Role, number>> = {
  proxy_admin: 3,
  proxy_admin_viewer: 2,
  internal_user: 1,
  internal_user_viewer: 0,
};

export function toUserResponse(user: UserEntity, teams: string[] = [], keyCount = 0): UserResponse {
  return {
    user_id: user.userId,
    user_email: user.email,
    user_alias: user.alias,
    user_role: user.role,
    max_budget: user.maxBudget,
    spend: user.spend,
    models: user.models,
    tpm_limit: user.tpmLimit,
    rpm_limit: user.rpmLimit,
    budget_duration: user.budgetDuration,
    budget_reset_at: user.budgetResetAt?.toISOString() ?? null,
    metadata: user.metadata,
    teams,
    key_count: keyCount,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

/** A user as its audit rows show it: the response fields that are the user's own (no secret). */
export function auditedUser(user: UserEntity): Record<string, unknown> {
  const { teams: _teams, key_count: _keys, spend: _spend, ...own } = toUserResponse(user);
  return own;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly teams: TeamsService,
    private readonly invitations: InvitationsService,
    private readonly events: UserEvents,
    private readonly keys: KeysService,
    private readonly throttle: LoginThrottle,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  /**
   * The one place user rows become responses: `teams` lists each user's team ids and
   * `key_count` counts their keys (one query each for the whole page, not one per user).
   */
  private async respond(users: UserEntity[]): Promise<UserResponse[]> {
    const ids = users.map((u) => u.userId);
    const [teams, keyCounts] = await Promise.all([
      this.teams.teamIdsOfUsers(ids),
      this.keys.countByUsers(ids),
    ]);
    return users.map((u) =>
      toUserResponse(u, teams.get(u.userId) ?? [], keyCounts.get(u.userId) ?? 0),
    );
  }

  private async respondOne(user: UserEntity): Promise<UserResponse> {
    return (await this.respond([user]))[0];
  }

  /**
   * The one ownership rule for user rows: callers with `user.read.any` see everyone; the
   * others see only themselves, and anybody else's id answers 404 like an unknown one.
   */
  async findVisible(principal: Principal, userId: string): Promise<UserEntity> {
    const mayReadAny = hasPermission(principal.role, 'user.read.any');
    if (!mayReadAny && userId !== principal.userId) throw AppError.notFound('User', 'user_id');
    const user = await this.users.findById(userId);
    if (!user) throw AppError.notFound('User', 'user_id');
    return user;
  }

  async create(principal: Principal, request: NewUserRequest): Promise<UserResponse> {
    const email = request.user_email?.toLowerCase() ?? null;
    if (email && (await this.users.findByEmail(email))) {
      throw AppError.conflict(`A user with email ${email} already exists`, 'user_email');
    }
    const userId = request.user_id ?? randomUUID();
    if (userId === MASTER_USER_ID)
      throw AppError.badRequest(`user_id ${MASTER_USER_ID} is reserved`, 'user_id');
    if (request.user_id && (await this.users.findById(userId))) {
      throw AppError.conflict(`A user with id ${userId} already exists`, 'user_id');
    }
    // Teams and the invitation email are checked before anything is written.
    if (request.teams?.length) await this.teams.assertExist(request.teams);
    if (request.send_invite_email) {
      if (!email) {
        throw AppError.badRequest(
          'user_email is required to send an invitation email',
          'user_email',
        );
      }
      this.invitations.assertCanEmail('send_invite_email');
    }
    const now = this.clock.now();
    const user = Object.assign(new UserEntity(), {
      userId,
      email,
      alias: request.user_alias ?? null,
      role: request.user_role ?? DEFAULT_ROLE,
      passwordHash: request.password ? await this.hasher.hash(request.password) : null,
      maxBudget: request.max_budget ?? null,
      spend: 0,
      models: request.models ?? [],
      tpmLimit: request.tpm_limit ?? null,
      rpmLimit: request.rpm_limit ?? null,
      budgetDuration: request.budget_duration ?? null,
      budgetResetAt: firstBudgetReset(now, request.budget_duration ?? null),
      metadata: request.metadata ?? {},
      createdAt: now,
      createdBy: principal.userId,
      updatedAt: now,
      updatedBy: principal.userId,
    });
    await this.transactions.run(async () => {
      try {
        await this.users.insert(user);
      } catch (error) {
        if (isUniqueViolation(error))
          throw AppError.conflict('A user with this id or email already exists', 'user_email');
        throw error;
      }
      if (request.teams?.length) await this.teams.addUserToTeams(userId, request.teams);
      const invitation = request.send_invite_email
        ? await this.invitations.createFor(principal, user, true, { audited: false })
        : null;
      await this.audit.record({
        action: 'created',
        table_name: 'user',
        object_id: userId,
        updated_values: {
          ...auditedUser(user),
          ...(request.teams?.length ? { teams: request.teams } : {}),
          ...(invitation ? { invitation_id: invitation.id } : {}),
        },
      });
    });
    return this.respondOne(user);
  }

  /** The user and their teams; the controller adds the page of their keys (keys module). */
  async info(
    principal: Principal,
    userId: string | undefined,
  ): Promise<Omit<UserInfoResponse, `keys${string}`>> {
    if (!userId && isMaster(principal)) {
      throw AppError.badRequest('user_id is required when calling with the master key', 'user_id');
    }
    const user = await this.findVisible(principal, userId ?? principal.userId);
    return {
      user_id: user.userId,
      user_info: await this.respondOne(user),
      teams: await this.teams.teamsOfUser(user.userId),
    };
  }

  async update(principal: Principal, request: UpdateUserRequest): Promise<UserResponse> {
    const mayUpdateAny = hasPermission(principal.role, 'user.update.any');
    const isSelf = request.user_id === principal.userId;
    if (!mayUpdateAny) {
      if (!isSelf) throw AppError.notFound('User', 'user_id');
      const forbidden = (Object.keys(request) as (keyof UpdateUserRequest)[]).find(
        (field) => request[field] !== undefined && !SELF_UPDATABLE.has(field),
      );
      if (forbidden) {
        throw new AppError(
          403,
          'permission_error',
          `You may not change ${forbidden} on your own account`,
          forbidden,
        );
      }
    }
    const user = await this.users.findWithPasswordById(request.user_id);
    if (!user) throw AppError.notFound('User', 'user_id');
    const before = auditedUser(user);

    if (request.user_role !== undefined && request.user_role !== user.role) {
      if (isSelf && ROLE_RANK[request.user_role] > ROLE_RANK[user.role]) {
        throw new AppError(403, 'permission_error', 'You may not raise your own role', 'user_role');
      }
      user.role = request.user_role;
    }
    if (request.password !== undefined) {
      // A user changing their own password proves they know the current one.
      if (isSelf) {
        if (!request.current_password) {
          throw AppError.badRequest(
            'current_password is required to change your password',
            'current_password',
          );
        }
        // A guess at the password like a login: charged to the login throttle of the
        // account before hashing, so a session or key cannot try more passwords than /login.
        const attempt = await this.throttle.take({ account: user.email ?? user.userId });
        if (!(await this.hasher.verify(user.passwordHash, request.current_password))) {
          throw AppError.badRequest('current_password is incorrect', 'current_password');
        }
        await this.throttle.succeeded(attempt);
      }
      user.passwordHash = await this.hasher.hash(request.password);
    }
    if (request.user_email !== undefined) {
      const email = request.user_email.toLowerCase();
      const holder = await this.users.findByEmail(email);
      if (holder && holder.userId !== user.userId) {
        throw AppError.conflict(`A user with email ${email} already exists`, 'user_email');
      }
      user.email = email;
    }
    if (request.user_alias !== undefined) user.alias = request.user_alias;
    if (request.max_budget !== undefined) user.maxBudget = request.max_budget;
    if (request.models !== undefined) user.models = request.models;
    if (request.tpm_limit !== undefined) user.tpmLimit = request.tpm_limit;
    if (request.rpm_limit !== undefined) user.rpmLimit = request.rpm_limit;
    const now = this.clock.now();
    if (request.budget_duration !== undefined) {
      user.budgetDuration = request.budget_duration;
      user.budgetResetAt = firstBudgetReset(now, request.budget_duration);
    }
    if (request.metadata !== undefined) user.metadata = request.metadata;
    user.updatedAt = now;
    user.updatedBy = principal.userId;
    const passwordChanged = request.password !== undefined;
    await this.transactions.run(async () => {
      try {
        await this.users.save(user);
      } catch (error) {
        if (isUniqueViolation(error))
          throw AppError.conflict('A user with this email already exists', 'user_email');
        throw error;
      }
      const changes = changedValues(before, auditedUser(user));
      await this.audit.record({
        action: passwordChanged ? 'password_set' : 'updated',
        table_name: 'user',
        object_id: user.userId,
        ...changes,
      });
    });
    await this.events.publish({
      type: 'user.updated',
      userId: user.userId,
      actorId: principal.userId,
      passwordChanged: request.password !== undefined,
      actorSessionId: principal.sessionId,
    });
    return this.respondOne(user);
  }

  async delete(request: DeleteUsersRequest, actorId: string): Promise<DeleteUsersResponse> {
    const ids = [...new Set(request.user_ids)];
    const found = await this.users.findByIds(ids);
    if (found.length !== ids.length) {
      const missing = ids.filter((id) => !found.some((u) => u.userId === id));
      throw AppError.notFound(`User ${missing.join(', ')}`, 'user_ids');
    }
    await this.transactions.run(async () => {
      await this.teams.removeUsers(ids);
      await this.invitations.removeForUsers(ids);
      await this.users.deleteByIds(ids);
      for (const user of found) {
        await this.audit.record({
          action: 'deleted',
          table_name: 'user',
          object_id: user.userId,
          before_value: auditedUser(user),
        });
      }
    });
    for (const userId of ids) await this.events.publish({ type: 'user.deleted', userId, actorId });
    return { deleted_user_ids: ids };
  }

  async list(principal: Principal, query: ListUsersQuery): Promise<UserListResponse> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 25;
    if (!hasPermission(principal.role, 'user.read.any')) {
      // Non-admins see exactly one row: their own, when it matches the filters.
      const self = await this.users.findById(principal.userId);
      const matches =
        self !== null &&
        (!query.role || self.role === query.role) &&
        (!query.user_email || (self.email ?? '').includes(query.user_email.toLowerCase()));
      const users = matches && page === 1 ? await this.respond([self]) : [];
      const total = matches ? 1 : 0;
      return { users, total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize) };
    }
    const [rows, total] = await this.users.list({
      ...query,
      page,
      page_size: pageSize,
      sort_by: query.sort_by ?? 'created_at',
      sort_order: query.sort_order ?? 'desc',
    });
    return {
      users: await this.respond(rows),
      total,
      page,
      page_size: pageSize,
      total_pages: Math.ceil(total / pageSize),
    };
  }

  /** Used by login: the user with their password hash, or null. */
  findForLogin(email: string): Promise<UserEntity | null> {
    return this.users.findWithPasswordByEmail(email);
  }

  findById(userId: string): Promise<UserEntity | null> {
    return this.users.findById(userId);
  }

  hasPassword(userId: string): Promise<boolean> {
    return this.users.hasPassword(userId);
  }
}
