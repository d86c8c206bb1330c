import type { AuditLogEntry } from '@gatehouse/shared/dto';
import { createHash } from 'node:crypto';

/** The predecessor of the first row ever written. */
export const GENESIS_HASH = '';

/** A row as it is hashed: every field but the hash itself. */
export type ChainedRow = Omit<AuditLogEntry, 'hash'>;

/**
 * JSON with object keys sorted at every level and no whitespace: one text per value, whatever
 * order the fields were built or read back in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** `sha256(previous hash + canonical JSON of the row)`, hex. */
export function chainHash(previousHash: string, row: ChainedRow): string {
  return createHash('sha256')
    .update(previousHash + canonicalJson(row))
    .digest('hex');
}

export interface ChainCheck {
  /** Rows walked so far. */
  rows: number;
  /** The hash the next row must be chained to. */
  previousHash: string;
  firstBadId: string | null;
}

/** Walks one batch of rows (oldest first) on from `check`; stops at the first bad row. */
export function walkChain(check: ChainCheck, rows: readonly AuditLogEntry[]): ChainCheck {
  let { rows: count, previousHash } = check;
  for (const row of rows) {
    if (check.firstBadId) break;
    count += 1;
    const { hash, ...chained } = row;
    if (chainHash(previousHash, chained) !== hash) {
      return { rows: count, previousHash, firstBadId: row.id };
    }
    previousHash = hash;
  }
  return { rows: count, previousHash, firstBadId: check.firstBadId };
}
