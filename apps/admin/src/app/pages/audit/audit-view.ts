import type {
  AuditAction,
  AuditAuthMethod,
  AuditLogEntry,
  AuditTableName,
} from '@gatehouse/shared/dto';
import type { AuditFilters } from '../../data-access/audit.service';
import { csvEscape } from '../../shared/format';

// The console may import only types from @gatehouse/shared/dto, so the names are listed here;
// `Record<…>` makes the compiler name any action or table the API adds and this file lacks.
export const ACTION_LABELS: Readonly<Record<AuditAction, string>> = {
  created: 'Created',
  updated: 'Updated',
  deleted: 'Deleted',
  blocked: 'Blocked',
  unblocked: 'Unblocked',
  regenerated: 'Regenerated',
  member_added: 'Member added',
  member_removed: 'Member removed',
  accepted: 'Accepted',
  password_set: 'Password set',
  login: 'Login',
  login_failed: 'Login failed',
  logout: 'Logout',
};

export const TABLE_LABELS: Readonly<Record<AuditTableName, string>> = {
  user: 'User',
  key: 'Key',
  team: 'Team',
  invitation: 'Invitation',
  model: 'Model',
  session: 'Session',
  audit: 'Audit log',
};

export const AUTH_METHOD_LABELS: Readonly<Record<AuditAuthMethod, string>> = {
  master_key: 'master key',
  session: 'console session',
  api_key: 'API key',
  sso: 'SSO',
  onboarding: 'onboarding link',
  system: 'Gatehouse itself',
};

export const ACTIONS = Object.keys(ACTION_LABELS) as AuditAction[];
export const TABLES = Object.keys(TABLE_LABELS) as AuditTableName[];

/** The filters, as the page's URL carries them (`/ui/audit?table_name=key&object_id=…`). */
export const FILTER_NAMES = [
  'changed_by',
  'action',
  'table_name',
  'object_id',
  'start_date',
  'end_date',
] as const satisfies readonly (keyof AuditFilters)[];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The filters of a URL's query. A value the API would refuse (an unknown action or table, a
 * date that is not YYYY-MM-DD) is dropped rather than sent, so a hand-edited link still loads.
 */
export function filtersFromQuery(query: { get(name: string): string | null }): AuditFilters {
  const text = (name: string) => query.get(name)?.trim() || null;
  const action = text('action');
  const table = text('table_name');
  const day = (name: string) => {
    const value = text(name);
    return value !== null && DAY.test(value) ? value : null;
  };
  return {
    changed_by: text('changed_by'),
    action: ACTIONS.find((known) => known === action) ?? null,
    table_name: TABLES.find((known) => known === table) ?? null,
    object_id: text('object_id'),
    start_date: day('start_date'),
    end_date: day('end_date'),
  };
}

/** The router's `queryParams` for `filters`: every filter named, null (left out) when empty. */
export function queryOfFilters(filters: AuditFilters): Record<string, string | null> {
  return Object.fromEntries(
    FILTER_NAMES.map((name) => [name, (filters[name] ?? '').trim() || null]),
  );
}

/** One line of the before → after diff. `undefined`: the field is absent on that side. */
export interface DiffLine {
  field: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The fields of `before_value` and `updated_values`, after's order first (what the change set),
 * then fields only the before side has (what a delete removed).
 */
export function diffLines(
  entry: Pick<AuditLogEntry, 'before_value' | 'updated_values'>,
): DiffLine[] {
  const before = entry.before_value ?? {};
  const after = entry.updated_values ?? {};
  const fields = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  return fields.map((field) => {
    const was = Object.hasOwn(before, field) ? before[field] : undefined;
    const now = Object.hasOwn(after, field) ? after[field] : undefined;
    return { field, before: was, after: now, changed: !same(was, now) };
  });
}

/** A value of a diff line as text: strings as they are, anything else as JSON, absent as —. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The table's "Fields" column: what changed, in a few words. */
export function changedFields(entry: AuditLogEntry, max = 4): string {
  const fields = diffLines(entry)
    .filter((line) => line.changed)
    .map((line) => line.field);
  if (fields.length === 0) return '—';
  const shown = fields.slice(0, max).join(', ');
  return fields.length > max ? `${shown} +${fields.length - max} more` : shown;
}

/** The CSV's columns: every field of a row, by the API's (LiteLLM's) names. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'updated_at',
  'changed_by',
  'changed_by_api_key',
  'auth_method',
  'action',
  'table_name',
  'object_id',
  'before_value',
  'updated_values',
  'ip',
  'user_agent',
  'request_id',
  'hash',
] as const satisfies readonly (keyof AuditLogEntry)[];

/** RFC 4180 CSV (CRLF lines, quoted where needed); JSON values as compact JSON, null as empty. */
export function toAuditCsv(rows: readonly AuditLogEntry[]): string {
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    return csvEscape(typeof value === 'string' ? value : JSON.stringify(value));
  };
  const lines = rows.map((row) => AUDIT_CSV_COLUMNS.map((name) => cell(row[name])).join(','));
  return [AUDIT_CSV_COLUMNS.join(','), ...lines].join('\r\n') + '\r\n';
}
