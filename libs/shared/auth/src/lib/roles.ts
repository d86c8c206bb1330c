/** The four roles of the self-serve product page, most powerful first. */
export const ROLES = [
  'proxy_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
] as const;

export type Role = (typeof ROLES)[number];

/** Least privilege: what a user gets when no role is given. */
export const DEFAULT_ROLE: Role = 'internal_user_viewer';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  proxy_admin: 'Admin over the platform: users, invitations, teams, models, every key.',
  proxy_admin_viewer:
    'Can log in, view all keys, all spend and analytics. Cannot create or delete keys or add users.',
  internal_user: 'Can log in, create, view and delete their own keys, and view their own spend.',
  internal_user_viewer:
    'Can log in, view their own keys and their own spend. Cannot create or delete keys.',
};
