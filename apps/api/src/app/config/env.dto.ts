import { Type } from 'class-transformer';
import {
  CACHE_SCOPES,
  ROUTING_STRATEGIES,
  type CacheScope,
  type RoutingStrategy,
} from './app-config';
import { DURATION_PATTERN } from '@gatehouse/shared/dto';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { ROLES } from '@gatehouse/shared/auth';
import { PASSWORD_LOGIN_MODES } from './identity-config';

/** The environment Gatehouse reads, validated once at boot. */
export class EnvDto {
  @IsOptional()
  @Matches(/^sk-[A-Za-z0-9_-]{16,200}$/, {
    message: 'PROXY_MASTER_KEY must start with "sk-" followed by 16-200 letters, digits, _ or -',
  })
  PROXY_MASTER_KEY?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  HOST?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'PROXY_BASE_URL must be an http(s) URL' })
  PROXY_BASE_URL?: string;

  @IsOptional()
  @Matches(/^(https?:\/\/[^\s]+|\/[^\s]*)$/, {
    message: 'PROXY_LOGOUT_URL must be an http(s) URL or a path starting with /',
  })
  PROXY_LOGOUT_URL?: string;

  @IsOptional()
  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'DATABASE_URL must be sqlite:<path> or postgres://user@host:port/db',
  })
  DATABASE_URL?: string;

  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DATABASE_SCHEMA must be a lower-case identifier',
  })
  DATABASE_SCHEMA?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/.+$/, { message: 'REDIS_URL must be redis://host:port' })
  REDIS_URL?: string;

  @IsOptional()
  @IsIn(['open', 'closed'], { message: 'REDIS_FAILURE_MODE must be open or closed' })
  REDIS_FAILURE_MODE?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'REDIS_RECONCILE_INTERVAL_MS must be a whole number' })
  @Min(0)
  @Max(86_400_000)
  REDIS_RECONCILE_INTERVAL_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'SPEND_FLUSH_INTERVAL_MS must be a whole number' })
  @Min(10)
  @Max(3_600_000)
  SPEND_FLUSH_INTERVAL_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'SPEND_FLUSH_MAX_EVENTS must be a whole number' })
  @Min(1)
  @Max(100_000)
  SPEND_FLUSH_MAX_EVENTS?: number;

  /** Days audit rows are kept; 0 keeps them forever. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be a whole number' })
  @Min(0)
  @Max(36_500)
  AUDIT_RETENTION_DAYS?: number;

  @IsOptional()
  @IsIn(['on', 'off'], { message: 'SPEND_JOURNAL must be on or off' })
  SPEND_JOURNAL?: string;

  @IsOptional()
  @IsString()
  SPEND_JOURNAL_PATH?: string;

  @IsOptional()
  @IsIn(['none', 'interval'], { message: 'SPEND_JOURNAL_FSYNC must be none or interval' })
  SPEND_JOURNAL_FSYNC?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'SPEND_STREAM_CLAIM_IDLE_MS must be a whole number' })
  @Min(100)
  @Max(3_600_000)
  SPEND_STREAM_CLAIM_IDLE_MS?: number;

  @IsOptional()
  @IsString()
  SMTP_HOST?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'SMTP_PORT must be a whole number' })
  @Min(1)
  @Max(65535)
  SMTP_PORT?: number;

  @IsOptional()
  @IsString()
  SMTP_USERNAME?: string;

  @IsOptional()
  @IsString()
  SMTP_PASSWORD?: string;

  @IsOptional()
  @IsString()
  SMTP_SENDER_EMAIL?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  SMTP_TLS?: string;

  @IsOptional()
  @IsString()
  CONFIG_FILE?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  TRUST_PROXY?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'HTTP_REQUEST_TIMEOUT_MS must be a whole number' })
  @Min(100)
  @Max(3_600_000)
  HTTP_REQUEST_TIMEOUT_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'HTTP_HEADERS_TIMEOUT_MS must be a whole number' })
  @Min(100)
  @Max(3_600_000)
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'SESSION_TTL_HOURS must be a whole number' })
  @Min(1)
  @Max(24 * 90)
  SESSION_TTL_HOURS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'INVITATION_TTL_DAYS must be a whole number' })
  @Min(1)
  @Max(365)
  INVITATION_TTL_DAYS?: number;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  // --- Virtual keys: upper bounds for keys made by non-admins (all optional) ---
  @IsOptional()
  @Type(() => Number)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'KEY_MAX_BUDGET_UPPER_BOUND must be a number of USD' },
  )
  @Min(0)
  KEY_MAX_BUDGET_UPPER_BOUND?: number;

  @IsOptional()
  @Matches(DURATION_PATTERN, {
    message: 'KEY_DURATION_UPPER_BOUND must look like 30s, 10m, 2h, 30d or 1mo',
  })
  KEY_DURATION_UPPER_BOUND?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'KEY_TPM_LIMIT_UPPER_BOUND must be a whole number' })
  @Min(0)
  KEY_TPM_LIMIT_UPPER_BOUND?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'KEY_RPM_LIMIT_UPPER_BOUND must be a whole number' })
  @Min(0)
  KEY_RPM_LIMIT_UPPER_BOUND?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'KEY_MAX_PARALLEL_REQUESTS_UPPER_BOUND must be a whole number' })
  @Min(0)
  KEY_MAX_PARALLEL_REQUESTS_UPPER_BOUND?: number;

  /** The shortest budget_duration non-admins may give a key (default 1h; `none` = no floor). */
  @IsOptional()
  @Matches(/^(none|\d{1,6}(s|m|h|d|w|mo))$/, {
    message: 'KEY_MIN_BUDGET_DURATION must look like 30s, 10m, 1h, 30d or 1mo, or be none',
  })
  KEY_MIN_BUDGET_DURATION?: string;

  /** How many live keys one user may own (default 1000). */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'KEY_MAX_PER_USER must be a whole number' })
  @Min(1)
  @Max(1_000_000)
  KEY_MAX_PER_USER?: number;
  // --- gateway, models, spend ---

  @IsOptional()
  @IsIn(['true', 'false'])
  CACHE_ENABLED?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'CACHE_TTL_SECONDS must be a whole number' })
  @Min(1)
  @Max(30 * 86_400)
  CACHE_TTL_SECONDS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'CACHE_MAX_ENTRIES must be a whole number' })
  @Min(1)
  @Max(1_000_000)
  CACHE_MAX_ENTRIES?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'CACHE_MAX_ENTRY_BYTES must be a whole number' })
  @Min(1024)
  @Max(64 * 1024 * 1024)
  CACHE_MAX_ENTRY_BYTES?: number;

  @IsOptional()
  @IsIn(CACHE_SCOPES, { message: `CACHE_SCOPE must be one of ${CACHE_SCOPES.join(', ')}` })
  CACHE_SCOPE?: CacheScope;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'UPSTREAM_TIMEOUT_MS must be a whole number' })
  @Min(100)
  @Max(3_600_000)
  UPSTREAM_TIMEOUT_MS?: number;

  @IsOptional()
  @IsIn(ROUTING_STRATEGIES, {
    message: `ROUTING_STRATEGY must be one of ${ROUTING_STRATEGIES.join(', ')}`,
  })
  ROUTING_STRATEGY?: RoutingStrategy;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'NUM_RETRIES must be a whole number' })
  @Min(0)
  @Max(10)
  NUM_RETRIES?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'ALLOWED_FAILS must be a whole number' })
  @Min(0)
  @Max(1_000_000)
  ALLOWED_FAILS?: number;

  /** Seconds a failing deployment sits out (fractions allowed). */
  @IsOptional()
  @Type(() => Number)
  @IsNumber({}, { message: 'COOLDOWN_TIME must be a number of seconds' })
  @Min(0)
  @Max(86_400)
  COOLDOWN_TIME?: number;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,512}$/, {
    message: 'METRICS_SCRAPE_TOKEN must be 16-512 printable characters without spaces',
  })
  METRICS_SCRAPE_TOKEN?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,512}$/, {
    message: 'GATEHOUSE_ENCRYPTION_KEY must be 32-512 printable characters without spaces',
  })
  GATEHOUSE_ENCRYPTION_KEY?: string;

  // --- identity: single sign-on (OIDC) and password login (cross-field rules: identity-config.ts) ---
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'OIDC_ISSUER must be an http(s) URL' })
  OIDC_ISSUER?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,512}$/, { message: 'OIDC_CLIENT_ID must be 1-512 printable characters' })
  OIDC_CLIENT_ID?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,2048}$/, {
    message: 'OIDC_CLIENT_SECRET must be 1-2048 printable characters',
  })
  OIDC_CLIENT_SECRET?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]+( [\x21-\x7e]+){0,31}$/, {
    message: 'OIDC_SCOPES must be space-separated scope names, e.g. "openid email profile"',
  })
  OIDC_SCOPES?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  OIDC_DISPLAY_NAME?: string;

  @IsOptional()
  @IsIn(ROLES, { message: `OIDC_DEFAULT_ROLE must be one of ${ROLES.join(', ')}` })
  OIDC_DEFAULT_ROLE?: string;

  @IsOptional()
  @Matches(/^\s*[a-z0-9.-]+(\s*,\s*[a-z0-9.-]+)*\s*$/i, {
    message: 'OIDC_ALLOWED_DOMAINS must be a comma-separated list of domains',
  })
  OIDC_ALLOWED_DOMAINS?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,128}$/, { message: 'OIDC_ROLE_CLAIM must be a claim name' })
  OIDC_ROLE_CLAIM?: string;

  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  OIDC_ROLE_MAP?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,128}$/, { message: 'OIDC_TEAMS_CLAIM must be a claim name' })
  OIDC_TEAMS_CLAIM?: string;

  /** LiteLLM's names, accepted as aliases of OIDC_CLIENT_ID / OIDC_CLIENT_SECRET. */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,512}$/, {
    message: 'GENERIC_CLIENT_ID must be 1-512 printable characters',
  })
  GENERIC_CLIENT_ID?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,2048}$/, {
    message: 'GENERIC_CLIENT_SECRET must be 1-2048 printable characters',
  })
  GENERIC_CLIENT_SECRET?: string;

  /** LiteLLM's endpoint names: override what discovery from OIDC_ISSUER found. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, {
    message: 'GENERIC_AUTHORIZATION_ENDPOINT must be an http(s) URL',
  })
  GENERIC_AUTHORIZATION_ENDPOINT?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'GENERIC_TOKEN_ENDPOINT must be an http(s) URL' })
  GENERIC_TOKEN_ENDPOINT?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'GENERIC_USERINFO_ENDPOINT must be an http(s) URL' })
  GENERIC_USERINFO_ENDPOINT?: string;

  @IsOptional()
  @IsIn(PASSWORD_LOGIN_MODES, {
    message: `PASSWORD_LOGIN must be one of ${PASSWORD_LOGIN_MODES.join(', ')}`,
  })
  PASSWORD_LOGIN?: string;
}
