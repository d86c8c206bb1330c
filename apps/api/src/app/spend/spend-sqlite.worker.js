// The spend writer's SQLite thread (see spend-store.ts, SqliteWorkerSpendStore). Plain
// JavaScript so that it runs as it is from the sources (tests) and beside the bundle (copied
// by apps/api/webpack.config.js). It knows no schema: it runs each batch of statements it is
// sent in one transaction and answers `{id}` or `{id, error}`; a `{id, query}` answers
// `{id, rows}` (the replay's reads at start).
'use strict';
const { readlinkSync } = require('node:fs');
const { setPriority } = require('node:os');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

/**
 * Flushes are background work: on Linux this thread lowers its own priority (`nice`), so that
 * when it and a request want the same CPU, the request goes first. In the scheduler's trace
 * (BENCHMARKS.md) this thread held the CPU longer than any other background thread while
 * sequential calls waited more than 1 ms for one. Not so low that it starves: against one busy
 * thread at nice 0 it still gets about a tenth of the CPU, and flushes kept up at full load.
 */
function lowerPriority(nice) {
  if (process.platform !== 'linux' || !nice) return;
  try {
    // "<pid>/task/<tid>": setpriority(2) with a thread id changes only that thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, nice);
  } catch {
    // No /proc, or not allowed: run at the process's priority.
  }
}
lowerPriority(workerData.nice);

const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma('journal_mode = WAL');

/** Prepared statements by text; multi-row inserts vary in length, so the cache is bounded. */
const prepared = new Map();
function prepare(sql) {
  let statement = prepared.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    if (prepared.size >= 256) prepared.clear();
    prepared.set(sql, statement);
  }
  return statement;
}

const runBatch = db.transaction((statements) => {
  for (const { sql, params } of statements) prepare(sql).run(params);
});

parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    if (message.query) {
      const rows = prepare(message.query.sql).all(message.query.params);
      parentPort.postMessage({ id: message.id, rows });
      return;
    }
    runBatch(message.statements);
    parentPort.postMessage({ id: message.id });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error && error.message) });
  }
});
