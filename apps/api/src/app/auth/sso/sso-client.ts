import { Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { Clock } from '../../common/time/clock';
import { AppConfig } from '../../config/app-config';
import type { OidcConfig } from '../../config/identity-config';
import { PENDING_LOGIN_TTL_MS, type PendingLogin } from './sso-cookie';
import { SsoFailure } from './sso-error';
import type { Claims } from './sso-identity';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The OpenID Connect relying party, on `openid-client` (OpenID-certified; no hand-written
 * OAuth): discovery from OIDC_ISSUER, authorization code + PKCE (S256) + state + nonce, and
 * the ID token's issuer, audience, signature, nonce and expiry checked by the library.
 */
@Injectable()
export class SsoClient {
  private readonly oidc: OidcConfig | null;
  private readonly redirectUri: string;
  /** Discovery is done once, on first use (a provider down at boot must not stop the gateway). */
  private server: Promise<oidc.ServerMetadata> | null = null;
  private jwks: oidc.ExportedJWKSCache | undefined;

  constructor(
    config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.oidc = config.identity.oidc;
    this.redirectUri = `${config.baseUrl}/sso/callback`;
  }

  /** The provider URL to send the browser to, and what the callback must find again. */
  async start(): Promise<{ url: string; pending: PendingLogin }> {
    const config = await this.configuration();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier,
      expiresAt: this.clock.nowMs() + PENDING_LOGIN_TTL_MS,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.settings().scopes,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pending };
  }

  /**
   * Trades the code for tokens and checks everything; answers the ID token's claims, with
   * what the userinfo endpoint adds (providers differ in which claims the ID token carries).
   * `query` is the callback's query string; the URL itself is PROXY_BASE_URL's, never Host.
   */
  async finish(query: string, pending: PendingLogin): Promise<Claims> {
    const config = await this.configuration();
    const current = new URL(`${this.redirectUri}${query ? `?${query}` : ''}`);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw failureOf(error);
    } finally {
      this.jwks = oidc.getJwksCache(config) ?? this.jwks;
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new SsoFailure('invalid_response', 'no ID token');
    let userinfo: Record<string, unknown> = {};
    if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      } catch (error) {
        throw failureOf(error);
      }
    }
    // The signed ID token wins; userinfo only fills in what it lacks.
    return { ...userinfo, ...idClaims };
  }

  private settings(): OidcConfig {
    if (!this.oidc) throw new SsoFailure('sso_disabled', 'OIDC_ISSUER is not set');
    return this.oidc;
  }

  /**
   * A Configuration for this call: the discovered metadata (with LiteLLM's GENERIC_*
   * endpoints over it), the client, and the app's clock, so that expiry checks use the same
   * time as the rest of Gatehouse.
   */
  private async configuration(): Promise<oidc.Configuration> {
    const settings = this.settings();
    const server = await this.discover(settings);
    const methods = server.token_endpoint_auth_methods_supported;
    const auth =
      settings.clientSecret === null
        ? oidc.None()
        : !methods || methods.includes('client_secret_basic')
          ? oidc.ClientSecretBasic(settings.clientSecret)
          : oidc.ClientSecretPost(settings.clientSecret);
    const config = new oidc.Configuration(
      server,
      settings.clientId,
      { [oidc.clockSkew]: Math.round((this.clock.nowMs() - Date.now()) / 1000) },
      auth,
    );
    if (this.insecure(settings)) oidc.allowInsecureRequests(config);
    if (this.jwks) oidc.setJwksCache(config, this.jwks);
    return config;
  }

  private discover(settings: OidcConfig): Promise<oidc.ServerMetadata> {
    const server = (this.server ??= oidc
      .discovery(new URL(settings.issuer), settings.clientId, undefined, undefined, {
        execute: this.insecure(settings) ? [oidc.allowInsecureRequests] : [],
      })
      .then((found) => {
        const { authorization, token, userinfo } = settings.endpoints;
        // A plain copy: the metadata object also carries helper methods.
        const metadata = JSON.parse(JSON.stringify(found.serverMetadata())) as oidc.ServerMetadata;
        return {
          ...metadata,
          ...(authorization ? { authorization_endpoint: authorization } : {}),
          ...(token ? { token_endpoint: token } : {}),
          ...(userinfo ? { userinfo_endpoint: userinfo } : {}),
        };
      })
      .catch((error: unknown) => {
        this.server = null; // try again at the next login
        throw new SsoFailure(
          'provider_unavailable',
          `discovery failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }));
    return server;
  }

  /** Plain http is allowed for a provider on loopback only (load-config checked the rest). */
  private insecure(settings: OidcConfig): boolean {
    return [settings.issuer, ...Object.values(settings.endpoints)].some(
      (url) =>
        url !== undefined &&
        new URL(url).protocol === 'http:' &&
        LOOPBACK.has(new URL(url).hostname),
    );
  }
}

/** The library's error as an SsoFailure: what went wrong, never a token. */
function failureOf(error: unknown): SsoFailure {
  if (error instanceof SsoFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError) {
    return new SsoFailure('provider_error', `${error.error}: ${message}`);
  }
  if (error instanceof TypeError && /fetch failed/i.test(message)) {
    return new SsoFailure('provider_unavailable', message);
  }
  // openid-client wraps oauth4webapi's error, whose message names the failed check (a claim
  // or parameter name, never its value).
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? `${message}: ${cause.message}` : message;
  return new SsoFailure('invalid_response', detail);
}
