import type { Role } from '@gatehouse/shared/auth';
import type {
  AuditLogEntry,
  AuditLogList,
  GenerateKeyResponse,
  ModelResponse,
  TestModelResponse,
} from '@gatehouse/shared/dto';
import {
  anonymous,
  bearer,
  createUser,
  everyRole,
  master,
  type Caller,
  type UserCaller,
} from './support/callers';
import { sql, sqlWrite } from './support/db';
import {
  addModel,
  chatBody,
  DB_MODEL_KEY as DB_KEY,
  flushSpend,
  PRICES,
  startGateway,
  UPSTREAM_KEY,
  type GatewayTest,
} from './support/gateway';
import type { TestApp } from './support/test-app';

const NEW_KEY = 'sk-replaced-upstream-key-9876';

describe('models: edit (POST /model/update) and test (POST /model/test)', () => {
  let g: GatewayTest;
  let t: TestApp;
  let as: Record<Role, UserCaller>;

  beforeAll(async () => {
    g = await startGateway();
    t = g.t;
    as = await everyRole(t);
  });
  afterAll(() => g.close());

  async function modelById(id: string): Promise<ModelResponse> {
    const res = await master(t).get('/model/info').expect(200);
    const found = (res.body.data as ModelResponse[]).find((m) => m.model_info.id === id);
    if (!found) throw new Error(`model ${id} not listed`);
    return found;
  }

  async function auditRowsOf(id: string): Promise<AuditLogEntry[]> {
    const res = await master(t)
      .get(`/audit?table_name=model&object_id=${encodeURIComponent(id)}`)
      .expect(200);
    return (res.body as AuditLogList).audit_logs;
  }

  /** Keys that may not write models: an internal user's, and an admin's llm_api / read_only. */
  async function keyCallers(): Promise<Caller[]> {
    const internal = await createUser(t, 'internal_user');
    const admin = await createUser(t, 'proxy_admin');
    const keyOf = async (body: object): Promise<Caller> => {
      const res = await master(t).post('/key/generate', body).expect(200);
      const key = res.body as GenerateKeyResponse & { key_type: string };
      return bearer(t, key.key, `key ${key.key_type}`);
    };
    return Promise.all([
      keyOf({ user_id: internal.user_id }),
      keyOf({ user_id: admin.user_id, key_type: 'llm_api' }),
      keyOf({ user_id: admin.user_id, key_type: 'read_only' }),
    ]);
  }

  describe('POST /model/update', () => {
    it('changes only the fields sent; the gateway serves the new name at once', async () => {
      const id = await addModel(t, g.upstream.url, 'before-rename', 'echo', {
        litellm_params: { rpm: 100 },
      });
      const res = await master(t)
        .post('/model/update', {
          model_name: 'after-rename',
          litellm_params: { timeout: 12.5 },
          model_info: { id, output_cost_per_token: 0.000004, cache: true },
        })
        .expect(200);
      const model = res.body as ModelResponse;
      expect(model).toMatchObject({
        model_name: 'after-rename',
        litellm_params: {
          model: 'openai/echo',
          api_base: g.upstream.url,
          api_key: 'sk-...5678',
          timeout: 12.5,
          rpm: 100,
        },
        model_info: {
          id,
          input_cost_per_token: PRICES.input_cost_per_token,
          output_cost_per_token: 0.000004,
          price_source: 'model_info',
          cache: true,
          db_model: true,
          created_by: 'admin',
        },
      });
      expect(await modelById(id)).toEqual(model);
      await master(t).post('/v1/chat/completions', chatBody('after-rename')).expect(200);
      await master(t).post('/v1/chat/completions', chatBody('before-rename')).expect(404);
    });

    it('keeps the stored api_key when none is sent, and encrypts a new one', async () => {
      const id = await addModel(t, g.upstream.url, 'key-kept', 'echo');
      const [stored] = await sql<{ k: string }>(
        t,
        `SELECT api_key_encrypted AS k FROM models WHERE id = '${id}'`,
      );
      await master(t)
        .post('/model/update', { litellm_params: { rpm: 5 }, model_info: { id } })
        .expect(200);
      const [kept] = await sql<{ k: string }>(
        t,
        `SELECT api_key_encrypted AS k FROM models WHERE id = '${id}'`,
      );
      expect(kept.k).toBe(stored.k);
      await master(t).post('/v1/chat/completions', chatBody('key-kept')).expect(200);
      expect(g.upstream.received.at(-1)?.authorization).toBe(`Bearer ${DB_KEY}`);

      const res = await master(t)
        .post('/model/update', { litellm_params: { api_key: NEW_KEY }, model_info: { id } })
        .expect(200);
      expect(res.body.litellm_params.api_key).toBe('sk-...9876');
      expect(JSON.stringify(res.body)).not.toContain(NEW_KEY);
      const [replaced] = await sql<{ k: string }>(
        t,
        `SELECT api_key_encrypted AS k FROM models WHERE id = '${id}'`,
      );
      expect(replaced.k).toMatch(/^v1\./);
      expect(replaced.k).not.toContain('9876');
      await master(t).post('/v1/chat/completions', chatBody('key-kept')).expect(200);
      expect(g.upstream.received.at(-1)?.authorization).toBe(`Bearer ${NEW_KEY}`);
    });

    it('leaves one audit row with only the changed fields, the key masked', async () => {
      const id = await addModel(t, g.upstream.url, 'audited', 'echo');
      await master(t)
        .post('/model/update', {
          model_name: 'audited-2',
          litellm_params: { api_key: NEW_KEY, api_base: g.upstream.url },
          model_info: { id, input_cost_per_token: 0.000003 },
        })
        .expect(200);
      const rows = (await auditRowsOf(id)).filter((r) => r.action === 'updated');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ changed_by: 'admin', table_name: 'model', object_id: id });
      expect(rows[0].before_value).toEqual({
        model_name: 'audited',
        litellm_params: { api_key: 'sk-...5678' },
        model_info: { input_cost_per_token: PRICES.input_cost_per_token },
      });
      expect(rows[0].updated_values).toEqual({
        model_name: 'audited-2',
        litellm_params: { api_key: 'sk-...9876' },
        model_info: { input_cost_per_token: 0.000003 },
      });
      expect(JSON.stringify(rows)).not.toContain(NEW_KEY);
      expect(JSON.stringify(rows)).not.toContain(DB_KEY);
    });

    it('a price sent as null goes back to the catalogue (models stored with $0 before it)', async () => {
      const id = await addModel(t, g.upstream.url, 'was-free', 'gpt-4o-mini', {
        model_info: { input_cost_per_token: 0, output_cost_per_token: 0 },
      });
      expect((await modelById(id)).model_info).toMatchObject({
        input_cost_per_token: 0,
        price_source: 'model_info',
      });
      const res = await master(t)
        .post('/model/update', {
          model_info: { id, input_cost_per_token: null, output_cost_per_token: null },
        })
        .expect(200);
      const info = (res.body as ModelResponse).model_info;
      expect(info.price_source).toBe('catalogue');
      expect(info.input_cost_per_token).toBeGreaterThan(0);
      expect(info.output_cost_per_token).toBeGreaterThan(info.input_cost_per_token);
    });

    it('checks the merged model like /model/new (azure/ needs api_version)', async () => {
      const id = await addModel(t, g.upstream.url, 'to-azure', 'echo');
      const res = await master(t)
        .post('/model/update', {
          litellm_params: { model: 'azure/my-deployment' },
          model_info: { id },
        })
        .expect(400);
      expect(res.body.error.param).toBe('litellm_params.api_version');
      expect((await modelById(id)).litellm_params.model).toBe('openai/echo');
    });

    it('a model whose stored key cannot be decrypted takes a new key (400 naming it until then)', async () => {
      const id = await addModel(t, g.upstream.url, 'undecryptable', 'echo');
      const broken = `UPDATE models SET api_key_encrypted = 'v1.AAAA.BBBB.CCCC' WHERE id = '${id}'`;
      await sqlWrite(t, { sqlite: broken, postgres: broken });
      const res = await master(t)
        .post('/model/update', { model_name: 'still-broken', model_info: { id } })
        .expect(400);
      expect(res.body.error.param).toBe('litellm_params.api_key');
      const fixed = await master(t)
        .post('/model/update', { litellm_params: { api_key: NEW_KEY }, model_info: { id } })
        .expect(200);
      expect(fixed.body.litellm_params.api_key).toBe('sk-...9876');
      await master(t).post('/v1/chat/completions', chatBody('undecryptable')).expect(200);
    });

    it('refuses config models (403) and unknown ids (404)', async () => {
      const cfg = await master(t)
        .post('/model/update', { model_name: 'renamed', model_info: { id: 'cfg-echo-1' } })
        .expect(403);
      expect(cfg.body.error).toMatchObject({ type: 'permission_error', param: 'model_info.id' });
      expect(cfg.body.error.message).toContain('CONFIG_FILE');
      const unknown = await master(t)
        .post('/model/update', { model_name: 'renamed', model_info: { id: 'no-such-model' } })
        .expect(404);
      expect(unknown.body.error.param).toBe('model_info.id');
    });

    it.each([
      [{}, 'model_info'],
      [{ model_name: 'x' }, 'model_info'],
      [{ model_info: {} }, 'model_info.id'],
      [{ model_info: { id: "x' OR 1=1 --" } }, 'model_info.id'],
      [{ model_name: '', model_info: { id: 'm' } }, 'model_name'],
      [{ model_name: null, model_info: { id: 'm' } }, 'model_name'],
      [{ litellm_params: { model: 'gpt-4o' }, model_info: { id: 'm' } }, 'litellm_params.model'],
      [
        { litellm_params: { api_base: 'ftp://h' }, model_info: { id: 'm' } },
        'litellm_params.api_base',
      ],
      [{ litellm_params: { timeout: 0 }, model_info: { id: 'm' } }, 'litellm_params.timeout'],
      [{ model_info: { id: 'm', input_cost_per_token: -1 } }, 'model_info.input_cost_per_token'],
      [{ model_info: { id: 'm', cache: null } }, 'model_info.cache'],
      [{ model_info: { id: 'm' }, extra: 1 }, 'extra'],
      [{ litellm_params: 'openai/x', model_info: { id: 'm' } }, 'litellm_params'],
    ])('refuses %j with 400 naming %s', async (body, param) => {
      const res = await master(t).post('/model/update', body).expect(400);
      expect(res.body.error.param).toBe(param);
    });

    it('refuses viewers, internal users and keys that may not write models (403), anonymous (401)', async () => {
      const id = await addModel(t, g.upstream.url, 'guarded', 'echo');
      const body = { model_name: 'hijacked', model_info: { id } };
      const callers: Caller[] = [
        as.proxy_admin_viewer,
        as.internal_user,
        as.internal_user_viewer,
        ...(await keyCallers()),
      ];
      for (const caller of callers) {
        const res = await caller.post('/model/update', body);
        expect([caller.label, res.status]).toEqual([caller.label, 403]);
      }
      await anonymous(t).post('/model/update', body).expect(401);
      expect((await modelById(id)).model_name).toBe('guarded');
    });
  });

  describe('POST /model/test', () => {
    it('answers ok with the latency for a working deployment, through its own key', async () => {
      const id = await addModel(t, g.upstream.url, 'probe-ok', 'echo');
      const res = await master(t).post('/model/test', { model_id: id }).expect(200);
      const answer = res.body as TestModelResponse;
      expect(answer).toEqual({
        ok: true,
        latency_ms: expect.any(Number),
        status: 200,
        error: null,
      });
      expect(answer.latency_ms).toBeGreaterThanOrEqual(0);
      const sent = g.upstream.received.at(-1);
      expect(sent?.authorization).toBe(`Bearer ${DB_KEY}`);
      expect(sent?.body).toMatchObject({ model: 'echo', max_tokens: 1 });
    });

    it('tests config models too (read-only is about editing)', async () => {
      const res = await master(t).post('/model/test', { model_id: 'cfg-echo-1' }).expect(200);
      expect(res.body.ok).toBe(true);
      expect(g.upstream.received.at(-1)?.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    });

    it('is not a gateway call: no spend log, no audit row', async () => {
      const id = await addModel(t, g.upstream.url, 'probe-unbilled', 'echo');
      const count = async (table: string): Promise<number> =>
        Number((await sql<{ n: string }>(t, `SELECT COUNT(*) AS n FROM ${table}`))[0].n);
      await flushSpend(t); // the calls of the tests before
      const logs = await count('spend_logs');
      const audit = await count('audit_logs');
      await master(t).post('/model/test', { model_id: id }).expect(200);
      await flushSpend(t);
      expect(await count('spend_logs')).toBe(logs);
      expect(await count('audit_logs')).toBe(audit);
    });

    it("shows a failing upstream's status and message", async () => {
      const id = await addModel(t, g.upstream.url, 'probe-500', 'status-500');
      const res = await master(t).post('/model/test', { model_id: id }).expect(200);
      expect(res.body).toEqual({
        ok: false,
        latency_ms: expect.any(Number),
        status: 500,
        error: 'Upstream error (500): mock failure 500',
      });
    });

    it('never shows the upstream key, even when the upstream echoes it', async () => {
      g.upstream.respond = ({ model, authorization }, res) => {
        if (model !== 'echo-key') return false;
        const text = JSON.stringify({ error: { message: `bad key; you sent ${authorization}` } });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(text);
        return true;
      };
      try {
        const id = await addModel(t, g.upstream.url, 'probe-echo-key', 'echo-key', {
          litellm_params: { api_key: 'plain-secret-without-prefix' },
        });
        const res = await master(t).post('/model/test', { model_id: id }).expect(200);
        expect(res.body).toMatchObject({ ok: false, status: 401 });
        expect(res.body.error).toContain('[redacted]');
        expect(JSON.stringify(res.body)).not.toContain('plain-secret-without-prefix');
      } finally {
        g.upstream.respond = null;
      }
    });

    it('answers an unreachable upstream without details', async () => {
      const id = await addModel(t, 'http://127.0.0.1:9/v1', 'probe-down', 'echo');
      const res = await master(t).post('/model/test', { model_id: id }).expect(200);
      expect(res.body).toEqual({
        ok: false,
        latency_ms: expect.any(Number),
        status: null,
        error: 'The upstream model could not be reached',
      });
    });

    it('refuses unknown ids (404), bad bodies (400), other roles and keys (403)', async () => {
      const missing = await master(t).post('/model/test', { model_id: 'nope' }).expect(404);
      expect(missing.body.error.param).toBe('model_id');
      for (const body of [{}, { model_id: 7 }, { model_id: 'a b' }, { model_id: 'm', x: 1 }]) {
        await master(t).post('/model/test', body).expect(400);
      }
      for (const caller of [as.proxy_admin_viewer, as.internal_user, ...(await keyCallers())]) {
        const res = await caller.post('/model/test', { model_id: 'cfg-echo-1' });
        expect([caller.label, res.status]).toEqual([caller.label, 403]);
      }
      await anonymous(t).post('/model/test', { model_id: 'cfg-echo-1' }).expect(401);
    });
  });
});
