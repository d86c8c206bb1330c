import type { OidcConfig } from '../../config/identity-config';
import { SsoFailure } from './sso-error';
import { identityOf, mapRole } from './sso-identity';

const config: OidcConfig = {
  issuer: 'https://idp.example.com',
  clientId: 'gatehouse',
  clientSecret: 'secret',
  scopes: 'openid email profile',
  displayName: 'IdP',
  defaultRole: 'internal_user_viewer',
  allowedDomains: ['example.com'],
  roleClaim: 'groups',
  roleMap: { admins: 'proxy_admin', viewers: 'proxy_admin_viewer', users: 'internal_user' },
  teamsClaim: 'teams',
  endpoints: {},
};

const claims = {
  iss: 'https://idp.example.com',
  sub: 'abc',
  email: 'Ann@Example.com',
  email_verified: true,
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SsoFailure) return error.code;
    throw error;
  }
  return undefined;
}

describe('identityOf', () => {
  it('keeps iss + sub, lower-cases the email, maps the role and reads the teams', () => {
    expect(identityOf(config, { ...claims, groups: ['users'], teams: 'team-1' })).toEqual({
      issuer: 'https://idp.example.com',
      subject: 'abc',
      email: 'ann@example.com',
      mappedRole: 'internal_user',
      teams: ['team-1'],
    });
  });

  it('needs a verified email (email_verified, or Entra ID xms_edov), in an allowed domain', () => {
    expect(codeOf(() => identityOf(config, { ...claims, email: undefined }))).toBe('email_missing');
    expect(codeOf(() => identityOf(config, { ...claims, email_verified: false }))).toBe(
      'email_unverified',
    );
    expect(codeOf(() => identityOf(config, { ...claims, email_verified: undefined }))).toBe(
      'email_unverified',
    );
    expect(identityOf(config, { ...claims, email_verified: undefined, xms_edov: true }).email).toBe(
      'ann@example.com',
    );
    expect(codeOf(() => identityOf(config, { ...claims, email: 'a@example.com.evil.test' }))).toBe(
      'domain_not_allowed',
    );
    expect(
      identityOf({ ...config, allowedDomains: null }, { ...claims, email: 'a@any.test' }).email,
    ).toBe('a@any.test');
  });

  it('has no teams and no mapped role when those claims are not configured', () => {
    const plain = { ...config, roleClaim: null, roleMap: {}, teamsClaim: null };
    expect(identityOf(plain, { ...claims, groups: ['admins'] })).toMatchObject({
      mappedRole: null,
      teams: null,
    });
  });
});

describe('mapRole', () => {
  it('the strongest matching value wins; no match is the default role (a demotion)', () => {
    expect(mapRole(config, { groups: ['viewers', 'admins'] })).toBe('proxy_admin');
    expect(mapRole(config, { groups: 'viewers' })).toBe('proxy_admin_viewer');
    expect(mapRole(config, { groups: ['other'] })).toBe('internal_user_viewer');
    expect(mapRole(config, {})).toBe('internal_user_viewer');
  });
});
