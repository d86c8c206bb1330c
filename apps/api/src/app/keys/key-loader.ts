import { Injectable } from '@nestjs/common';
import type { TeamEntity } from '../teams/team.entity';
import type { UserEntity } from '../users/user.entity';
import { KeyLookupSource, type CachedKey, type CachedKeyOwner, type KeyLookup } from './key-cache';
import { KeyTeamsRepository } from './key-teams.repository';
import type { KeyEntity } from './key.entity';
import { KeysRepository } from './keys.repository';

/** A user row as the gateway needs it: a key's owner, or a console session's user. */
export function toCachedOwner(user: UserEntity): CachedKeyOwner {
  return {
    userId: user.userId,
    email: user.email,
    role: user.role,
    models: user.models,
    maxBudget: user.maxBudget,
    spend: user.spend,
    budgetDuration: user.budgetDuration,
    budgetResetAt: user.budgetResetAt?.getTime() ?? null,
    tpmLimit: user.tpmLimit,
    rpmLimit: user.rpmLimit,
  };
}

export function toCachedKey(
  key: KeyEntity,
  owner: UserEntity | null,
  team: TeamEntity | null = null,
): CachedKey {
  return {
    token: key.token,
    keyName: key.keyName,
    keyAlias: key.keyAlias,
    userId: key.userId,
    teamId: key.teamId,
    models: key.models,
    maxBudget: key.maxBudget,
    spend: key.spend,
    budgetDuration: key.budgetDuration,
    budgetResetAt: key.budgetResetAt?.getTime() ?? null,
    expires: key.expires?.getTime() ?? null,
    tpmLimit: key.tpmLimit,
    rpmLimit: key.rpmLimit,
    maxParallelRequests: key.maxParallelRequests,
    metadata: key.metadata,
    blocked: key.blocked,
    keyType: key.keyType,
    createdByRole: key.createdByRole,
    owner: owner && toCachedOwner(owner),
    team: team && {
      teamId: team.teamId,
      blocked: team.blocked,
      models: team.models,
      maxBudget: team.maxBudget,
      spend: team.spend,
      tpmLimit: team.tpmLimit,
      rpmLimit: team.rpmLimit,
    },
  };
}

/** Answers key-cache misses from the database: live keys, then the archive. */
@Injectable()
export class DatabaseKeyLookupSource extends KeyLookupSource {
  constructor(
    private readonly keys: KeysRepository,
    private readonly teams: KeyTeamsRepository,
  ) {
    super();
  }

  async load(secretHash: string): Promise<KeyLookup> {
    const key = await this.keys.findByAnySecretHash(secretHash);
    if (key) {
      const owner = key.userId ? await this.keys.findOwner(key.userId) : null;
      const team = key.teamId ? await this.teams.findTeam(key.teamId) : null;
      const graceExpiresAt =
        key.secretHash === secretHash ? null : (key.previousSecretExpiresAt?.getTime() ?? 0);
      return { status: 'active', key: toCachedKey(key, owner, team), graceExpiresAt };
    }
    const deleted = await this.keys.findDeletedByAnySecretHash(secretHash);
    if (deleted) return { status: 'deleted', token: deleted.token };
    return { status: 'unknown' };
  }
}
