import { parseDuration } from '@gatehouse/shared/dto';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  AppConfig,
  type DatabaseConfig,
  type HttpTimeouts,
  type SmtpConfig,
  type SpendJournalConfig,
} from './app-config';
import { EnvDto } from './env.dto';
import { IdentityConfigError, parseIdentity } from './identity-config';

export class ConfigError extends Error {}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/gatehouse.sqlite';
const MASTER_KEY_FILE = 'master.key';
const MASTER_KEY_PATTERN = /^sk-[A-Za-z0-9_-]{16,200}$/;

/** Type checks speak first: "PORT must be a whole number" says more than its range. */
const TYPE_CONSTRAINTS = ['isInt', 'matches', 'isIn', 'isString'];

function firstMessage(errors: ValidationError[]): string {
  const { constraints = {}, property } = errors[0];
  const key = TYPE_CONSTRAINTS.find((k) => k in constraints) ?? Object.keys(constraints)[0];
  return key ? constraints[key] : `${property} is invalid`;
}

function parseDatabase(url: string, schema: string | undefined): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    return { type: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  return { type: 'postgres', url, ...(schema ? { schema } : {}) };
}

function dataDirOf(database: DatabaseConfig, dataDir: string | undefined): string | null {
  if (dataDir) return resolve(dataDir);
  if (database.type === 'sqlite')
    return database.path === ':memory:' ? null : dirname(database.path);
  return resolve('data');
}

/** The master key: from the environment, else from the key file, else a new one saved there. */
function resolveMasterKey(
  fromEnv: string | undefined,
  dataDir: string | null,
): Pick<AppConfig, 'masterKey' | 'masterKeySource' | 'masterKeyFile'> {
  if (fromEnv) return { masterKey: fromEnv, masterKeySource: 'env', masterKeyFile: null };
  const generated = `sk-${randomBytes(32).toString('base64url')}`;
  if (!dataDir) return { masterKey: generated, masterKeySource: 'generated', masterKeyFile: null };
  const file = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (!MASTER_KEY_PATTERN.test(saved)) {
      throw new ConfigError(`${file} does not hold a valid master key (expected sk-...)`);
    }
    return { masterKey: saved, masterKeySource: 'file', masterKeyFile: file };
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { masterKey: generated, masterKeySource: 'generated', masterKeyFile: file };
}

function parseSmtp(env: EnvDto): SmtpConfig | null {
  if (!env.SMTP_HOST) return null;
  if (!env.SMTP_SENDER_EMAIL) {
    throw new ConfigError('SMTP_SENDER_EMAIL is required when SMTP_HOST is set');
  }
  const port = env.SMTP_PORT ?? 587;
  return {
    host: env.SMTP_HOST,
    port,
    username: env.SMTP_USERNAME,
    password: env.SMTP_PASSWORD,
    senderEmail: env.SMTP_SENDER_EMAIL,
    tls: env.SMTP_TLS ? env.SMTP_TLS === 'true' : port === 465,
  };
}

/**
 * The spend journal: on by default, beside the SQLite file (`<file>.spend-journal`) or in the
 * data directory (PostgreSQL: `./data/spend-journal`). An in-memory database keeps nothing
 * anyway, so it has none.
 */
function parseSpendJournal(env: EnvDto, database: DatabaseConfig): SpendJournalConfig | null {
  if (env.SPEND_JOURNAL === 'off') return null;
  if (database.type === 'sqlite' && database.path === ':memory:') return null;
  const path = env.SPEND_JOURNAL_PATH
    ? resolve(env.SPEND_JOURNAL_PATH)
    : database.type === 'sqlite'
      ? `${database.path}.spend-journal`
      : join(env.DATA_DIR ? resolve(env.DATA_DIR) : resolve('data'), 'spend-journal');
  return { path, fsync: env.SPEND_JOURNAL_FSYNC === 'interval' ? 'interval' : 'none' };
}

