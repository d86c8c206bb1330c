import { expect, test } from '@playwright/test';
import { SMTPServer } from 'smtp-server';
import { createUser, loginAs, loginAsAdmin, PASSWORD, shot } from './support';

const SMTP_PORT = Number(process.env['ADMIN_E2E_SMTP_PORT']);

test.describe('settings (issue 15)', () => {
  const mails: { to: string[]; raw: string }[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });

  test.beforeAll(async () => {
    await new Promise<void>((resolve) => smtp.listen(SMTP_PORT, '127.0.0.1', resolve));
  });
  test.afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  test('an admin reads the settings and sends a test email to the real SMTP server', async ({
    page,
    request,
  }) => {
    const admin = await createUser(request, 'proxy_admin');
    await loginAs(page, admin.email, PASSWORD);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByRole('heading', { name: 'Settings', exact: true })).toBeVisible();
    const origin = new URL(page.url()).origin;
    await expect(page.getByTestId('setting-base-url')).toHaveText(origin);
    await expect(page.getByTestId('setting-database')).toHaveText('SQLite');
    await expect(page.getByTestId('setting-redis')).toHaveText('Off');
    await expect(page.getByTestId('setting-smtp')).toHaveText(
      `On — 127.0.0.1:${SMTP_PORT}, from gatehouse@example.test`,
    );
    await expect(page.getByTestId('setting-sso')).toHaveText('Off');
    await expect(page.getByTestId('settings')).not.toContainText(
      process.env['ADMIN_E2E_MASTER_KEY'] ?? 'x',
    );

    await page.getByRole('button', { name: 'Send a test email' }).click();
    await expect(page.getByTestId('test-email-sent')).toHaveText(
      `Sent a test email to ${admin.email}`,
    );
    await expect.poll(() => mails.filter((m) => m.to.includes(admin.email)).length).toBe(1);
    expect(mails.find((m) => m.to.includes(admin.email))?.raw).toContain('Gatehouse test email');
    await shot(page, 'settings-admin-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByRole('link', { name: 'Settings' })).toBeHidden();
    await shot(page, 'settings-admin-390');
  });

  test('an admin viewer reads them without the button; internal users have no page', async ({
    browser,
    page,
    request,
  }) => {
    const viewer = await createUser(request, 'proxy_admin_viewer');
    await loginAs(page, viewer.email, PASSWORD);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByTestId('setting-smtp')).toContainText('On');
    await expect(page.getByText('Only admins may send a test email.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Send a test email' })).toHaveCount(0);
    await shot(page, 'settings-viewer-1280');

    const context = await browser.newContext();
    const user = await context.newPage();
    const internal = await createUser(request, 'internal_user');
    await loginAs(user, internal.email, PASSWORD);
    await expect(user).toHaveURL(/\/ui\/keys$/);
    await expect(user.getByRole('link', { name: 'Settings' })).toHaveCount(0);
    await user.goto('/ui/settings');
    await expect(user).not.toHaveURL(/\/ui\/settings$/);
    await context.close();
  });

  test('the master-key admin is told it has no email address', async ({ page }) => {
    await loginAsAdmin(page);
    await page.goto('/ui/settings');
    await page.getByRole('button', { name: 'Send a test email' }).click();
    await expect(page.getByTestId('test-email-error')).toContainText('no email address');
  });
});
