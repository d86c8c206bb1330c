import type { AuditLogQuery } from '@gatehouse/shared/dto';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { dataSourceOptions } from '../database/data-source-options';
import { Transactions } from '../database/transactions';
import { AuditLogEntity } from './audit-log.entity';
import { AuditRepository } from './audit.repository';

/** Every SELECT the repository sends, with its parameters. */
class RecordingLogger implements TypeOrmLogger {
  readonly queries: { sql: string; params: unknown[] }[] = [];
  logQuery(sql: string, params?: unknown[]): void {
    if (/^SELECT/i.test(sql)) this.queries.push({ sql, params: params ?? [] });
  }
  logQueryError = (): void => undefined;
  logQuerySlow = (): void => undefined;
  logSchemaBuild = (): void => undefined;
  logMigration = (): void => undefined;
  log = (): void => undefined;
}

describe('AuditRepository.list on SQLite (the migrated schema)', () => {
  let dataSource: DataSource;
  let logger: RecordingLogger;
  let sut: AuditRepository;

  beforeAll(async () => {
    logger = new RecordingLogger();
    dataSource = await new DataSource({
      ...dataSourceOptions({ type: 'sqlite', path: ':memory:' }),
      logging: true,
      logger,
    }).initialize();
    sut = new AuditRepository(new Transactions(dataSource));
  });

  afterAll(() => dataSource.destroy());

  const planOf = async ({ sql, params }: { sql: string; params: unknown[] }): Promise<string> =>
    (await dataSource.query<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`, params))
      .map((r) => r.detail)
      .join('; ');

  const filters: Record<string, AuditLogQuery> = {
    none: {},
    table_name: { table_name: 'key' },
    action: { action: 'updated' },
    'table_name + action': { table_name: 'key', action: 'updated' },
    object_id: { object_id: 'key-7' },
    changed_by: { changed_by: 'u-7' },
    'changed_by + action': { changed_by: 'u-7', action: 'updated' },
    'dates only': { start_date: '2026-11-01', end_date: '2026-11-30' },
    'action + dates': { action: 'deleted', start_date: '2026-11-01', end_date: '2026-11-30' },
    'changed_by + dates': { changed_by: 'u-7', start_date: '2026-11-01', end_date: '2026-11-30' },
    'table_name + action + dates': {
      table_name: 'key',
      action: 'updated',
      start_date: '2026-11-01',
      end_date: '2026-11-30',
    },
  };

  it.each(Object.entries(filters))(
    '%s: the page and the total read one list index, in order (no sort, no table scan)',
    async (_name, filter) => {
      logger.queries.length = 0;
      await sut.list({ ...filter, page: 3, page_size: 50 });
      expect(logger.queries).toHaveLength(2);
      for (const query of logger.queries) {
        const plan = await planOf(query);
        expect(plan).toMatch(/USING (COVERING )?INDEX IDX_audit_logs_list_/);
        expect(plan).not.toMatch(/TEMP B-TREE|SCAN a$|SCAN audit_logs$/);
      }
    },
  );

  it('the combined filters use the index that leads with both, or the most selective column', async () => {
    const leadOf = async (filter: AuditLogQuery): Promise<string> => {
      logger.queries.length = 0;
      await sut.list({ ...filter, page: 1, page_size: 50 });
      return planOf(logger.queries[0]);
    };
    expect(await leadOf({ table_name: 'key', action: 'updated' })).toContain(
      'IDX_audit_logs_list_table_name_action',
    );
    expect(await leadOf({ changed_by: 'u-7', action: 'updated' })).toContain(
      'IDX_audit_logs_list_changed_by',
    );
    expect(await leadOf({ object_id: 'k', table_name: 'key' })).toContain(
      'IDX_audit_logs_list_object_id',
    );
  });

  it('pages newest first with an exact total', async () => {
    const repo = dataSource.getRepository(AuditLogEntity);
    const base = Date.parse('2026-11-10T00:00:00Z');
    for (let i = 0; i < 7; i++) {
      await repo.insert({
        id: `row-${i}`,
        updatedAt: new Date(base + (i % 2 === 0 ? i : 6 - i) * 60_000),
        changedBy: 'u-7',
        changedByApiKey: null,
        authMethod: 'session',
        action: i % 3 === 0 ? 'deleted' : 'updated',
        tableName: 'key',
        objectId: `key-${i}`,
        beforeValue: null,
        updatedValues: null,
        ip: null,
        userAgent: null,
        requestId: null,
        hash: 'f'.repeat(64),
      });
    }
    const [page, total] = await sut.list({ action: 'updated', page: 1, page_size: 3 });
    expect(total).toBe(4);
    const times = page.map((r) => r.updatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(page).toHaveLength(3);
    const [rest] = await sut.list({ action: 'updated', page: 2, page_size: 3 });
    expect(rest).toHaveLength(1);
  });
});
