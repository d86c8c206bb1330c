import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

const KEY = 'sk-0123456789abcdef0123';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const dir = scratch();
    const sut = loadConfig({ PROXY_MASTER_KEY: KEY, DATABASE_URL: `sqlite:${dir}/db.sqlite` });
    expect(sut).toMatchObject({
      port: 4000,
      baseUrl: 'http://localhost:4000',
      logoutUrl: '/ui/login',
      masterKey: KEY,
      masterKeySource: 'env',
      database: { type: 'sqlite', path: `${dir}/db.sqlite` },
      redisUrl: null,
      redisFailureMode: 'open',
      spendFlushIntervalMs: 1000,
      spendFlushMaxEvents: 200,
      auditRetentionDays: 365,
      smtp: null,
      invitationTtlMs: 7 * 86_400_000,
      secureCookies: false,
    });
  });

  it('reads REDIS_FAILURE_MODE (open by default, open or closed only)', () => {
    const env = { PROXY_MASTER_KEY: KEY, REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(loadConfig(env).redisFailureMode).toBe('open');
    expect(loadConfig({ ...env, REDIS_FAILURE_MODE: 'closed' }).redisFailureMode).toBe('closed');
    expect(() => loadConfig({ ...env, REDIS_FAILURE_MODE: 'strict' })).toThrow(
      new ConfigError('REDIS_FAILURE_MODE must be open or closed'),
    );
  });

  it('reads CACHE_MAX_ENTRY_BYTES (1 MiB by default) and REDIS_RECONCILE_INTERVAL_MS (60 s)', () => {
    const env = { PROXY_MASTER_KEY: KEY };
    expect(loadConfig(env).cache.maxEntryBytes).toBe(1024 * 1024);
    expect(loadConfig({ ...env, CACHE_MAX_ENTRY_BYTES: '4096' }).cache.maxEntryBytes).toBe(4096);
    expect(loadConfig(env).redisReconcileIntervalMs).toBe(60_000);
    expect(loadConfig({ ...env, REDIS_RECONCILE_INTERVAL_MS: '0' }).redisReconcileIntervalMs).toBe(
      0,
    );
    for (const bad of ['12', '1.5', 'lots', String(128 * 1024 * 1024)]) {
      expect(() => loadConfig({ ...env, CACHE_MAX_ENTRY_BYTES: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ ...env, REDIS_RECONCILE_INTERVAL_MS: '-1' })).toThrow(ConfigError);
  });

  it('issue 17: the spend journal is on by default, beside the database, and validated', () => {
    const dir = scratch();
    const env = { PROXY_MASTER_KEY: KEY, DATABASE_URL: `sqlite:${dir}/db.sqlite` };
    expect(loadConfig(env).spendJournal).toEqual({
      path: `${dir}/db.sqlite.spend-journal`,
      fsync: 'none',
    });
    expect(
      loadConfig({ ...env, SPEND_JOURNAL_PATH: `${dir}/j`, SPEND_JOURNAL_FSYNC: 'interval' })
        .spendJournal,
    ).toEqual({ path: `${dir}/j`, fsync: 'interval' });
    expect(loadConfig({ ...env, SPEND_JOURNAL: 'off' }).spendJournal).toBeNull();
    expect(loadConfig({ ...env, DATABASE_URL: 'sqlite::memory:' }).spendJournal).toBeNull();
    expect(
      loadConfig({ ...env, DATABASE_URL: 'postgres://u@h:5432/db', DATA_DIR: dir }).spendJournal,
    ).toEqual({ path: `${dir}/spend-journal`, fsync: 'none' });
    expect(() => loadConfig({ ...env, SPEND_JOURNAL: 'yes' })).toThrow(
      new ConfigError('SPEND_JOURNAL must be on or off'),
    );
    expect(() => loadConfig({ ...env, SPEND_JOURNAL_FSYNC: 'always' })).toThrow(
      new ConfigError('SPEND_JOURNAL_FSYNC must be none or interval'),
    );
  });

  it('defaults to ./data/gatehouse.sqlite', () => {
    const sut = loadConfig({ PROXY_MASTER_KEY: KEY });
    expect(sut.database).toEqual({
      type: 'sqlite',
      path: join(process.cwd(), 'data/gatehouse.sqlite'),
    });
  });

  it('reads PostgreSQL URLs and an optional schema', () => {
    const sut = loadConfig({
      PROXY_MASTER_KEY: KEY,
      DATABASE_URL: 'postgres://u@h:5432/db',
      DATABASE_SCHEMA: 'gh',
    });
    expect(sut.database).toEqual({ type: 'postgres', url: 'postgres://u@h:5432/db', schema: 'gh' });
  });

  it('generates a master key once, saves it with mode 0600 beside the database, and reuses it', () => {
    const dir = scratch();
    const env = { DATABASE_URL: `sqlite:${dir}/db.sqlite` };
    const first = loadConfig(env);
    expect(first.masterKeySource).toBe('generated');
    expect(first.masterKey).toMatch(/^sk-[A-Za-z0-9_-]{40,}$/);
    expect(first.masterKeyFile).toBe(join(dir, 'master.key'));
    expect(readFileSync(join(dir, 'master.key'), 'utf8').trim()).toBe(first.masterKey);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    const second = loadConfig(env);
    expect(second).toMatchObject({ masterKey: first.masterKey, masterKeySource: 'file' });
  });

  it('refuses a corrupted master key file', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'master.key'), 'not a key');
    expect(() => loadConfig({ DATABASE_URL: `sqlite:${dir}/db.sqlite` })).toThrow(
      /master\.key does not hold a valid master key/,
    );
  });

  it.each([
    [{ PROXY_MASTER_KEY: 'hunter2' }, /PROXY_MASTER_KEY must start with "sk-"/],
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must not be greater than 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be sqlite:<path> or postgres:/],
    [{ PROXY_BASE_URL: 'ftp://x' }, /PROXY_BASE_URL must be an http\(s\) URL/],
    [{ SPEND_FLUSH_INTERVAL_MS: '0' }, /SPEND_FLUSH_INTERVAL_MS must not be less than 10/],
    [{ SPEND_FLUSH_MAX_EVENTS: '0' }, /SPEND_FLUSH_MAX_EVENTS must not be less than 1/],
    [{ AUDIT_RETENTION_DAYS: '-1' }, /AUDIT_RETENTION_DAYS must not be less than 0/],
    [{ AUDIT_RETENTION_DAYS: 'soon' }, /AUDIT_RETENTION_DAYS must be a whole number/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ SMTP_HOST: 'smtp.example.com' }, /SMTP_SENDER_EMAIL is required when SMTP_HOST is set/],
  ])('stops on %j with one clear line', (env, message) => {
    const run = (): unknown =>
      loadConfig({ PROXY_MASTER_KEY: KEY, DATABASE_URL: 'sqlite::memory:', ...env });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('parses SMTP settings, with TLS on for port 465', () => {
    const sut = loadConfig({
      PROXY_MASTER_KEY: KEY,
      SMTP_HOST: 'smtp.example.com',
      SMTP_PORT: '465',
      SMTP_SENDER_EMAIL: 'gatehouse@example.com',
    });
    expect(sut.smtp).toEqual({
      host: 'smtp.example.com',
      port: 465,
      username: undefined,
      password: undefined,
      senderEmail: 'gatehouse@example.com',
      tls: true,
    });
  });

  it('reads the gateway settings with their defaults', () => {
    expect(loadConfig({ PROXY_MASTER_KEY: KEY, DATABASE_URL: 'sqlite::memory:' })).toMatchObject({
      cache: {
        enabled: false,
        ttlSeconds: 600,
        maxEntries: 10_000,
        maxEntryBytes: 1024 * 1024,
        scope: 'user',
      },
      upstreamTimeoutMs: 600_000,
      metricsScrapeToken: null,
      encryptionKey: null,
    });
    const sut = loadConfig({
      PROXY_MASTER_KEY: KEY,
      DATABASE_URL: 'sqlite::memory:',
      CACHE_ENABLED: 'true',
      CACHE_TTL_SECONDS: '60',
      UPSTREAM_TIMEOUT_MS: '5000',
      METRICS_SCRAPE_TOKEN: 'scrape-token-0123456789',
    });
    expect(sut).toMatchObject({
      cache: { enabled: true, ttlSeconds: 60 },
      upstreamTimeoutMs: 5000,
      metricsScrapeToken: 'scrape-token-0123456789',
    });
    expect(() =>
      loadConfig({
        PROXY_MASTER_KEY: KEY,
        DATABASE_URL: 'sqlite::memory:',
        CACHE_TTL_SECONDS: 'x',
      }),
    ).toThrow(/CACHE_TTL_SECONDS must be a whole number/);
    expect(() =>
      loadConfig({
        PROXY_MASTER_KEY: KEY,
        DATABASE_URL: 'sqlite::memory:',
        GATEHOUSE_ENCRYPTION_KEY: 'short',
      }),
    ).toThrow(/GATEHOUSE_ENCRYPTION_KEY must be 32-512/);
  });

  it('finding 16: reads CACHE_SCOPE (default user) and refuses an unknown scope at boot', () => {
    const base = { PROXY_MASTER_KEY: KEY, DATABASE_URL: 'sqlite::memory:' };
    expect(loadConfig({ ...base, CACHE_SCOPE: 'global' }).cache.scope).toBe('global');
    expect(loadConfig({ ...base, CACHE_SCOPE: 'key' }).cache.scope).toBe('key');
    expect(() => loadConfig({ ...base, CACHE_SCOPE: 'everyone' })).toThrow(
      /CACHE_SCOPE must be one of global, team, user, key/,
    );
  });

  it('marks cookies Secure behind an https base URL and trims its slash', () => {
    const sut = loadConfig({ PROXY_MASTER_KEY: KEY, PROXY_BASE_URL: 'https://gw.example.com/' });
    expect(sut.baseUrl).toBe('https://gw.example.com');
    expect(sut.secureCookies).toBe(true);
  });

  it('reads the HTTP timeouts (10 s headers, 30 s request by default) and refuses bad ones', () => {
    expect(loadConfig({ PROXY_MASTER_KEY: KEY }).httpTimeouts).toEqual({
      headersMs: 10_000,
      requestMs: 30_000,
    });
    expect(
      loadConfig({
        PROXY_MASTER_KEY: KEY,
        HTTP_HEADERS_TIMEOUT_MS: '500',
        HTTP_REQUEST_TIMEOUT_MS: '1000',
      }).httpTimeouts,
    ).toEqual({ headersMs: 500, requestMs: 1000 });
    for (const env of [
      { HTTP_REQUEST_TIMEOUT_MS: 'soon' },
      { HTTP_REQUEST_TIMEOUT_MS: '0' },
      { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' },
    ]) {
      expect(() => loadConfig({ PROXY_MASTER_KEY: KEY, ...env })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ PROXY_MASTER_KEY: KEY, HTTP_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(
      'HTTP_REQUEST_TIMEOUT_MS must be a whole number',
    );
  });

  it.each([
    [
      { PASSWORD_LOGIN: 'sometimes' },
      /PASSWORD_LOGIN must be one of enabled, admins_only, disabled/,
    ],
    [{ OIDC_DEFAULT_ROLE: 'root' }, /OIDC_DEFAULT_ROLE must be one of/],
    [{ OIDC_CLIENT_ID: 'gatehouse' }, /OIDC_ISSUER is required/],
    [
      { OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'x', OIDC_ROLE_MAP: '[' },
      /OIDC_ROLE_MAP/,
    ],
  ])('issue 13: refuses bad SSO settings at boot (%j)', (env, message) => {
    const run = () =>
      loadConfig({ PROXY_MASTER_KEY: KEY, DATABASE_URL: 'sqlite::memory:', ...env });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('issue 13: SSO off and passwords enabled by default', () => {
    const sut = loadConfig({ PROXY_MASTER_KEY: KEY, DATABASE_URL: 'sqlite::memory:' });
    expect(sut.identity).toEqual({ oidc: null, passwordLogin: 'enabled' });
  });
});
