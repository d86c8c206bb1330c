/**
 * One typed channel of the cluster bus: its wire name and the check that a message received
 * from another instance has the right shape (anything else is dropped).
 */
export interface ClusterChannel<T> {
  readonly name: string;
  readonly isMessage: (value: unknown) => value is T;
}

export type ClusterHandler<T> = (message: T) => void | Promise<void>;

/**
 * Tells the other instances about a change this instance made (and applied already), and
 * hands their changes to `subscribe` handlers: key-cache invalidations, model registry
 * reloads. Messages are best effort (pub/sub): whatever a subscriber may have missed — Redis
 * was away, or this instance could not publish — is made good by `onResync`, which runs after
 * every recovery on every instance, so each one rebuilds what it caches from the database.
 */
export abstract class ClusterBus {
  abstract publish<T>(channel: ClusterChannel<T>, message: T): void;
  abstract subscribe<T>(channel: ClusterChannel<T>, handler: ClusterHandler<T>): void;
  /** Drop or reload everything cached from the database: messages may have been missed. */
  abstract onResync(handler: () => void | Promise<void>): void;
}

/** One instance (no REDIS_URL): nobody to tell, nobody to hear from. */
export class LocalClusterBus extends ClusterBus {
  publish(): void {
    // One instance: the change is applied already.
  }

  subscribe(): void {
    // One instance: no other publisher.
  }

  onResync(): void {
    // One instance: nothing can be missed.
  }
}
