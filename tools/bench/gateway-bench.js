// Gatehouse gateway benchmark (not part of `npm test`).
//
//   npm run bench        (= npm run build && node tools/bench/gateway-bench.js)
//
// Starts, as separate processes: a mock OpenAI-compatible upstream, a bare node:http + undici
// Pool forwarder (the ceiling: no auth, no limits, no accounting), Gatehouse (dist build,
// SQLite, LOG_LEVEL=warn, spend flushed every second) and the Portkey gateway (--headless).
// Gatehouse is called with a VIRTUAL KEY (user + key made through the API, with rpm/tpm limits
// and budgets, so the limiter and the ledger do their work; the production path) and with the
// master key, and with a virtual key on a second Gatehouse started with SPEND_JOURNAL=off
// (row gatehouse-journal-off: the cost of the crash-safe spend journal). Per round, each target in turn: warm-up, sequential requests on one keep-alive
// connection (timed with performance.now(); autocannon's histogram has 1 ms resolution) for
// added latency p50/p99, then autocannon at 50 connections for throughput. Rounds alternate the
// targets; the tables hold medians of rounds. Then seeds 1,000,000 spend logs (+ their
// rollups) into Gatehouse's database and times the analytics endpoints (p50/p95/max), then as
// many audit rows and times `/audit` with filters.
// With REDIS_URL (issue 12), in the same run: a private redis-server on a free port; one more
// Gatehouse on its own SQLite file with REDIS_URL ("gatehouse-redis": only Redis differs from
// "gatehouse"), and two instances on one fresh PostgreSQL schema (BENCH_PG_URL, default
// postgres://postgres@127.0.0.1:5432/test; the row is skipped when it is not reachable) and
// the same Redis, called round robin by the bench itself ("gatehouse-redis-x2": sequential
// requests alternate, the load splits its connections over both).
// With BENCH_BASELINE=<an older build's main.js> the older build runs beside it in the same run:
// "baseline" (its virtual-key path) and, on the same Redis, "baseline-redis".
// Env: BENCH_SECONDS (default 10), BENCH_ROUNDS (default 3), BENCH_SEED_ROWS (default 1e6),
// BENCH_ANALYTICS_CALLS (default 40), BENCH_TARGETS (comma list, default all).
'use strict';
const { mkdtempSync, writeFileSync, existsSync, rmSync } = require('node:fs');
const { tmpdir, cpus } = require('node:os');
const { join, resolve } = require('node:path');
const { performance } = require('node:perf_hooks');
const autocannon = require('autocannon');
const Database = require('better-sqlite3');
const { Pool } = require('undici');
const {
  ROOT,
  killChildren,
  freePort,
  start,
  waitHttp,
  median,
  percentile,
  seedSpendLogs,
} = require('./support');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SEED_ROWS = Number(process.env.BENCH_SEED_ROWS ?? 1_000_000);
const ANALYTICS_CALLS = Number(process.env.BENCH_ANALYTICS_CALLS ?? 40);
const BASELINE = process.env.BENCH_BASELINE ?? null;
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ONLY = process.env.BENCH_TARGETS ? new Set(process.env.BENCH_TARGETS.split(',')) : null;
const MASTER_KEY = 'sk-bench-master-key-0123456789';
const bodyFor = (model) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello' }] });
const BODY = bodyFor('bench');
/** Two deployments of one model on the same mock (the router's simple-shuffle). */
const PAIR_BODY = bodyFor('bench-pair');
/** The same call in Anthropic's format (`/v1/messages`, translated for the openai/ mock). */
const MESSAGES_BODY = JSON.stringify({
  model: 'bench',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Say hello' }],
});

/** Run at the end (the PostgreSQL schema of the two-instance row). */
const cleanups = [];

/** `url` or several (round robin: the connections split over them, throughput summed). */
async function cannon(url, headers, connections, duration, body = BODY) {
  if (Array.isArray(url)) {
    const runs = await Promise.all(
      url.map((u) => cannon(u, headers, Math.ceil(connections / url.length), duration, body)),
    );
    return {
      requests: { average: runs.reduce((sum, r) => sum + r.requests.average, 0) },
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    };
  }
  return new Promise((resolveRun, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        connections,
        duration,
        pipelining: 1,
      },
      (error, result) => (error ? reject(error) : resolveRun(result)),
    );
  });
}

