import { isConsoleRoute } from '@gatehouse/api/testing';
import { anonymous, master } from './support/callers';
import { startApp, type TestApp } from './support/test-app';

/** Routes anybody may call. Everything else must refuse an anonymous caller. */
const PUBLIC_ROUTES = new Set([
  'GET /health/liveliness',
  'GET /health/readiness',
  'POST /login',
  // Onboarding checks the invitation and its own signed token instead.
  'GET /onboarding/get_token',
  'POST /onboarding/claim_token',
  // Single sign-on and forgotten passwords (issue 13): the provider or the reset token decides.
  'GET /sso/config',
  'GET /sso/login',
  'GET /sso/key/generate',
  'GET /sso/callback',
  'POST /password/forgot',
  'POST /password/reset',
]);
const isPublic = (method: string, url: string): boolean =>
  PUBLIC_ROUTES.has(`${method} ${url}`) ||
  // The built console's static files (served only when apps/admin has been built).
  (method === 'GET' && isConsoleRoute(url)) ||
  url === '/docs' ||
  url.startsWith('/docs/') ||
  url.startsWith('/docs-');

describe('platform', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('refuses an anonymous caller on every registered route that is not public', async () => {
    const guarded = t.routes.filter(
      (r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !isPublic(r.method, r.url),
    );
    expect(guarded.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const route of guarded) {
      const url = route.url.replace(/:(\w+)/g, 'x').replace(/\*/g, 'x');
      const res = await t.http[
        route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'
      ](url).send({});
      // `/v1/messages` answers in Anthropic's error shape (`authentication_error`).
      const type = res.body?.type === 'error' ? 'authentication_error' : 'auth_error';
      if (res.status !== 401 || res.body?.error?.type !== type)
        failures.push(`${route.method} ${route.url} -> ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('lets the master key through every guarded route (no route lacks a permission)', async () => {
    // A route without @RequirePermission is refused with 403 even for proxy_admin.
    const guarded = t.routes.filter(
      (r) => (r.method === 'GET' || r.method === 'POST') && !isPublic(r.method, r.url),
    );
    const refused: string[] = [];
    for (const route of guarded) {
      const call =
        route.method === 'GET' ? master(t).get(route.url) : master(t).post(route.url, {});
      const res = await call;
      if (res.status === 401 || res.status === 403 || res.status >= 500)
        refused.push(`${route.method} ${route.url} -> ${res.status}`);
    }
    expect(refused).toEqual([]);
  });

  it('answers health checks without credentials', async () => {
    await anonymous(t).get('/health/liveliness').expect(200, { status: 'healthy' });
    await anonymous(t).get('/health/readiness').expect(200, { status: 'healthy', db: 'connected' });
  });

  it('serves OpenAPI at /docs, generated from the DTOs', async () => {
    const html = await anonymous(t).get('/docs').expect(200);
    expect(html.text).toMatch(/swagger/i);
    const spec = await anonymous(t).get('/docs-json').expect(200);
    expect(spec.body.paths).toHaveProperty('/user/new');
    const schema = spec.body.components.schemas.NewUserRequest;
    expect(schema.properties).toHaveProperty('user_email');
    expect(schema.properties.user_role.enum).toEqual([
      'proxy_admin',
      'proxy_admin_viewer',
      'internal_user',
      'internal_user_viewer',
    ]);
  });

  it('answers unknown routes with a 404 in the error shape', async () => {
    const res = await master(t).get('/no/such/route').expect(404);
    expect(res.body.error).toMatchObject({ type: 'not_found_error', code: '404' });
  });

  it('has no /api prefix', async () => {
    await master(t).get('/api/user/list').expect(404);
  });

  it('answers an unsupported content type with 415, not 500', async () => {
    const res = await t.http
      .post('/user/new')
      .set('Authorization', `Bearer ${t.masterKey}`)
      .set('Content-Type', 'text/xml')
      .send('<user/>');
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('415');
  });

  it('sends the security headers (CSP, nosniff, frame denial) on API, gateway and error answers', async () => {
    const answers = [
      await anonymous(t).get('/health/liveliness'),
      await master(t).get('/v1/models'),
      await anonymous(t).get('/key/list'),
      await anonymous(t).get('/no-such-route'),
    ];
    for (const res of answers) {
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'self';base-uri 'self';script-src 'self';style-src 'self' 'unsafe-inline';" +
          "img-src 'self' data:;font-src 'self' data:;connect-src 'self';form-action 'self';" +
          "frame-ancestors 'none';object-src 'none';script-src-attr 'none'",
      );
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});
