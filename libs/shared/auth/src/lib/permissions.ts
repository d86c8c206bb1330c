import type { Role } from './roles';

/**
 * Every permission a route or a console control can ask for, as `resource.action[.scope]`.
 * `.self` permissions cover the caller's own rows; `.any` covers everyone's. A route states
 * the narrowest permission that lets anybody in; the service then checks ownership.
 */
export const PERMISSIONS = [
  'user.create',
  'user.read.self',
  'user.read.any',
  'user.update.self',
  'user.update.any',
  'user.delete',
  'invitation.create',
  'invitation.read',
  'invitation.update',
  'invitation.delete',
  'team.create',
  'team.read.member',
  'team.read.any',
  'team.update',
  'team.delete',
  'key.create.self',
  'key.read.self',
  'key.read.any',
  'key.update.self',
  'key.update.any',
  'key.delete.self',
  'key.delete.any',
  'spend.read.self',
  'spend.read.any',
  'model.read',
  'model.write',
  'metrics.read',
  'audit.read',
  'audit.verify',
  'settings.read',
  'settings.test_email',
  'gateway.call',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const SELF_READ: readonly Permission[] = [
  'user.read.self',
  'user.update.self',
  'team.read.member',
  'key.read.self',
  'spend.read.self',
  'model.read',
];

const KEY_SELF_WRITE: readonly Permission[] = [
  'key.create.self',
  'key.update.self',
  'key.delete.self',
  'gateway.call',
];

/** The one role -> permission map, read by the API guards and by the console. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  proxy_admin: new Set<Permission>(PERMISSIONS),
  proxy_admin_viewer: new Set<Permission>([
    ...SELF_READ,
    'user.read.any',
    'invitation.read',
    'team.read.any',
    'key.read.any',
    'spend.read.any',
    'metrics.read',
    'audit.read',
    'settings.read',
  ]),
  internal_user: new Set<Permission>([...SELF_READ, ...KEY_SELF_WRITE]),
  internal_user_viewer: new Set<Permission>([...SELF_READ]),
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => ROLE_PERMISSIONS[role].has(p));
}

/** Admin roles see every user's rows; the others only their own. */
export function isAdminRole(role: Role): boolean {
  return role === 'proxy_admin' || role === 'proxy_admin_viewer';
}
