import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteWorkerSpendStore, WRITER_NICE } from './spend-store';

/** The `nice` of each of this process's threads, from /proc (Linux). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // After "pid (comm) ", field 19 (nice) is the 17th: comm may hold spaces, so cut there.
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });
}

describe('SqliteWorkerSpendStore (a real SQLite file, a real worker thread)', () => {
  let dir: string;
  let path: string;
  let sut: SqliteWorkerSpendStore;

  const rows = (): { id: string; n: number }[] => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT id, n FROM t ORDER BY id').all() as { id: string; n: number }[];
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-spend-store-'));
    path = join(dir, 'db.sqlite');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    db.close();
    sut = new SqliteWorkerSpendStore(path, 1000);
  });
  afterEach(async () => {
    await sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a batch in one transaction, with positional parameters', async () => {
    await sut.execute([
      { sql: 'INSERT INTO t (id, n) VALUES (?, ?), (?, ?)', params: ['a', 1, 'b', 2] },
      { sql: 'UPDATE t SET n = n + ? WHERE id = ?', params: [40, 'a'] },
    ]);
    expect(rows()).toEqual([
      { id: 'a', n: 41 },
      { id: 'b', n: 2 },
    ]);
  });

  it('writes nothing of a batch that fails, says why, and takes the next batch', async () => {
    await expect(
      sut.execute([
        { sql: 'INSERT INTO t (id, n) VALUES (?, ?)', params: ['a', 1] },
        { sql: 'INSERT INTO t (id, n) VALUES (?, ?)', params: ['a', 2] },
      ]),
    ).rejects.toThrow(/UNIQUE constraint failed/);
    expect(rows()).toEqual([]);
    await sut.execute([{ sql: 'INSERT INTO t (id, n) VALUES (?, ?)', params: ['c', 3] }]);
    expect(rows()).toEqual([{ id: 'c', n: 3 }]);
  });

  it('keeps the order of batches sent without waiting', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sut.execute([
          i === 0
            ? { sql: 'INSERT INTO t (id, n) VALUES (?, ?)', params: ['x', 0] }
            : { sql: 'UPDATE t SET n = n * 2 + ? WHERE id = ?', params: [i % 2, 'x'] },
        ]),
      ),
    );
    let expected = 0;
    for (let i = 1; i < 20; i++) expected = expected * 2 + (i % 2);
    expect(rows()).toEqual([{ id: 'x', n: expected }]);
  });

  it('runs below the priority of the threads that serve requests (Linux)', async () => {
    const atWriterNice = (): number => threadNices().filter((n) => n === WRITER_NICE).length;
    const before = atWriterNice();
    await sut.execute([{ sql: 'INSERT INTO t (id, n) VALUES (?, ?)', params: ['a', 1] }]);
    expect(WRITER_NICE).toBeGreaterThan(0);
    expect(atWriterNice()).toBe(before + 1);
    expect(threadNices()).toContain(0); // this thread, and the rest of the process, unchanged
    await sut.close();
    expect(atWriterNice()).toBe(before);
  });

  it('starts a new thread after close or a crash, failing only the batches in flight', async () => {
    await sut.execute([{ sql: 'INSERT INTO t (id, n) VALUES (?, ?)', params: ['a', 1] }]);
    await sut.close();
    await sut.execute([{ sql: 'UPDATE t SET n = ? WHERE id = ?', params: [2, 'a'] }]);
    const broken = new SqliteWorkerSpendStore(join(dir, 'missing', 'db.sqlite'), 1000);
    await expect(broken.execute([{ sql: 'SELECT 1', params: [] }])).rejects.toThrow(
      /unable to open database|directory does not exist|exited/,
    );
    await broken.close();
    expect(rows()).toEqual([{ id: 'a', n: 2 }]);
  });
});
