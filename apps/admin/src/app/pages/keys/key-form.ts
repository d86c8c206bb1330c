import type { KeyResponse, UpdateKeyRequest } from '@gatehouse/shared/dto';

/** The key fields the key page edits, as the form holds them (numbers may be empty). */
export interface KeyFormValue {
  key_alias: string;
  models: string[];
  max_budget: number | null;
  budget_duration: string;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
}

export const EDITABLE_FIELDS = [
  'key_alias',
  'models',
  'max_budget',
  'budget_duration',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
] as const satisfies readonly (keyof KeyFormValue & keyof UpdateKeyRequest)[];
export type EditableField = (typeof EDITABLE_FIELDS)[number];

export function formValueOf(key: KeyResponse): KeyFormValue {
  return {
    key_alias: key.key_alias ?? '',
    models: [...key.models],
    max_budget: key.max_budget,
    budget_duration: key.budget_duration ?? '',
    tpm_limit: key.tpm_limit,
    rpm_limit: key.rpm_limit,
    max_parallel_requests: key.max_parallel_requests,
  };
}

const emptyToNull = (value: unknown): unknown =>
  value === '' || value === undefined ? null : value;

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const sorted = (list: unknown[]) => list.map(String).sort().join('\n');
    return a.length === b.length && sorted(a) === sorted(b);
  }
  return emptyToNull(a) === emptyToNull(b);
}

/**
 * Only the fields that changed go to `/key/update`: a field sent unchanged would be checked
 * again against the caller's bounds (an unchanged "unlimited" would be refused to an internal
 * user under a configured bound). An emptied field is sent as null (= clear it).
 */
export function updateRequest(key: KeyResponse, value: KeyFormValue): UpdateKeyRequest {
  const current = formValueOf(key);
  const request: UpdateKeyRequest = { key: key.token };
  for (const field of EDITABLE_FIELDS) {
    const next = value[field];
    if (same(next, current[field])) continue;
    switch (field) {
      case 'models':
        request.models = value.models;
        break;
      case 'key_alias':
      case 'budget_duration':
        request[field] = value[field].trim() || null;
        break;
      case 'max_budget':
      case 'tpm_limit':
      case 'rpm_limit':
      case 'max_parallel_requests': {
        const number = emptyToNull(value[field]);
        request[field] = number === null ? null : Number(number);
        break;
      }
    }
  }
  return request;
}
