import type { GenerateKeyResponse } from '@gatehouse/shared/dto';
import { bearer, createUser, master } from './support/callers';
import { startApp, type TestApp } from './support/test-app';

describe('key secrets in logs', () => {
  const lines: string[] = [];
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ logDestination: { write: (line: string) => lines.push(line) } });
  });
  afterAll(() => t.close());

  it('never appear, whether sent in a header or named in a query string', async () => {
    const owner = await createUser(t, 'internal_user');
    const key = (await master(t).post('/key/generate', { user_id: owner.user_id }).expect(200))
      .body as GenerateKeyResponse;
    await bearer(t, key.key)
      .get(`/key/info?key=${encodeURIComponent(key.key)}`)
      .expect(200);
    await t.http.get('/key/list').set('x-api-key', key.key).expect(200);
    await t.http.get('/key/list').set('api-key', key.key).expect(200);
    await t.http.get('/key/list').set('Authorization', 'Bearer sk-wrong-guess').expect(401);
    const text = lines.join('\n');
    expect(text).toContain('/key/info?key=[redacted]');
    expect(text).not.toContain(key.key.slice(3));
    expect(text).not.toContain('wrong-guess');
    expect(text).not.toContain(t.masterKey.slice(3));
  });
});
