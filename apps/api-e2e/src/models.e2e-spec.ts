import type { Role } from '@gatehouse/shared/auth';
import type { ModelResponse } from '@gatehouse/shared/dto';
import { anonymous, everyRole, master, type UserCaller } from './support/callers';
import { sql } from './support/db';
import {
  addModel,
  chatBody,
  DB_MODEL_KEY as DB_KEY,
  PRICES,
  startGateway,
  UPSTREAM_KEY,
  type GatewayTest,
} from './support/gateway';
import type { TestApp } from './support/test-app';

describe('models', () => {
  let g: GatewayTest;
  let t: TestApp;
  let as: Record<Role, UserCaller>;

  beforeAll(async () => {
    g = await startGateway();
    t = g.t;
    as = await everyRole(t);
  });
  afterAll(() => g.close());

  const newModel = (name: string, extra: Record<string, unknown> = {}): object => ({
    model_name: name,
    litellm_params: { model: 'openai/echo', api_base: g.upstream.url, api_key: DB_KEY },
    model_info: PRICES,
    ...extra,
  });

  describe('POST /model/new', () => {
    it('adds a model, answers with the key masked, and stores the key encrypted', async () => {
      const res = await master(t).post('/model/new', newModel('added')).expect(200);
      const model = res.body as ModelResponse;
      expect(model).toMatchObject({
        model_name: 'added',
        litellm_params: { model: 'openai/echo', api_base: g.upstream.url, api_key: 'sk-...5678' },
        model_info: { ...PRICES, db_model: true, cache: false, created_by: 'admin' },
      });
      expect(JSON.stringify(res.body)).not.toContain(DB_KEY);
      const rows = await sql<{ k: string }>(
        t,
        `SELECT api_key_encrypted AS k FROM models WHERE id = '${model.model_info.id}'`,
      );
      expect(rows[0].k).toMatch(/^v1\./);
      expect(rows[0].k).not.toContain('5678');
      await master(t).post('/v1/chat/completions', chatBody('added')).expect(200);
    });

    it('takes a chosen id once (409 for a duplicate, also of a config model)', async () => {
      await master(t)
        .post('/model/new', newModel('with-id', { model_info: { id: 'my-model-1' } }))
        .expect(200);
      await master(t)
        .post('/model/new', newModel('with-id', { model_info: { id: 'my-model-1' } }))
        .expect(409);
      await master(t)
        .post('/model/new', newModel('with-id', { model_info: { id: 'cfg-echo-1' } }))
        .expect(409);
    });

    it.each(['proxy_admin_viewer', 'internal_user', 'internal_user_viewer'] as const)(
      'refuses %s with 403',
      async (role) => {
        await as[role].post('/model/new', newModel('nope')).expect(403);
      },
    );

    it('refuses anonymous callers with 401', async () => {
      await anonymous(t).post('/model/new', newModel('nope')).expect(401);
    });

    it.each([
      [{ model_name: 'x' }, 'litellm_params'],
      [{ model_name: 'x', litellm_params: { model: 'gpt-4o' } }, 'litellm_params.model'],
      [
        { model_name: 'x', litellm_params: { model: 'openai/x', api_base: 'ftp://h' } },
        'litellm_params.api_base',
      ],
      [
        { model_name: 'x', litellm_params: { model: 'openai/x', timeout: -1 } },
        'litellm_params.timeout',
      ],
      [
        {
          model_name: 'x',
          litellm_params: { model: 'openai/x' },
          model_info: { input_cost_per_token: -1 },
        },
        'model_info.input_cost_per_token',
      ],
      [
        { model_name: 'x', litellm_params: { model: 'openai/x' }, model_info: { cache: 'yes' } },
        'model_info.cache',
      ],
      [{ model_name: 'x', litellm_params: { model: 'openai/x' }, extra: 1 }, 'extra'],
      [{ model_name: '', litellm_params: { model: 'openai/x' } }, 'model_name'],
    ])('refuses %j with 400 naming %s', async (body, param) => {
      const res = await master(t).post('/model/new', body).expect(400);
      expect(res.body.error.param).toBe(param);
    });
  });

  describe('GET /model/info', () => {
    it('lists config and database models; admins see masked keys and api_base, others neither', async () => {
      const admin = await master(t).get('/model/info').expect(200);
      const cfg = (admin.body.data as ModelResponse[]).find((m) => m.model_name === 'cfg-echo');
      expect(cfg).toMatchObject({
        litellm_params: { api_key: 'sk-...1234' },
        model_info: { id: 'cfg-echo-1', db_model: false, ...PRICES },
      });
      for (const role of ['proxy_admin_viewer', 'internal_user', 'internal_user_viewer'] as const) {
        const res = await as[role].get('/model/info').expect(200);
        const data = res.body.data as ModelResponse[];
        expect(data.length).toBe((admin.body.data as unknown[]).length);
        expect(data.every((m) => m.litellm_params.api_key === null)).toBe(true);
        expect(data.every((m) => m.litellm_params.api_base === null)).toBe(true);
      }
      for (const res of [admin]) {
        expect(JSON.stringify(res.body)).not.toContain(UPSTREAM_KEY);
        expect(JSON.stringify(res.body)).not.toContain(DB_KEY);
      }
      await anonymous(t).get('/model/info').expect(401);
    });
  });

  describe('POST /model/delete', () => {
    it('deletes a database model; it disappears from the gateway at once', async () => {
      const id = await addModel(t, g.upstream.url, 'doomed', 'echo');
      await as.internal_user.post('/model/delete', { id }).expect(403);
      await as.proxy_admin_viewer.post('/model/delete', { id }).expect(403);
      await master(t).post('/model/delete', { id }).expect(200, { id, deleted: true });
      const list = await master(t).get('/v1/models').expect(200);
      expect((list.body.data as { id: string }[]).map((m) => m.id)).not.toContain('doomed');
      await master(t).post('/v1/chat/completions', chatBody('doomed')).expect(404);
      await master(t).post('/model/delete', { id }).expect(404);
    });

    it('keeps config models read-only (403) and checks the id (400)', async () => {
      await master(t).post('/model/delete', { id: 'cfg-echo-1' }).expect(403);
      await master(t).post('/model/delete', {}).expect(400);
      await master(t).post('/model/delete', { id: "x' OR 1=1 --" }).expect(400);
    });
  });
});
