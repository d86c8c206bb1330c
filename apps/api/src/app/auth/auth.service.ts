import { permissionsOf } from '@gatehouse/shared/auth';
import {
  PASSWORD_MAX_LENGTH,
  isWellFormedText,
  type AuditAuthMethod,
  type MeResponse,
} from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import type { AuditOrigin } from '../audit/audit-actor';
import { AuditService } from '../audit/audit.service';
import { MASTER_USER_ID, type Principal } from '../common/auth/principal';
import { PasswordHasher } from '../common/crypto/password-hasher';
import { safeEqual } from '../common/crypto/tokens';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { UsersService } from '../users/users.service';
import { LoginThrottle } from './login-throttle';
import { passwordLoginAllowed } from './password-login';

export const ADMIN_USERNAME = 'admin';
const INVALID_LOGIN = 'Invalid email or password';

function passwordLoginDisabled(): AppError {
  return AppError.forbidden(
    'Password login is turned off (PASSWORD_LOGIN=disabled): sign in with single sign-on',
  ).withCode('password_login_disabled');
}

@Injectable()
export class AuthService {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  /**
   * Email + password, or `admin` + the master key. Unknown accounts and wrong passwords get
   * the same answer in the same time. Every attempt is charged to the throttle before any
   * password is checked (per account and per client; `admin` per account *and* client, so
   * the break-glass login stays reachable from a good address).
   */
  async login(
    username: unknown,
    password: unknown,
    origin: AuditOrigin & { ip: string },
  ): Promise<Principal> {
    const client = origin.ip;
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
      throw AppError.badRequest('username and password are required', 'username');
    }
    if (username.length > 254 || password.length > PASSWORD_MAX_LENGTH)
      throw AppError.unauthorized(INVALID_LOGIN);
    // No email holds a NUL or a lone surrogate, and PostgreSQL refuses NUL in text (a 500).
    if (!isWellFormedText(username)) {
      throw AppError.badRequest('username must be valid Unicode text without NUL', 'username');
    }
    const account = username.trim().toLowerCase();
    const isAdmin = account === ADMIN_USERNAME;
    const mode = this.config.identity.passwordLogin;
    // The break-glass `admin` login is never turned off; with no user allowed, say so plainly.
    if (!isAdmin && mode === 'disabled') throw passwordLoginDisabled();
    const attempt = await this.throttle.take({ account, client, accountPerClient: isAdmin });

    if (isAdmin) {
      if (safeEqual(password, this.config.masterKey)) {
        await this.throttle.succeeded(attempt);
        return { method: 'session', userId: MASTER_USER_ID, email: null, role: 'proxy_admin' };
      }
      await this.recordFailure(account, MASTER_USER_ID, 'master_key', origin);
    } else {
      const user = await this.users.findForLogin(account);
      const verified = await this.hasher.verify(user?.passwordHash, password);
      // admins_only: a right password of a non-admin is refused like a wrong one (no oracle
      // for the role), after the same hash.
      if (user && verified && passwordLoginAllowed(mode, user.role)) {
        await this.throttle.succeeded(attempt);
        return { method: 'session', userId: user.userId, email: user.email, role: user.role };
      }
      await this.recordFailure(account, user?.userId ?? null, 'session', origin);
    }
    throw AppError.unauthorized(INVALID_LOGIN);
  }

  /** A refused login's row: the attempted username only (nobody is signed in: no changed_by). */
  private recordFailure(
    username: string,
    userId: string | null,
    method: AuditAuthMethod,
    origin: AuditOrigin,
  ): Promise<void> {
    return this.transactions.run(() =>
      this.audit.record(
        {
          action: 'login_failed',
          table_name: 'session',
          object_id: userId,
          updated_values: { username },
        },
        { changed_by: null, changed_by_api_key: null, auth_method: method },
        origin,
      ),
    );
  }

  async me(principal: Principal): Promise<MeResponse> {
    return {
      user_id: principal.userId,
      user_email: principal.email,
      user_role: principal.role,
      auth: principal.method,
      permissions: permissionsOf(principal.role),
      // The master key (and its console sessions) has no user row and no password to change.
      has_password:
        principal.userId !== MASTER_USER_ID && (await this.users.hasPassword(principal.userId)),
    };
  }
}
