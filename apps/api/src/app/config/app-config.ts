import type { IdentityConfig } from './identity-config';

export type DatabaseConfig =
  { type: 'sqlite'; path: string } | { type: 'postgres'; url: string; schema?: string };

export interface SmtpConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  senderEmail: string;
  tls: boolean;
}

/** Who shares a cached answer: everyone, a team, a user (default) or one key. */
export const CACHE_SCOPES = ['global', 'team', 'user', 'key'] as const;
export type CacheScope = (typeof CACHE_SCOPES)[number];

/** LiteLLM's `routing_strategy` names (the router's choice among one model's deployments). */
export const ROUTING_STRATEGIES = [
  'simple-shuffle',
  'least-busy',
  'latency-based-routing',
  'usage-based-routing',
] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/**
 * Router settings from the environment (null = not set there). They override CONFIG_FILE's
 * `router_settings` (see gateway/router/router-settings.ts for the defaults).
 */
export interface RouterEnv {
  routingStrategy: RoutingStrategy | null;
  numRetries: number | null;
  allowedFails: number | null;
  cooldownTimeSeconds: number | null;
}

/** Response cache defaults: per-model `model_info.cache` can opt in too. */
export interface CacheConfig {
  enabled: boolean;
  ttlSeconds: number;
  maxEntries: number;
  /** An answer larger than this (its stored JSON, bytes) is not cached. */
  maxEntryBytes: number;
  scope: CacheScope;
}

/**
 * How long a client may take to send a request (node:http's server timeouts). They cover the
 * request only: once it is received, an answer (an SSE stream) may take as long as it takes.
 */
export interface HttpTimeouts {
  /** From the first byte of a request to the end of its headers (slow-header clients). */
  headersMs: number;
  /** From the first byte of a request to the end of its body (slow-body clients). */
  requestMs: number;
}

/** SPEND_JOURNAL_PATH (a directory) and SPEND_JOURNAL_FSYNC. */
export interface SpendJournalConfig {
  path: string;
  /** `interval`: fsync about every 100 ms, off the request path (survives power loss). */
  fsync: 'none' | 'interval';
}

export type RedisFailureMode = 'open' | 'closed';

/** Where the master key came from; `generated` is printed once at start. */
export type MasterKeySource = 'env' | 'file' | 'generated';

/** Upper bounds on keys made or changed by non-admins; null = no bound. */
export interface KeyUpperBounds {
  maxBudget: number | null;
  durationMs: number | null;
  tpmLimit: number | null;
  rpmLimit: number | null;
  maxParallelRequests: number | null;
  /**
   * The shortest `budget_duration` a non-admin may give a key (ms): a shorter period resets a
   * key's spend sooner, which is a higher budget. KEY_MIN_BUDGET_DURATION, default 1h.
   */
  minBudgetDurationMs: number | null;
}

/**
 * The typed, validated configuration. Injected by class; built once by `loadConfig`.
 */
export class AppConfig {
  readonly port!: number;
  readonly host!: string;
  readonly baseUrl!: string;
  readonly logoutUrl!: string;
  readonly masterKey!: string;
  readonly masterKeySource!: MasterKeySource;
  readonly masterKeyFile!: string | null;
  readonly database!: DatabaseConfig;
  readonly redisUrl!: string | null;
  /**
   * What a route that needs Redis does while Redis does not answer: `open` falls back to this
   * instance's own counters, `closed` answers 503. Only meaningful with `redisUrl`.
   */
  readonly redisFailureMode!: RedisFailureMode;
  /** How often the Redis budget ledger is reconciled with the database counters (0 = never). */
  readonly redisReconcileIntervalMs!: number;
  readonly spendFlushIntervalMs!: number;
  /** Queued spend events that start a flush before the interval is up. */
  readonly spendFlushMaxEvents!: number;
  /** Days audit rows are kept (AUDIT_RETENTION_DAYS); 0 keeps them forever. */
  readonly auditRetentionDays!: number;
  /**
   * The spend journal (crash-safe books): where each answered call's spend event is appended
   * before the answer leaves; null = off (SPEND_JOURNAL=off, or `sqlite::memory:`).
   */
  readonly spendJournal!: SpendJournalConfig | null;
  /**
   * With REDIS_URL: how long a spend stream entry stays pending with an instance before
   * another one claims it (the first is presumed dead). SPEND_STREAM_CLAIM_IDLE_MS, 30 s.
   */
  readonly spendStreamClaimIdleMs!: number;
  readonly smtp!: SmtpConfig | null;
  readonly configFile!: string | null;
  readonly logLevel!: string;
  readonly trustProxy!: boolean;
  readonly httpTimeouts!: HttpTimeouts;
  readonly sessionTtlMs!: number;
  readonly invitationTtlMs!: number;
  readonly secureCookies!: boolean;
  readonly keyUpperBounds!: KeyUpperBounds;
  /** How many live keys one user may own (KEY_MAX_PER_USER, default 1000). */
  readonly keyMaxPerUser!: number;
  // --- gateway, models, spend ---
  readonly cache!: CacheConfig;
  readonly upstreamTimeoutMs!: number;
  readonly router!: RouterEnv;
  readonly metricsScrapeToken!: string | null;
  /** Secret for encrypting upstream api keys at rest; null = derived from the master key. */
  readonly encryptionKey!: string | null;
  /** Single sign-on (null = off) and who may log in with a password. */
  readonly identity!: IdentityConfig;

  constructor(values: AppConfig) {
    Object.assign(this, values);
    Object.freeze(this);
  }
}
