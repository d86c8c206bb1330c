import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const MASTER_KEY = process.env['ADMIN_E2E_MASTER_KEY'] ?? '';
export const LOGOUT_URL = process.env['ADMIN_E2E_LOGOUT_URL'] ?? '';
export const PASSWORD = 'Correct-Horse-42!';

const SCREENSHOTS = resolve(__dirname, '../../../dist/admin-e2e/screenshots');

const master = { Authorization: `Bearer ${MASTER_KEY}` };

let counter = 0;
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.test`;
}

/** A user made through the API (with a password, so it can log in without an invitation). */
export async function createUser(
  request: APIRequestContext,
  role: string,
  email = uniqueEmail(role.replace(/_/g, '-')),
): Promise<{ user_id: string; email: string }> {
  const response = await request.post('/user/new', {
    headers: master,
    data: { user_email: email, user_role: role, password: PASSWORD },
  });
  expect(response.status(), await response.text()).toBe(200);
  const body = (await response.json()) as { user_id: string };
  return { user_id: body.user_id, email };
}

export async function loginAs(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/ui/login');
  await page.getByLabel('Email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function loginAsAdmin(page: Page): Promise<void> {
  await loginAs(page, 'admin', MASTER_KEY);
  await expect(page).toHaveURL(/\/ui\/keys$/);
}

/** Saves a full-page screenshot under dist/admin-e2e/screenshots (not committed). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export function navLinks(page: Page) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link');
}
