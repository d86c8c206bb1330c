/** Something happened to a user row that other modules cache or own data for. */
export interface UserEvent {
  type: 'user.updated' | 'user.deleted';
  userId: string;
  /** Who did it (a user id, or `admin` for the master key). */
  actorId: string;
  /** Set when the update changed the password: the user's other sessions must end. */
  passwordChanged?: boolean;
  /** The console session that made the change (kept alive when users change their own password). */
  actorSessionId?: string;
}

export type UserEventListener = (event: UserEvent) => Promise<void> | void;

/**
 * A tiny in-process event bus so the users module can tell others (the key cache, the keys it
 * owns) about changes without importing them. `publish` awaits every listener, in order, so
 * the change is fully applied when the request that made it answers.
 */
export class UserEvents {
  private readonly listeners = new Set<UserEventListener>();

  subscribe(listener: UserEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(event: UserEvent): Promise<void> {
    for (const listener of [...this.listeners]) await listener(event);
  }
}
