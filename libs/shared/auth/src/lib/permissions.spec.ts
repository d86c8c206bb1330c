import {
  hasPermission,
  isAdminRole,
  permissionsOf,
  PERMISSIONS,
  ROLE_PERMISSIONS,
} from './permissions';
import { DEFAULT_ROLE, isRole, ROLES } from './roles';

describe('role -> permission map', () => {
  it('gives proxy_admin every permission', () => {
    expect(permissionsOf('proxy_admin')).toEqual([...PERMISSIONS]);
  });

  it('gives proxy_admin_viewer reads of everything and no writes', () => {
    const sut = permissionsOf('proxy_admin_viewer');
    expect(sut).toEqual(
      expect.arrayContaining(['user.read.any', 'key.read.any', 'spend.read.any', 'team.read.any']),
    );
    const writes = sut.filter((p) => /\.(create|update|delete|write)(\.|$)/.test(p));
    expect(writes).toEqual(['user.update.self']);
    expect(hasPermission('proxy_admin_viewer', 'gateway.call')).toBe(false);
  });

  it('lets internal_user manage only its own keys and read only its own spend', () => {
    expect(hasPermission('internal_user', 'key.create.self')).toBe(true);
    expect(hasPermission('internal_user', 'key.delete.self')).toBe(true);
    expect(hasPermission('internal_user', 'key.update.any')).toBe(false);
    expect(hasPermission('internal_user', 'spend.read.self')).toBe(true);
    expect(hasPermission('internal_user', 'spend.read.any')).toBe(false);
    expect(hasPermission('internal_user', 'user.create')).toBe(false);
  });

  it('lets internal_user_viewer only read its own rows', () => {
    const sut = permissionsOf('internal_user_viewer');
    expect(
      sut.every((p) => p.endsWith('.self') || p === 'team.read.member' || p === 'model.read'),
    ).toBe(true);
    expect(hasPermission('internal_user_viewer', 'key.create.self')).toBe(false);
  });

  it.each(ROLES.filter((r) => r !== 'proxy_admin'))(
    'reserves user, invitation, team and model administration to proxy_admin (%s refused)',
    (role) => {
      for (const p of [
        'user.create',
        'user.update.any',
        'user.delete',
        'invitation.create',
        'team.create',
        'model.write',
      ] as const) {
        expect(hasPermission(role, p)).toBe(false);
      }
    },
  );

  it('lets both admin roles read the audit log and only proxy_admin verify its chain', () => {
    expect(ROLES.filter((role) => hasPermission(role, 'audit.read'))).toEqual([
      'proxy_admin',
      'proxy_admin_viewer',
    ]);
    expect(ROLES.filter((role) => hasPermission(role, 'audit.verify'))).toEqual(['proxy_admin']);
  });

  it('shows the settings to admins and admin viewers; only proxy_admin sends a test email', () => {
    expect(ROLES.filter((role) => hasPermission(role, 'settings.read'))).toEqual([
      'proxy_admin',
      'proxy_admin_viewer',
    ]);
    expect(ROLES.filter((role) => hasPermission(role, 'settings.test_email'))).toEqual([
      'proxy_admin',
    ]);
  });

  it('covers every role', () => {
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual([...ROLES].sort());
  });

  it('defaults to the least privileged role', () => {
    expect(DEFAULT_ROLE).toBe('internal_user_viewer');
    expect(isRole('proxy_admin')).toBe(true);
    expect(isRole('root')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });

  it('marks only the two admin roles as seeing everyone', () => {
    expect(ROLES.filter(isAdminRole)).toEqual(['proxy_admin', 'proxy_admin_viewer']);
  });
});
