import { Injectable } from '@nestjs/common';
import { isUserSessionPrincipal } from '../../auth/session-principal';
import type { Principal } from '../../common/auth/principal';
import { usdToNanos } from '../../database/columns';
import { isKeyPrincipal } from '../../keys/key-authenticator';
import type { CachedKey, CachedKeyOwner, CachedKeyTeam } from '../../keys/key-cache';
import type { GatewayCaller } from './gateway-caller';
import { limitsFor, type Limits } from './limits';

/**
 * Who is calling, from memory: a virtual key from the entry the auth guard found in the key
 * cache (its limits, its owner's and its team's — built once per cached entry, which is
 * replaced whenever the key, owner or team changes); a user's console session from the row
 * the guard read for the session; the master key and its sessions with no limits at all.
 */
@Injectable()
export class CallerResolver {
  private readonly ofKeys = new WeakMap<CachedKey, Omit<GatewayCaller, 'userId' | 'role'>>();

  fromPrincipal(principal: Principal): GatewayCaller {
    if (isKeyPrincipal(principal)) {
      let known = this.ofKeys.get(principal.key);
      if (!known) {
        known = keyCaller(principal.key);
        this.ofKeys.set(principal.key, known);
      }
      return { ...known, userId: principal.userId, role: principal.role };
    }
    const base: GatewayCaller = {
      keyToken: principal.method === 'virtual_key' ? (principal.keyToken ?? null) : null,
      userId: principal.userId,
      teamId: null,
      role: principal.role,
      allowLists: [],
      limits: [],
    };
    if (!isUserSessionPrincipal(principal)) return base;
    return {
      ...base,
      allowLists: [principal.user.models],
      limits: [ownerLimits(principal.user)],
    };
  }
}

function keyCaller(key: CachedKey): Omit<GatewayCaller, 'userId' | 'role'> {
  const limits: Limits[] = [
    limitsFor('key', key.token, {
      ...budgetOf(key),
      rpmLimit: key.rpmLimit,
      tpmLimit: key.tpmLimit,
      maxParallelRequests: key.maxParallelRequests,
    }),
  ];
  if (key.owner) limits.push(ownerLimits(key.owner));
  if (key.team) limits.push(teamLimits(key.team));
  return {
    keyToken: key.token,
    teamId: key.teamId,
    allowLists: [key.models, key.owner?.models, key.team?.models],
    limits,
  };
}

function ownerLimits(user: CachedKeyOwner): Limits {
  return limitsFor('user', user.userId, {
    ...budgetOf(user),
    rpmLimit: user.rpmLimit,
    tpmLimit: user.tpmLimit,
  });
}

/** Teams have no budget period. */
function teamLimits(team: CachedKeyTeam): Limits {
  return limitsFor('team', team.teamId, {
    ...budgetOf({ ...team, budgetDuration: null, budgetResetAt: null }),
    rpmLimit: team.rpmLimit,
    tpmLimit: team.tpmLimit,
  });
}

/** A cached row's budget (USD, epoch ms) in the admission's units. */
function budgetOf(row: {
  maxBudget: number | null;
  spend: number;
  budgetDuration: string | null;
  budgetResetAt: number | null;
}): Pick<Limits, 'maxBudgetNanos' | 'spendNanos' | 'budgetDuration' | 'budgetResetAtMs'> {
  return {
    maxBudgetNanos: row.maxBudget === null ? null : usdToNanos(row.maxBudget),
    spendNanos: usdToNanos(row.spend),
    budgetDuration: row.budgetDuration,
    budgetResetAtMs: row.budgetResetAt,
  };
}
