/** Something happened to a team that other modules cache or own data for (its keys). */
export type TeamEvent =
  | {
      /** Models, budget, limits or `blocked` changed: cached keys of the team are stale. */
      type: 'team.updated';
      teamId: string;
      actorId: string;
    }
  | {
      /** A member left the team: their keys for it must stop working. */
      type: 'team.member_removed';
      teamId: string;
      userId: string;
      actorId: string;
    }
  | {
      /** The teams are gone: their keys must not stay usable under a dangling team_id. */
      type: 'team.deleted';
      teamIds: string[];
      actorId: string;
    };

export type TeamEventListener = (event: TeamEvent) => Promise<void> | void;

/**
 * The teams module's sibling of UserEvents: it tells others (the keys module) about team
 * changes without importing them. `publish` awaits every listener, in order, so the change is
 * fully applied when the request that made it answers.
 */
export class TeamEvents {
  private readonly listeners = new Set<TeamEventListener>();

  subscribe(listener: TeamEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(event: TeamEvent): Promise<void> {
    for (const listener of [...this.listeners]) await listener(event);
  }
}
