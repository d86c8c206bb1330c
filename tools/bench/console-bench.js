// Gatehouse console at scale (issue 15): the keys and logs pages over 500k keys and 1M logs.
//
//   npm run bench:console   (= node tools/bench/console-bench.js; build first: npm run build)
//
// Starts the built API (dist/apps/api/main.js, which serves the built console at /ui) on a fresh
// SQLite file, makes through the API one team, one internal user with a password (the "heavy"
// user: BENCH_HEAVY_KEYS of the keys are theirs) and one key, then clones those rows straight into
// the database in bulk (prepared statements, 50k rows a transaction): BENCH_USERS users,
// BENCH_TEAMS teams, BENCH_KEYS keys (a quarter of them in a team) and BENCH_LOGS spend logs
// spread over the keys (tools/bench/support.js seeds them, as the gateway bench does). Then
// Chromium (Playwright, /usr/bin/chromium) signs in as the admin and times, per round, from
// navigation (or the filter change) until the first data row is visible:
//   /ui/keys, the owner filter on it, /ui/logs, the user filter on it, /ui/keys/:token (the
//   key's recent requests), and as the heavy internal user /ui/keys and /ui/logs.
// Each round opens a fresh browser context (empty HTTP cache, the signed-in cookies) so every
// navigation loads the console as a new tab would. Prints p50 / p95 / max per step, the API
// calls behind them timed alone, and the initial bundle the console's index.html loads (gzip).
// With BENCH_DATABASE=postgres the API runs on a fresh schema of BENCH_PG_URL (default
// postgres://postgres@127.0.0.1:5432/test), seeded with generate_series, dropped at the end.
// Env: BENCH_KEYS (500000), BENCH_LOGS (1000000), BENCH_USERS (3000), BENCH_TEAMS (40),
// BENCH_HEAVY_KEYS (5000), BENCH_ROUNDS (10), BENCH_API_CALLS (20), BENCH_DATABASE (sqlite).
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { performance } = require('node:perf_hooks');
const { gzipSync } = require('node:zlib');
const { chromium } = require('playwright-core');
const { Agent, fetch } = require('undici');
const {
  ROOT,
  killChildren,
  freePort,
  start,
  percentile,
  openForSeeding,
  seedSpendLogs,
} = require('./support');

