import { expect, test } from '@playwright/test';
import {
  LOGOUT_URL,
  MASTER_KEY,
  createUser,
  loginAs,
  loginAsAdmin,
  PASSWORD,
  shot,
} from './support';

test.describe('login and logout', () => {
  test('an anonymous visit goes to the login page', async ({ page }) => {
    await page.goto('/ui/');
    await expect(page).toHaveURL(/\/ui\/login/);
    await expect(page.getByRole('heading', { name: 'Sign in to Gatehouse' })).toBeVisible();
    await shot(page, 'login-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'login-390');
  });

  test('a wrong password shows the API message and stays on the login page', async ({ page }) => {
    const { email } = await createUser(page.request, 'internal_user');
    await loginAs(page, email, 'not-the-password');
    await expect(page.getByRole('alert')).toHaveText('Invalid email or password');
    await expect(page).toHaveURL(/\/ui\/login/);
    await shot(page, 'login-wrong-password');
  });

  test('admin signs in with the master key, and logout goes to PROXY_LOGOUT_URL', async ({
    page,
  }) => {
    await loginAsAdmin(page);
    await expect(page.getByTestId('who')).toContainText('Admin');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(LOGOUT_URL);
    expect(page.url()).toBe(LOGOUT_URL);
    // The session is over: the console asks for a login again.
    await page.goto('/ui/keys');
    await expect(page).toHaveURL(/\/ui\/login\?returnUrl=%2Fkeys/);
    expect(MASTER_KEY).toMatch(/^sk-/);
  });

  test('an internal user signs in with email + password and lands on their keys', async ({
    page,
  }) => {
    const { email } = await createUser(page.request, 'internal_user');
    await loginAs(page, email, PASSWORD);
    await expect(page).toHaveURL(/\/ui\/keys$/);
    await expect(page.getByTestId('who')).toContainText(email);
  });
});
