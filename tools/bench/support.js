// Helpers shared by the benches in this folder (gateway-bench.js, console-bench.js): child
// processes that die with the bench, free ports, percentiles, and the bulk seeding of spend logs
// straight into a Gatehouse SQLite file (one prepared statement, 50k rows a transaction).
'use strict';
const { spawn } = require('node:child_process');
const { resolve } = require('node:path');
const { performance } = require('node:perf_hooks');
const Database = require('better-sqlite3');

const ROOT = resolve(__dirname, '../..');

const children = [];
const killChildren = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('exit', killChildren);
process.on('SIGINT', () => process.exit(130));
process.on('SIGPIPE', () => process.exit(141));

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolvePort) => {
    const server = require('node:net').createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Spawns a child (killed when the bench exits); resolves with the first match of its output. */
function start(name, command, args, env, readyPattern) {
  return new Promise((resolveStart, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let ready = false;
    const onData = (chunk) => {
      out += chunk.toString();
      const match = ready ? null : readyPattern.exec(out);
      if (match) {
        ready = true;
        resolveStart(match);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      const message = `${name} exited with ${code}: ${out.slice(-500)}`;
      // After it was up, only a death the bench did not ask for is news.
      if (!ready) reject(new Error(message));
      else if (!child.killed) console.error(message);
    });
  });
}

async function waitHttp(url, init) {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/**
 * A connection for bulk inserts: no fsync per transaction (a crash loses only the bench's own
 * rows) and a 512 MB page cache, so that indexes on random values (key tokens) stay in memory.
 */
function openForSeeding(dbPath) {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -524288');
  return db;
}

/** The default owner of log `i`: 100 users, 300 key tokens, no team (the gateway bench's). */
const benchOwner = (i) => ({ user: `bench-user-${i % 100}`, key: `key-${i % 300}`, team: null });

/**
 * `rows` spend logs (+ their `daily_spend` rollups) over the last 30 days, one a minute, a mix
 * of models, 10% cache hits and 2% failures. `ownerOf(i)` names log i's user, key and team.
 */
function seedSpendLogs(dbPath, rows, ownerOf = benchOwner) {
  const db = openForSeeding(dbPath);
  const models = ['gpt-4o', 'gpt-4o-mini', 'claude', 'llama', 'embed'];
  const now = Date.now();
  const insertLog = db.prepare(
    `INSERT INTO spend_logs (request_id, key_token, user_id, team_id, model, call_type, prompt_tokens,
       completion_tokens, total_tokens, spend, start_time, end_time, status, cache_hit, error_type)
     VALUES (?, ?, ?, ?, ?, 'chat_completion', ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
  );
  const rollups = new Map();
  const t0 = performance.now();
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const { user, key, team } = ownerOf(i);
      const model = models[i % models.length];
      const start = now - (i % (30 * 24 * 60)) * 60_000;
      const prompt = 10 + (i % 50);
      const completion = 5 + (i % 20);
      const hit = i % 10 === 0 ? 1 : 0;
      const spend = hit ? 0 : prompt * 1000 + completion * 2000;
      const ok = i % 50 === 0 ? 'failure' : 'success';
      insertLog.run(
        `bench-${i}`,
        key,
        user,
        team,
        model,
        prompt,
        completion,
        prompt + completion,
        spend,
        start,
        start + 500,
        ok,
        hit,
      );
      const date = new Date(start).toISOString().slice(0, 10);
      const k = `${date}|${user}|${key}|${team ?? ''}|${model}`;
      const r = rollups.get(k) ?? {
        requests: 0,
        ok: 0,
        prompt: 0,
        completion: 0,
        hits: 0,
        cached: 0,
        spend: 0,
      };
      r.requests++;
      if (ok === 'success') r.ok++;
      r.prompt += prompt;
      r.completion += completion;
      if (hit) {
        r.hits++;
        r.cached += prompt + completion;
      }
      r.spend += spend;
      rollups.set(k, r);
    }
  });
  for (let i = 0; i < rows; i += 50_000) batch(i, Math.min(rows, i + 50_000));
  const insertRollup = db.prepare(
    `INSERT INTO daily_spend (date, user_id, key_token, team_id, model, requests, successes, failures,
       prompt_tokens, completion_tokens, cache_hits, cached_tokens, spend, saved_spend)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
  );
  db.transaction(() => {
    for (const [k, r] of rollups) {
      const [date, user, key, team, model] = k.split('|');
      insertRollup.run(
        date,
        user,
        key,
        team,
        model,
        r.requests,
        r.ok,
        r.requests - r.ok,
        r.prompt,
        r.completion,
        r.hits,
        r.cached,
        r.spend,
      );
    }
  })();
  db.close();
  return { seconds: (performance.now() - t0) / 1000, rollupRows: rollups.size };
}

module.exports = {
  ROOT,
  children,
  killChildren,
  freePort,
  start,
  waitHttp,
  median,
  percentile,
  openForSeeding,
  seedSpendLogs,
};
