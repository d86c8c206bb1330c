import type { GenerateKeyResponse, KeyResponse, TeamResponse } from '@gatehouse/shared/dto';
import type { Response, Test } from 'supertest';
import { createTeam, createUser, master, userCaller, type UserCaller } from './support/callers';
import { startApp, type TestApp } from './support/test-app';

/**
 * Issue 11, findings 12, 13 and 25 (request half): every hostile value in a request body or
 * query is a 400 naming the field, never a 500 from the database or a validator that throws.
 */
describe('security: request input bounds (issue 11)', () => {
  let t: TestApp;
  let user: UserCaller;
  let key: GenerateKeyResponse;
  let team: TeamResponse;
  let userId: string;

  beforeAll(async () => {
    t = await startApp();
    user = await userCaller(t, 'internal_user');
    key = (await user.post('/key/generate', { key_alias: 'mine' }).expect(200))
      .body as GenerateKeyResponse;
    team = await createTeam(t, { team_alias: 'input-bounds' });
    userId = (await createUser(t, 'internal_user')).user_id;
  });
  afterAll(() => t.close());

  function expectInvalid(res: Response, param: string): void {
    expect({ status: res.status, error: res.body.error }).toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', param },
    });
  }

  /** The body as raw JSON text, so escapes like `\ud800` reach the parser verbatim. */
  function postRaw(path: string, json: string): Test {
    return t.http
      .post(path)
      .set('Authorization', `Bearer ${t.masterKey}`)
      .set('Content-Type', 'application/json')
      .send(json);
  }

  describe('finding 12: numbers are bounded', () => {
    it.each([
      ['/user/new', () => ({ max_budget: 1e308 }), 'max_budget'],
      ['/user/new', () => ({ tpm_limit: 1e12 }), 'tpm_limit'],
      ['/user/update', () => ({ user_id: userId, max_budget: 1e308 }), 'max_budget'],
      ['/user/update', () => ({ user_id: userId, rpm_limit: 3e9 }), 'rpm_limit'],
      ['/team/new', () => ({ max_budget: 1e308 }), 'max_budget'],
      ['/team/update', () => ({ team_id: team.team_id, tpm_limit: 1e12 }), 'tpm_limit'],
      ['/key/generate', () => ({ max_budget: 1e308 }), 'max_budget'],
      ['/key/update', () => ({ key: key.token, max_budget: 1e10 }), 'max_budget'],
      [
        '/model/new',
        () => ({
          model_name: 'pricey',
          litellm_params: { model: 'openai/x' },
          model_info: { input_cost_per_token: 1e308 },
        }),
        'model_info.input_cost_per_token',
      ],
    ])('finding 12: POST %s refuses an out-of-range number', async (path, body, param) => {
      expectInvalid(await master(t).post(path, body()), param);
    });

    it('finding 12: a budget up to the ceiling still works', async () => {
      const res = await master(t).post('/user/new', { max_budget: 1e9 }).expect(200);
      expect(res.body.max_budget).toBe(1e9);
    });
  });

  describe('finding 13: null only where it means "clear"', () => {
    it.each([
      ['blocked', null],
      ['models', null],
      ['metadata', null],
    ])('finding 13: POST /key/update {%s: null} is a 400', async (field, value) => {
      expectInvalid(await user.post('/key/update', { key: key.token, [field]: value }), field);
    });

    it.each(['user_role', 'models', 'metadata', 'user_email', 'password'])(
      'finding 13: POST /user/update {%s: null} is a 400',
      async (field) => {
        expectInvalid(
          await master(t).post('/user/update', { user_id: userId, [field]: null }),
          field,
        );
      },
    );

    it.each(['blocked', 'models'])(
      'finding 13: POST /team/update {%s: null} is a 400',
      async (f) => {
        expectInvalid(
          await master(t).post('/team/update', { team_id: team.team_id, [f]: null }),
          f,
        );
      },
    );

    it('finding 13: POST /key/generate {models: null} and {metadata: null} are 400s', async () => {
      expectInvalid(await user.post('/key/generate', { models: null }), 'models');
      expectInvalid(await user.post('/key/generate', { metadata: null }), 'metadata');
    });

    it('finding 13: null still clears the limits that may be cleared', async () => {
      const limited = (
        await user
          .post('/key/generate', { key_alias: 'to-clear', max_budget: 5, tpm_limit: 10 })
          .expect(200)
      ).body as GenerateKeyResponse;
      const cleared = await user
        .post('/key/update', {
          key: limited.token,
          key_alias: null,
          max_budget: null,
          tpm_limit: null,
          budget_duration: null,
        })
        .expect(200);
      expect(cleared.body as KeyResponse).toMatchObject({
        key_alias: null,
        max_budget: null,
        tpm_limit: null,
      });
      const userCleared = await master(t)
        .post('/user/update', { user_id: userId, user_alias: null, max_budget: null })
        .expect(200);
      expect(userCleared.body).toMatchObject({ user_alias: null, max_budget: null });
    });
  });

  describe('finding 13: strings are well-formed and bounded', () => {
    it.each([
      ['/user/new', '{"user_email": "\\ud800@x.com"}', 'user_email'],
      ['/user/new', '{"user_email": "a@x.com\\udc00"}', 'user_email'],
      ['/user/new', '{"user_alias": "ab\\ud800"}', 'user_alias'],
      ['/user/new', '{"user_alias": "nul\\u0000byte"}', 'user_alias'],
      ['/team/new', '{"team_alias": "\\udfff"}', 'team_alias'],
      ['/key/generate', '{"key_alias": "nul\\u0000byte"}', 'key_alias'],
      ['/key/generate', '{"models": ["gpt\\ud800"]}', 'models'],
    ])('finding 13: POST %s %s is a 400', async (path, json, param) => {
      expectInvalid(await postRaw(path, json), param);
    });

    it.each([
      ['a NUL', '{"username": "a\\u0000b@x.com", "password": "whatever-long"}'],
      ['a lone surrogate', '{"username": "\\ud800@x.com", "password": "whatever-long"}'],
    ])('finding 13: POST /login with %s in the username is a 400', async (_label, json) => {
      const res = await t.http.post('/login').set('Content-Type', 'application/json').send(json);
      expectInvalid(res, 'username');
    });

    it('finding 13: a lone surrogate in a team member email is a 400', async () => {
      const res = await postRaw(
        '/team/member_add',
        `{"team_id": "${team.team_id}", "member": {"user_email": "\\ud800@x.com"}}`,
      );
      expectInvalid(res, 'member.0.user_email');
    });

    it.each([
      ['/user/list?user_email=a%00b', 'user_email'],
      ['/key/list?key_alias=a%00b', 'key_alias'],
      ['/spend/logs?model=a%00b', 'model'],
    ])('finding 13: GET %s (a NUL in a query filter) is a 400', async (path, param) => {
      expectInvalid(await master(t).get(path), param);
    });

    it('finding 13: well-formed non-ASCII text is still accepted', async () => {
      const res = await postRaw('/user/new', '{"user_alias": "Zoë 🚀 \\ud83d\\ude80"}').expect(200);
      expect(res.body.user_alias).toBe('Zoë 🚀 🚀');
    });

    it('finding 13: an over-long string is a 400', async () => {
      expectInvalid(
        await master(t).post('/team/new', { team_alias: 'a'.repeat(257) }),
        'team_alias',
      );
      const expires = `2030-01-01T00:00:00.${'0'.repeat(100)}Z`;
      const invite = await master(t).post('/invitation/new', { user_id: userId }).expect(200);
      expectInvalid(
        await master(t).post('/invitation/update', {
          invitation_id: invite.body.id,
          expires_at: expires,
        }),
        'expires_at',
      );
    });
  });

  describe('finding 13: page and size are bounded integers', () => {
    it.each([
      ['/user/list?page=1e20', 'page'],
      ['/user/list?page=abc', 'page'],
      ['/user/list?page=0x10', 'page'],
      ['/user/list?page=10001', 'page'],
      ['/user/list?page_size=1e2', 'page_size'],
      ['/key/list?page=1e20', 'page'],
      ['/key/list?size=abc', 'size'],
      ['/key/deleted?page=1e20', 'page'],
      ['/spend/logs?page=1e20', 'page'],
      ['/spend/logs?page_size=1.5', 'page_size'],
    ])('finding 13: GET %s is a 400', async (path, param) => {
      expectInvalid(await master(t).get(path), param);
    });

    it('finding 13: plain page numbers still work', async () => {
      const res = await master(t).get('/user/list?page=2&page_size=100').expect(200);
      expect(res.body).toMatchObject({ page: 2, page_size: 100 });
    });
  });

  describe('finding 25: metadata is bounded', () => {
    const big = { blob: 'x'.repeat(16 * 1024) };
    const deep = JSON.parse('{"a":'.repeat(12) + '1' + '}'.repeat(12)) as object;

    it('finding 25: key metadata over 16 KB is a 400 on generate and update', async () => {
      expectInvalid(await user.post('/key/generate', { metadata: big }), 'metadata');
      expectInvalid(await user.post('/key/update', { key: key.token, metadata: big }), 'metadata');
    });

    it('finding 25: user metadata over 16 KB is a 400', async () => {
      expectInvalid(await master(t).post('/user/new', { metadata: big }), 'metadata');
      expectInvalid(
        await master(t).post('/user/update', { user_id: userId, metadata: big }),
        'metadata',
      );
    });

    it('finding 25: deeply nested metadata is a 400', async () => {
      expectInvalid(await user.post('/key/update', { key: key.token, metadata: deep }), 'metadata');
    });

    it('finding 25: metadata that is not an object is a 400', async () => {
      expectInvalid(await user.post('/key/update', { key: key.token, metadata: [1] }), 'metadata');
      expectInvalid(await user.post('/key/update', { key: key.token, metadata: 'x' }), 'metadata');
    });

    it('finding 25: ordinary metadata under the bounds is kept', async () => {
      const metadata = { team: 'search', tags: ['a', 'b'], nested: { level: { two: 3 } } };
      const res = await user.post('/key/update', { key: key.token, metadata }).expect(200);
      expect(res.body.metadata).toEqual(metadata);
    });
  });
});
