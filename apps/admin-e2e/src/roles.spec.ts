import { expect, test } from '@playwright/test';
import { createUser, loginAs, navLinks, PASSWORD, shot } from './support';

const NAV_BY_ROLE: Record<string, string[]> = {
  proxy_admin: [
    'Virtual Keys',
    'Usage',
    'Logs',
    'Playground',
    'Internal Users',
    'Teams',
    'Models',
    'Audit log',
    'Settings',
  ],
  proxy_admin_viewer: [
    'Virtual Keys',
    'Usage',
    'Logs',
    'Playground',
    'Internal Users',
    'Teams',
    'Audit log',
    'Settings',
  ],
  internal_user: ['Virtual Keys', 'Usage', 'Logs', 'Playground'],
  internal_user_viewer: ['Virtual Keys', 'Usage', 'Logs', 'Playground'],
};

for (const [role, pages] of Object.entries(NAV_BY_ROLE)) {
  test(`${role} sees exactly its pages and its controls`, async ({ page }) => {
    const { email } = await createUser(page.request, role);
    await loginAs(page, email, PASSWORD);
    await expect(page).toHaveURL(/\/ui\/keys$/);
    await expect(navLinks(page)).toHaveText(pages);
    const createKey = page.getByRole('button', { name: '+ Create New Key' });
    if (role === 'proxy_admin' || role === 'internal_user') {
      await expect(createKey).toBeVisible();
    } else {
      await expect(createKey).toHaveCount(0);
    }
    if (role === 'proxy_admin_viewer') {
      await page.getByRole('link', { name: 'Internal Users' }).click();
      await expect(page.getByRole('heading', { name: 'Internal Users' })).toBeVisible();
      await expect(page.getByRole('table', { name: 'Internal users' })).toContainText(email);
      await expect(page.getByRole('button', { name: '+ New User' })).toHaveCount(0);
      await expect(page.getByRole('button', { name: /^Delete / })).toHaveCount(0);
      await shot(page, 'users-admin-viewer');
      await page.getByRole('link', { name: 'Usage' }).click();
      await expect(page.getByRole('heading', { name: 'Usage' })).toBeVisible();
      await expect(page.getByRole('combobox', { name: 'User' })).toBeVisible();
      await shot(page, 'usage-admin-viewer');
    }
    if (role.startsWith('internal_user')) {
      // A page outside the role's permissions sends it back to its keys.
      await page.goto('/ui/users');
      await expect(page).toHaveURL(/\/ui\/keys$/);
    }
  });
}

test('the console works 390 px wide: the menu opens from the toolbar', async ({ page }) => {
  const { email } = await createUser(page.request, 'internal_user');
  await page.setViewportSize({ width: 390, height: 844 });
  await loginAs(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/ui\/keys$/);
  await page.getByRole('button', { name: 'Open navigation' }).click();
  await page.getByRole('link', { name: 'Usage' }).click();
  await expect(page.getByRole('heading', { name: 'Usage' })).toBeVisible();
  await shot(page, 'usage-390');
});
