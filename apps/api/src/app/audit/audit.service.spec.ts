import { SystemClock } from '../common/time/clock';
import type { AppConfig } from '../config/app-config';
import type { Transactions } from '../database/transactions';
import { AuditActorContext } from './audit-actor';
import type { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

describe('AuditService.record', () => {
  const entry = { action: 'created', table_name: 'team', object_id: 't1' } as const;
  const identity = {
    changed_by: 'admin',
    changed_by_api_key: null,
    auth_method: 'master_key',
  } as const;

  function sut(active: boolean) {
    const inserted: unknown[] = [];
    const rows = {
      lockChain: jest.fn().mockResolvedValue(undefined),
      newestHash: jest.fn().mockResolvedValue(null),
      insert: jest.fn((row: unknown) => {
        inserted.push(row);
        return Promise.resolve();
      }),
    } as unknown as AuditRepository;
    const service = new AuditService(
      rows,
      { active } as unknown as Transactions,
      new AuditActorContext(),
      new SystemClock(),
      { auditRetentionDays: 365 } as AppConfig,
    );
    return { service, rows, inserted };
  }

  it('refuses to write outside a transaction (a row must go with its change)', async () => {
    const { service, inserted } = sut(false);
    await expect(service.record(entry, identity)).rejects.toThrow(/inside Transactions.run/);
    expect(inserted).toEqual([]);
  });

  it('refuses a row without an actor', async () => {
    const { service } = sut(true);
    await expect(service.record(entry)).rejects.toThrow(/no actor/);
  });

  it('takes the chain lock before reading the previous hash, then appends', async () => {
    const { service, rows, inserted } = sut(true);
    await service.record(entry, identity);
    const lock = (rows.lockChain as jest.Mock).mock.invocationCallOrder[0];
    const read = (rows.newestHash as jest.Mock).mock.invocationCallOrder[0];
    expect(lock).toBeLessThan(read);
    expect(inserted).toEqual([
      expect.objectContaining({ changedBy: 'admin', tableName: 'team', hash: expect.any(String) }),
    ]);
  });
});
