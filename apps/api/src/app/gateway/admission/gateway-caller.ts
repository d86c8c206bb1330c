import type { Role } from '@gatehouse/shared/auth';
import type { Limits } from './limits';
import type { AllowList } from './model-access';

/**
 * Everything the gateway's hot path needs to know about a caller, resolved from memory (no
 * database read per request): who books the spend, which models it may call and which limits
 * hold it.
 */
export interface GatewayCaller {
  /** The virtual key's token id; null for the master key and console sessions. */
  keyToken: string | null;
  userId: string;
  /** The team the key belongs to (spend is booked to it), or null. */
  teamId: string | null;
  role: Role;
  /** The allow-lists the caller is held to (key, owner, team; `model-access.ts` reads them). */
  allowLists: readonly AllowList[];
  /** The key's, owner's and team's limits (each scope the call is booked to). */
  limits: readonly Limits[];
}