function parseHttpTimeouts(env: EnvDto): HttpTimeouts {
  const timeouts = {
    headersMs: env.HTTP_HEADERS_TIMEOUT_MS ?? 10_000,
    requestMs: env.HTTP_REQUEST_TIMEOUT_MS ?? 30_000,
  };
  if (timeouts.headersMs > timeouts.requestMs) {
    // node:http refuses it too: the headers are part of the request.
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS (${timeouts.headersMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${timeouts.requestMs})`,
    );
  }
  return timeouts;
}

function identityOf(env: EnvDto): AppConfig['identity'] {
  try {
    return parseIdentity(env);
  } catch (error) {
    if (error instanceof IdentityConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

/**
 * Validates the environment into an AppConfig. Throws ConfigError with one line that names
 * the bad variable; creates the master key file when no key is configured.
 */
export function loadConfig(raw: NodeJS.ProcessEnv): AppConfig {
  const present = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''),
  );
  const env = plainToInstance(EnvDto, present, { excludeExtraneousValues: false });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) throw new ConfigError(firstMessage(errors));

  const database = parseDatabase(env.DATABASE_URL ?? DEFAULT_DATABASE_URL, env.DATABASE_SCHEMA);
  const port = env.PORT ?? 4000;
  const baseUrl = (env.PROXY_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  return new AppConfig({
    port,
    host: env.HOST ?? '0.0.0.0',
    baseUrl,
    logoutUrl: env.PROXY_LOGOUT_URL ?? '/ui/login',
    ...resolveMasterKey(env.PROXY_MASTER_KEY, dataDirOf(database, env.DATA_DIR)),
    database,
    redisUrl: env.REDIS_URL ?? null,
    redisFailureMode: env.REDIS_FAILURE_MODE === 'closed' ? 'closed' : 'open',
    redisReconcileIntervalMs: env.REDIS_RECONCILE_INTERVAL_MS ?? 60_000,
    spendFlushIntervalMs: env.SPEND_FLUSH_INTERVAL_MS ?? 1000,
    spendFlushMaxEvents: env.SPEND_FLUSH_MAX_EVENTS ?? 200,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS ?? 365,
    spendJournal: parseSpendJournal(env, database),
    spendStreamClaimIdleMs: env.SPEND_STREAM_CLAIM_IDLE_MS ?? 30_000,
    smtp: parseSmtp(env),
    configFile: env.CONFIG_FILE ?? null,
    logLevel: env.LOG_LEVEL ?? 'info',
    trustProxy: env.TRUST_PROXY === 'true',
    httpTimeouts: parseHttpTimeouts(env),
    sessionTtlMs: (env.SESSION_TTL_HOURS ?? 12) * 3_600_000,
    invitationTtlMs: (env.INVITATION_TTL_DAYS ?? 7) * 86_400_000,
    secureCookies: baseUrl.startsWith('https://'),
    keyUpperBounds: {
      maxBudget: env.KEY_MAX_BUDGET_UPPER_BOUND ?? null,
      durationMs: env.KEY_DURATION_UPPER_BOUND ? parseDuration(env.KEY_DURATION_UPPER_BOUND) : null,
      tpmLimit: env.KEY_TPM_LIMIT_UPPER_BOUND ?? null,
      rpmLimit: env.KEY_RPM_LIMIT_UPPER_BOUND ?? null,
      maxParallelRequests: env.KEY_MAX_PARALLEL_REQUESTS_UPPER_BOUND ?? null,
      minBudgetDurationMs:
        env.KEY_MIN_BUDGET_DURATION === 'none'
          ? null
          : parseDuration(env.KEY_MIN_BUDGET_DURATION ?? '1h'),
    },
    keyMaxPerUser: env.KEY_MAX_PER_USER ?? 1000,
    // --- gateway, models, spend ---
    cache: {
      enabled: env.CACHE_ENABLED === 'true',
      ttlSeconds: env.CACHE_TTL_SECONDS ?? 600,
      maxEntries: env.CACHE_MAX_ENTRIES ?? 10_000,
      maxEntryBytes: env.CACHE_MAX_ENTRY_BYTES ?? 1024 * 1024,
      scope: env.CACHE_SCOPE ?? 'user',
    },
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS ?? 600_000,
    router: {
      routingStrategy: env.ROUTING_STRATEGY ?? null,
      numRetries: env.NUM_RETRIES ?? null,
      allowedFails: env.ALLOWED_FAILS ?? null,
      cooldownTimeSeconds: env.COOLDOWN_TIME ?? null,
    },
    metricsScrapeToken: env.METRICS_SCRAPE_TOKEN ?? null,
    encryptionKey: env.GATEHOUSE_ENCRYPTION_KEY ?? null,
    identity: identityOf(env),
  });
}
