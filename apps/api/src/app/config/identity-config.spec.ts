import { IdentityConfigError, parseIdentity } from './identity-config';

const base = { OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'gatehouse' };

describe('parseIdentity', () => {
  it('SSO is off without an issuer or client; passwords are enabled by default', () => {
    expect(parseIdentity({})).toEqual({ oidc: null, passwordLogin: 'enabled' });
  });

  it('applies the documented defaults', () => {
    expect(parseIdentity(base).oidc).toMatchObject({
      scopes: 'openid email profile',
      defaultRole: 'internal_user_viewer',
      displayName: 'SSO',
      allowedDomains: null,
      roleClaim: null,
      roleMap: {},
      teamsClaim: null,
      clientSecret: null,
    });
  });

  it("accepts LiteLLM's GENERIC_* names as aliases", () => {
    const sut = parseIdentity({
      OIDC_ISSUER: 'https://idp.example.com',
      GENERIC_CLIENT_ID: 'litellm-id',
      GENERIC_CLIENT_SECRET: 'litellm-secret',
      GENERIC_TOKEN_ENDPOINT: 'https://idp.example.com/oauth/token',
    }).oidc;
    expect(sut).toMatchObject({
      clientId: 'litellm-id',
      clientSecret: 'litellm-secret',
      endpoints: { token: 'https://idp.example.com/oauth/token' },
    });
  });

  it.each([
    [{ OIDC_CLIENT_ID: 'x' }, /OIDC_ISSUER is required/],
    [{ OIDC_ISSUER: 'https://idp.example.com' }, /OIDC_CLIENT_ID is required/],
    [{ ...base, OIDC_ISSUER: 'http://idp.example.com' }, /https/],
    [{ ...base, GENERIC_TOKEN_ENDPOINT: 'http://idp.example.com/t' }, /GENERIC_TOKEN_ENDPOINT/],
    [{ ...base, OIDC_SCOPES: 'email profile' }, /openid/],
    [{ ...base, OIDC_ROLE_CLAIM: 'groups', OIDC_ROLE_MAP: '{' }, /JSON/],
    [{ ...base, OIDC_ROLE_CLAIM: 'groups', OIDC_ROLE_MAP: '{"a":"root"}' }, /unknown role/],
    [{ ...base, OIDC_ROLE_MAP: '{"a":"proxy_admin"}' }, /OIDC_ROLE_CLAIM/],
  ])('refuses %j at boot', (env, message) => {
    expect(() => parseIdentity(env)).toThrow(IdentityConfigError);
    expect(() => parseIdentity(env)).toThrow(message);
  });

  it('plain http is accepted for a provider on loopback (tests)', () => {
    expect(parseIdentity({ ...base, OIDC_ISSUER: 'http://127.0.0.1:9000' }).oidc?.issuer).toBe(
      'http://127.0.0.1:9000',
    );
  });
});
