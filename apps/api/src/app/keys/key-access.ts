import { hasPermission, keyTypeWithin, type KeyType, type Role } from '@gatehouse/shared/auth';
import type { TeamRole } from '@gatehouse/shared/dto';
import { AppError } from '../common/errors/app-error';

/**
 * Who may act on which key for whom: the one access rule for keys, pure (the service looks up
 * the team roles it needs and asks here).
 */

/** The caller as far as key access cares: its (effective) role and, for a key, the key's type. */
export interface KeyActor {
  userId: string;
  role: Role;
  /** The calling key's type; null for sessions and the master key. */
  keyType: KeyType | null;
}

/** The key being acted on, as far as access cares. */
export interface KeyTarget {
  userId: string | null;
  keyType: KeyType;
}

/** What a caller wants to do with a key; each maps to a `.self` and an `.any` permission. */
export type KeyAction = 'read' | 'update' | 'delete';

const ACTION_PERMISSIONS = {
  read: ['key.read.self', 'key.read.any'],
  update: ['key.update.self', 'key.update.any'],
  delete: ['key.delete.self', 'key.delete.any'],
} as const;

const forbidden = (message: string, param: string): AppError =>
  new AppError(403, 'permission_error', message, param);

/** Key admins (key.update.any: proxy_admin) are bound by nothing here. */
export function isKeyAdmin(actor: Pick<KeyActor, 'role'>): boolean {
  return hasPermission(actor.role, 'key.update.any');
}

/**
 * Whether the caller may see this key at all: admins and admin viewers see every key, owners
 * their own, and team admins (team member role `admin`) every key of their team.
 */
export function mayReadKey(actor: KeyActor, key: KeyTarget, teamRole: TeamRole | null): boolean {
  return (
    hasPermission(actor.role, 'key.read.any') || key.userId === actor.userId || teamRole === 'admin'
  );
}

/** Owners and team admins need the `.self` permission; `.any` covers every key. */
export function mayActOnKey(
  actor: KeyActor,
  key: KeyTarget,
  action: KeyAction,
  teamRole: TeamRole | null,
): boolean {
  const [self, any] = ACTION_PERMISSIONS[action];
  return (
    hasPermission(actor.role, any) ||
    (hasPermission(actor.role, self) && (key.userId === actor.userId || teamRole === 'admin'))
  );
}

/**
 * Regenerate hands over a new secret, so it needs the right to make that key for its owner:
 * admins any key, owners their own, and a team admin a member's key of the team only when it is
 * an `llm_api` key (the only kind a team admin may make for somebody else).
 */
export function mayRegenerateKey(
  actor: KeyActor,
  key: KeyTarget,
  teamRole: TeamRole | null,
  ownerInTeam: boolean,
): boolean {
  if (isKeyAdmin(actor)) return true;
  if (!hasPermission(actor.role, 'key.update.self')) return false;
  if (key.userId === actor.userId) return true;
  return teamRole === 'admin' && ownerInTeam && key.keyType === 'llm_api';
}

/**
 * Which keys `GET /key/list` shows this caller: admins and admin viewers any (filtered as
 * asked); with `team_id`, team admins every key of their team; everybody else only their own
 * (`null` = naming another user finds nothing). `team_id` must name a team the caller can
 * see, else 404 like GET /team/info. `team` is the looked-up team named (null: none named).
 */
export function keyListScope(
  actor: KeyActor,
  query: { user_id?: string; team_id?: string },
  team: { exists: boolean; callerRole: TeamRole | null } | null,
): { userId: string | undefined } | null {
  const readsAny = hasPermission(actor.role, 'key.read.any');
  if (team && (!team.exists || (!readsAny && team.callerRole === null))) {
    throw AppError.notFound('Team', 'team_id');
  }
  if (readsAny || team?.callerRole === 'admin') return { userId: query.user_id };
  if (query.user_id !== undefined && query.user_id !== actor.userId) return null;
  return { userId: actor.userId };
}

/** What `checkKeyOwner` needs looked up: the team (if any) and both people's roles in it. */
export interface KeyOwnerContext {
  ownerId: string;
  /** The team named (undefined/null = a personal key). */
  teamId: string | null | undefined;
  teamExists: boolean;
  callerTeamRole: TeamRole | null;
  ownerTeamRole: TeamRole | null;
}

/**
 * Who may put a key of `ownerId` into a team (generate, or update naming team_id):
 * - the team must exist (404 `team_id`, admins too);
 * - admins (key.update.any) may use any team and any owner;
 * - a non-member gets 404 exactly like an unknown team (no existence oracle);
 * - any member may make team keys owned by themselves; team admins also for any member of
 *   the team (403 `user_id` for a non-member owner); plain members only for themselves;
 * - without a team, a non-admin only ever acts for themselves.
 */
export function checkKeyOwner(actor: KeyActor, context: KeyOwnerContext): void {
  const admin = isKeyAdmin(actor);
  const self = context.ownerId === actor.userId;
  if (context.teamId === undefined || context.teamId === null) {
    if (!admin && !self) throw forbidden('You may only create keys for yourself', 'user_id');
    return;
  }
  if (!context.teamExists || (!admin && context.callerTeamRole === null)) {
    throw AppError.notFound('Team', 'team_id');
  }
  if (admin || self) return;
  if (context.callerTeamRole !== 'admin') {
    throw forbidden('Only team admins may make keys for other members of the team', 'user_id');
  }
  if (context.ownerTeamRole === null) {
    throw forbidden(`user_id is not a member of team ${context.teamId}`, 'user_id');
  }
}

/**
 * The type a key gets (generate) or changes to (update; undefined = unchanged):
 * - a non-admin's key for somebody else (a team admin's for a member) is `llm_api`, always;
 * - a key made or changed through a calling key grants nothing the calling key's type lacks;
 * - absent on create: `default`, or the closest the two rules above allow.
 */
export function resolveKeyType(
  actor: KeyActor,
  requested: KeyType | undefined,
  options: { creating: boolean; ownerId: string | null },
): KeyType | undefined {
  const forSomebodyElse = options.ownerId !== actor.userId && !isKeyAdmin(actor);
  if (requested === undefined) {
    if (!options.creating) return undefined;
    if (forSomebodyElse) requested = 'llm_api';
    else if (actor.keyType !== null && !keyTypeWithin('default', actor.keyType)) {
      requested = actor.keyType;
    } else requested = 'default';
  }
  if (forSomebodyElse && requested !== 'llm_api') {
    throw forbidden('A key made for somebody else can only be an llm_api key', 'key_type');
  }
  if (actor.keyType !== null && !keyTypeWithin(requested, actor.keyType)) {
    throw forbidden(
      `A ${actor.keyType} key may not make or change a key into a ${requested} key`,
      'key_type',
    );
  }
  return requested;
}