/** Sequential requests on one keep-alive connection, timed with performance.now() (µs). */
async function sequential(url, headers, seconds, body = BODY) {
  const urls = (Array.isArray(url) ? url : [url]).map((u) => new URL(u));
  const pools = urls.map((u) => new Pool(u.origin, { connections: 1 }));
  const { pathname } = urls[0];
  const samples = [];
  const deadline = performance.now() + seconds * 1000;
  let errors = 0;
  for (let i = 0; performance.now() < deadline; i++) {
    const pool = pools[i % pools.length];
    const t0 = performance.now();
    const res = await pool.request({
      method: 'POST',
      path: pathname,
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    await res.body.dump();
    samples.push(performance.now() - t0);
    if (res.statusCode !== 200) errors++;
  }
  await Promise.all(pools.map((p) => p.close()));
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), errors };
}

async function measure(targets) {
  const results = Object.fromEntries(
    targets.map((t) => [t.name, { p50: [], p99: [], rps: [], errors: 0 }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so that drift on the shared machine does not favour one target.
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      await cannon(t.url, t.headers, 10, 2, t.body); // warm up pools and JIT
      const seq = await sequential(t.url, t.headers, SECONDS, t.body);
      const load = await cannon(t.url, t.headers, 50, SECONDS, t.body);
      const r = results[t.name];
      r.p50.push(seq.p50);
      r.p99.push(seq.p99);
      r.rps.push(load.requests.average);
      r.errors += seq.errors + load.non2xx + load.errors;
    }
  }
  return Object.fromEntries(
    Object.entries(results).map(([name, r]) => [
      name,
      { p50: median(r.p50), p99: median(r.p99), rps: median(r.rps), errors: r.errors },
    ]),
  );
}

/**
 * `rows` audit rows (issue 14's list over 1M rows): 100 actors, 300 keys, a mix of actions and
 * tables over 30 days. The hash column is filled but not chained (the list does not read it).
 * Returns null when the build has no audit log (an older baseline).
 */
function seedAudit(dbPath, rows) {
  const db = new Database(dbPath);
  const has = db
    .prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'audit_logs'")
    .get().n;
  if (!has) {
    db.close();
    return null;
  }
  const actions = ['created', 'updated', 'updated', 'deleted', 'blocked', 'login'];
  const tables = ['key', 'key', 'user', 'team', 'model', 'session'];
  const insert = db.prepare(
    `INSERT INTO audit_logs (id, updated_at, changed_by, changed_by_api_key, auth_method, action,
       table_name, object_id, before_value, updated_values, ip, user_agent, request_id, hash)
     VALUES (?, ?, ?, NULL, 'session', ?, ?, ?, ?, ?, '127.0.0.1', 'bench', ?, ?)`,
  );
  const now = Date.now();
  const t0 = performance.now();
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      insert.run(
        `bench-audit-${i}`,
        now - (i % (30 * 24 * 60)) * 60_000,
        `bench-user-${i % 100}`,
        actions[i % actions.length],
        tables[i % tables.length],
        `key-${i % 300}`,
        '{"max_budget":5}',
        '{"max_budget":5000}',
        `req-${i}`,
        'f'.repeat(64),
      );
    }
  });
  for (let i = 0; i < rows; i += 50_000) batch(i, Math.min(rows, i + 50_000));
  db.close();
  return { seconds: (performance.now() - t0) / 1000 };
}

