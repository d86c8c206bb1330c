import type { Role } from '@gatehouse/shared/auth';

/** The console's short name of each role (toolbar, users table, profile). */
export const ROLE_TITLES: Readonly<Record<Role, string>> = {
  proxy_admin: 'Admin',
  proxy_admin_viewer: 'Admin viewer',
  internal_user: 'Internal user',
  internal_user_viewer: 'Internal viewer',
};
