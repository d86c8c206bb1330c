import type { KeyType, Role } from '@gatehouse/shared/auth';
import type { AuthMethod } from '@gatehouse/shared/dto';

/** The id that master-key callers act as (LiteLLM's admin UI login uses the same idea). */
export const MASTER_USER_ID = 'admin';

/** Who is calling: resolved once per request by the auth guard. */
export interface Principal {
  method: AuthMethod;
  userId: string;
  email: string | null;
  /** For virtual-key callers: the key's effective role (never above its owner's or its maker's). */
  role: Role;
  /** Set for console sessions: the session row's id (a hash of the cookie). */
  sessionId?: string;
  /** Set for virtual-key callers: the key's token id. */
  keyToken?: string;
  /** Set for virtual-key callers: what the key may be used for (the guards check it per route). */
  keyType?: KeyType;
}

export function isMaster(principal: Principal): boolean {
  return principal.method === 'master_key' || principal.userId === MASTER_USER_ID;
}
