import { Injectable } from '@nestjs/common';
import { sessionCookieName, XSRF_HEADER } from '../common/auth/cookies';
import { MASTER_USER_ID, type Principal } from '../common/auth/principal';
import { PrincipalResolver, type CredentialSource } from '../common/auth/principal-resolver';
import { timingSafeEqual } from 'node:crypto';
import { safeEqual, sha256Digest } from '../common/crypto/tokens';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { KeyAuthenticator } from '../keys/key-authenticator';
import { toCachedOwner } from '../keys/key-loader';
import { UsersService } from '../users/users.service';
import type { UserSessionPrincipal } from './session-principal';
import { SessionsService } from './sessions.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Printable ASCII without spaces, at most 512 characters: anything else is not a key. */
const API_KEY_SHAPE = /^[\x21-\x7e]{1,512}$/;
const SESSION_TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,128}$/;

function header(request: CredentialSource, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The API key a request carries: `Authorization: Bearer`, else `x-api-key`, else `api-key`. */
export function extractApiKey(request: CredentialSource): string | null {
  const authorization = header(request, 'authorization');
  if (authorization !== undefined) {
    const match = /^Bearer +(.*)$/i.exec(authorization.trim());
    if (!match) throw AppError.unauthorized('Authorization header must be "Bearer <key>"');
    return match[1];
  }
  return header(request, 'x-api-key') ?? header(request, 'api-key') ?? null;
}

/**
 * Master key, then virtual keys (bearers), then the console session cookie. A cookie-borne
 * mutation must echo the session's XSRF token.
 */
@Injectable()
export class RequestPrincipalResolver extends PrincipalResolver {
  /** SHA-256 of the master key, once: a presented key is hashed once, for both checks. */
  private readonly masterDigest: Buffer;
  /** Only the name in use: behind https a plain-named (tossed) cookie is not a session. */
  private readonly sessionCookie: string;

  constructor(
    config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly keys: KeyAuthenticator,
  ) {
    super();
    this.masterDigest = sha256Digest(config.masterKey);
    this.sessionCookie = sessionCookieName(config.secureCookies);
  }

  async resolve(request: CredentialSource): Promise<Principal | null> {
    const apiKey = extractApiKey(request);
    if (apiKey !== null) return this.fromApiKey(apiKey);
    const cookie = request.cookies?.[this.sessionCookie];
    if (cookie) return this.fromSession(request, cookie);
    return null;
  }

  private async fromApiKey(apiKey: string): Promise<Principal> {
    if (!API_KEY_SHAPE.test(apiKey)) throw AppError.unauthorized('Invalid API key');
    // Constant time, on digests (as safeEqual): lengths leak nothing either.
    const digest = sha256Digest(apiKey);
    if (timingSafeEqual(digest, this.masterDigest)) {
      return { method: 'master_key', userId: MASTER_USER_ID, email: null, role: 'proxy_admin' };
    }
    // Virtual keys: looked up by SHA-256 in the key cache; the principal is the key's owner.
    return (await this.keys.authenticate(apiKey, digest.toString('hex'))).principal;
  }

  private async fromSession(request: CredentialSource, token: string): Promise<Principal | null> {
    if (!SESSION_TOKEN_SHAPE.test(token)) return null;
    const session = await this.sessions.find(token);
    if (!session) return null;
    if (!SAFE_METHODS.has(request.method)) {
      const echoed = header(request, XSRF_HEADER);
      if (!echoed || !safeEqual(echoed, session.csrfToken)) {
        throw AppError.forbidden('Missing or invalid X-XSRF-TOKEN header');
      }
    }
    if (session.isMaster) {
      return {
        method: 'session',
        userId: MASTER_USER_ID,
        email: null,
        role: 'proxy_admin',
        sessionId: session.id,
      };
    }
    const user = await this.users.findById(session.userId);
    if (!user) {
      await this.sessions.end(session.id);
      return null;
    }
    const principal: UserSessionPrincipal = {
      method: 'session',
      userId: user.userId,
      email: user.email,
      role: user.role,
      sessionId: session.id,
      user: toCachedOwner(user),
    };
    return principal;
  }
}
