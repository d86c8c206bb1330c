import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/** A person at the test provider: the claims it releases for them (sub is the account id). */
export interface BrowserAccount {
  email: string;
  email_verified: boolean;
  name?: string;
}

/**
 * A real OpenID Connect provider (panva's `oidc-provider`) on loopback for a browser: its
 * devInteractions serve the HTML login form (any password logs the typed account id in) and
 * the consent form. Ported from apps/api-e2e/src/support/oidc-provider.ts, minus the
 * browser-less driver.
 *
 * The issuer is `http://localhost:<port>` while the console runs on `http://127.0.0.1:<port>`:
 * two different sites, so the SSO round trip is cross-site as with a real provider (and the
 * SameSite rules of the cookies are exercised as they are in production).
 */
export class BrowserOidcProvider {
  readonly accounts = new Map<string, BrowserAccount>();
  readonly clientId = 'gatehouse';
  readonly clientSecret = randomBytes(16).toString('hex');
  issuer = '';
  private server: Server | null = null;

  constructor(private readonly redirectUri: string) {}

  async start(): Promise<string> {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = {
      ...privateKey.export({ format: 'jwk' }),
      kid: 'test-key',
      alg: 'RS256',
      use: 'sig',
    };
    const server = createServer();
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
    const configuration: Configuration = {
      clients: [
        {
          client_id: this.clientId,
          client_secret: this.clientSecret,
          redirect_uris: [this.redirectUri],
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      pkce: { required: () => true },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      conformIdTokenClaims: false,
      ttl: {
        AccessToken: 3600,
        AuthorizationCode: 60,
        IdToken: 60,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
      },
      features: { devInteractions: { enabled: true } },
      findAccount: (_ctx, sub) => {
        const account = this.accounts.get(sub);
        if (!account) return undefined;
        return { accountId: sub, claims: () => ({ sub, ...account }) };
      },
    };
    // Its "development-only" and "Unsupported runtime" warnings are expected in a test.
    const warn = console.warn;
    console.warn = () => undefined;
    let provider: Provider;
    try {
      provider = new Provider(this.issuer, configuration);
    } finally {
      console.warn = warn;
    }
    const handle = provider.callback();
    server.on('request', (req, res) => void handle(req, res));
    return this.issuer;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
