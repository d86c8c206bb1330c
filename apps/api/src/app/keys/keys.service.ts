import { hasPermission } from '@gatehouse/shared/auth';
import {
  parseDuration,
  type DeletedKeyListResponse,
  type DeletedKeyResponse,
  type DeleteKeysRequest,
  type DeleteKeysResponse,
  type GenerateKeyRequest,
  type GenerateKeyResponse,
  type KeyInfoQuery,
  type KeyInfoResponse,
  type KeyListResponse,
  type KeyRefRequest,
  type KeyResponse,
  type ListKeysQuery,
  type RegenerateKeyRequest,
  type TeamRole,
  type UpdateKeyRequest,
} from '@gatehouse/shared/dto';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { isMaster, type Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { TeamEvents, type TeamEvent } from '../common/events/team-events';
import { UserEvents, type UserEvent } from '../common/events/user-events';
import { firstBudgetReset } from '../common/time/budget-period';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/errors';
import type { TeamEntity } from '../teams/team.entity';
import type { UserEntity } from '../users/user.entity';
import { KeyCache } from './key-cache';
import { KeyTeamsRepository } from './key-teams.repository';
import { newSecret, parseKeyRef } from './key-secrets';
import { KeyEntity, type DeletedKeyEntity } from './key.entity';
import { KeysRepository } from './keys.repository';

/** What a caller wants to do with a key; each maps to a `.self` and an `.any` permission. */
type KeyAction = 'read' | 'update' | 'delete';

const ACTION_PERMISSIONS = {
  read: ['key.read.self', 'key.read.any'],
  update: ['key.update.self', 'key.update.any'],
  delete: ['key.delete.self', 'key.delete.any'],
} as const;

/** The key fields generate and update share (null clears on update). */
type KeyFields = Omit<UpdateKeyRequest, 'key' | 'user_id'>;

/** The fields after the limits: `durationMs` replaces `duration` when a bound filled it in. */
/**
 * `durationMs`: a lifetime worked out by the limit checks; `expiresCap`: the calling key's own
 * expiry, which a key it makes or changes may never outlive (applied as an absolute time, so
 * the milliseconds between the check and the write cannot add up to a later expiry).
 */
type LimitedKeyFields = KeyFields & { durationMs?: number; expiresCap?: Date };

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

export function toKeyResponse(key: KeyEntity): KeyResponse {
  return {
    token: key.token,
    key_name: key.keyName,
    key_alias: key.keyAlias,
    user_id: key.userId,
    team_id: key.teamId,
    models: key.models,
    max_budget: key.maxBudget,
    spend: key.spend,
    budget_duration: key.budgetDuration,
    budget_reset_at: iso(key.budgetResetAt),
    expires: iso(key.expires),
    tpm_limit: key.tpmLimit,
    rpm_limit: key.rpmLimit,
    max_parallel_requests: key.maxParallelRequests,
    metadata: key.metadata,
    blocked: key.blocked,
    created_at: key.createdAt.toISOString(),
    created_by: key.createdBy,
    updated_at: key.updatedAt.toISOString(),
    updated_by: key.updatedBy,
  };
}

function toDeletedKeyResponse(key: DeletedKeyEntity): DeletedKeyResponse {
  return {
    ...toKeyResponse(key),
    deleted_at: key.deletedAt.toISOString(),
    deleted_by: key.deletedBy,
  };
}

const forbidden = (message: string, param: string): AppError =>
  new AppError(403, 'permission_error', message, param);

function boundError(field: string, value: number | string, bound: number | string): AppError {
  return AppError.badRequest(
    `${field} ${value} is over the upper bound for keys (${bound})`,
    field,
  );
}

@Injectable()
export class KeysService implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly keys: KeysRepository,
    private readonly teams: KeyTeamsRepository,
    private readonly cache: KeyCache,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly userEvents: UserEvents,
    private readonly teamEvents: TeamEvents,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = [
      this.userEvents.subscribe((event) => this.onUserEvent(event)),
      this.teamEvents.subscribe((event) => this.onTeamEvent(event)),
    ];
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.unsubscribe = [];
  }

  /** A user's role/models/budget changed or the user is gone: their cached keys are stale. */
  async onUserEvent(event: UserEvent): Promise<void> {
    this.cache.invalidateUser(event.userId);
    if (event.type === 'user.deleted') {
      const owned = await this.keys.findByUser(event.userId);
      await this.keys.archive(owned, this.clock.now(), event.actorId);
      for (const key of owned) this.cache.invalidateToken(key.token);
    }
  }

  /**
   * A team changed: its cached keys are stale. A member left or the team is gone: the keys
   * they hold for it are archived (deleted_by = the actor), like a deleted user's keys.
   */
  async onTeamEvent(event: TeamEvent): Promise<void> {
    if (event.type === 'team.updated') {
      this.cache.invalidateTeam(event.teamId);
      return;
    }
    const keys =
      event.type === 'team.deleted'
        ? await this.keys.findByTeams(event.teamIds)
        : await this.keys.findByUserAndTeam(event.userId, event.teamId);
    try {
      await this.keys.archive(keys, this.clock.now(), event.actorId);
    } finally {
      // Even if archiving failed, drop the cached entries (a reload refuses a key whose team
      // row is gone).
      for (const key of keys) this.cache.invalidateToken(key.token);
      if (event.type === 'team.deleted') {
        for (const teamId of event.teamIds) this.cache.invalidateTeam(teamId);
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // The one access rule for keys.
  // ---------------------------------------------------------------------------------------

  /**
   * Whether the caller may see this key at all: admins and admin viewers see every key,
   * owners their own, and team admins (team member role `admin`) every key of their team.
   */
  private mayRead(principal: Principal, key: KeyEntity, teamRole: TeamRole | null): boolean {
    return (
      hasPermission(principal.role, 'key.read.any') ||
      key.userId === principal.userId ||
      teamRole === 'admin'
    );
  }

  /** Owners and team admins need the `.self` permission; `.any` covers every key. */
  private mayDo(
    principal: Principal,
    key: KeyEntity,
    action: KeyAction,
    teamRole: TeamRole | null,
  ): boolean {
    const [self, any] = ACTION_PERMISSIONS[action];
    return (
      hasPermission(principal.role, any) ||
      (hasPermission(principal.role, self) &&
        (key.userId === principal.userId || teamRole === 'admin'))
    );
  }

  /**
   * The caller's role in the key's team, looked up only when it can matter (a non-admin
   * looking at somebody else's team key).
   */
  private async teamRoleFor(principal: Principal, key: KeyEntity | null): Promise<TeamRole | null> {
    if (
      !key?.teamId ||
      key.userId === principal.userId ||
      hasPermission(principal.role, 'key.read.any')
    ) {
      return null;
    }
    return this.teams.memberRole(key.teamId, principal.userId);
  }

  private isKeyAdmin(principal: Principal): boolean {
    return hasPermission(principal.role, 'key.update.any');
  }

  /**
   * The key named by `ref` (secret or token id) if the caller may see it, else 404 exactly
   * like an unknown key; 403 when they may see it but not do `action` to it.
   */
  async findVisible(
    principal: Principal,
    ref: string,
    action: KeyAction,
    param = 'key',
  ): Promise<KeyEntity> {
    const parsed = parseKeyRef(ref, param);
    const key =
      parsed.kind === 'token'
        ? await this.keys.findByToken(parsed.token)
        : await this.keys.findByAnySecretHash(parsed.secretHash);
    return this.checkAccess(principal, key, action, param);
  }

  private async checkAccess(
    principal: Principal,
    key: KeyEntity | null,
    action: KeyAction,
    param: string,
  ): Promise<KeyEntity> {
    const teamRole = await this.teamRoleFor(principal, key);
    if (!key || !this.mayRead(principal, key, teamRole)) throw AppError.notFound('Key', param);
    if (!this.mayDo(principal, key, action, teamRole)) {
      throw new AppError(
        403,
        'permission_error',
        `Your role (${principal.role}) may not ${action} this key`,
        param,
      );
    }
    return key;
  }

  /**
   * Which keys `GET /key/list` shows this caller: admins and admin viewers any (filtered as
   * asked); with `team_id`, team admins every key of their team; everybody else only their own
   * (`null` = naming another user finds nothing). `team_id` must name a team the caller can
   * see, else 404 like GET /team/info.
   */
  private async listScope(
    principal: Principal,
    query: ListKeysQuery,
  ): Promise<{ userId: string | undefined } | null> {
    const readsAny = hasPermission(principal.role, 'key.read.any');
    let teamRole: TeamRole | null = null;
    if (query.team_id !== undefined) {
      teamRole = readsAny ? null : await this.teams.memberRole(query.team_id, principal.userId);
      const team = await this.teams.findTeam(query.team_id);
      if (!team || (!readsAny && teamRole === null)) throw AppError.notFound('Team', 'team_id');
    }
    if (readsAny || teamRole === 'admin') return { userId: query.user_id };
    if (query.user_id !== undefined && query.user_id !== principal.userId) return null;
    return { userId: principal.userId };
  }

  /**
   * Who may put a key of `ownerId` into `teamId` (generate, or update naming team_id):
   * - the team must exist (404 `team_id`, admins too);
   * - admins (key.update.any) may use any team and any owner;
   * - a non-member gets 404 exactly like an unknown team (no existence oracle);
   * - any member may make team keys owned by themselves; team admins also for any member of
   *   the team (403 `user_id` for a non-member owner); plain members only for themselves;
   * - without a team, a non-admin only ever acts for themselves.
   * Returns the team (null for a personal key).
   */
  private async teamForKey(
    principal: Principal,
    teamId: string | null | undefined,
    ownerId: string,
  ): Promise<TeamEntity | null> {
    const admin = this.isKeyAdmin(principal);
    const self = ownerId === principal.userId;
    if (teamId === undefined || teamId === null) {
      if (!admin && !self) throw forbidden('You may only create keys for yourself', 'user_id');
      return null;
    }
    const team = await this.teams.findTeam(teamId);
    const role = admin ? null : await this.teams.memberRole(teamId, principal.userId);
    if (!team || (!admin && role === null)) throw AppError.notFound('Team', 'team_id');
    if (admin || self) return team;
    if (role !== 'admin') {
      throw forbidden('Only team admins may make keys for other members of the team', 'user_id');
    }
    if ((await this.teams.memberRole(teamId, ownerId)) === null) {
      throw forbidden(`user_id is not a member of team ${teamId}`, 'user_id');
    }
    return team;
  }

  /**
   * The team's limits on its keys, for non-admins (admins are not bound): models within the
   * team's (an empty list on either side = no restriction at that level), and max_budget,
   * tpm_limit and rpm_limit at most the team's. A key moved into the team (`current` given)
   * is checked with its current values for the fields the request leaves alone; on create a
   * value filled in from a bound or the calling key is lowered to the team's.
   */
  private enforceTeamLimits(
    principal: Principal,
    team: TeamEntity | null,
    requested: KeyFields,
    fields: LimitedKeyFields,
    creating: boolean,
    current: KeyEntity | null,
  ): LimitedKeyFields {
    if (!team || this.isKeyAdmin(principal)) return fields;
    const result: LimitedKeyFields = { ...fields };
    const models = result.models ?? current?.models;
    if (models !== undefined && team.models.length > 0) {
      const wider = models.filter((m) => !team.models.includes(m));
      if (wider.length > 0) {
        throw forbidden(
          `models not allowed for team ${team.teamId}: ${wider.join(', ')}`,
          'models',
        );
      }
    }
    const numeric = [
      ['max_budget', team.maxBudget, current?.maxBudget],
      ['tpm_limit', team.tpmLimit, current?.tpmLimit],
      ['rpm_limit', team.rpmLimit, current?.rpmLimit],
    ] as const;
    for (const [field, limit, currentValue] of numeric) {
      if (limit === null) continue;
      const value = result[field];
      if (value === undefined) {
        // Untouched: a moved key's current limit must fit (null = the team's limit applies).
        if (typeof currentValue === 'number' && currentValue > limit) {
          throw AppError.badRequest(
            `${field} ${currentValue} is over the team's ${field} (${limit})`,
            field,
          );
        }
        continue;
      }
      if (creating && requested[field] === undefined && typeof value === 'number') {
        result[field] = Math.min(value, limit);
      } else if (value === null || value > limit) {
        throw AppError.badRequest(
          `${field} ${value ?? 'unlimited'} is over the team's ${field} (${limit})`,
          field,
        );
      }
    }
    return result;
  }

  /**
   * The limits on what a key may carry, for one owner. Admins (key.update.any) are not bound;
   * everybody else stays within the owner's models and max_budget and the configured upper
   * bounds. On create, an absent value under a bound becomes the bound.
   */
  private enforceLimits(
    principal: Principal,
    owner: UserEntity,
    fields: KeyFields,
    creating: boolean,
  ): LimitedKeyFields {
    if (this.isKeyAdmin(principal)) return fields;
    const result: LimitedKeyFields = { ...fields };
    if (fields.models !== undefined && owner.models.length > 0) {
      const wider = fields.models.filter((m) => !owner.models.includes(m));
      if (wider.length > 0) {
        throw new AppError(
          403,
          'permission_error',
          `models not allowed for this user: ${wider.join(', ')}`,
          'models',
        );
      }
    }
    const bounds = this.config.keyUpperBounds;
    const numeric = [
      ['max_budget', bounds.maxBudget],
      ['tpm_limit', bounds.tpmLimit],
      ['rpm_limit', bounds.rpmLimit],
      ['max_parallel_requests', bounds.maxParallelRequests],
    ] as const;
    for (const [field, bound] of numeric) {
      const value = fields[field];
      if (bound === null) continue;
      if (value === undefined && !creating) continue;
      if (value === undefined || value === null) {
        if (!creating) throw boundError(field, 'unlimited', bound);
        result[field] = bound;
      } else if (value > bound) {
        throw boundError(field, value, bound);
      }
    }
    if (fields.max_budget === undefined && typeof result.max_budget === 'number') {
      // Filled in from the bound: never more than the owner's own budget.
      result.max_budget = Math.min(result.max_budget, owner.maxBudget ?? Infinity);
    }
    const budget = result.max_budget;
    if (owner.maxBudget !== null && budget !== undefined) {
      if (budget === null || budget > owner.maxBudget) {
        throw AppError.badRequest(
          `max_budget ${budget ?? 'unlimited'} is over the owner's max_budget (${owner.maxBudget})`,
          'max_budget',
        );
      }
    }
    if (bounds.durationMs !== null && (creating || fields.duration !== undefined)) {
      const boundText = `${bounds.durationMs / 1000}s`;
      if (fields.duration === undefined || fields.duration === null) {
        if (!creating) throw boundError('duration', 'never', boundText);
        result.durationMs = bounds.durationMs;
      } else if ((parseDuration(fields.duration) ?? Infinity) > bounds.durationMs) {
        throw boundError('duration', fields.duration, boundText);
      }
    }
    return result;
  }

  /**
   * A virtual key acting on the management API is narrowed by its own limits: what it makes or
   * changes (including itself) never gets more models, budget, rate or lifetime than it has.
   * Admins are not narrowed (their session could do it anyway).
   */
  private async narrowToCallingKey(
    principal: Principal,
    requested: KeyFields,
    fields: LimitedKeyFields,
    creating: boolean,
  ): Promise<LimitedKeyFields> {
    if (!principal.keyToken || this.isKeyAdmin(principal)) return fields;
    const calling = await this.keys.findByToken(principal.keyToken);
    if (!calling) throw AppError.unauthorized('API key was deleted');
    const result: LimitedKeyFields = { ...fields };
    const over = (field: string, value: number | string, limit: number | string): AppError =>
      AppError.badRequest(
        `${field} ${value} is over the calling key's own ${field} (${limit})`,
        field,
      );
    if (calling.models.length > 0) {
      if (result.models === undefined) {
        if (creating) result.models = calling.models;
      } else {
        const wider =
          result.models.length === 0
            ? ['all models']
            : result.models.filter((m) => !calling.models.includes(m));
        if (wider.length > 0) {
          throw new AppError(
            403,
            'permission_error',
            `models not allowed for this key: ${wider.join(', ')}`,
            'models',
          );
        }
      }
    }
    const numeric = [
      ['max_budget', calling.maxBudget],
      ['tpm_limit', calling.tpmLimit],
      ['rpm_limit', calling.rpmLimit],
      ['max_parallel_requests', calling.maxParallelRequests],
    ] as const;
    for (const [field, limit] of numeric) {
      const value = result[field];
      if (limit === null || (value === undefined && !creating)) continue;
      if (creating && (requested[field] === undefined || requested[field] === null)) {
        // Not asked for: the tighter of the calling key's limit and any configured bound.
        result[field] = Math.min(value ?? Infinity, limit);
      } else if (value === undefined || value === null) {
        throw over(field, 'unlimited', limit);
      } else if (value > limit) {
        throw over(field, value, limit);
      }
    }
    if (calling.expires !== null && (creating || result.duration !== undefined)) {
      result.expiresCap = calling.expires;
      const left = calling.expires.getTime() - this.clock.nowMs();
      if (creating && (requested.duration === undefined || requested.duration === null)) {
        result.durationMs = Math.min(result.durationMs ?? Infinity, left);
        return result;
      }
      const asked =
        result.durationMs ??
        (result.duration === undefined || result.duration === null
          ? null
          : (parseDuration(result.duration) ?? Infinity));
      if (asked === null) {
        if (!creating) throw over('duration', 'never', calling.expires.toISOString());
        result.durationMs = left;
      } else if (asked > left) {
        throw over('duration', result.duration ?? `${asked / 1000}s`, 'its expiry');
      }
    }
    return result;
  }

  /** Applies the shared fields to a key (only those present; null clears). */
  private applyFields(key: KeyEntity, fields: LimitedKeyFields, now: Date): void {
    if (fields.key_alias !== undefined) key.keyAlias = fields.key_alias;
    if (fields.durationMs !== undefined) {
      key.expires = new Date(now.getTime() + fields.durationMs);
    } else if (fields.duration !== undefined) {
      key.expires =
        fields.duration === null
          ? null
          : new Date(now.getTime() + (parseDuration(fields.duration) ?? 0));
    }
    if (fields.expiresCap && (key.expires === null || key.expires > fields.expiresCap)) {
      key.expires = fields.expiresCap;
    }
    if (fields.models !== undefined) key.models = fields.models;
    if (fields.max_budget !== undefined) key.maxBudget = fields.max_budget;
    if (fields.budget_duration !== undefined) {
      key.budgetDuration = fields.budget_duration;
      key.budgetResetAt = firstBudgetReset(now, fields.budget_duration);
    }
    if (fields.tpm_limit !== undefined) key.tpmLimit = fields.tpm_limit;
    if (fields.rpm_limit !== undefined) key.rpmLimit = fields.rpm_limit;
    if (fields.max_parallel_requests !== undefined) {
      key.maxParallelRequests = fields.max_parallel_requests;
    }
    if (fields.metadata !== undefined) key.metadata = fields.metadata;
    if (fields.team_id !== undefined) key.teamId = fields.team_id;
    if (fields.blocked !== undefined) key.blocked = fields.blocked;
  }

  private async ownerOrNotFound(userId: string): Promise<UserEntity> {
    const owner = await this.keys.findOwner(userId);
    if (!owner) throw AppError.notFound('User', 'user_id');
    return owner;
  }

  private async assertAliasFree(alias: string | null | undefined, token?: string): Promise<void> {
    if (alias === undefined || alias === null) return;
    const holder = await this.keys.findByAlias(alias);
    if (holder && holder.token !== token) {
      throw AppError.conflict(`A key with alias ${alias} already exists`, 'key_alias');
    }
  }

  private async write(key: KeyEntity, insert: boolean): Promise<void> {
    try {
      if (insert) await this.keys.insert(key);
      else await this.keys.save(key);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw AppError.conflict('A key with this alias already exists', 'key_alias');
      }
      throw error;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Routes.
  // ---------------------------------------------------------------------------------------

  async generate(principal: Principal, request: GenerateKeyRequest): Promise<GenerateKeyResponse> {
    const { user_id: requestedUserId, ...requested } = request;
    let ownerId = requestedUserId;
    if (ownerId === undefined) {
      // Every key has an owner: the master key (no user row of its own) must name one.
      if (isMaster(principal)) {
        throw AppError.badRequest(
          'user_id is required when calling with the master key',
          'user_id',
        );
      }
      ownerId = principal.userId;
    }
    const team = await this.teamForKey(principal, requested.team_id, ownerId);
    const owner = await this.ownerOrNotFound(ownerId);
    const fields = this.enforceTeamLimits(
      principal,
      team,
      requested,
      await this.narrowToCallingKey(
        principal,
        requested,
        this.enforceLimits(principal, owner, requested, true),
        true,
      ),
      true,
      null,
    );
    await this.assertAliasFree(fields.key_alias);

    const now = this.clock.now();
    const { secret, secretHash, keyName } = newSecret();
    const key = Object.assign(new KeyEntity(), {
      token: secretHash,
      secretHash,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      keyName,
      keyAlias: null,
      userId: owner.userId,
      teamId: null,
      models: [],
      maxBudget: null,
      spend: 0,
      budgetDuration: null,
      budgetResetAt: null,
      expires: null,
      tpmLimit: null,
      rpmLimit: null,
      maxParallelRequests: null,
      metadata: {},
      blocked: false,
      createdAt: now,
      createdBy: principal.userId,
      updatedAt: now,
      updatedBy: principal.userId,
    });
    this.applyFields(key, fields, now);
    await this.write(key, true);
    return { key: secret, ...toKeyResponse(key) };
  }

  async update(principal: Principal, request: UpdateKeyRequest): Promise<KeyResponse> {
    const { key: ref, user_id: newUserId, ...requested } = request;
    const key = await this.findVisible(principal, ref, 'update');
    const admin = this.isKeyAdmin(principal);
    if (newUserId !== undefined && newUserId !== key.userId && !admin) {
      throw new AppError(
        403,
        'permission_error',
        'You may not move a key to another user',
        'user_id',
      );
    }
    if (requested.blocked === false && key.blocked && !admin) {
      throw new AppError(403, 'permission_error', 'Only proxy_admin may unblock a key', 'blocked');
    }
    const ownerId = newUserId ?? key.userId ?? principal.userId;
    const moving = requested.team_id !== undefined && requested.team_id !== key.teamId;
    const team = moving
      ? await this.teamForKey(principal, requested.team_id, ownerId)
      : key.teamId
        ? await this.teams.findTeam(key.teamId)
        : null;
    const owner = await this.ownerOrNotFound(ownerId);
    const fields = this.enforceTeamLimits(
      principal,
      team,
      requested,
      await this.narrowToCallingKey(
        principal,
        requested,
        this.enforceLimits(principal, owner, requested, false),
        false,
      ),
      false,
      moving ? key : null,
    );
    await this.assertAliasFree(fields.key_alias, key.token);
    const now = this.clock.now();
    this.applyFields(key, fields, now);
    key.userId = owner.userId;
    key.updatedAt = now;
    key.updatedBy = principal.userId;
    await this.write(key, false);
    this.cache.invalidateToken(key.token);
    return toKeyResponse(key);
  }

  async delete(principal: Principal, request: DeleteKeysRequest): Promise<DeleteKeysResponse> {
    if (!request.keys && !request.key_aliases) {
      throw AppError.badRequest('Give keys or key_aliases', 'keys');
    }
    const found = new Map<string, KeyEntity>();
    for (const ref of new Set(request.keys ?? [])) {
      const key = await this.findVisible(principal, ref, 'delete', 'keys');
      found.set(key.token, key);
    }
    const aliases = [...new Set(request.key_aliases ?? [])];
    if (aliases.length > 0) {
      const byAlias = await this.keys.findByAliases(aliases);
      for (const alias of aliases) {
        const key = byAlias.find((k) => k.keyAlias === alias) ?? null;
        found.set(alias, await this.checkAccess(principal, key, 'delete', 'key_aliases'));
      }
    }
    const keys = [...new Map([...found.values()].map((k) => [k.token, k])).values()];
    await this.keys.archive(keys, this.clock.now(), principal.userId);
    for (const key of keys) this.cache.invalidateToken(key.token);
    return { deleted_keys: keys.map((k) => k.token) };
  }

  async info(principal: Principal, query: KeyInfoQuery): Promise<KeyInfoResponse> {
    const ref = query.key ?? principal.keyToken;
    if (ref === undefined) throw AppError.badRequest('key is required', 'key');
    const key = await this.findVisible(principal, ref, 'read');
    return { key: key.token, info: toKeyResponse(key) };
  }

  async list(principal: Principal, query: ListKeysQuery): Promise<KeyListResponse> {
    const page = query.page ?? 1;
    const size = query.size ?? 10;
    const scope = await this.listScope(principal, query);
    if (scope === null) return { keys: [], total_count: 0, current_page: page, total_pages: 0 };
    const [rows, total] = await this.keys.list({
      page,
      size,
      userId: scope.userId,
      teamId: query.team_id,
      keyAlias: query.key_alias,
      sortBy: query.sort_by ?? 'created_at',
      sortOrder: query.sort_order ?? 'desc',
    });
    return {
      keys: rows.map(toKeyResponse),
      total_count: total,
      current_page: page,
      total_pages: Math.ceil(total / size),
    };
  }

  /** The archive (`GET /key/deleted`, key.read.any). */
  async listDeleted(query: ListKeysQuery): Promise<DeletedKeyListResponse> {
    const page = query.page ?? 1;
    const size = query.size ?? 10;
    const [rows, total] = await this.keys.listDeleted({
      page,
      size,
      userId: query.user_id,
      teamId: query.team_id,
      keyAlias: query.key_alias,
      sortBy: 'created_at',
      sortOrder: query.sort_order ?? 'desc',
    });
    return {
      keys: rows.map(toDeletedKeyResponse),
      total_count: total,
      current_page: page,
      total_pages: Math.ceil(total / size),
    };
  }

  async regenerate(
    principal: Principal,
    request: RegenerateKeyRequest,
  ): Promise<GenerateKeyResponse> {
    const key = await this.findVisible(principal, request.key, 'update');
    const now = this.clock.now();
    const graceMs = request.grace_period ? (parseDuration(request.grace_period) ?? 0) : 0;
    const { secret, secretHash, keyName } = newSecret();
    key.previousSecretHash = key.secretHash;
    key.previousSecretExpiresAt = new Date(now.getTime() + graceMs);
    key.secretHash = secretHash;
    key.keyName = keyName;
    key.updatedAt = now;
    key.updatedBy = principal.userId;
    await this.write(key, false);
    this.cache.invalidateToken(key.token);
    return { key: secret, ...toKeyResponse(key) };
  }

  async block(principal: Principal, request: KeyRefRequest): Promise<KeyResponse> {
    return this.setBlocked(principal, request.key, true);
  }

  /** Route needs key.update.any: only proxy_admin unblocks. */
  async unblock(principal: Principal, request: KeyRefRequest): Promise<KeyResponse> {
    return this.setBlocked(principal, request.key, false);
  }

  private async setBlocked(
    principal: Principal,
    ref: string,
    blocked: boolean,
  ): Promise<KeyResponse> {
    const key = await this.findVisible(principal, ref, 'update');
    if (!blocked && !this.isKeyAdmin(principal)) {
      throw new AppError(403, 'permission_error', 'Only proxy_admin may unblock a key', 'key');
    }
    key.blocked = blocked;
    key.updatedAt = this.clock.now();
    key.updatedBy = principal.userId;
    await this.write(key, false);
    this.cache.invalidateToken(key.token);
    return toKeyResponse(key);
  }

  /** For user responses (`key_count`): how many keys each user owns, one query for the lot. */
  countByUsers(userIds: string[]): Promise<Map<string, number>> {
    return this.keys.countByUsers(userIds);
  }

  /** For `GET /user/info`: the user's keys (the caller's right to see the user is checked there). */
  async listForUser(userId: string): Promise<KeyResponse[]> {
    return (await this.keys.findByUser(userId)).map(toKeyResponse);
  }
}
