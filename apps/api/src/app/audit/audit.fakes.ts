import type { EntityManager } from 'typeorm';
import type { Transactions } from '../database/transactions';
import type { AuditEntry, AuditService } from './audit.service';

/** For unit specs: `run` calls straight through (the repositories there are fakes). */
export function inlineTransactions(): Transactions {
  return {
    run: <T>(fn: (manager: EntityManager) => Promise<T>) => fn({} as EntityManager),
    active: true,
  } as unknown as Transactions;
}

/** For unit specs: an AuditService that keeps the entries it is given. */
export function recordingAudit(): AuditService & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    record: (entry: AuditEntry) => {
      entries.push(entry);
      return Promise.resolve();
    },
  } as unknown as AuditService & { entries: AuditEntry[] };
}
