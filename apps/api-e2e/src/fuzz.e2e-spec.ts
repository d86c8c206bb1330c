import type { Role } from '@gatehouse/shared/auth';
import { ROLES } from '@gatehouse/shared/auth';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { createTeam, createUser, login, master, userCaller } from './support/callers';
import { sql } from './support/db';
import {
  CONTENT_TYPES,
  describeJson,
  hostileBody,
  hostileHeaders,
  hostileQuery,
  jsonText,
  malformedBody,
  type Json,
  type Pool,
  type QueryParam,
  type Schema,
} from './support/fuzz-inputs';
import {
  addModel,
  DB_MODEL_KEY,
  startGateway,
  UPSTREAM_KEY,
  type GatewayTest,
} from './support/gateway';
import type { TestApp } from './support/test-app';

/**
 * The fuzz suite: every registered route (read from the app, so a new route is fuzzed without
 * anyone listing it), as every principal, with hostile bodies, queries and headers. It fails on
 * any 5xx, any answer slower than SLOW_MS (slow twice, and by SLOW_MS more than a health check
 * at that moment: a busy machine is not a finding), and any secret in any answer or log line.
 *
 * Reproducible: FUZZ_SEED (default below) seeds every (route, principal) pair; FUZZ_RUNS sets
 * the runs per pair (the default: ~1,900 requests, ~45 s of CPU on two cores). CI may run longer,
 * e.g. `FUZZ_SEED=$RANDOM FUZZ_RUNS=50`. FUZZ_REPORT=<file> writes every failure as JSON;
 * FUZZ_ROUTES=<regex> fuzzes only the matching routes.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261201);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2);
const REPORT = process.env['FUZZ_REPORT'];
/** FUZZ_ROUTES=<regex> narrows the run to matching `METHOD /path` names (to dig into one area). */
const ROUTES = new RegExp(process.env['FUZZ_ROUTES'] ?? '');
const SLOW_MS = 1_000;
/** Shrinking a slow input costs a second per step: bound each pair's run, shrinking included. */
const PAIR_TIME_LIMIT_MS = 4_000;
/** After this many failing pairs, report the rest unshrunk (on a bad day, still finish). */
const SHRINK_FAILURES = Number(process.env['FUZZ_SHRINK_FAILURES'] ?? 10);

/** A data-plane body: the OpenAPI document only says `object` there. */
const OPENAI_BODY: Schema = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          role: { type: 'string', enum: ['system', 'user', 'assistant', 'tool', 'developer'] },
          content: { type: 'string' },
        },
      },
    },
    input: { type: 'string' },
    stream: { type: 'boolean' },
    stream_options: { type: 'object', properties: { include_usage: { type: 'boolean' } } },
    max_tokens: { type: 'number', minimum: 0 },
    max_completion_tokens: { type: 'number', minimum: 0 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    n: { type: 'number', minimum: 1 },
    mock_response: { type: 'string' },
    tools: { type: 'array', items: { type: 'object', additionalProperties: true } },
    user: { type: 'string' },
    metadata: { type: 'object', additionalProperties: true },
    caching: { type: 'boolean' },
    encoding_format: { type: 'string', enum: ['float', 'base64'] },
  },
};

interface Principal {
  label: string;
  /** Carries its own Authorization header (then the fuzz leaves that header alone). */
  bearer: boolean;
  headers: Record<string, string>;
  /** Makes the credential again when a fuzzed call ended it (logout, block, regenerate). */
  renew?: () => Promise<void>;
}

interface FuzzInput {
  path: string;
  query: string;
  body: { json: Json } | { text: string } | null;
  contentType: string | null;
  headers: [string, string][];
}

interface Answer {
  status: number;
  ms: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
}

