import type { GatewayCaller } from '@gatehouse/api/testing';
export { limitsFor } from '@gatehouse/api/testing';
import { CallerResolver, GatewayService, SpendWriter } from '@gatehouse/api/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request as undiciRequest } from 'undici';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { master } from './callers';
import { startMockUpstream, type MockUpstream } from './mock-upstream';
import { startApp, type StartOptions, type TestApp } from './test-app';

const agent = new Agent({ connections: 64 });

export const UPSTREAM_KEY_ENV = 'GH_E2E_UPSTREAM_KEY';
export const UPSTREAM_KEY = 'sk-upstream-from-env-1234';
/** $1 per million input tokens, $2 per million output tokens. */
export const PRICES = { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 };

export interface GatewayTest {
  t: TestApp;
  upstream: MockUpstream;
  close(): Promise<void>;
}

/** A CONFIG_FILE with one read-only model whose api_key comes from the environment. */
function configFile(upstreamUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    [
      'model_list:',
      '  - model_name: cfg-echo',
      '    litellm_params:',
      '      model: openai/echo',
      `      api_base: ${upstreamUrl}`,
      `      api_key: os.environ/${UPSTREAM_KEY_ENV}`,
      '    model_info:',
      '      id: cfg-echo-1',
      `      input_cost_per_token: ${PRICES.input_cost_per_token}`,
      `      output_cost_per_token: ${PRICES.output_cost_per_token}`,
      '',
    ].join('\n'),
  );
  return path;
}

/** The mock upstream plus Gatehouse configured against it. */
export async function startGateway(options: StartOptions = {}): Promise<GatewayTest> {
  const upstream = await startMockUpstream();
  process.env[UPSTREAM_KEY_ENV] = UPSTREAM_KEY;
  const t = await startApp({
    ...options,
    env: { CONFIG_FILE: configFile(upstream.url), ...options.env },
  });
  return {
    t,
    upstream,
    close: async () => {
      await t.close();
      await upstream.close();
    },
  };
}

/** The upstream api_key `addModel` stores with every database model it adds. */
export const DB_MODEL_KEY = 'sk-db-upstream-key-5678';

export async function addModel(
  t: TestApp,
  upstreamUrl: string,
  modelName: string,
  upstreamId: string,
  extra: { model_info?: Record<string, unknown>; litellm_params?: Record<string, unknown> } = {},
): Promise<string> {
  const res = await master(t)
    .post('/model/new', {
      model_name: modelName,
      litellm_params: {
        model: `openai/${upstreamId}`,
        api_base: upstreamUrl,
        api_key: DB_MODEL_KEY,
        ...extra.litellm_params,
      },
      model_info: { ...PRICES, ...extra.model_info },
    })
    .expect(200);
  return (res.body as { model_info: { id: string } }).model_info.id;
}

export const chatBody = (model: string, extra: Record<string, unknown> = {}): object => ({
  model,
  messages: [{ role: 'user', content: 'Say hello' }],
  ...extra,
});

/** Moves the test clock to the start of the next minute (rate-limit windows are per minute). */
export function alignToMinute(t: TestApp): void {
  t.clock.advance(60_000 - (t.clock.nowMs() % 60_000) + 1);
}

/** A caller as the virtual-key resolver will produce it; tests tune the limits. */
export function keyCaller(fields: Partial<GatewayCaller> = {}): GatewayCaller {
  return {
    keyToken: 'test-key-token',
    userId: 'admin',
    teamId: null,
    role: 'proxy_admin',
    allowLists: [],
    limits: [],
    ...fields,
  };
}

/** Test-only provider override: every gateway call resolves to `caller` until restored. */
export function actAs(t: TestApp, caller: GatewayCaller): jest.SpyInstance {
  return jest.spyOn(t.app.get(CallerResolver), 'fromPrincipal').mockImplementation(() => caller);
}

/** Waits for calls still being settled (token counts for answers without usage), then flushes. */
export async function flushSpend(t: TestApp): Promise<void> {
  await t.app.get(GatewayService).settled();
  await t.app.get(SpendWriter).flush();
}

/** Parses an SSE body into its `data:` payloads. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .map((e) => e.trim())
    .filter((e) => e.startsWith('data:'))
    .map((e) => e.slice(5).trim());
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown> & { error?: { type: string; message: string } };
}

/** Many concurrent calls go over real sockets (listen: true), not supertest's ephemeral servers. */
export async function rawPost(
  t: TestApp,
  path: string,
  body: object,
  headers: Record<string, string> = { authorization: `Bearer ${t.masterKey}` },
): Promise<RawResponse> {
  if (!t.baseUrl) throw new Error('start the app with listen: true');
  const res = await undiciRequest(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as ReturnType<RawResponse['json']>,
  };
}
