import type { Permission, Role } from '@gatehouse/shared/auth';

/** `POST /login` body; `username` is the email, or `admin` with the master key as password. */
export interface LoginRequest {
  username: string;
  password: string;
}

export interface LoginResponse {
  user_id: string;
  user_email: string | null;
  user_role: Role;
}

export interface LogoutResponse {
  redirect_url: string;
}

export type AuthMethod = 'master_key' | 'session' | 'virtual_key';

export interface MeResponse {
  user_id: string;
  user_email: string | null;
  user_role: Role;
  auth: AuthMethod;
  permissions: Permission[];
  /** Whether the user logs in with a password (false for SSO-only users and the master key). */
  has_password: boolean;
}
