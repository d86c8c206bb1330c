import { keyEffectiveRole, type KeyType } from '@gatehouse/shared/auth';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { sha256Hex } from '../common/crypto/tokens';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { KeyCache, type CachedKey } from './key-cache';

/** A `virtual_key` principal carries the cached key it authenticated with. */
export interface KeyPrincipal extends Principal {
  method: 'virtual_key';
  keyToken: string;
  keyType: KeyType;
  key: CachedKey;
}

export function isKeyPrincipal(principal: Principal): principal is KeyPrincipal {
  return principal.method === 'virtual_key' && 'key' in principal;
}

export interface KeyAuthentication {
  principal: KeyPrincipal;
  key: CachedKey;
}

/**
 * Turns a presented secret into the key's owner (as a `virtual_key` principal) through the
 * cache, or a 401 saying why. The secret is only ever hashed, never compared or queried raw.
 */
@Injectable()
export class KeyAuthenticator {
  constructor(
    private readonly cache: KeyCache,
    private readonly clock: Clock,
  ) {}

  /** `secretHash` (SHA-256 hex of `secret`) when the caller has already computed it. */
  async authenticate(secret: string, secretHash?: string): Promise<KeyAuthentication> {
    if (!secret.startsWith('sk-')) throw AppError.unauthorized('Invalid API key');
    const lookup = await this.cache.lookup(secretHash ?? sha256Hex(secret));
    if (lookup.status === 'unknown') throw AppError.unauthorized('Invalid API key');
    if (lookup.status === 'deleted') throw AppError.unauthorized('API key was deleted');
    const { key, graceExpiresAt } = lookup;
    const now = this.clock.nowMs();
    if (graceExpiresAt !== null && graceExpiresAt <= now) {
      throw AppError.unauthorized('API key was regenerated; use the new key');
    }
    if (key.blocked) throw AppError.unauthorized('API key is blocked');
    if (key.expires !== null && key.expires <= now) throw AppError.unauthorized('API key expired');
    if (!key.owner) throw AppError.unauthorized('Invalid API key');
    if (key.teamId !== null) {
      // A team key whose team row is gone must not work under a dangling team_id.
      if (!key.team) throw AppError.unauthorized('Invalid API key');
      if (key.team.blocked) throw AppError.unauthorized('Team is blocked');
    }
    return {
      key,
      principal: {
        method: 'virtual_key',
        userId: key.owner.userId,
        email: key.owner.email,
        // A key never carries more management power than its owner now has, nor than whoever
        // made it had (a team admin's key for an admin member is not an admin credential).
        role: keyEffectiveRole(key.owner.role, key.createdByRole, key.keyType),
        keyToken: key.token,
        keyType: key.keyType,
        key,
      },
    };
  }
}
