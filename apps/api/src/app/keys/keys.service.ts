import { hasPermission, keyTypeWithin, meetRole } from '@gatehouse/shared/auth';
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
import { changedValues } from '../audit/audit-diff';
import { AuditService, type AuditEntry } from '../audit/audit.service';
import { isMaster, type Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { TeamEvents, type TeamEvent } from '../common/events/team-events';
import { UserEvents, type UserEvent } from '../common/events/user-events';
import { firstBudgetReset } from '../common/time/budget-period';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import type { TeamEntity } from '../teams/team.entity';
import type { UserEntity } from '../users/user.entity';
import {
  checkKeyOwner,
  isKeyAdmin,
  keyListScope,
  mayActOnKey,
  mayReadKey,
  mayRegenerateKey,
  resolveKeyType,
  type KeyAction,
  type KeyActor,
} from './key-access';
import { KeyCache } from './key-cache';
import {
  budgetPeriodFloor,
  clampKeyLimits,
  type ClampedKeyLimits,
  type KeyLimitFields,
  type KeyLimitSource,
} from './key-limits';
import { KeyTeamsRepository } from './key-teams.repository';
import { newSecret, parseKeyRef } from './key-secrets';
import { KeyEntity, type DeletedKeyEntity, type KeyColumns } from './key.entity';
import { KeysRepository } from './keys.repository';

/** The key fields generate and update share (null clears on update). */
type KeyFields = Omit<UpdateKeyRequest, 'key' | 'user_id' | 'key_type'>;

/** The fields after the clamp (`durationMs`/`expiresCap`: see key-limits.ts). */
type LimitedKeyFields = ClampedKeyLimits<KeyFields>;

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
    key_type: key.keyType,
    created_at: key.createdAt.toISOString(),
    created_by: key.createdBy,
    updated_at: key.updatedAt.toISOString(),
    updated_by: key.updatedBy,
  };
}

/** A key as its audit rows show it: the response fields (token id and key_name, no secret). */
function auditedKey(key: KeyEntity): Record<string, unknown> {
  const { spend: _spend, ...own } = toKeyResponse(key);
  return own;
}

type KeyAudit = Omit<AuditEntry, 'table_name' | 'object_id'>;

function toDeletedKeyResponse(key: DeletedKeyEntity): DeletedKeyResponse {
  return {
    ...toKeyResponse(key),
    deleted_at: key.deletedAt.toISOString(),
    deleted_by: key.deletedBy,
  };
}

const forbidden = (message: string, param: string): AppError =>
  new AppError(403, 'permission_error', message, param);

/**
 * A calling key's limits on what it makes, changes or regenerates: never more models, budget,
 * rate, lifetime or a shorter budget period than it has itself.
 */
function callingKeySource(calling: KeyEntity): KeyLimitSource {
  return {
    label: "the calling key's own",
    models: calling.models,
    emptyModelsAreWider: true,
    maxBudget: calling.maxBudget,
    tpmLimit: calling.tpmLimit,
    rpmLimit: calling.rpmLimit,
    maxParallelRequests: calling.maxParallelRequests,
    expiresAt: calling.expires,
    shortestBudgetPeriod: budgetPeriodFloor(calling),
    fills: true,
  };
}

