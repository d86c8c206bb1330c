import type { Role } from '@gatehouse/shared/auth';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';

/** A budget as the hot path sees it; money in USD (converted to nano-dollars by the ledger). */
export interface SpendLimits {
  maxBudget: number | null;
  /** Spend as last persisted (the ledger's starting point the first time it sees the entity). */
  spend: number;
  /** `30s|10m|2h|7d|1mo`, or null for a lifetime budget. */
  budgetDuration: string | null;
  budgetResetAt: Date | null;
}

export interface RateLimits {
  tpmLimit: number | null;
  rpmLimit: number | null;
  maxParallelRequests: number | null;
}

export type EntityLimits = SpendLimits & RateLimits;

/**
 * Everything the gateway's hot path needs to know about a caller, resolved from memory (no
 * database read per request).
 */
export interface GatewayCaller {
  /** The virtual key's token id; null for the master key and console sessions. */
  keyToken: string | null;
  userId: string;
  /** The team the key belongs to (spend is booked to it), or null. */
  teamId: string | null;
  role: Role;
  /** The key's model allow-list; empty = every model the user/team may use. */
  allowedModels: string[];
  /** The key's own limits (null: not a key, or a key without limits). */
  key: EntityLimits | null;
  /** The owner's budget, limits and model allow-list (empty = all), when known. */
  user: (EntityLimits & { models: string[] }) | null;
  /** The key's team budget, limits and model allow-list, when the key has a team. */
  team: (EntityLimits & { models: string[] }) | null;
}

/**
 * Turns the request's principal into a GatewayCaller (PrincipalCallerResolver in the app;
 * tests may provide their own).
 */
export abstract class GatewayCallerResolver {
  abstract fromPrincipal(principal: Principal): GatewayCaller;
}

/**
 * The principal's user, every model, no limits: the master key and its console sessions.
 * (Virtual keys and users' console sessions carry their limits: PrincipalCallerResolver.)
 */
@Injectable()
export class DefaultGatewayCallerResolver extends GatewayCallerResolver {
  fromPrincipal(principal: Principal): GatewayCaller {
    return {
      keyToken: principal.method === 'virtual_key' ? (principal.keyToken ?? null) : null,
      userId: principal.userId,
      teamId: null,
      role: principal.role,
      allowedModels: [],
      key: null,
      user: null,
      team: null,
    };
  }
}