interface Failure {
  route: string;
  principal: string;
  reasons: string[];
  status: number;
  ms: number;
  input: string;
  answer: string;
  log: string[];
  seed: number;
  path?: string;
  shrunk: boolean;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

const agent = new Agent({ connections: 4, keepAliveTimeout: 10_000 });

function pairSeed(route: string, principal: string): number {
  const h = createHash('sha256').update(`${SEED}|${route}|${principal}`).digest();
  return h.readInt32BE(0);
}

function describeInput(input: FuzzInput): string {
  const query =
    input.query.length > 200 ? `${input.query.slice(0, 200)}…(${input.query.length})` : input.query;
  const body = !input.body
    ? ''
    : 'json' in input.body
      ? describeJson(input.body.json)
      : JSON.stringify(input.body.text.slice(0, 200));
  const headers = input.headers
    .map(([n, v]) => `${n}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`)
    .join(' | ');
  return [
    `${input.path}${query ? `?${query}` : ''}`,
    input.contentType !== null ? `content-type: ${JSON.stringify(input.contentType)}` : '',
    headers,
    body ? `body: ${body}` : '',
  ]
    .filter(Boolean)
    .join('\n      ');
}

describe('fuzz: every registered route, every principal, hostile input', () => {
  let gw: GatewayTest;
  let t: TestApp;
  let openapi: {
    paths: Record<string, Record<string, OpenApiOperation>>;
    components: { schemas: Record<string, Schema> };
  };
  const principals: Principal[] = [];
  /** value → what it is; checked against every answer and log line. */
  const secrets = new Map<string, string>();
  const failures: Failure[] = [];
  /** Log lines written while the current request ran (requests go one at a time). */
  let currentLog: string[] = [];
  let sent = 0;
  let unsendable = 0;
  /** Time spent in pairs that passed: what the suite costs once nothing fails. */
  let passingMs = 0;
  let passingCpuMs = 0;

  const addSecret = (value: string | undefined | null, what: string) => {
    if (value && value.length >= 8) secrets.set(value, what);
  };

  /** Key hashes from the database; a key's `token` is the hash of its first secret and public. */
  async function refreshKeySecrets(): Promise<void> {
    for (const table of ['keys', 'deleted_keys']) {
      const rows = await sql<{
        token: string;
        secret_hash: string;
        previous_secret_hash: string | null;
      }>(t, `SELECT token, secret_hash, previous_secret_hash FROM ${table}`);
      for (const row of rows) {
        if (row.secret_hash !== row.token)
          addSecret(row.secret_hash, `secret_hash of ${table} ${row.token}`);
        if (row.previous_secret_hash && row.previous_secret_hash !== row.token)
          addSecret(row.previous_secret_hash, `previous_secret_hash of ${table} ${row.token}`);
      }
    }
  }

  function secretsIn(text: string): string[] {
    const found: string[] = [];
    if (text.includes('$argon2')) found.push('an $argon2 hash');
    for (const [value, what] of secrets) if (text.includes(value)) found.push(what);
    return found;
  }

  async function send(principal: Principal, input: FuzzInput, method: string): Promise<Answer> {
    const headers: Record<string, string> = { ...principal.headers };
    if (input.contentType !== null) headers['content-type'] = input.contentType;
    for (const [name, value] of input.headers) {
      if (name === 'cookie' && headers['cookie'])
        headers['cookie'] = `${headers['cookie']}; ${value}`;
      else headers[name] = value;
    }
    const body = !input.body
      ? undefined
      : 'json' in input.body
        ? jsonText(input.body.json)
        : input.body.text;
    const url = `${t.baseUrl}${input.path}${input.query ? `?${input.query}` : ''}`;
    currentLog = [];
    const started = performance.now();
    const res = await request(url, {
      method: method as 'GET',
      headers,
      body,
      dispatcher: agent,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    sent += 1;
    return {
      status: res.statusCode,
      ms: performance.now() - started,
      text,
      headers: res.headers,
      requestId: String(res.headers['x-request-id'] ?? ''),
    };
  }

  /** The reasons this answer fails the suite (empty: it passes). */
  function judge(route: string, answer: Answer, log: string[]): string[] {
    const reasons: string[] = [];
    if (answer.status >= 500) reasons.push(`status ${answer.status}`);
    let text = answer.text;
    // The only answers allowed to carry a key secret: the new one, from generate/regenerate.
    let fresh: string | null = null;
    if (
      (route === 'POST /key/generate' || route === 'POST /key/regenerate') &&
      answer.status < 300
    ) {
      try {
        const key = (JSON.parse(text) as { key?: unknown }).key;
        if (typeof key === 'string') fresh = key;
      } catch {
        // not JSON: judged as it is
      }
      if (fresh) text = text.split(fresh).join('[the new key]');
    }
    const leaked = [...secretsIn(text), ...secretsIn(JSON.stringify(answer.headers))];
    if (leaked.length) reasons.push(`secret in answer: ${[...new Set(leaked)].join(', ')}`);
    const logged = log.flatMap((line) => secretsIn(line));
    if (logged.length) reasons.push(`secret in log: ${[...new Set(logged)].join(', ')}`);
    if (fresh) {
      addSecret(fresh, `a key secret issued by ${route}`);
      // After a regenerate the new secret's hash is no longer the (public) token id.
      if (route === 'POST /key/regenerate')
        addSecret(
          createHash('sha256').update(fresh).digest('hex'),
          `the hash of a regenerated secret`,
        );
    }
    return reasons;
  }

  async function makePrincipals(): Promise<void> {
    principals.push({ label: 'anonymous', bearer: false, headers: {} });
    principals.push({
      label: 'master key',
      bearer: true,
      headers: { authorization: `Bearer ${t.masterKey}` },
    });
    const adminSession: Principal = {
      label: 'session:admin (master key login)',
      bearer: false,
      headers: {},
    };
    adminSession.renew = async () => {
      const s = await login(t, 'admin', t.masterKey);
      adminSession.headers = { cookie: s.cookies.join('; '), 'x-xsrf-token': s.xsrf };
      for (const c of s.cookies)
        if (c.startsWith('gatehouse_session=')) addSecret(c.split('=')[1], 'the admin session id');
    };
    principals.push(adminSession);
    for (const role of ROLES) {
      const user = await userCaller(t, role);
      addSecret(user.password, `the password of ${role}`);
      const session: Principal = { label: `session:${role}`, bearer: false, headers: {} };
      session.renew = async () => {
        const s = await login(t, user.email, user.password);
        session.headers = { cookie: s.cookies.join('; '), 'x-xsrf-token': s.xsrf };
        for (const c of s.cookies)
          if (c.startsWith('gatehouse_session='))
            addSecret(c.split('=')[1], `the session id of ${role}`);
      };
      const key: Principal = { label: `key:${role}`, bearer: true, headers: {} };
      key.renew = async () => {
        const res = await master(t).post('/key/generate', { user_id: user.userId }).expect(200);
        const secret = (res.body as { key: string }).key;
        addSecret(secret, `the key secret of ${role}`);
        key.headers = { authorization: `Bearer ${secret}` };
      };
      await session.renew();
      await key.renew();
      principals.push(session, key);
    }
    await adminSession.renew();
  }

  async function baselineMs(): Promise<number> {
    const started = performance.now();
    const res = await request(`${t.baseUrl}/health/liveliness`, { dispatcher: agent });
    await res.body.text();
    return performance.now() - started;
  }

  /** A fuzzed call may end a principal's credential (logout, regenerate, block): make it again. */
  async function repairPrincipals(): Promise<void> {
    for (const p of principals) {
      if (!p.renew) continue;
      const res = await request(`${t.baseUrl}/me`, { headers: p.headers, dispatcher: agent });
      await res.body.text();
      if (res.statusCode !== 200) await p.renew();
    }
  }

  async function makePool(): Promise<Pool> {
    const victim = await createUser(t, 'internal_user');
    addSecret(victim.password, 'the password of the victim user');
    const team = await createTeam(t, { team_alias: 'fuzz-team' }, [[victim.user_id, 'admin']]);
    const key = await master(t)
      .post('/key/generate', {
        user_id: victim.user_id,
        key_alias: 'victim-alias',
        team_id: team.team_id,
      })
      .expect(200);
    const victimKey = key.body as { key: string; token: string };
    addSecret(victimKey.key, 'the key secret of the victim');
    const invitee = await createUser(t, 'internal_user', { password: undefined });
    const invitation = await master(t)
      .post('/invitation/new', { user_id: invitee.user_id })
      .expect(200);
    const invitationId = (invitation.body as { id: string }).id;
    const modelId = await addModel(t, gw.upstream.url, 'fuzz-echo', 'echo');
    // One real call, so the spend routes have rows to read.
    await request(`${t.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${victimKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cfg-echo', messages: [{ role: 'user', content: 'hi' }] }),
      dispatcher: agent,
    }).then((r) => r.body.text());
    const users = [victim.user_id, invitee.user_id, 'admin', 'no-such-user'];
    const models = ['cfg-echo', 'fuzz-echo', 'no-such-model'];
    return {
      schemas: openapi.components.schemas,
      byName: {
        user_id: users,
        user_ids: users,
        user_email: [victim.user_email ?? '', invitee.user_email ?? ''],
        username: [victim.user_email ?? '', 'admin'],
        team_id: [team.team_id, 'no-such-team'],
        team: [team.team_id],
        key: [victimKey.token, 'ab'.repeat(32)],
        api_key: [victimKey.token],
        key_alias: ['victim-alias'],
        key_aliase: ['victim-alias'],
        model: [...models, 'openai/echo'],
        model_name: models,
        id: [modelId, 'cfg-echo-1'],
        invitation_id: [invitationId],
        invite_link: [invitationId],
        invitation_link: [invitationId],
        api_base: [gw.upstream.url],
        mock_response: ['hi', ''],
      },
    };
  }

  beforeAll(async () => {
    gw = await startGateway({
      listen: true,
      env: { LOG_LEVEL: 'info' },
      logDestination: {
        write: (line: string) => {
          currentLog.push(line);
        },
      },
    });
    t = gw.t;
    addSecret(t.masterKey, 'the master key');
    addSecret(UPSTREAM_KEY, 'the config model api_key');
    addSecret(DB_MODEL_KEY, 'the db model api_key');
    openapi = (await t.http.get('/docs-json').expect(200)).body;
    await makePrincipals();
  }, 120_000);

  afterAll(async () => {
    await agent.close();
    await gw.close();
  });

  it('answers every route, as every principal, below 500, within 1 s, and without a secret', async () => {
    const pool = await makePool();
    await refreshKeySecrets();
    expect(t.routes.length).toBeGreaterThan(40);
    const routes = t.routes.filter((r) => ROUTES.test(`${r.method} ${r.url}`));
    let failingPairs = 0;

    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const docPath = route.url.replace(/:(\w+)/g, '{$1}');
      const operation =
        openapi.paths[docPath]?.[route.method === 'HEAD' ? 'get' : route.method.toLowerCase()];
      const params: QueryParam[] = (operation?.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => ({ name: p.name, schema: p.schema ?? {} }));
      const bodySchema = operation?.requestBody?.content?.['application/json']?.schema;
      const schema: Schema = bodySchema?.$ref || bodySchema?.properties ? bodySchema : OPENAI_BODY;
      const hasBody = route.method !== 'GET' && route.method !== 'HEAD';

      // Path parameters (`:id`) and wildcards are filled from the pool or with hostile text.
      const path = fc
        .tuple(
          fc.constantFrom(
            'x',
            'index.html',
            '../../../etc/passwd',
            '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
            '%00',
            'a'.repeat(2_000),
          ),
          fc.string({ maxLength: 8 }).map(encodeURIComponent),
        )
        .map(([tail, param]) =>
          route.url
            .replace(/:(\w+)/g, (_, n: string) => encodeURIComponent(pool.byName[n]?.[0] ?? param))
            .replace(/\*/g, tail),
        );

      for (const principal of principals) {
        const input: fc.Arbitrary<FuzzInput> = fc.record({
          path,
          query: hasBody
            ? fc.oneof(
                { weight: 4, arbitrary: fc.constant('') },
                { weight: 1, arbitrary: hostileQuery(params, pool) },
              )
            : hostileQuery(params, pool),
          body: hasBody
            ? fc.oneof(
                { weight: 8, arbitrary: hostileBody(schema, pool).map((json) => ({ json })) },
                { weight: 1, arbitrary: malformedBody.map((text) => ({ text })) },
              )
            : fc.constant(null),
          contentType: hasBody
            ? fc.oneof(
                { weight: 6, arbitrary: fc.constant('application/json') },
                { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
              )
            : fc.constant(null),
          headers: fc.oneof(
            { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
            { weight: 1, arbitrary: hostileHeaders(!principal.bearer) },
          ),
        });
        let last: Omit<Failure, 'seed' | 'path' | 'shrunk'> | null = null;
        const property = fc.asyncProperty(input, async (value) => {
          let answer: Answer;
          try {
            answer = await send(principal, value, route.method);
          } catch (error) {
            // undici refuses some header values before sending: not a request the server saw.
            if (
              error instanceof TypeError ||
              (error as { code?: string }).code === 'UND_ERR_INVALID_ARG'
            ) {
              unsendable += 1;
              return true;
            }
            last = {
              route: name,
              principal: principal.label,
              reasons: [`no answer: ${(error as Error).message}`],
              status: 0,
              ms: 0,
              input: describeInput(value),
              answer: '',
              log: currentLog.slice(0, 5),
            };
            return false;
          }
          const reasons = judge(name, answer, currentLog);
          if (answer.ms > SLOW_MS) {
            // Slow twice, and by more than a trivial request is at that moment: a finding, not
            // a busy machine.
            const again = await send(principal, value, route.method);
            const baseline = await baselineMs();
            if (Math.min(answer.ms, again.ms) - baseline > SLOW_MS)
              reasons.push(
                `slow: ${Math.round(answer.ms)} ms, again ${Math.round(again.ms)} ms ` +
                  `(a health check took ${Math.round(baseline)} ms)`,
              );
          }
          if (!reasons.length) return true;
          last = {
            route: name,
            principal: principal.label,
            reasons,
            status: answer.status,
            ms: Math.round(answer.ms),
            input: describeInput(value),
            answer: answer.text.slice(0, 600),
            log: currentLog
              .filter((line) => line.includes('"level":50') || line.includes('"level":40'))
              .map((line) => line.slice(0, 1_500))
              .slice(0, 3),
          };
          return false;
        });
        const seed = pairSeed(name, principal.label);
        const pairStarted = performance.now();
        const pairCpu = process.cpuUsage();
        const details = await fc.check(property, {
          seed,
          numRuns: RUNS,
          interruptAfterTimeLimit: PAIR_TIME_LIMIT_MS,
          endOnFailure: failingPairs >= SHRINK_FAILURES,
        });
        if (!details.failed) {
          passingMs += performance.now() - pairStarted;
          const cpu = process.cpuUsage(pairCpu);
          passingCpuMs += (cpu.user + cpu.system) / 1_000;
        }
        if (details.failed && last) {
          failingPairs += 1;
          failures.push({
            ...(last as Omit<Failure, 'seed' | 'path' | 'shrunk'>),
            seed,
            path: details.counterexamplePath ?? undefined,
            shrunk: failingPairs <= SHRINK_FAILURES,
          });
        }
      }
      if (hasBody) {
        await repairPrincipals();
        await refreshKeySecrets();
      }
    }

    if (REPORT)
      writeFileSync(
        REPORT,
        JSON.stringify(
          { seed: SEED, runs: RUNS, sent, passingMs, passingCpuMs, failures },
          null,
          2,
        ),
      );
    // One block per failing pair, grouped by route; each says how to replay it.
    const report = failures
      .map(
        (f) =>
          `${f.route} as ${f.principal}: ${f.reasons.join('; ')} (status ${f.status}, ${f.ms} ms)\n` +
          `    input${f.shrunk ? ' (shrunk)' : ''}: ${f.input}\n` +
          `    answer: ${f.answer.replace(/\s+/g, ' ').slice(0, 300)}\n` +
          (f.log.length
            ? `    log: ${f.log.map((l) => l.slice(0, 400)).join('\n         ')}\n`
            : '') +
          `    replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} (pair seed ${f.seed}, path ${f.path ?? '-'})`,
      )
      .join('\n');
    expect(sent).toBeGreaterThan(routes.length * principals.length);
    if (failures.length)
      throw new Error(
        `${failures.length} (route, principal) pairs failed after ${sent} requests ` +
          `(${unsendable} inputs undici would not send):\n${report}`,
      );
  }, 1_800_000);

  it('fuzzes each role as a session and as a key', () => {
    const labels = principals.map((p) => p.label);
    for (const role of ROLES as readonly Role[])
      expect(labels).toEqual(expect.arrayContaining([`session:${role}`, `key:${role}`]));
    expect(labels).toEqual(expect.arrayContaining(['anonymous', 'master key']));
  });
});
