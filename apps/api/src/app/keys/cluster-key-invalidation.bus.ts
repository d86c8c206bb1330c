import type { ClusterBus, ClusterChannel } from '../cluster/cluster-bus';
import { KeyInvalidationBus, type KeyInvalidation } from './key-cache';

function isInvalidation(value: unknown): value is KeyInvalidation {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v['kind'] === 'token' && typeof v['token'] === 'string') ||
    (v['kind'] === 'user' && typeof v['userId'] === 'string') ||
    (v['kind'] === 'team' && typeof v['teamId'] === 'string')
  );
}

/** The key cache's channel on the cluster bus (the name predates the bus: kept for upgrades). */
export const KEY_INVALIDATION_CHANNEL: ClusterChannel<KeyInvalidation> = {
  name: 'gatehouse:key-cache:invalidate',
  isMessage: isInvalidation,
};

/**
 * Key-cache invalidations on the cluster bus: every instance forgets what another one
 * changed (with REDIS_URL; without, the bus is in-process and there is nobody to tell).
 */
export class ClusterKeyInvalidationBus extends KeyInvalidationBus {
  constructor(private readonly bus: ClusterBus) {
    super();
  }

  publish(message: KeyInvalidation): void {
    this.bus.publish(KEY_INVALIDATION_CHANNEL, message);
  }

  onRemote(handler: (message: KeyInvalidation) => void): void {
    this.bus.subscribe(KEY_INVALIDATION_CHANNEL, handler);
  }
}
