import { isRole, type Role } from '@gatehouse/shared/auth';

/**
 * Who may sign in with a password. `admin` + the master key (the break-glass login) works in
 * every mode: turning passwords off must never lock the operators out.
 */
export const PASSWORD_LOGIN_MODES = ['enabled', 'admins_only', 'disabled'] as const;
export type PasswordLoginMode = (typeof PASSWORD_LOGIN_MODES)[number];

/** Single sign-on through one OpenID Connect provider (authorization code + PKCE). */
export interface OidcConfig {
  /** Discovery starts here; the ID token's `iss` must equal it. */
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  scopes: string;
  /** The console button says "Sign in with <displayName>". */
  displayName: string;
  /** The role of a user created at their first SSO login (when no role-map entry matches). */
  defaultRole: Role;
  /** Lower-case email domains allowed to sign in; null = any. */
  allowedDomains: string[] | null;
  /** The claim holding the user's groups/roles, and what each value maps to. */
  roleClaim: string | null;
  roleMap: Readonly<Record<string, Role>>;
  /** The claim listing the team ids the user belongs to; null = memberships are not synced. */
  teamsClaim: string | null;
  /** LiteLLM's GENERIC_*_ENDPOINT: replace the discovered endpoints. */
  endpoints: { authorization?: string; token?: string; userinfo?: string };
}

export interface IdentityConfig {
  oidc: OidcConfig | null;
  passwordLogin: PasswordLoginMode;
}

export class IdentityConfigError extends Error {}

/** The validated string settings this module reads (EnvDto has checked each one's shape). */
export interface IdentityEnv {
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_SCOPES?: string;
  OIDC_DISPLAY_NAME?: string;
  OIDC_DEFAULT_ROLE?: string;
  OIDC_ALLOWED_DOMAINS?: string;
  OIDC_ROLE_CLAIM?: string;
  OIDC_ROLE_MAP?: string;
  OIDC_TEAMS_CLAIM?: string;
  GENERIC_CLIENT_ID?: string;
  GENERIC_CLIENT_SECRET?: string;
  GENERIC_AUTHORIZATION_ENDPOINT?: string;
  GENERIC_TOKEN_ENDPOINT?: string;
  GENERIC_USERINFO_ENDPOINT?: string;
  PASSWORD_LOGIN?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or plain http only on the loopback interface (a provider started by a test). */
function assertSafeUrl(name: string, value: string): void {
  const url = new URL(value);
  if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) {
    throw new IdentityConfigError(
      `${name} must be an https URL (http is accepted on loopback only)`,
    );
  }
}

function parseRoleMap(raw: string | undefined): Record<string, Role> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new IdentityConfigError('OIDC_ROLE_MAP must be JSON, e.g. {"llm-admins":"proxy_admin"}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new IdentityConfigError('OIDC_ROLE_MAP must be a JSON object of claim value -> role');
  }
  const map: Record<string, Role> = {};
  for (const [value, role] of Object.entries(parsed as Record<string, unknown>)) {
    if (!isRole(role)) {
      throw new IdentityConfigError(`OIDC_ROLE_MAP maps "${value}" to an unknown role`);
    }
    map[value] = role;
  }
  return map;
}

/** The SSO and password-login settings, with the rules that span several variables. */
export function parseIdentity(env: IdentityEnv): IdentityConfig {
  const passwordLogin = (env.PASSWORD_LOGIN ?? 'enabled') as PasswordLoginMode;
  const clientId = env.OIDC_CLIENT_ID ?? env.GENERIC_CLIENT_ID;
  const endpoints = {
    authorization: env.GENERIC_AUTHORIZATION_ENDPOINT,
    token: env.GENERIC_TOKEN_ENDPOINT,
    userinfo: env.GENERIC_USERINFO_ENDPOINT,
  };
  if (!env.OIDC_ISSUER && !clientId) return { oidc: null, passwordLogin };
  if (!env.OIDC_ISSUER) {
    // Without an issuer the ID token's issuer and signature cannot be checked.
    throw new IdentityConfigError(
      'OIDC_ISSUER is required for single sign-on (the GENERIC_*_ENDPOINT settings only override what discovery finds)',
    );
  }
  if (!clientId)
    throw new IdentityConfigError('OIDC_CLIENT_ID is required when OIDC_ISSUER is set');
  assertSafeUrl('OIDC_ISSUER', env.OIDC_ISSUER);
  for (const [name, url] of [
    ['GENERIC_AUTHORIZATION_ENDPOINT', endpoints.authorization],
    ['GENERIC_TOKEN_ENDPOINT', endpoints.token],
    ['GENERIC_USERINFO_ENDPOINT', endpoints.userinfo],
  ] as const) {
    if (url) assertSafeUrl(name, url);
  }
  const scopes = env.OIDC_SCOPES ?? 'openid email profile';
  if (!scopes.split(' ').includes('openid')) {
    throw new IdentityConfigError('OIDC_SCOPES must include openid');
  }
  const roleMap = parseRoleMap(env.OIDC_ROLE_MAP);
  if (Object.keys(roleMap).length > 0 && !env.OIDC_ROLE_CLAIM) {
    throw new IdentityConfigError('OIDC_ROLE_MAP needs OIDC_ROLE_CLAIM (the claim it reads)');
  }
  const domains = env.OIDC_ALLOWED_DOMAINS?.split(',')
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  return {
    passwordLogin,
    oidc: {
      issuer: env.OIDC_ISSUER,
      clientId,
      clientSecret: env.OIDC_CLIENT_SECRET ?? env.GENERIC_CLIENT_SECRET ?? null,
      scopes,
      displayName: env.OIDC_DISPLAY_NAME?.trim() || 'SSO',
      defaultRole: (env.OIDC_DEFAULT_ROLE as Role | undefined) ?? 'internal_user_viewer',
      allowedDomains: domains?.length ? domains : null,
      roleClaim: env.OIDC_ROLE_CLAIM ?? null,
      roleMap,
      teamsClaim: env.OIDC_TEAMS_CLAIM ?? null,
      endpoints,
    },
  };
}
