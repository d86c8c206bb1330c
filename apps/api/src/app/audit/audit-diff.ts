import { canonicalJson } from './audit-chain';

export interface AuditValues {
  before_value: Record<string, unknown> | null;
  updated_values: Record<string, unknown> | null;
}

/**
 * An update's before and after, cut to the fields that changed (compared as canonical JSON, so
 * `{a:1,b:2}` and `{b:2,a:1}` are equal). A field present on one side only counts as changed.
 */
export function changedValues(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): AuditValues {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  const was: Record<string, unknown> = {};
  const now: Record<string, unknown> = {};
  for (const field of fields) {
    if (canonicalJson(before[field] ?? null) === canonicalJson(after[field] ?? null)) continue;
    was[field] = before[field] ?? null;
    now[field] = after[field] ?? null;
  }
  return { before_value: was, updated_values: now };
}

/** Field names whose values are secrets: dropped from every row whatever the caller passed. */
const SECRET_FIELDS = new Set([
  'password',
  'current_password',
  'password_hash',
  'passwordhash',
  'key',
  'apikey',
  'hashed_token',
  'token_hash',
  'secret',
  'client_secret',
  'csrf_token',
  'master_key',
]);

/** Kept only in the masked form `/model/info` shows (`sk-...abcd`, `...abcd`, `****`). */
const MASKED_FIELDS = new Set(['api_key']);
const MASKED = /^(?:(?:sk-)?\.\.\..{4}|\*{4})$/;

/** A full virtual-key or master-key secret (`key_name`'s `sk-...abcd` form is not one). */
const KEY_SECRET = /^sk-[A-Za-z0-9_-]{16,}$/;

/**
 * A deep copy without secrets: fields named like one are dropped and any string that is a
 * whole key secret is masked. Services already pass safe snapshots; this is the last guard.
 */
export function withoutSecrets(value: unknown): unknown {
  if (typeof value === 'string') return KEY_SECRET.test(value) ? `sk-...${value.slice(-4)}` : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(withoutSecrets);
  const out: Record<string, unknown> = {};
  for (const [field, child] of Object.entries(value as Record<string, unknown>)) {
    const name = field.toLowerCase();
    if (SECRET_FIELDS.has(name)) continue;
    if (
      MASKED_FIELDS.has(name) &&
      child !== null &&
      !(typeof child === 'string' && MASKED.test(child))
    ) {
      continue;
    }
    out[field] = withoutSecrets(child);
  }
  return out;
}
