import type { Principal } from '../common/auth/principal';
import type { CachedKeyOwner } from '../keys/key-cache';

/**
 * A console session of a user (not of the master key): the principal carries the user's row
 * as it was read for this request, so that the gateway applies the user's models, budget and
 * rate limits to calls made with the session, as it does to calls with the user's keys.
 */
export interface UserSessionPrincipal extends Principal {
  method: 'session';
  sessionId: string;
  user: CachedKeyOwner;
}

export function isUserSessionPrincipal(principal: Principal): principal is UserSessionPrincipal {
  return principal.method === 'session' && 'user' in principal;
}
