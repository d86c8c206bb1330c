import { generateKeyPairSync, randomBytes, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/** A person at the test provider: the claims it releases for them (sub is the account id). */
export interface TestAccount {
  email: string;
  email_verified: boolean;
  name?: string;
  groups?: string[];
  teams?: string[];
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * A real OpenID Connect provider (panva's `oidc-provider`, the certified one) on loopback,
 * with devInteractions (any password logs an account in) and accounts the test edits between
 * logins. `gatehouse` is the client Gatehouse is configured with; `other` is a second client
 * of the same provider (to mint ID tokens for another audience).
 */
export class TestOidcProvider {
  readonly accounts = new Map<string, TestAccount>();
  readonly gatehouse: TestClient;
  readonly other: TestClient = {
    clientId: 'other-app',
    clientSecret: randomBytes(16).toString('hex'),
    redirectUri: 'http://other-app.test/callback',
  };
  issuer = '';
  private server: Server | null = null;

  constructor(gatehouseBaseUrl: string) {
    this.gatehouse = {
      clientId: 'gatehouse',
      clientSecret: randomBytes(16).toString('hex'),
      redirectUri: `${gatehouseBaseUrl}/sso/callback`,
    };
  }

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
    this.issuer = await listen(server);
    const configuration: Configuration = {
      clients: [this.gatehouse, this.other].map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: [c.redirectUri],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      })),
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      pkce: { required: () => true },
      // Groups and teams ride on the `profile` scope, so `openid email profile` brings them.
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'groups', 'teams'],
      },
      // Real providers differ: this one puts the scoped claims in the ID token too.
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
    if (this.server) await close(this.server);
  }

  /**
   * What a browser does at the provider: opens the authorization URL, logs `sub` in, consents,
   * and lands on the client's redirect URI, whose URL is answered (not followed).
   */
  async authorize(authorizationUrl: string, sub: string): Promise<URL> {
    const jar = new Map<string, string>();
    let url = new URL(authorizationUrl);
    let method: 'GET' | 'POST' = 'GET';
    let body: string | undefined;
    for (let hop = 0; hop < 20; hop++) {
      const res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: {
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body,
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, url);
        if (!next.href.startsWith(this.issuer)) return next; // back at the client
        url = next;
        method = 'GET';
        body = undefined;
        continue;
      }
      const html = await res.text();
      if (res.status !== 200 || !url.pathname.startsWith('/interaction/')) {
        throw new Error(
          `provider answered ${res.status} at ${url.pathname}: ${html.slice(0, 300)}`,
        );
      }
      // devInteractions: a login form first, then a consent form.
      method = 'POST';
      body = html.includes('name="login"')
        ? new URLSearchParams({ prompt: 'login', login: sub, password: 'x' }).toString()
        : new URLSearchParams({ prompt: 'consent' }).toString();
    }
    throw new Error('too many redirects at the provider');
  }

  /**
   * An ID token the provider issues to `client` for `sub`, with the given nonce (the test
   * plays that client itself). Used to hand Gatehouse a token meant for somebody else.
   */
  async idTokenFor(client: TestClient, sub: string, nonce: string): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const auth = new URL('/auth', this.issuer);
    auth.search = new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      response_type: 'code',
      scope: 'openid email profile',
      state: randomBytes(8).toString('hex'),
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const landing = await this.authorize(auth.href, sub);
    const code = landing.searchParams.get('code');
    if (!code) throw new Error(`no code: ${landing.href}`);
    const res = await fetch(new URL('/token', this.issuer), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    const tokens = (await res.json()) as { id_token?: string; error?: string };
    if (!tokens.id_token) throw new Error(`token endpoint: ${JSON.stringify(tokens)}`);
    return tokens.id_token;
  }
}

/**
 * A man in the middle at the token endpoint (Gatehouse reaches it through
 * GENERIC_TOKEN_ENDPOINT): forwards every exchange to the provider and, when `substitute` is
 * set, swaps the ID token in the answer. A token-substitution attack, for the audience test.
 */
export class TokenInterposer {
  substitute: string | null = null;
  url = '';
  private readonly server = createServer((req, res) => void this.forward(req, res));

  constructor(private readonly tokenEndpoint: string) {}

  async start(): Promise<string> {
    this.url = `${await listen(this.server)}/token`;
    return this.url;
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(this.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': String(req.headers['content-type'] ?? ''),
        authorization: String(req.headers['authorization'] ?? ''),
        accept: 'application/json',
      },
      body: Buffer.concat(chunks),
    });
    const json = (await upstream.json()) as Record<string, unknown>;
    if (this.substitute && typeof json['id_token'] === 'string') json['id_token'] = this.substitute;
    res.writeHead(upstream.status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    res.end(JSON.stringify(json));
  }
}
