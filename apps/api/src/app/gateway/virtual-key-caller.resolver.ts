import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { isKeyPrincipal } from '../keys/key-authenticator';
import type { CachedKey } from '../keys/key-cache';
import { DefaultGatewayCallerResolver, type GatewayCaller } from './gateway-caller';

const at = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * Virtual-key callers, from the key the auth guard already found in the key cache: the key's
 * limits, its owner's and its team's, with no database work. (The gateway checks each model
 * allow-list in turn, which is `effectiveModels` of the key.) Everything else (the master key,
 * console sessions) goes to the default resolver.
 */
@Injectable()
export class VirtualKeyCallerResolver extends DefaultGatewayCallerResolver {
  override fromPrincipal(principal: Principal): GatewayCaller {
    if (!isKeyPrincipal(principal)) return super.fromPrincipal(principal);
    return callerOfKey(principal.key, principal);
  }
}

export function callerOfKey(key: CachedKey, principal: Principal): GatewayCaller {
  const owner = key.owner;
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
    user: owner
      ? {
          maxBudget: owner.maxBudget,
          spend: owner.spend,
          budgetDuration: null,
          budgetResetAt: null,
          tpmLimit: owner.tpmLimit,
          rpmLimit: owner.rpmLimit,
          maxParallelRequests: null,
          models: owner.models,
        }
      : null,
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
