import type { Role } from '@gatehouse/shared/auth';
import type { GenerateKeyResponse, SettingsResponse } from '@gatehouse/shared/dto';
import { anonymous, bearer, everyRole, master, type UserCaller } from './support/callers';
import { TestOidcProvider } from './support/oidc-provider';
import { closedPort, partsOf, RecordingSmtpServer } from './support/smtp';
import { startApp, type TestApp } from './support/test-app';

const BASE_URL = 'http://gatehouse.test:4000';
const LOGOUT_URL = 'https://intranet.example.com/bye';
const SENDER = 'gatehouse@example.com';

describe('GET /settings and POST /settings/test-email', () => {
  describe('with SMTP and SSO configured', () => {
    let smtp: RecordingSmtpServer;
    let provider: TestOidcProvider;
    let smtpPort: number;
    let t: TestApp;
    let as: Record<Role, UserCaller>;

    beforeAll(async () => {
      smtp = new RecordingSmtpServer();
      smtpPort = await smtp.start();
      provider = new TestOidcProvider(BASE_URL);
      await provider.start();
      t = await startApp({
        env: {
          PROXY_BASE_URL: BASE_URL,
          PROXY_LOGOUT_URL: LOGOUT_URL,
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtpPort),
          SMTP_SENDER_EMAIL: SENDER,
          SMTP_TLS: 'false',
          OIDC_ISSUER: provider.issuer,
          OIDC_CLIENT_ID: provider.gatehouse.clientId,
          OIDC_CLIENT_SECRET: provider.gatehouse.clientSecret,
        },
      });
      as = await everyRole(t);
    });
    afterAll(async () => {
      await t.close();
      await provider.stop();
      await smtp.stop();
    });

    it('shows admins and admin viewers the effective configuration, and no secret', async () => {
      for (const caller of [master(t), as.proxy_admin, as.proxy_admin_viewer]) {
        const res = await caller.get('/settings').expect(200);
        expect(res.body).toEqual<SettingsResponse>({
          version: expect.stringMatching(/^\d+\.\d+\.\d+/),
          base_url: BASE_URL,
          logout_url: LOGOUT_URL,
          database: { kind: t.config.database.type },
          redis: { enabled: false, failure_mode: null },
          smtp: { enabled: true, host: '127.0.0.1', port: smtpPort, sender_email: SENDER },
          sso: { enabled: true, issuer: provider.issuer, password_login: 'enabled' },
        });
        expect(res.text).not.toContain(t.masterKey);
        expect(res.text).not.toContain(provider.gatehouse.clientSecret);
      }
    });

    it('refuses internal users (403), their keys, and anonymous callers (401)', async () => {
      for (const role of ['internal_user', 'internal_user_viewer'] as const) {
        const res = await as[role].get('/settings').expect(403);
        expect(res.body.error.type).toBe('permission_error');
        await as[role].post('/settings/test-email').expect(403);
      }
      const own = (await as.internal_user.post('/key/generate', {}).expect(200))
        .body as GenerateKeyResponse;
      await bearer(t, own.key).get('/settings').expect(403);
      await anonymous(t).get('/settings').expect(401);
      await anonymous(t).post('/settings/test-email').expect(401);
      expect(smtp.messages).toHaveLength(0);
    });

    it('sends a test email to the calling admin only, through the real SMTP server', async () => {
      const res = await as.proxy_admin.post('/settings/test-email').expect(200);
      expect(res.body).toEqual({
        message: `Sent a test email to ${as.proxy_admin.email}`,
        sent_to: as.proxy_admin.email,
      });
      const mail = await smtp.nth(as.proxy_admin.email, 1);
      expect(mail.to).toEqual([as.proxy_admin.email]);
      const parts = partsOf(mail.raw);
      expect(parts.subject).toBe('Gatehouse test email');
      expect(parts.text).toContain(BASE_URL);
      expect(smtp.messages).toHaveLength(1);
    });

    it('refuses a test email from viewers (403) and from the master key, which has no email', async () => {
      await as.proxy_admin_viewer.post('/settings/test-email').expect(403);
      const res = await master(t).post('/settings/test-email').expect(400);
      expect(res.body.error.code).toBe('no_email');
      // A session's cookie alone (no XSRF header) is not enough for a mutation.
      await t.http
        .post('/settings/test-email')
        .set('Cookie', as.proxy_admin.cookies.join('; '))
        .expect(403);
      expect(smtp.messages).toHaveLength(1);
    });
  });

  describe('without SMTP', () => {
    let t: TestApp;
    let as: Record<Role, UserCaller>;

    beforeAll(async () => {
      t = await startApp();
      as = await everyRole(t);
    });
    afterAll(() => t.close());

    it('says SMTP and SSO are off, and answers 400 smtp_not_configured to a test email', async () => {
      const settings = (await as.proxy_admin_viewer.get('/settings').expect(200))
        .body as SettingsResponse;
      expect(settings.smtp).toEqual({ enabled: false, host: null, port: null, sender_email: null });
      expect(settings.sso).toEqual({ enabled: false, issuer: null, password_login: 'enabled' });
      const res = await as.proxy_admin.post('/settings/test-email').expect(400);
      expect(res.body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'smtp_not_configured',
      });
    });
  });

  describe('when the SMTP server is down', () => {
    let t: TestApp;
    let admin: UserCaller;

    beforeAll(async () => {
      t = await startApp({
        env: {
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(await closedPort()),
          SMTP_SENDER_EMAIL: SENDER,
          SMTP_USERNAME: 'mailer',
          SMTP_PASSWORD: 'smtp-password-never-shown',
        },
      });
      admin = (await everyRole(t)).proxy_admin;
    });
    afterAll(() => t.close());

    it('answers 502 smtp_failed without the server error or the SMTP password', async () => {
      const res = await admin.post('/settings/test-email').expect(502);
      expect(res.body.error.code).toBe('smtp_failed');
      expect(res.text).not.toContain('ECONNREFUSED');
      const settings = await admin.get('/settings').expect(200);
      expect(settings.body.smtp.enabled).toBe(true);
      expect(settings.text).not.toContain('smtp-password-never-shown');
      expect(settings.text).not.toContain('mailer');
    });
  });
});