/** Times GET `path` on each server, alternating call by call; p50/p95/max per server. */
async function timeGets(bases, path, times = ANALYTICS_CALLS) {
  const once = async (base) => {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path} -> ${res.status}`);
    return performance.now() - t0;
  };
  for (const base of bases) await once(base); // warm-up: first touch of pages and statements
  const samples = bases.map(() => []);
  for (let i = 0; i < times; i++) {
    for (let b = 0; b < bases.length; b++) samples[b].push(await once(bases[b]));
  }
  return samples.map((xs) => ({
    p50: percentile(xs, 0.5),
    p95: percentile(xs, 0.95),
    max: Math.max(...xs),
  }));
}

/** Makes a user and a virtual key with generous limits through the API (master key). */
async function virtualKey(base, userId) {
  const call = async (path, body) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${path} -> ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const limits = { max_budget: 1_000_000_000, rpm_limit: 2_000_000_000, tpm_limit: 2_000_000_000 };
  const user = await call('/user/new', {
    user_id: userId,
    user_email: 'bench@example.com',
    user_role: 'internal_user',
    ...limits,
  });
  const key = await call('/key/generate', {
    user_id: user.user_id,
    key_alias: 'bench',
    models: ['bench', 'bench-pair'],
    max_parallel_requests: 1000,
    ...limits,
  });
  return key.key;
}

async function main() {
  const main = join(ROOT, 'dist/apps/api/main.js');
  if (!existsSync(main)) throw new Error('Build first: npx nx build api');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const [, upstreamPort] = await start(
    'mock upstream',
    process.execPath,
    [join(__dirname, 'mock-upstream.js')],
    {},
    /listening (\d+)/,
  );
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const [, barePort] = await start(
    'bare forwarder',
    process.execPath,
    [join(__dirname, 'bare-forwarder.js')],
    { UPSTREAM: upstream },
    /listening (\d+)/,
  );
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `model_list:\n${['bench', 'bench-pair', 'bench-pair']
      .map(
        (name, i) =>
          `  - model_name: ${name}\n    litellm_params:\n      model: openai/bench\n      api_base: ${upstream}/v1\n      api_key: sk-upstream\n    model_info:\n      id: bench-${i}\n      input_cost_per_token: 0.000001\n      output_cost_per_token: 0.000002\n`,
      )
      .join('')}`,
  );
  const startGatehouse = async (name, mainJs, extraEnv = {}, makeKey = true) => {
    const dbPath = join(dir, `${name}.sqlite`);
    const port = await freePort();
    await start(
      name,
      process.execPath,
      [mainJs],
      {
        PROXY_MASTER_KEY: MASTER_KEY,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${dbPath}`,
        CONFIG_FILE: config,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        // Each instance its own spend journal (two on one PostgreSQL would share ./data).
        SPEND_JOURNAL_PATH: join(dir, `${name}.spend-journal`),
        ...extraEnv,
      },
      /listening on/,
    );
    const base = `http://127.0.0.1:${port}`;
    return {
      name,
      base,
      dbPath,
      key: makeKey ? await virtualKey(base, `bench-caller-${name}`) : null,
    };
  };
  const current = await startGatehouse('gatehouse', main);
  // BENCH_BASELINE=<another build's main.js>: the same path on an older build, same run.
  const baseline = BASELINE ? await startGatehouse('baseline', resolve(BASELINE)) : null;
  const wanted = (name) => !ONLY || ONLY.has(name);
  let redisUrl = null;
  if (wanted('gatehouse-redis') || wanted('gatehouse-redis-x2') || wanted('baseline-redis')) {
    const redisPort = await freePort();
    await start(
      'redis-server',
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {},
      /Ready to accept connections/,
    );
    redisUrl = `redis://127.0.0.1:${redisPort}`;
  }
  const withRedis =
    redisUrl && wanted('gatehouse-redis')
      ? await startGatehouse('gatehouse-redis', main, { REDIS_URL: redisUrl })
      : null;
  // With BENCH_BASELINE: the older build on the same Redis (its own user id and key, so no
  // Redis account is shared with gatehouse-redis): what this build changed with Redis, same run.
  const baselineRedis =
    BASELINE && redisUrl && wanted('baseline-redis')
      ? await startGatehouse('baseline-redis', resolve(BASELINE), { REDIS_URL: redisUrl })
      : null;
  let pair = null;
  if (redisUrl && wanted('gatehouse-redis-x2')) {
    const schema = `bench_${process.pid}_${Date.now()}`;
    const { Client } = require('pg');
    const pg = new Client({ connectionString: PG_URL });
    try {
      await pg.connect();
      await pg.query(`CREATE SCHEMA "${schema}"`);
      const env = { REDIS_URL: redisUrl, DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema };
      const first = await startGatehouse('gatehouse-redis-x2-a', main, env);
      const second = await startGatehouse('gatehouse-redis-x2-b', main, env, false);
      pair = { bases: [first.base, second.base], key: first.key };
      cleanups.push(async () => {
        const c = new Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      });
    } catch (error) {
      console.log(`gatehouse-redis-x2 skipped (PostgreSQL at BENCH_PG_URL: ${error.message})`);
    } finally {
      await pg.end().catch(() => undefined);
    }
  }
  // The virtual-key path without the spend journal (SPEND_JOURNAL=off): the journal's cost.
  const journalOff =
    !ONLY || ONLY.has('gatehouse-journal-off')
      ? await startGatehouse('journal-off', main, { SPEND_JOURNAL: 'off' })
      : null;
  const pkPort = await freePort();
  start(
    'portkey',
    process.execPath,
    [
      join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js'),
      '--headless',
      `--port=${pkPort}`,
    ],
    {},
    /$^/,
  ).catch(() => undefined);
  await waitHttp(`http://127.0.0.1:${pkPort}/v1/models`);

  const targets = [
    { name: 'direct', url: `${upstream}/v1/chat/completions`, headers: {} },
    { name: 'bare', url: `http://127.0.0.1:${barePort}/v1/chat/completions`, headers: {} },
    {
      name: 'gatehouse',
      url: `${current.base}/v1/chat/completions`,
      headers: { authorization: `Bearer ${current.key}` },
    },
    {
      name: 'gatehouse-2-deployments',
      url: `${current.base}/v1/chat/completions`,
      headers: { authorization: `Bearer ${current.key}` },
      body: PAIR_BODY,
    },
    ...(baseline
      ? [
          {
            name: 'baseline',
            url: `${baseline.base}/v1/chat/completions`,
            headers: { authorization: `Bearer ${baseline.key}` },
          },
        ]
      : []),
    ...(journalOff
      ? [
          {
            name: 'gatehouse-journal-off',
            url: `${journalOff.base}/v1/chat/completions`,
            headers: { authorization: `Bearer ${journalOff.key}` },
          },
        ]
      : []),
    ...(withRedis
      ? [
          {
            name: 'gatehouse-redis',
            url: `${withRedis.base}/v1/chat/completions`,
            headers: { authorization: `Bearer ${withRedis.key}` },
          },
        ]
      : []),
    ...(baselineRedis
      ? [
          {
            name: 'baseline-redis',
            url: `${baselineRedis.base}/v1/chat/completions`,
            headers: { authorization: `Bearer ${baselineRedis.key}` },
          },
        ]
      : []),
    ...(pair
      ? [
          {
            name: 'gatehouse-redis-x2',
            url: pair.bases.map((b) => `${b}/v1/chat/completions`),
            headers: { authorization: `Bearer ${pair.key}` },
          },
        ]
      : []),
    {
      name: 'gatehouse-messages',
      url: `${current.base}/v1/messages`,
      headers: { 'x-api-key': current.key },
      body: MESSAGES_BODY,
    },
    {
      name: 'gatehouse-master',
      url: `${current.base}/v1/chat/completions`,
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    },
    {
      name: 'portkey',
      url: `http://127.0.0.1:${pkPort}/v1/chat/completions`,
      headers: {
        authorization: 'Bearer sk-upstream',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${upstream}/v1`,
      },
    },
  ].filter((t) => t.name === 'direct' || !ONLY || ONLY.has(t.name));
  for (const t of targets) {
    const res = await fetch(Array.isArray(t.url) ? t.url[0] : t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...t.headers },
      body: t.body ?? BODY,
    });
    if (res.status !== 200)
      throw new Error(`${t.name} answered ${res.status}: ${await res.text()}`);
  }
  console.log(`machine: ${cpus().length} cores (${cpus()[0].model}), node ${process.version}`);
  console.log(
    `${ROUNDS} rounds × (${SECONDS}s sequential on 1 connection + ${SECONDS}s autocannon at 50 connections), medians of rounds\n`,
  );
  const r = await measure(targets);
  const d = r.direct;
  console.log(
    '| path | p50 seq (ms) | p99 seq (ms) | added p50 | added p99 | req/s @50 | vs direct | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, x] of Object.entries(r)) {
    const added =
      name === 'direct'
        ? ['—', '—']
        : [`+${(x.p50 - d.p50).toFixed(3)}`, `+${(x.p99 - d.p99).toFixed(3)}`];
    console.log(
      `| ${name} | ${x.p50.toFixed(3)} | ${x.p99.toFixed(3)} | ${added[0]} | ${added[1]} | ${Math.round(x.rps)} | ${(x.rps / d.rps).toFixed(3)} | ${x.errors} |`,
    );
  }
  if (r.portkey) {
    for (const name of ['gatehouse', 'baseline', 'gatehouse-master', 'bare']) {
      if (r[name]) {
        console.log(`${name} / portkey throughput: ${(r[name].rps / r.portkey.rps).toFixed(2)}×`);
      }
    }
  }
  for (const name of ['gatehouse-redis', 'gatehouse-redis-x2']) {
    if (r[name] && r.gatehouse) {
      console.log(
        `${name} vs gatehouse: added p50 ${(r[name].p50 - r.gatehouse.p50).toFixed(3)} ms, ` +
          `throughput ${(r[name].rps / r.gatehouse.rps).toFixed(2)}×`,
      );
    }
  }
  if (r['gatehouse-redis'] && r['baseline-redis'] && r.baseline) {
    const ratio = (name, plain) => (r[name].rps / r[plain].rps).toFixed(2);
    console.log(
      `with Redis, this build ${ratio('gatehouse-redis', 'gatehouse')}× its own throughput ` +
        `without; the baseline build ${ratio('baseline-redis', 'baseline')}× its own`,
    );
  }

  if (r.bare && r.gatehouse) {
    console.log(`gatehouse / bare throughput: ${(r.gatehouse.rps / r.bare.rps).toFixed(2)}×`);
  }
  if (SEED_ROWS <= 0) return finish();
  const servers = [current, ...(baseline ? [baseline] : [])];
  for (const server of servers) {
    console.log(`\nseeding ${SEED_ROWS.toLocaleString('en')} spend logs into ${server.name}…`);
    const seeded = seedSpendLogs(server.dbPath, SEED_ROWS);
    console.log(`seeded in ${seeded.seconds.toFixed(1)} s (${seeded.rollupRows} rollup rows)`);
  }
  const columns = servers.map((s) => `${s.name} p50 / p95 / max (ms)`);
  console.log(
    `\n| endpoint (master key, ${SEED_ROWS.toLocaleString('en')} logs, ${ANALYTICS_CALLS} calls) | ${columns.join(' | ')} |`,
  );
  console.log(`|---|${columns.map(() => '---|').join('')}`);
  for (const path of [
    '/spend/logs?page_size=50',
    '/spend/logs?user_id=bench-user-7&page_size=50',
    '/user/daily/activity',
    '/user/daily/activity?user_id=bench-user-7',
    '/global/activity',
    '/global/activity/cache_hits',
    '/global/spend/report?group_by=model',
    '/global/spend/report?group_by=key',
  ]) {
    const stats = await timeGets(
      servers.map((s) => s.base),
      path,
    );
    const cells = stats.map(
      (x) => `${x.p50.toFixed(1)} / ${x.p95.toFixed(1)} / ${x.max.toFixed(1)}`,
    );
    console.log(`| ${path} | ${cells.join(' | ')} |`);
  }
  const audited = [];
  for (const server of servers) {
    const seeded = seedAudit(server.dbPath, SEED_ROWS);
    if (seeded) {
      console.log(
        `\nseeded ${SEED_ROWS.toLocaleString('en')} audit rows into ${server.name} in ${seeded.seconds.toFixed(1)} s`,
      );
      audited.push(server);
    }
  }
  if (audited.length > 0) {
    const day = (msAgo) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);
    const auditColumns = audited.map((s) => `${s.name} p50 / p95 / max (ms)`);
    console.log(
      `\n| endpoint (master key, ${SEED_ROWS.toLocaleString('en')} audit rows, ${ANALYTICS_CALLS} calls) | ${auditColumns.join(' | ')} |`,
    );
    console.log(`|---|${auditColumns.map(() => '---|').join('')}`);
    for (const path of [
      '/audit?page_size=50',
      '/audit?table_name=key&action=updated&page_size=50',
      '/audit?object_id=key-7&page_size=50',
      `/audit?changed_by=bench-user-7&start_date=${day(7 * 86_400_000)}&end_date=${day(0)}&page_size=50`,
      '/audit?page=200&page_size=50',
    ]) {
      const stats = await timeGets(
        audited.map((s) => s.base),
        path,
      );
      const cells = stats.map(
        (x) => `${x.p50.toFixed(1)} / ${x.p95.toFixed(1)} / ${x.max.toFixed(1)}`,
      );
      console.log(`| ${path} | ${cells.join(' | ')} |`);
    }
  }
  await finish();

  async function finish() {
    killChildren();
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(killChildren);
