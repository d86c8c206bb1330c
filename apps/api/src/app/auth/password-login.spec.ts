import { ROLES } from '@gatehouse/shared/auth';
import { passwordLoginAllowed } from './password-login';

describe('passwordLoginAllowed', () => {
  it('enabled: every role', () => {
    for (const role of ROLES) expect(passwordLoginAllowed('enabled', role)).toBe(true);
  });

  it('admins_only: proxy_admin only', () => {
    expect(ROLES.filter((role) => passwordLoginAllowed('admins_only', role))).toEqual([
      'proxy_admin',
    ]);
  });

  it('disabled: nobody (the master-key admin is not a user)', () => {
    for (const role of ROLES) expect(passwordLoginAllowed('disabled', role)).toBe(false);
  });
});
