import { expect, test, type Page } from '@playwright/test';
import { loginAsAdmin, navLinks, PASSWORD, shot, uniqueEmail } from './support';

/** The product page, step 1: Internal Users -> + New User, ending on the invitation link. */
async function addUserInUi(page: Page, email: string, roleTitle: string): Promise<void> {
  await page.getByRole('link', { name: 'Internal Users' }).click();
  await page.getByRole('button', { name: '+ New User' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Email').fill(email);
  // The four roles are explained in the dialog.
  await expect(dialog.getByRole('radio')).toHaveCount(4);
  await expect(dialog).toContainText('Cannot create or delete keys or add users');
  await dialog.getByRole('radio', { name: new RegExp(`^${roleTitle}\\s`) }).check();
  await shot(page, 'users-new-user-dialog');
  await dialog.getByRole('button', { name: 'Create user' }).click();
}

test.describe('self-serve walkthrough (product page)', () => {
  test('admin adds an internal user, who onboards, logs in and creates a key', async ({
    page,
    browser,
  }) => {
    const email = uniqueEmail('self-serve');

    await loginAsAdmin(page);
    await expect(navLinks(page)).toHaveText([
      'Virtual Keys',
      'Usage',
      'Internal Users',
      'Teams',
      'Models',
    ]);
    await addUserInUi(page, email, 'Internal user');
    const dialog = page.getByRole('dialog');
    const link = (await dialog.getByTestId('invitation-link').textContent())?.trim() ?? '';
    expect(link).toMatch(/\/ui\/onboarding\?id=[\w-]+$/);
    await expect(dialog.getByRole('button', { name: 'Copy invitation link' })).toBeVisible();
    await shot(page, 'users-invitation-link');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('table', { name: 'Internal users' })).toContainText(email);
    await shot(page, 'users-admin');

    // Step 2-3: the user opens the link in their own browser and sets a password.
    const userContext = await browser.newContext();
    const user = await userContext.newPage();
    await user.goto(new URL(link).pathname + new URL(link).search);
    await expect(user.getByTestId('invited-email')).toHaveText(email);
    await user.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await user.getByLabel('Confirm password').fill('Something-else-1');
    await user.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(user.getByRole('alert').first()).toContainText('do not match');
    await user.getByLabel('Confirm password').fill(PASSWORD);
    await shot(user, 'onboarding');
    await user.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(user).toHaveURL(/\/ui\/keys$/);
    await expect(user.getByTestId('who')).toContainText(email);

    // The link works once.
    const again = await userContext.newPage();
    await again.goto(new URL(link).pathname + new URL(link).search);
    await expect(again.getByTestId('onboarding-error')).toBeVisible();

    // Step 4: the user creates their own key and sees the secret once.
    await user.getByRole('button', { name: '+ Create New Key' }).click();
    const create = user.getByRole('dialog');
    await create.getByLabel('Key alias').fill('laptop');
    await create.getByLabel('Max budget (USD)').fill('5');
    await create.getByRole('button', { name: 'Create key' }).click();
    await expect(create).toContainText("You won't see it again");
    const secret = (await create.getByTestId('new-key-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^sk-/);
    await shot(user, 'keys-created-secret');
    await create.getByRole('button', { name: 'Done' }).click();
    const table = user.getByRole('table', { name: 'Virtual keys' });
    await expect(table).toContainText('laptop');
    await expect(table).toContainText(`sk-...${secret.slice(-4)}`);
    await expect(table).not.toContainText(secret);
    await shot(user, 'keys-internal-user');

    // Block, then delete, each with a confirmation.
    await user.getByRole('button', { name: 'Block laptop' }).click();
    await user.getByRole('dialog').getByRole('button', { name: 'Block' }).click();
    await expect(table).toContainText('Blocked');
    await user.getByRole('button', { name: 'Delete laptop' }).click();
    await user.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect(user.getByTestId('keys-empty')).toBeVisible();
    await userContext.close();
  });

  test('admin invites an admin viewer, who sees usage and caching analytics', async ({
    page,
    browser,
  }) => {
    const email = uniqueEmail('viewer');
    await loginAsAdmin(page);
    await addUserInUi(page, email, 'Admin viewer');
    const link = (await page.getByTestId('invitation-link').textContent())?.trim() ?? '';
    const context = await browser.newContext();
    const viewer = await context.newPage();
    await viewer.goto(new URL(link).pathname + new URL(link).search);
    await viewer.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await viewer.getByLabel('Confirm password').fill(PASSWORD);
    await viewer.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(viewer).toHaveURL(/\/ui\/keys$/);
    await viewer.getByRole('link', { name: 'Usage' }).click();
    await expect(viewer.getByRole('tab', { name: 'Caching' })).toBeVisible();
    await viewer.getByRole('tab', { name: 'Caching' }).click();
    await expect(viewer.getByTestId('hit-rate')).toBeVisible();
    await shot(viewer, 'usage-caching-admin-viewer');
    await context.close();
  });

  test('admin changes a role and deletes a user', async ({ page }) => {
    const email = uniqueEmail('change-me');
    const headers = { Authorization: `Bearer ${process.env['ADMIN_E2E_MASTER_KEY']}` };
    const created = await page.request.post('/user/new', {
      headers,
      data: { user_email: email, user_role: 'internal_user' },
    });
    const { user_id } = (await created.json()) as { user_id: string };
    for (let i = 0; i < 2; i++) {
      expect((await page.request.post('/key/generate', { headers, data: { user_id } })).ok()).toBe(
        true,
      );
    }
    await loginAsAdmin(page);
    await page.getByRole('link', { name: 'Internal Users' }).click();
    await page.getByLabel('Search by email').fill(email);
    const table = page.getByRole('table', { name: 'Internal users' });
    await expect(table.getByRole('row')).toHaveCount(2);
    // The Keys column counts the user's keys (key_count from /user/list).
    await expect(table.getByRole('row').nth(1).getByRole('cell').nth(3)).toHaveText('2');
    await page.getByRole('combobox', { name: `Role of ${email}` }).click();
    await page.getByRole('option', { name: 'Internal viewer' }).click();
    await expect(page.getByText(`${email} is now Internal viewer`)).toBeVisible();
    await page.getByRole('button', { name: `Delete ${email}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByText('No users match.')).toBeVisible();
  });

  test('admin pages render under the CSP (screenshots at 1280 and 390 px)', async ({ page }) => {
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    const csp = (await page.request.get('/ui/')).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    await loginAsAdmin(page);
    for (const [link, heading, name] of [
      ['Virtual Keys', 'Virtual Keys', 'keys-admin'],
      ['Usage', 'Usage', 'usage-admin'],
      ['Internal Users', 'Internal Users', 'users-list-admin'],
      ['Teams', 'Teams', 'teams-admin'],
      ['Models', 'Models', 'models-admin'],
    ] as const) {
      await page.getByRole('link', { name: link }).click();
      await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
      await expect(page.getByRole('progressbar')).toHaveCount(0);
      await shot(page, `${name}-1280`);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/ui/users');
    await expect(page.getByRole('heading', { name: 'Internal Users' })).toBeVisible();
    await shot(page, 'users-list-admin-390');
    expect(cspViolations).toEqual([]);
  });
});
