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

/** Response cache defaults (issue 5): per-model `model_info.cache` can opt in too. */
export interface CacheConfig {
  enabled: boolean;
  ttlSeconds: number;
  maxEntries: number;
}

/** Where the master key came from; `generated` is printed once at start. */
export type MasterKeySource = 'env' | 'file' | 'generated';

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
  readonly spendFlushIntervalMs!: number;
  readonly smtp!: SmtpConfig | null;
  readonly configFile!: string | null;
  readonly logLevel!: string;
  readonly trustProxy!: boolean;
  readonly sessionTtlMs!: number;
  readonly invitationTtlMs!: number;
  readonly secureCookies!: boolean;
  // --- gateway, models, spend (issue 5) ---
  readonly cache!: CacheConfig;
  readonly upstreamTimeoutMs!: number;
  readonly metricsScrapeToken!: string | null;
  /** Secret for encrypting upstream api keys at rest; null = derived from the master key. */
  readonly encryptionKey!: string | null;

  constructor(values: AppConfig) {
    Object.assign(this, values);
    Object.freeze(this);
  }
}
