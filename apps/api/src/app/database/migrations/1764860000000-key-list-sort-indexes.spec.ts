import { DataSource } from 'typeorm';
import { KeyListSortIndexes1764860000000 } from './1764860000000-key-list-sort-indexes';
import { MIGRATIONS } from './index';

/** The plans of `GET /key/list` sorted by each column the console sorts on (SQLite). */
describe('migration 1764860000000: key list sort indexes', () => {
  let ds: DataSource;

  const plan = async (sql: string): Promise<string> =>
    (await ds.query<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`))
      .map((row) => row.detail)
      .join(' | ');
  // `stage` makes each stage's SQL its own text: the driver caches prepared statements, and a
  // cached EXPLAIN keeps the plan it was prepared with.
  const sortedPage = (column: string, stage = 'up', direction = 'DESC') =>
    plan(
      `SELECT * FROM keys /* ${stage} */ ORDER BY ${column} ${direction}, token ${direction} LIMIT 25`,
    );
  const columns = ['spend', 'updated_at', 'key_alias', 'max_budget', 'expires'];

  beforeAll(async () => {
    ds = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await ds.initialize();
    const runner = ds.createQueryRunner();
    for (const Migration of MIGRATIONS) await new Migration().up(runner);
    await runner.release();
  });
  afterAll(() => ds.destroy());

  it.each(columns)('reads a page sorted by %s, either way, in index order', async (column) => {
    for (const direction of ['ASC', 'DESC']) {
      const detail = await sortedPage(column, 'up', direction);
      expect(detail).toContain(`USING INDEX IDX_keys_${column}_token`);
      // Not even the ties are sorted apart (every unused key has spend 0 and no budget).
      expect(detail).not.toContain('TEMP B-TREE');
    }
  });

  it('drops the indexes again on the way down', async () => {
    const runner = ds.createQueryRunner();
    await new KeyListSortIndexes1764860000000().down(runner);
    for (const column of columns) {
      expect(await sortedPage(column, 'down')).toContain('USE TEMP B-TREE FOR ORDER BY');
    }
    await new KeyListSortIndexes1764860000000().up(runner);
    await runner.release();
  });
});
