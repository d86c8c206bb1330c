import { expect, test } from '@playwright/test';
import {
  axeViolations as violations,
  createUser,
  loginAs,
  loginAsAdmin,
  openedDialog,
  PASSWORD,
} from './support';

const PAGES: Record<string, string[]> = {
  proxy_admin: [
    'keys',
    'usage',
    'logs',
    'playground',
    'users',
    'teams',
    'models',
    'audit',
    'settings',
    'profile',
  ],
  proxy_admin_viewer: [
    'keys',
    'usage',
    'logs',
    'playground',
    'users',
    'teams',
    'audit',
    'settings',
    'profile',
  ],
  internal_user: ['keys', 'usage', 'logs', 'playground', 'profile'],
  internal_user_viewer: ['keys', 'usage', 'logs', 'playground', 'profile'],
};

test('the sign-in page has no serious or critical violations', async ({ page }) => {
  await page.goto('/ui/login');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

for (const [role, pages] of Object.entries(PAGES)) {
  test(`${role}: every page has no serious or critical violations`, async ({ page, request }) => {
    if (role === 'proxy_admin') {
      await loginAsAdmin(page);
    } else {
      const user = await createUser(request, role);
      await loginAs(page, user.email, PASSWORD);
      await expect(page).toHaveURL(/\/ui\/keys$/);
    }
    const found: string[] = [];
    for (const path of pages) {
      await page.goto(`/ui/${path}`);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await page.waitForLoadState('networkidle');
      found.push(...(await violations(page)).map((v) => `/ui/${path} ${v}`));
    }
    expect(found).toEqual([]);
  });
}

test('dialogs: create key (and its secret with snippets) and new user', async ({
  page,
  browser,
  request,
}) => {
  const user = await createUser(request, 'internal_user');
  await loginAs(page, user.email, PASSWORD);
  await page.getByRole('button', { name: '+ Create New Key' }).click();
  const create = await openedDialog(page);
  expect(await violations(page)).toEqual([]);
  await create.getByLabel('Key alias').fill(`a11y-${Date.now().toString(36)}`);
  await create.getByRole('button', { name: 'Create key' }).click();
  await expect(create).toContainText("You won't see it again");
  expect(await violations(page)).toEqual([]);
  await create.getByRole('button', { name: 'Done' }).click();
  const context = await browser.newContext();
  const admin = await context.newPage();
  await loginAsAdmin(admin);
  await admin.goto('/ui/users');
  await admin.getByRole('button', { name: /New User/ }).click();
  await openedDialog(admin);
  expect(await violations(admin)).toEqual([]);
  await context.close();
});