const KEYS = Number(process.env.BENCH_KEYS ?? 500_000);
const LOGS = Number(process.env.BENCH_LOGS ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 3000);
const TEAMS = Number(process.env.BENCH_TEAMS ?? 40);
const HEAVY_KEYS = Number(process.env.BENCH_HEAVY_KEYS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const API_CALLS = Number(process.env.BENCH_API_CALLS ?? 20);
const DATABASE = process.env.BENCH_DATABASE ?? 'sqlite';
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MASTER_KEY = 'sk-bench-master-key-0123456789';
const PASSWORD = 'bench-password-0123';
const HEAVY_EMAIL = 'heavy@bench.example';
const TARGET_MS = 1000;

const pad = (n) => String(n).padStart(5, '0');
/** Seeded user n: id and email share the number, so a row shows it whichever it names. */
const userId = (n) => `bench-u-${pad(n)}`;
const userEmail = (n) => `u-${pad(n)}@bench.example`;
const teamId = (n) => `bench-team-${n}`;
const hex = (text) => createHash('sha256').update(text).digest('hex');

/**
 * Key k's owner and team: the heavy user owns the first HEAVY_KEYS keys, the rest go round the
 * seeded users; every fourth key is in a team.
 */
function keyOwner(k, heavyId) {
  return {
    user: k < HEAVY_KEYS ? heavyId : userId(k % USERS),
    team: k % 4 === 0 ? teamId(k % TEAMS) : null,
  };
}

/**
 * A connection per call: seeding blocks this process for minutes, and a kept-alive socket the
 * server closed meanwhile would fail the next write (EPIPE, which support.js turns into exit).
 */
const oneShot = new Agent({ pipelining: 0 });

async function api(base, method, path, body, headers = {}) {
  const call = () =>
    fetch(`${base}${path}`, {
      dispatcher: oneShot,
      method,
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const res = await call();
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${path} -> ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** The rows the API made (a user, a team, a key): the templates the bulk rows are cloned from. */
async function makeTemplates(base) {
  const team = await api(base, 'POST', '/team/new', { team_alias: 'bench template team' });
  const heavy = await api(base, 'POST', '/user/new', {
    user_email: HEAVY_EMAIL,
    user_role: 'internal_user',
    password: PASSWORD,
  });
  const template = await api(base, 'POST', '/user/new', {
    user_email: 'template@bench.example',
    user_role: 'internal_user',
  });
  const key = await api(base, 'POST', '/key/generate', {
    user_id: heavy.user_id,
    key_alias: 'bench-template',
  });
  return { teamId: team.team_id, heavyId: heavy.user_id, templateUserId: template.user_id, key };
}

/** The heavy user of a database an earlier run seeded (BENCH_DB). */
async function existingTemplates(base) {
  const found = await api(base, 'GET', `/user/list?user_email=${encodeURIComponent(HEAVY_EMAIL)}`);
  const heavy = found.users.find((u) => u.user_email === HEAVY_EMAIL);
  if (!heavy) throw new Error(`BENCH_DB holds no ${HEAVY_EMAIL}: not seeded by this bench`);
  return { heavyId: heavy.user_id };
}

/** SQLite: clones of the template rows, one prepared INSERT per table. */
function seedSqlite(dbPath, t) {
  const db = openForSeeding(dbPath);
  const now = Date.now();
  const cloner = (table, where, id) => {
    const row = db.prepare(`SELECT * FROM ${table} WHERE ${where} = ?`).get(id);
    const columns = Object.keys(row);
    const insert = db.prepare(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
    );
    return (overrides) => insert.run({ ...row, ...overrides });
  };
  const inBatches = (count, each) => {
    const batch = db.transaction((from, to) => {
      for (let i = from; i < to; i++) each(i);
    });
    for (let i = 0; i < count; i += 50_000) batch(i, Math.min(count, i + 50_000));
  };
  const t0 = performance.now();
  const team = cloner('teams', 'team_id', t.teamId);
  inBatches(TEAMS, (n) => team({ team_id: teamId(n), team_alias: `Team ${n}` }));
  const user = cloner('users', 'user_id', t.templateUserId);
  inBatches(USERS, (n) =>
    user({ user_id: userId(n), user_email: userEmail(n), created_at: now - n * 1000 }),
  );
  const key = cloner('keys', 'token', t.key.token);
  inBatches(KEYS, (k) => {
    const owner = keyOwner(k, t.heavyId);
    key({
      token: hex(`bench-key-${k}`),
      secret_hash: hex(`bench-secret-${k}`),
      key_name: `sk-...${pad(k % 100_000).slice(1)}`,
      key_alias: `bench-key-${k}`,
      user_id: owner.user,
      team_id: owner.team,
      created_at: now - k * 1000,
      updated_at: now - k * 1000,
    });
  });
  db.close();
  const seconds = (performance.now() - t0) / 1000;
  const logs = seedSpendLogs(dbPath, LOGS, (i) => {
    const k = i % KEYS;
    const owner = keyOwner(k, t.heavyId);
    return { user: owner.user, key: hex(`bench-key-${k}`), team: owner.team };
  });
  return { seconds, logSeconds: logs.seconds };
}

/** PostgreSQL: the same rows as `seedSqlite`, made by the server with generate_series. */
async function seedPostgres(client, schema, t) {
  const q = (sql, params) => client.query(sql, params);
  const columnsOf = async (table) =>
    (
      await q(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema, table],
      )
    ).rows.map((r) => r.column_name);
  /** INSERT … SELECT of the template row with some columns replaced by expressions of `g`. */
  const clone = async (table, where, id, count, overrides) => {
    const columns = await columnsOf(table);
    const values = columns.map((c) => overrides[c] ?? `t.${c}`);
    await q(
      `INSERT INTO "${schema}".${table} (${columns.join(', ')})
       SELECT ${values.join(', ')} FROM "${schema}".${table} t, generate_series(0::bigint, ${count - 1}) g
        WHERE t.${where} = $1`,
      [id],
    );
  };
  const now = Date.now();
  const t0 = performance.now();
  await clone('teams', 'team_id', t.teamId, TEAMS, {
    team_id: `'bench-team-' || g`,
    team_alias: `'Team ' || g`,
  });
  await clone('users', 'user_id', t.templateUserId, USERS, {
    user_id: `'bench-u-' || lpad(g::text, 5, '0')`,
    user_email: `'u-' || lpad(g::text, 5, '0') || '@bench.example'`,
    created_at: `${now} - g * 1000`,
  });
  const ownerSql = (k) =>
    `CASE WHEN ${k} < ${HEAVY_KEYS} THEN '${t.heavyId}' ELSE 'bench-u-' || lpad((${k} % ${USERS})::text, 5, '0') END`;
  const teamSql = (k) => `CASE WHEN ${k} % 4 = 0 THEN 'bench-team-' || (${k} % ${TEAMS}) END`;
  await clone('keys', 'token', t.key.token, KEYS, {
    token: `encode(sha256(('bench-key-' || g)::bytea), 'hex')`,
    secret_hash: `encode(sha256(('bench-secret-' || g)::bytea), 'hex')`,
    key_name: `'sk-...' || right(lpad(g::text, 5, '0'), 4)`,
    key_alias: `'bench-key-' || g`,
    user_id: ownerSql('g'),
    team_id: teamSql('g'),
    created_at: `${now} - g * 1000`,
    updated_at: `${now} - g * 1000`,
  });
  const seconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  // The gateway bench's log mix (support.js), keyed to the seeded keys.
  const k = `(g % ${KEYS})`;
  const start = `(${now} - (g % 43200) * 60000)`;
  await q(
    `INSERT INTO "${schema}".spend_logs (request_id, key_token, user_id, team_id, model, call_type,
       prompt_tokens, completion_tokens, total_tokens, spend, start_time, end_time, status,
       cache_hit, error_type)
     SELECT 'bench-' || g, encode(sha256(('bench-key-' || ${k})::bytea), 'hex'), ${ownerSql(k)},
       ${teamSql(k)}, (ARRAY['gpt-4o','gpt-4o-mini','claude','llama','embed'])[g % 5 + 1],
       'chat_completion', 10 + g % 50, 5 + g % 20, 15 + g % 50 + g % 20,
       CASE WHEN g % 10 = 0 THEN 0 ELSE (10 + g % 50) * 1000 + (5 + g % 20) * 2000 END,
       ${start}, ${start} + 500, CASE WHEN g % 50 = 0 THEN 'failure' ELSE 'success' END,
       g % 10 = 0, NULL
     FROM generate_series(0::bigint, ${LOGS - 1}) g`,
  );
  await q(`ANALYZE "${schema}".keys`);
  await q(`ANALYZE "${schema}".spend_logs`);
  await q(`ANALYZE "${schema}".users`);
  return { seconds, logSeconds: (performance.now() - t1) / 1000 };
}

/** The JS and CSS the console's index.html loads up front, each gzip -9 (what goes over the wire). */
function initialBundle() {
  const dir = join(ROOT, 'dist/apps/admin/browser');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+\.(?:js|css))"/g),
  ].map((m) => m[1].replace(/^\/ui\//, ''));
  const unique = [...new Set(files)];
  const sizes = unique.map((file) => {
    const bytes = readFileSync(join(dir, file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return {
    files: sizes,
    raw: sizes.reduce((sum, f) => sum + f.raw, 0),
    gzip: sizes.reduce((sum, f) => sum + f.gzip, 0),
  };
}

const stats = (xs) => ({
  p50: percentile(xs, 0.5),
  p95: percentile(xs, 0.95),
  max: Math.max(...xs),
});
const cell = (s) => `${s.p50.toFixed(0)} / ${s.p95.toFixed(0)} / ${s.max.toFixed(0)}`;

/** The first data row of the table named `label`, optionally one that contains `text`. */
const firstRow = (page, label, text) => {
  const rows = page.getByRole('table', { name: label }).locator('tr[mat-row]');
  return (text ? rows.filter({ hasText: text }) : rows).first();
};

/**
 * ms from `action` (a navigation or a filter change) until `row` is visible, and when the data
 * call (the first request whose path starts with `dataPath`) was sent and answered: what the
 * console spends before asking, and what the API takes.
 */
async function timed(page, dataPath, action, row) {
  const t0 = performance.now();
  const epoch0 = Date.now();
  const data = page.waitForResponse((res) => new URL(res.url()).pathname.startsWith(dataPath));
  await action();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  const total = performance.now() - t0;
  const response = await data;
  await response.finished();
  // Chromium's own timing of the call (ms since its start), not when Playwright heard of it.
  const t = response.request().timing();
  return {
    total,
    sent: t.startTime + t.requestStart - epoch0,
    answered: t.startTime + t.responseEnd - epoch0,
  };
}

async function browse(base) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const signIn = async (username, password) => {
    const context = await browser.newContext({ baseURL: base });
    const res = await context.request.post('/login', { data: { username, password } });
    if (res.status() !== 200) throw new Error(`login ${username} -> ${res.status()}`);
    const state = await context.storageState();
    await context.close();
    return state;
  };
  const admin = await signIn('admin', MASTER_KEY);
  const heavy = await signIn(HEAVY_EMAIL, PASSWORD);
  const steps = {};
  const record = (name, sample) => (steps[name] ??= []).push(sample);
  const viewport = { width: 1280, height: 900 };
  for (let round = 0; round < ROUNDS; round++) {
    // A different seeded user and key each round, so no round reads what the last one cached;
    // from the end of the emails: the logs page's user filter offers the last 100 by email.
    const n = USERS - 1 - round;
    // The floor: a fresh tab loading a tiny page of the same server (no console, no data).
    const bare = await browser.newContext({ baseURL: base, viewport });
    const blank = await bare.newPage();
    const f0 = performance.now();
    await blank.goto('/ui/favicon.svg');
    record('floor: fresh tab, /ui/favicon.svg', {
      total: performance.now() - f0,
      sent: 0,
      answered: 0,
    });
    await bare.close();
    const context = await browser.newContext({ baseURL: base, storageState: admin, viewport });
    const page = await context.newPage();
    record(
      'admin: /ui/keys',
      await timed(page, '/key/list', () => page.goto('/ui/keys'), firstRow(page, 'Virtual keys')),
    );
    const owner = page.getByLabel('Owner email (starts with)');
    await owner.fill(`u-${pad(n)}@`);
    record(
      'admin: keys, owner filter',
      await timed(
        page,
        '/key/list',
        () => owner.press('Tab'),
        firstRow(page, 'Virtual keys', `u-${pad(n)}`),
      ),
    );
    record(
      'admin: /ui/logs',
      await timed(page, '/spend/logs', () => page.goto('/ui/logs'), firstRow(page, 'Request logs')),
    );
    // The User filter searches /user/list by email: type it, wait for that answer's option.
    const searched = page.waitForResponse((res) => {
      const url = new URL(res.url());
      return url.pathname === '/user/list' && url.searchParams.get('user_email') === userEmail(n);
    });
    await page.getByRole('combobox', { name: 'User' }).fill(userEmail(n));
    await searched;
    const option = page.getByRole('option', { name: userEmail(n), exact: true });
    await option.waitFor({ state: 'visible' });
    record(
      'admin: logs, user filter',
      await timed(
        page,
        '/spend/logs',
        () => option.click(),
        firstRow(page, 'Request logs', userEmail(n)),
      ),
    );
    // Key k's logs are logs k, k + KEYS, …: a key past the heavy user's, with two logs.
    const token = hex(`bench-key-${HEAVY_KEYS + 1000 + round}`);
    record(
      'admin: /ui/keys/:token',
      await timed(
        page,
        '/spend/logs',
        () => page.goto(`/ui/keys/${token}`),
        firstRow(page, 'Recent requests of this key'),
      ),
    );
    await context.close();
    const own = await browser.newContext({ baseURL: base, storageState: heavy, viewport });
    const mine = await own.newPage();
    record(
      `internal user (${HEAVY_KEYS} keys): /ui/keys`,
      await timed(mine, '/key/list', () => mine.goto('/ui/keys'), firstRow(mine, 'Virtual keys')),
    );
    record(
      `internal user (${HEAVY_KEYS} keys): /ui/logs`,
      await timed(mine, '/spend/logs', () => mine.goto('/ui/logs'), firstRow(mine, 'Request logs')),
    );
    await own.close();
  }
  await browser.close();
  return Object.fromEntries(
    Object.entries(steps).map(([name, samples]) => [
      name,
      {
        total: stats(samples.map((s) => s.total)),
        sent: percentile(
          samples.map((s) => s.sent),
          0.5,
        ),
        api: percentile(
          samples.map((s) => s.answered - s.sent),
          0.5,
        ),
      },
    ]),
  );
}

/** The API calls behind the pages, alone (master key): where a slow page spends its time. */
async function timeApi(base, heavyId) {
  const token = hex(`bench-key-${HEAVY_KEYS + 1000}`);
  const paths = [
    '/key/list?page=1&size=25',
    '/key/list?page=1&size=25&user_email=u-00042%40',
    `/key/list?page=1&size=25&user_id=${heavyId}`,
    '/key/list?page=1&size=25&sort_by=spend&sort_order=desc',
    `/key/info?key=${token}`,
    '/spend/logs?page=1&page_size=50',
    `/spend/logs?page=1&page_size=50&user_id=${userId(42)}`,
    `/spend/logs?page=1&page_size=50&user_id=${heavyId}`,
    `/spend/logs?page=1&page_size=25&api_key=${token}`,
    '/user/list?page=1&page_size=100&sort_by=user_email',
  ];
  const rows = [];
  for (const path of paths) {
    const once = async () => {
      const t0 = performance.now();
      await api(base, 'GET', path);
      return performance.now() - t0;
    };
    await once(); // warm-up
    const xs = [];
    for (let i = 0; i < API_CALLS; i++) xs.push(await once());
    rows.push([path, stats(xs)]);
  }
  return rows;
}

async function main() {
  const mainJs = join(ROOT, 'dist/apps/api/main.js');
  if (!existsSync(mainJs) || !existsSync(join(ROOT, 'dist/apps/admin/browser/index.html'))) {
    throw new Error('Build first: npm run build');
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-console-bench-'));
  // BENCH_DB=<file>: seed it once and keep it; later runs (say, of a new build) reuse its rows.
  const dbPath = process.env.BENCH_DB
    ? resolve(process.env.BENCH_DB)
    : join(dir, 'gatehouse.sqlite');
  const reuse = DATABASE !== 'postgres' && existsSync(dbPath);
  const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
  let env = { DATABASE_URL: `sqlite:${dbPath}` };
  let pg = null;
  let schema = null;
  if (DATABASE === 'postgres') {
    const { Client } = require('pg');
    schema = `console_bench_${process.pid}`;
    pg = new Client({ connectionString: PG_URL });
    await pg.connect();
    await pg.query(`CREATE SCHEMA "${schema}"`);
    env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema };
    cleanups.unshift(async () => {
      await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pg.end();
    });
  }
  try {
    const port = await freePort();
    await start(
      'gatehouse',
      process.execPath,
      [mainJs],
      {
        PROXY_MASTER_KEY: MASTER_KEY,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        SPEND_JOURNAL_PATH: join(dir, 'spend-journal'),
        ...env,
      },
      /listening on/,
    );
    const base = `http://127.0.0.1:${port}`;
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0].model}), node ${process.version}, ` +
        `load average ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
    );
    const templates = reuse ? await existingTemplates(base) : await makeTemplates(base);
    console.log(
      `${reuse ? `reusing ${dbPath}, seeded with` : 'seeding'} ${KEYS.toLocaleString('en')} keys (${USERS} users, ${TEAMS} teams, ${HEAVY_KEYS} ` +
        `keys for ${HEAVY_EMAIL}) and ${LOGS.toLocaleString('en')} spend logs into ${DATABASE}…`,
    );
    if (!reuse) {
      const seeded = pg ? await seedPostgres(pg, schema, templates) : seedSqlite(dbPath, templates);
      console.log(
        `seeded users/teams/keys in ${seeded.seconds.toFixed(1)} s, logs in ${seeded.logSeconds.toFixed(1)} s`,
      );
    }
    const bundle = initialBundle();
    console.log(
      `\ninitial bundle (index.html's JS + CSS): ${(bundle.gzip / 1024).toFixed(1)} kB gzip ` +
        `(${(bundle.raw / 1024).toFixed(1)} kB raw) in ${bundle.files.length} files`,
    );
    const api = await timeApi(base, templates.heavyId);
    console.log(`\n| API call (master key, ${API_CALLS} calls) | p50 / p95 / max (ms) |`);
    console.log('|---|---|');
    for (const [path, s] of api) console.log(`| \`${path}\` | ${cell(s)} |`);
    const pages = await browse(base);
    console.log(
      `\n| console step (Chromium, ${ROUNDS} rounds, to first data row) | p50 / p95 / max (ms) | ` +
        `data call sent at, p50 (ms) | data call took, p50 (ms) | under ${TARGET_MS} ms |`,
    );
    console.log('|---|---|---|---|---|');
    let slow = 0;
    for (const [name, s] of Object.entries(pages)) {
      if (s.total.max >= TARGET_MS) slow++;
      console.log(
        `| ${name} | ${cell(s.total)} | ${s.sent.toFixed(0)} | ${s.api.toFixed(0)} | ` +
          `${s.total.max < TARGET_MS ? 'yes' : '**no**'} |`,
      );
    }
    console.log(
      `load average at the end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    if (slow > 0) process.exitCode = 1;
  } finally {
    killChildren();
    for (const cleanup of cleanups) await cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
