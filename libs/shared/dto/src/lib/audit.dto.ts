import { IsIn } from 'class-validator';
import { MAX_PAGE, Optional, QueryInt, Text } from './field-rules';
import { DateRangeQuery } from './spend.dto';

/** How the actor of an audited change authenticated (`system`: the server's own jobs). */
export const AUDIT_AUTH_METHODS = [
  'master_key',
  'session',
  'api_key',
  'sso',
  'onboarding',
  'system',
] as const;
export type AuditAuthMethod = (typeof AUDIT_AUTH_METHODS)[number];

export const AUDIT_ACTIONS = [
  'created',
  'updated',
  'deleted',
  'blocked',
  'unblocked',
  'regenerated',
  'member_added',
  'member_removed',
  'accepted',
  'password_set',
  'login',
  'login_failed',
  'logout',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a row is about; `audit` is the log itself (the retention purge's own row). */
export const AUDIT_TABLES = [
  'user',
  'key',
  'team',
  'invitation',
  'model',
  'session',
  'audit',
] as const;
export type AuditTableName = (typeof AUDIT_TABLES)[number];

/** `GET /audit` (proxy_admin, proxy_admin_viewer): newest first; dates are UTC days, inclusive. */
export class AuditLogQuery extends DateRangeQuery {
  @Optional()
  @QueryInt(1, MAX_PAGE)
  page?: number;

  @Optional()
  @QueryInt(1, 1000)
  page_size?: number;

  @Optional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @Optional()
  @IsIn(AUDIT_TABLES)
  table_name?: AuditTableName;

  @Optional()
  @Text(256)
  object_id?: string;

  @Optional()
  @Text(256)
  changed_by?: string;
}

/** One audit row (LiteLLM's field names). Never holds a secret. */
export interface AuditLogEntry {
  id: string;
  /** ISO time of the change. */
  updated_at: string;
  /** The user_id, `admin` for the master key, `system` for the server's jobs; null for a failed login. */
  changed_by: string | null;
  /** The key's token id when a key made the change, else null. */
  changed_by_api_key: string | null;
  auth_method: AuditAuthMethod;
  action: AuditAction;
  table_name: AuditTableName;
  /** user_id / key token id / team_id / invitation id / model id; null for a failed login of an unknown name. */
  object_id: string | null;
  /** On update only the fields that changed; null when there was nothing before (created). */
  before_value: Record<string, unknown> | null;
  updated_values: Record<string, unknown> | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** sha256(previous row's hash + this row's canonical JSON), hex. */
  hash: string;
}

export interface AuditLogList {
  audit_logs: AuditLogEntry[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

/** `GET /audit/verify` (proxy_admin). */
export interface AuditVerifyResponse {
  ok: boolean;
  /** Rows walked. */
  rows: number;
  /** The first row whose hash does not match, or null when the chain holds. */
  first_bad_id: string | null;
}
