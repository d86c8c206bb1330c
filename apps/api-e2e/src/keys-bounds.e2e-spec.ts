import { loadConfig } from '@gatehouse/api/testing';
import type { GenerateKeyResponse } from '@gatehouse/shared/dto';
import { master, userCaller, type UserCaller } from './support/callers';
import { startApp, type TestApp } from './support/test-app';

/** The KEY_*_UPPER_BOUND variables bind keys made or changed by non-admins. */
describe('key upper bounds', () => {
  let t: TestApp;
  let user: UserCaller;
  let poor: UserCaller;

  beforeAll(async () => {
    t = await startApp({
      env: {
        KEY_MAX_BUDGET_UPPER_BOUND: '50',
        KEY_DURATION_UPPER_BOUND: '30d',
        KEY_TPM_LIMIT_UPPER_BOUND: '1000',
        KEY_RPM_LIMIT_UPPER_BOUND: '60',
        KEY_MAX_PARALLEL_REQUESTS_UPPER_BOUND: '4',
      },
    });
    user = await userCaller(t, 'internal_user');
    poor = await userCaller(t, 'internal_user', { max_budget: 5 });
  });
  afterAll(() => t.close());

  it('fills absent limits in with the bounds (and the owner budget when lower)', async () => {
    const before = t.clock.nowMs();
    const res = await user.post('/key/generate', {}).expect(200);
    const key = res.body as GenerateKeyResponse;
    expect(key).toMatchObject({
      max_budget: 50,
      tpm_limit: 1000,
      rpm_limit: 60,
      max_parallel_requests: 4,
    });
    const days = (Date.parse(key.expires ?? '') - before) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    const capped = await poor.post('/key/generate', {}).expect(200);
    expect(capped.body.max_budget).toBe(5);
  });

  it('accepts values within the bounds', async () => {
    await user
      .post('/key/generate', {
        max_budget: 50,
        duration: '30d',
        tpm_limit: 1000,
        rpm_limit: 60,
        max_parallel_requests: 4,
      })
      .expect(200);
  });

  it.each([
    [{ max_budget: 50.01 }, 'max_budget'],
    [{ duration: '31d' }, 'duration'],
    [{ duration: '2mo' }, 'duration'],
    [{ tpm_limit: 1001 }, 'tpm_limit'],
    [{ rpm_limit: 61 }, 'rpm_limit'],
    [{ max_parallel_requests: 5 }, 'max_parallel_requests'],
  ])('refuses %j on generate and on update (400 naming the field)', async (body, param) => {
    const generated = await user.post('/key/generate', body).expect(400);
    expect(generated.body.error).toMatchObject({ type: 'invalid_request_error', param });
    const key = (await user.post('/key/generate', {}).expect(200)).body as GenerateKeyResponse;
    const updated = await user.post('/key/update', { key: key.token, ...body }).expect(400);
    expect(updated.body.error.param).toBe(param);
  });

  it.each([
    [{ max_budget: null }, 'max_budget'],
    [{ duration: null }, 'duration'],
    [{ tpm_limit: null }, 'tpm_limit'],
  ])('refuses to lift a bounded limit with %j', async (body, param) => {
    const key = (await user.post('/key/generate', {}).expect(200)).body as GenerateKeyResponse;
    const res = await user.post('/key/update', { key: key.token, ...body }).expect(400);
    expect(res.body.error.param).toBe(param);
  });

  it("refuses a key budget over the owner's own max_budget", async () => {
    const res = await poor.post('/key/generate', { max_budget: 6 }).expect(400);
    expect(res.body.error.param).toBe('max_budget');
    expect(res.body.error.message).toContain('owner');
  });

  it('does not bind proxy_admin', async () => {
    const res = await master(t)
      .post('/key/generate', {
        user_id: user.userId,
        max_budget: 10_000,
        tpm_limit: 1_000_000,
        duration: '365d',
      })
      .expect(200);
    expect(res.body).toMatchObject({ max_budget: 10_000, tpm_limit: 1_000_000 });
    const unlimited = await master(t).post('/key/generate', { user_id: user.userId }).expect(200);
    expect(unlimited.body).toMatchObject({ max_budget: null, expires: null });
  });

  it.each([
    ['KEY_DURATION_UPPER_BOUND', 'forever'],
    ['KEY_MAX_BUDGET_UPPER_BOUND', '-1'],
    ['KEY_TPM_LIMIT_UPPER_BOUND', '1.5'],
    ['KEY_RPM_LIMIT_UPPER_BOUND', 'many'],
    ['KEY_MAX_PARALLEL_REQUESTS_UPPER_BOUND', '-2'],
    ['KEY_MIN_BUDGET_DURATION', 'hourly'],
    ['KEY_MAX_PER_USER', '0'],
    ['KEY_MAX_PER_USER', 'lots'],
  ])('refuses %s=%s at boot with one line naming it', (name, value) => {
    expect(() =>
      loadConfig({
        PROXY_MASTER_KEY: t.masterKey,
        DATABASE_URL: 'sqlite::memory:',
        [name]: value,
      }),
    ).toThrow(new RegExp(name));
  });

  it('finding 8, 25: KEY_MIN_BUDGET_DURATION defaults to 1h (none = no floor), KEY_MAX_PER_USER to 1000', () => {
    const base = { PROXY_MASTER_KEY: t.masterKey, DATABASE_URL: 'sqlite::memory:' };
    const defaults = loadConfig(base);
    expect(defaults.keyUpperBounds.minBudgetDurationMs).toBe(3_600_000);
    expect(defaults.keyMaxPerUser).toBe(1000);
    const set = loadConfig({ ...base, KEY_MIN_BUDGET_DURATION: 'none', KEY_MAX_PER_USER: '7' });
    expect(set.keyUpperBounds.minBudgetDurationMs).toBeNull();
    expect(set.keyMaxPerUser).toBe(7);
  });
});
