import type { Role } from '@gatehouse/shared/auth';
import type { OidcConfig } from '../../config/identity-config';
import { SsoFailure } from './sso-error';

/** Claims from the ID token, completed from the userinfo endpoint. */
export type Claims = Readonly<Record<string, unknown>>;

/** Who the provider says signed in, and what Gatehouse makes of it. */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  /** Lower-cased and verified. */
  email: string;
  /** The role the role map gives, or null when no role claim is configured. */
  mappedRole: Role | null;
  /** The team ids of the teams claim, or null when no teams claim is configured. */
  teams: string[] | null;
}

/** Higher is more powerful: with several matching groups the strongest wins. */
const ROLE_RANK: Readonly<Record<Role, number>> = {
  proxy_admin: 3,
  proxy_admin_viewer: 2,
  internal_user: 1,
  internal_user_viewer: 0,
};

const truthy = (value: unknown): boolean => value === true || value === 'true';

/** A claim as a list of strings: an array, or one string (some providers send a lone group). */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * The role OIDC_ROLE_MAP gives for the claim's values: the strongest match, else the default
 * role. Applied at every login, so leaving a group demotes at the next one.
 */
export function mapRole(config: OidcConfig, claims: Claims): Role | null {
  if (!config.roleClaim) return null;
  let best: Role | null = null;
  for (const value of stringsOf(claims[config.roleClaim])) {
    const role = config.roleMap[value];
    if (role && (best === null || ROLE_RANK[role] > ROLE_RANK[best])) best = role;
  }
  return best ?? config.defaultRole;
}

/**
 * Checks the claims against the JIT rules: an email, verified by the provider (Entra ID says
 * so with `xms_edov`), in an allowed domain. Throws an SsoFailure naming the rule otherwise.
 */
export function identityOf(config: OidcConfig, claims: Claims): SsoIdentity {
  const issuer = claims['iss'];
  const subject = claims['sub'];
  if (typeof issuer !== 'string' || typeof subject !== 'string' || !subject) {
    throw new SsoFailure('invalid_response', 'the ID token has no iss or sub');
  }
  const rawEmail = claims['email'];
  if (typeof rawEmail !== 'string' || !rawEmail.includes('@') || rawEmail.length > 254) {
    throw new SsoFailure('email_missing', 'no usable email claim');
  }
  if (!truthy(claims['email_verified']) && !truthy(claims['xms_edov'])) {
    throw new SsoFailure('email_unverified', 'email_verified is not true');
  }
  const email = rawEmail.trim().toLowerCase();
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (config.allowedDomains && !config.allowedDomains.includes(domain)) {
    throw new SsoFailure('domain_not_allowed', `domain ${domain} is not in OIDC_ALLOWED_DOMAINS`);
  }
  return {
    issuer,
    subject,
    email,
    mappedRole: mapRole(config, claims),
    teams: config.teamsClaim ? stringsOf(claims[config.teamsClaim]) : null,
  };
}
