import type { Role } from '@gatehouse/shared/auth';
import type { PasswordLoginMode } from '../config/identity-config';

/**
 * PASSWORD_LOGIN: may a user of this role sign in (and so reset a password)? The master-key
 * `admin` login is not a user and is not asked: it works in every mode.
 */
export function passwordLoginAllowed(mode: PasswordLoginMode, role: Role): boolean {
  if (mode === 'enabled') return true;
  if (mode === 'admins_only') return role === 'proxy_admin';
  return false;
}
