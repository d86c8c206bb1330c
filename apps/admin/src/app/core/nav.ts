import type { Permission } from '@gatehouse/shared/auth';

export interface NavItem {
  path: string;
  label: string;
  /** The permission a role needs for the page (the same one its route guard checks). */
  permission: Permission;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { path: '/keys', label: 'Virtual Keys', permission: 'key.read.self' },
  { path: '/usage', label: 'Usage', permission: 'spend.read.self' },
  { path: '/logs', label: 'Logs', permission: 'spend.read.self' },
  { path: '/playground', label: 'Playground', permission: 'model.read' },
  { path: '/users', label: 'Internal Users', permission: 'user.read.any' },
  { path: '/teams', label: 'Teams', permission: 'team.read.any' },
  { path: '/models', label: 'Models', permission: 'model.write' },
  { path: '/audit', label: 'Audit log', permission: 'audit.read' },
  { path: '/settings', label: 'Settings', permission: 'settings.read' },
];
