import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const MASTER_KEY = process.env['ADMIN_E2E_MASTER_KEY'] ?? '';
export const LOGOUT_URL = process.env['ADMIN_E2E_LOGOUT_URL'] ?? '';
export const PASSWORD = 'Correct-Horse-42!';

const SCREENSHOTS = resolve(__dirname, '../../../dist/admin-e2e/screenshots');

export const master = { Authorization: `Bearer ${MASTER_KEY}` };

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

/**
 * The open dialog, once it has taken focus. A Material dialog moves focus to its first field
 * when its opening animation ends; text typed before that can land in that field instead
 * (seen in CI: "laptop" + "5" meant for the next field).
 */
export async function openedDialog(page: Page): Promise<Locator> {
  const dialog = page.getByRole('dialog');
  await expect(dialog.locator(':focus')).toHaveCount(1);
  return dialog;
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

/** Serious and critical WCAG 2.1 A/AA violations on the page as it is now: rule id and targets. */
export async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Saves a full-page screenshot under dist/admin-e2e/screenshots (not committed). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export function navLinks(page: Page) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link');
}

/** The console's money format (apps/admin shared/format.ts `usd`). */
export function usd(value: number): string {
  return `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 4 : 2)}`;
}

/** Prices of the walkthrough models (USD per token): $10 / $30 per million. */
export const PRICES = { input: 0.00001, output: 0.00003 };

export interface ChatAnswer {
  choices: { message: { content: string } }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/**
 * One chat completion with a virtual key. `mock_response` answers without an upstream call
 * (still authenticated, limited, billed and cached like any other answer).
 */
export async function chat(
  request: APIRequestContext,
  secret: string,
  model: string,
  content: string,
): Promise<ChatAnswer> {
  const response = await request.post('/v1/chat/completions', {
    headers: { Authorization: `Bearer ${secret}` },
    data: {
      model,
      messages: [{ role: 'user', content }],
      mock_response: `Hello from ${model}!`,
    },
  });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as ChatAnswer;
}

/** What a call costs at PRICES, as the gateway books it (integer nano-dollars). */
export function costOf(answer: ChatAnswer): number {
  const nanos = Math.round(
    answer.usage.prompt_tokens * PRICES.input * 1e9 +
      answer.usage.completion_tokens * PRICES.output * 1e9,
  );
  return nanos / 1e9;
}