/** A key's current limits, as a request for them (regenerate checks them against a caller). */
function limitsOf(key: KeyEntity): KeyLimitFields {
  return {
    models: key.models,
    max_budget: key.maxBudget,
    budget_duration: key.budgetDuration,
    tpm_limit: key.tpmLimit,
    rpm_limit: key.rpmLimit,
    max_parallel_requests: key.maxParallelRequests,
  };
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
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
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
  // Access (the rules are key-access.ts's; here only the look-ups they need).
  // ---------------------------------------------------------------------------------------

  private actor(principal: Principal): KeyActor {
    return { userId: principal.userId, role: principal.role, keyType: principal.keyType ?? null };
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

  private async findByRef(ref: string, param: string): Promise<KeyEntity | null> {
    const parsed = parseKeyRef(ref, param);
    return parsed.kind === 'token'
      ? this.keys.findByToken(parsed.token)
      : this.keys.findByAnySecretHash(parsed.secretHash);
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
    return this.checkAccess(principal, await this.findByRef(ref, param), action, param);
  }

  private async checkAccess(
    principal: Principal,
    key: KeyEntity | null,
    action: KeyAction,
    param: string,
  ): Promise<KeyEntity> {
    const teamRole = await this.teamRoleFor(principal, key);
    const actor = this.actor(principal);
    if (!key || !mayReadKey(actor, key, teamRole)) throw AppError.notFound('Key', param);
    if (!mayActOnKey(actor, key, action, teamRole)) {
      throw forbidden(`Your role (${principal.role}) may not ${action} this key`, param);
    }
    return key;
  }

  /** Looks up the team `GET /key/list?team_id=` names and asks `keyListScope`. */
  private async listScope(
    principal: Principal,
    query: ListKeysQuery,
  ): Promise<{ userId: string | undefined } | null> {
    const actor = this.actor(principal);
    if (query.team_id === undefined) return keyListScope(actor, query, null);
    const readsAny = hasPermission(principal.role, 'key.read.any');
    const teamRole = readsAny ? null : await this.teams.memberRole(query.team_id, principal.userId);
    const team = await this.teams.findTeam(query.team_id);
    return keyListScope(actor, query, { exists: team !== null, callerRole: teamRole });
  }

  /** Looks up what `checkKeyOwner` needs and asks it; returns the team (null: personal key). */
  private async teamForKey(
    principal: Principal,
    teamId: string | null | undefined,
    ownerId: string,
  ): Promise<TeamEntity | null> {
    const actor = this.actor(principal);
    if (teamId === undefined || teamId === null) {
      checkKeyOwner(actor, {
        ownerId,
        teamId,
        teamExists: false,
        callerTeamRole: null,
        ownerTeamRole: null,
      });
      return null;
    }
    const admin = isKeyAdmin(actor);
    const team = await this.teams.findTeam(teamId);
    const callerTeamRole = admin ? null : await this.teams.memberRole(teamId, principal.userId);
    const ownerTeamRole =
      !admin && ownerId !== principal.userId && callerTeamRole === 'admin'
        ? await this.teams.memberRole(teamId, ownerId)
        : null;
    checkKeyOwner(actor, {
      ownerId,
      teamId,
      teamExists: team !== null,
      callerTeamRole,
      ownerTeamRole,
    });
    return team;
  }

  // ---------------------------------------------------------------------------------------
  // Limits (the clamp is key-limits.ts's; here only which limits apply).
  // ---------------------------------------------------------------------------------------

  /** The calling key of a virtual-key caller (null for sessions and the master key). */
  private async callingKey(principal: Principal): Promise<KeyEntity | null> {
    if (!principal.keyToken) return null;
    const calling = await this.keys.findByToken(principal.keyToken);
    if (!calling) throw AppError.unauthorized('API key was deleted');
    return calling;
  }

  /**
   * Every limit a non-admin's key must stay within (admins, key.update.any, are bound by none:
   * their session could do it anyway): the configured bounds, the owner's, the team's, the
   * calling key's own, and on update the key's own budget period (a non-admin may not shorten
   * it: that resets the spend sooner, a higher budget).
   */
  private async limitSources(
    principal: Principal,
    context: {
      owner: UserEntity;
      team: TeamEntity | null;
      /** The key being changed (update). */
      current?: KeyEntity;
      /** Whether the change moves `current` into `team` (its untouched values must fit). */
      moving?: boolean;
    },
  ): Promise<KeyLimitSource[]> {
    if (isKeyAdmin(this.actor(principal))) return [];
    const bounds = this.config.keyUpperBounds;
    const { owner, team, current } = context;
    const sources: KeyLimitSource[] = [
      {
        label: 'the configured upper bound for',
        maxBudget: bounds.maxBudget,
        tpmLimit: bounds.tpmLimit,
        rpmLimit: bounds.rpmLimit,
        maxParallelRequests: bounds.maxParallelRequests,
        lifetimeMs: bounds.durationMs,
        shortestBudgetPeriod: bounds.minBudgetDurationMs,
        fills: true,
      },
      { label: "the owner's", models: owner.models, maxBudget: owner.maxBudget },
    ];
    if (team) {
      sources.push({
        label: "the team's",
        models: team.models,
        maxBudget: team.maxBudget,
        tpmLimit: team.tpmLimit,
        rpmLimit: team.rpmLimit,
        untouched: context.moving && current ? current : undefined,
      });
    }
    const calling = await this.callingKey(principal);
    if (calling) sources.push(callingKeySource(calling));
    if (current) {
      sources.push({
        label: "the key's current",
        shortestBudgetPeriod: budgetPeriodFloor(current),
      });
    }
    return sources;
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

  /** Aliases are unique per owner (a global check told anybody another user's aliases). */
  private async assertAliasFree(
    ownerId: string,
    alias: string | null | undefined,
    token?: string,
  ): Promise<void> {
    if (alias === undefined || alias === null) return;
    const holder = await this.keys.findByOwnerAndAlias(ownerId, alias);
    if (holder && holder.token !== token) {
      throw AppError.conflict(`You already have a key with alias ${alias}`, 'key_alias');
    }
  }

  /**
   * KEY_MAX_PER_USER: a user's live keys are bounded (each answer of /user/info lists them).
   * Checked before the insert, so parallel generates can pass it by a few; it bounds growth.
   */
  private async assertUnderKeyCap(ownerId: string): Promise<void> {
    const count = (await this.keys.countByUsers([ownerId])).get(ownerId) ?? 0;
    if (count >= this.config.keyMaxPerUser) {
      throw new AppError(
        409,
        'conflict_error',
        `user ${ownerId} already has ${count} keys, the most one user may have (KEY_MAX_PER_USER); delete one first`,
        'user_id',
      ).withCode('key_limit_reached');
    }
  }

  /** Writes the key and its audit row, in one transaction. */
  private async write(key: KeyEntity, insert: boolean, audit: KeyAudit): Promise<void> {
    await this.transactions.run(async () => {
      try {
        if (insert) await this.keys.insert(key);
        else await this.keys.save(key);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw AppError.conflict('You already have a key with this alias', 'key_alias');
        }
        throw error;
      }
      await this.audit.record({ table_name: 'key', object_id: key.token, ...audit });
    });
  }

  // ---------------------------------------------------------------------------------------
  // Routes.
  // ---------------------------------------------------------------------------------------

  async generate(principal: Principal, request: GenerateKeyRequest): Promise<GenerateKeyResponse> {
    const { user_id: requestedUserId, key_type: requestedType, ...requested } = request;
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
    const keyType =
      resolveKeyType(this.actor(principal), requestedType, { creating: true, ownerId }) ??
      'default';
    const fields = clampKeyLimits(requested, {
      creating: true,
      nowMs: this.clock.nowMs(),
      sources: await this.limitSources(principal, { owner, team }),
    });
    await this.assertUnderKeyCap(owner.userId);
    await this.assertAliasFree(owner.userId, fields.key_alias);

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
      keyType,
      // The key never acts with more than this (the master key's role is proxy_admin; a
      // calling key's is already its capped role).
      createdByRole: principal.role,
      createdAt: now,
      createdBy: principal.userId,
      updatedAt: now,
      updatedBy: principal.userId,
    } satisfies KeyColumns);
    this.applyFields(key, fields, now);
    await this.write(key, true, { action: 'created', updated_values: auditedKey(key) });
    return { key: secret, ...toKeyResponse(key) };
  }

  async update(principal: Principal, request: UpdateKeyRequest): Promise<KeyResponse> {
    const { key: ref, user_id: newUserId, key_type: requestedType, ...requested } = request;
    const key = await this.findVisible(principal, ref, 'update');
    const before = auditedKey(key);
    const admin = isKeyAdmin(this.actor(principal));
    if (newUserId !== undefined && newUserId !== key.userId && !admin) {
      throw forbidden('You may not move a key to another user', 'user_id');
    }
    if (requested.blocked === false && key.blocked && !admin) {
      throw forbidden('Only proxy_admin may unblock a key', 'blocked');
    }
    const ownerId = newUserId ?? key.userId ?? principal.userId;
    const keyType = resolveKeyType(this.actor(principal), requestedType, {
      creating: false,
      ownerId,
    });
    const moving = requested.team_id !== undefined && requested.team_id !== key.teamId;
    const team = moving
      ? await this.teamForKey(principal, requested.team_id, ownerId)
      : key.teamId
        ? await this.teams.findTeam(key.teamId)
        : null;
    const owner = await this.ownerOrNotFound(ownerId);
    const fields = clampKeyLimits(requested, {
      creating: false,
      nowMs: this.clock.nowMs(),
      sources: await this.limitSources(principal, { owner, team, current: key, moving }),
    });
    const newOwner = owner.userId !== key.userId;
    await this.assertAliasFree(
      owner.userId,
      fields.key_alias !== undefined ? fields.key_alias : newOwner ? key.keyAlias : null,
      key.token,
    );
    const now = this.clock.now();
    this.applyFields(key, fields, now);
    if (keyType !== undefined) key.keyType = keyType;
    key.userId = owner.userId;
    key.updatedAt = now;
    key.updatedBy = principal.userId;
    await this.write(key, false, {
      action: 'updated',
      ...changedValues(before, auditedKey(key)),
    });
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
        const key = await this.resolveAliasForDelete(
          principal,
          byAlias.filter((k) => k.keyAlias === alias),
          alias,
        );
        found.set(key.token, key);
      }
    }
    const keys = [...found.values()];
    await this.transactions.run(async () => {
      await this.keys.archive(keys, this.clock.now(), principal.userId);
      for (const key of keys) {
        await this.audit.record({
          action: 'deleted',
          table_name: 'key',
          object_id: key.token,
          before_value: auditedKey(key),
        });
      }
    });
    for (const key of keys) this.cache.invalidateToken(key.token);
    return { deleted_keys: keys.map((k) => k.token) };
  }

  /**
   * Aliases are unique per owner, so one alias can name several keys: it names the one key
   * with that alias the caller may delete. None visible: 404 (like an unknown alias); visible
   * but none deletable: 403; several deletable (an admin, or a team admin, naming an alias
   * several owners use): 400 `ambiguous_key_alias`, asking for `keys`.
   */
  private async resolveAliasForDelete(
    principal: Principal,
    candidates: KeyEntity[],
    alias: string,
  ): Promise<KeyEntity> {
    const actor = this.actor(principal);
    const visible: KeyEntity[] = [];
    const deletable: KeyEntity[] = [];
    for (const key of candidates) {
      const teamRole = await this.teamRoleFor(principal, key);
      if (!mayReadKey(actor, key, teamRole)) continue;
      visible.push(key);
      if (mayActOnKey(actor, key, 'delete', teamRole)) deletable.push(key);
    }
    if (deletable.length === 1) return deletable[0];
    if (deletable.length > 1) {
      throw AppError.badRequest(
        `${deletable.length} keys you may delete have alias ${alias}; name them by keys instead`,
        'key_aliases',
      ).withCode('ambiguous_key_alias');
    }
    if (visible.length > 0) {
      throw forbidden(`Your role (${principal.role}) may not delete this key`, 'key_aliases');
    }
    throw AppError.notFound('Key', 'key_aliases');
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
      ownerEmailPrefix: query.user_email?.toLowerCase(),
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

  /**
   * A new secret for a key: it hands the secret over, so it takes the right to make that key
   * for its owner (`mayRegenerateKey`), and through a calling key only a key within the calling
   * key's own limits and type (else a narrow key would obtain a wider sibling's secret). The
   * key's recorded creator role becomes the meet of the old one and the regenerator's.
   */
  async regenerate(
    principal: Principal,
    request: RegenerateKeyRequest,
  ): Promise<GenerateKeyResponse> {
    const key = await this.findByRef(request.key, 'key');
    const actor = this.actor(principal);
    const teamRole = await this.teamRoleFor(principal, key);
    if (!key || !mayReadKey(actor, key, teamRole)) throw AppError.notFound('Key', 'key');
    const ownerInTeam =
      teamRole === 'admin' && key.teamId !== null && key.userId !== null
        ? (await this.teams.memberRole(key.teamId, key.userId)) !== null
        : false;
    if (!mayRegenerateKey(actor, key, teamRole, ownerInTeam)) {
      throw forbidden(
        key.userId === principal.userId
          ? `Your role (${principal.role}) may not regenerate this key`
          : 'Only the owner or an admin may regenerate this key (a team admin only an llm_api key)',
        'key',
      );
    }
    if (actor.keyType !== null && !keyTypeWithin(key.keyType, actor.keyType)) {
      throw forbidden(`A ${actor.keyType} key may not regenerate a ${key.keyType} key`, 'key');
    }
    const calling = isKeyAdmin(actor) ? null : await this.callingKey(principal);
    if (calling && calling.token !== key.token) {
      try {
        clampKeyLimits(limitsOf(key), {
          creating: false,
          nowMs: this.clock.nowMs(),
          expiresAt: key.expires,
          sources: [callingKeySource(calling)],
        });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        throw forbidden(
          `This key may not regenerate a key wider than itself: ${error.message}`,
          'key',
        );
      }
    }
    const now = this.clock.now();
    const graceMs = request.grace_period ? (parseDuration(request.grace_period) ?? 0) : 0;
    const { secret, secretHash, keyName } = newSecret();
    const previousKeyName = key.keyName;
    key.previousSecretHash = key.secretHash;
    key.previousSecretExpiresAt = new Date(now.getTime() + graceMs);
    key.secretHash = secretHash;
    key.keyName = keyName;
    key.createdByRole = meetRole(key.createdByRole, principal.role);
    key.updatedAt = now;
    key.updatedBy = principal.userId;
    await this.write(key, false, {
      action: 'regenerated',
      before_value: { key_name: previousKeyName },
      updated_values: {
        key_name: keyName,
        grace_period: request.grace_period ?? null,
        previous_secret_expires_at: key.previousSecretExpiresAt.toISOString(),
      },
    });
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
    if (!blocked && !isKeyAdmin(this.actor(principal))) {
      throw forbidden('Only proxy_admin may unblock a key', 'key');
    }
    const wasBlocked = key.blocked;
    key.blocked = blocked;
    key.updatedAt = this.clock.now();
    key.updatedBy = principal.userId;
    await this.write(key, false, {
      action: blocked ? 'blocked' : 'unblocked',
      before_value: { blocked: wasBlocked },
      updated_values: { blocked },
    });
    this.cache.invalidateToken(key.token);
    return toKeyResponse(key);
  }

  /** For user responses (`key_count`): how many keys each user owns, one query for the lot. */
  countByUsers(userIds: string[]): Promise<Map<string, number>> {
    return this.keys.countByUsers(userIds);
  }

  /**
   * For `GET /user/info`: one page of the user's keys, newest first, and how many there are
   * (the caller's right to see the user is checked there).
   */
  async pageForUser(
    userId: string,
    page: number,
    pageSize: number,
  ): Promise<{ keys: KeyResponse[]; total: number }> {
    const [rows, total] = await this.keys.pageByUser(userId, page, pageSize);
    return { keys: rows.map(toKeyResponse), total };
  }
}
