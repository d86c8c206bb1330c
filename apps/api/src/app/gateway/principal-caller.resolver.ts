import { Injectable } from '@nestjs/common';
import { isUserSessionPrincipal } from '../auth/session-principal';
import type { Principal } from '../common/auth/principal';
import { isKeyPrincipal } from '../keys/key-authenticator';
import type { CachedKey, CachedKeyOwner } from '../keys/key-cache';
import {
  DefaultGatewayCallerResolver,
  type EntityLimits,
  type GatewayCaller,
} from './gateway-caller';

const at = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * Virtual-key callers, from the key the auth guard already found in the key cache: the key's
 * limits, its owner's and its team's, with no database work. (Which models it may call is
 * `model-access.ts`, over the key's, owner's and team's allow-lists.) A user's console session gets
 * the user's own models, budget and limits, from the row the guard read for the session.
 * Everything else (the master key and its sessions) goes to the default resolver.
 */
@Injectable()
export class PrincipalCallerResolver extends DefaultGatewayCallerResolver {
  override fromPrincipal(principal: Principal): GatewayCaller {
    if (isKeyPrincipal(principal)) return callerOfKey(principal.key, principal);
    if (isUserSessionPrincipal(principal)) {
      return { ...super.fromPrincipal(principal), user: userLimits(principal.user) };
    }
    return super.fromPrincipal(principal);
  }
}

/** A user's budget, period, rate limits and model allow-list, as the ledger and limiter use them. */
function userLimits(user: CachedKeyOwner): EntityLimits & { models: string[] } {
  return {
    maxBudget: user.maxBudget,
    spend: user.spend,
    budgetDuration: user.budgetDuration,
    budgetResetAt: at(user.budgetResetAt),
    tpmLimit: user.tpmLimit,
    rpmLimit: user.rpmLimit,
    maxParallelRequests: null,
    models: user.models,
  };
}

export function callerOfKey(key: CachedKey, principal: Principal): GatewayCaller {
  return {
    keyToken: key.token,
    userId: principal.userId,
    teamId: key.teamId,
    role: principal.role,
    allowedModels: key.models,
    key: {
      maxBudget: key.maxBudget,
      spend: key.spend,
      budgetDuration: key.budgetDuration,
      budgetResetAt: at(key.budgetResetAt),
      tpmLimit: key.tpmLimit,
      rpmLimit: key.rpmLimit,
      maxParallelRequests: key.maxParallelRequests,
    },
    user: key.owner ? userLimits(key.owner) : null,
    team: key.team
      ? {
          maxBudget: key.team.maxBudget,
          spend: key.team.spend,
          budgetDuration: null,
          budgetResetAt: null,
          tpmLimit: key.team.tpmLimit,
          rpmLimit: key.team.rpmLimit,
          maxParallelRequests: null,
          models: key.team.models,
        }
      : null,
  };
}
