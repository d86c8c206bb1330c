import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MeResponse } from '@gatehouse/shared/dto';
import { BrowserOidcProvider } from './oidc-provider';
import { createUser, loginAs, PASSWORD, shot, uniqueEmail } from './support';

const ROOT = resolve(__dirname, '../../..');
const DISPLAY_NAME = 'Test IdP';

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * A second built API (the webServer of playwright.config.ts has no SSO) with OIDC_* pointing
 * at the provider, on its own SQLite file.
 */
async function startSsoApi(
  port: number,
  provider: BrowserOidcProvider,
): Promise<{ process: ChildProcess; stderr: () => string }> {
  const baseUrl = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-e2e-sso-'));
  const child = spawn(process.execPath, ['dist/apps/api/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      PROXY_MASTER_KEY: 'sk-admin-e2e-sso-master-key-0123456789',
      PROXY_BASE_URL: baseUrl,
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      OIDC_DISPLAY_NAME: DISPLAY_NAME,
      TZ: 'UTC',
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, fail) =>
    child.once('exit', (code) => fail(new Error(`SSO API exited (${code}): ${stderr}`))),
  );
  const ready = (async () => {
    for (;;) {
      try {
        if ((await fetch(`${baseUrl}/health/readiness`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  await Promise.race([ready, exited]);
  return { process: child, stderr: () => stderr };
}

test.describe('issue 13: console single sign-on through a real OIDC provider', () => {
  let provider: BrowserOidcProvider;
  let api: { process: ChildProcess; stderr: () => string };
  let baseURL: string;

  test.beforeAll(async () => {
    test.setTimeout(90_000);
    const port = await freePort();
    baseURL = `http://127.0.0.1:${port}`;
    provider = new BrowserOidcProvider(`${baseURL}/sso/callback`);
    await provider.start();
    api = await startSsoApi(port, provider);
  });

  test.afterAll(async () => {
    api.process.kill('SIGTERM');
    await provider.stop();
  });

  async function consoleContext(browser: Browser): Promise<BrowserContext> {
    return browser.newContext({
      baseURL,
      viewport: { width: 1280, height: 800 },
      timezoneId: 'UTC',
    });
  }

  test('the "Sign in with" button, the provider login and consent, back signed in; the profile shows the role', async ({
    browser,
  }) => {
    const sub = `sub-${Date.now().toString(36)}`;
    const email = uniqueEmail('sso-browser');
    provider.accounts.set(sub, { email, email_verified: true, name: 'Ada SSO' });
    const context = await consoleContext(browser);
    const page = await context.newPage();

    await page.goto('/ui/login');
    await page.getByRole('link', { name: `Sign in with ${DISPLAY_NAME}` }).click();

    // The provider's own devInteractions pages (HTML forms at localhost, another site).
    await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/interaction/`));
    await page.locator('input[name="login"]').fill(sub);
    await page.locator('input[name="password"]').fill('any password');
    await shot(page, 'sso-provider-login');
    await page.locator('button[type="submit"]').click();
    await expect(page.locator('input[name="login"]')).toHaveCount(0);
    await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/interaction/`));
    await shot(page, 'sso-provider-consent');
    await page.locator('button[type="submit"]').click();

    // Back at the console, signed in: the session cookie (SameSite=Strict, set at the end of
    // the cross-site redirect chain) is sent by the console's own /me call.
    await expect(page).toHaveURL(new RegExp(`^${baseURL}/ui/`));
    await expect(page.getByTestId('who')).toContainText(email);
    const me = await page.evaluate(async () => {
      const res = await fetch('/me', { credentials: 'same-origin' });
      return { status: res.status, body: (await res.json()) as MeResponse };
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user_email: email, user_role: 'internal_user_viewer' });
    await shot(page, 'sso-signed-in');

    await page.getByTestId('profile-link').click();
    await expect(page).toHaveURL(/\/ui\/profile$/);
    await expect(page.getByTestId('profile-email')).toHaveText(email);
    await expect(page.getByTestId('profile-role')).toContainText('Internal viewer');
    await expect(page.getByTestId('profile-permissions')).toContainText(
      'See your own virtual keys',
    );
    // An SSO-only user has no password to change: /me says so and the page shows no form.
    expect(me.body.has_password).toBe(false);
    await expect(page.getByTestId('password-form')).toHaveCount(0);
    await shot(page, 'sso-profile');
    await context.close();
  });
});

test.describe('issue 13: the profile page changes the password', () => {
  test('a password user changes their password; the old one is then refused at /login', async ({
    page,
    request,
  }) => {
    const user = await createUser(request, 'internal_user');
    await loginAs(page, user.email, PASSWORD);
    await expect(page.getByTestId('who')).toContainText(user.email);
    await page.getByTestId('profile-link').click();
    await expect(page).toHaveURL(/\/ui\/profile$/);
    await expect(page.getByTestId('profile-role')).toContainText('Internal user');

    // A wrong current password is refused next to its field.
    const form = page.getByTestId('password-form');
    await form.locator('input[formcontrolname="current_password"]').fill('not-my-password');
    await form.locator('input[formcontrolname="password"]').fill('A-New-Password-99!');
    await form.locator('input[formcontrolname="confirm"]').fill('A-New-Password-99!');
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('current-password-error')).toBeVisible();

    await form.locator('input[formcontrolname="current_password"]').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByTestId('password-changed')).toBeVisible();
    await shot(page, 'profile-password-changed');

    const old = await request.post('/login', {
      data: { username: user.email, password: PASSWORD },
    });
    expect(old.status()).toBe(401);
    const fresh = await request.post('/login', {
      data: { username: user.email, password: 'A-New-Password-99!' },
    });
    expect(fresh.status()).toBe(200);
  });
});
