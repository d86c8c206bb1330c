import AxeBuilder from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import {
  createUser,
  loginAs,
  loginAsAdmin,
  master,
  navLinks,
  openedDialog,
  PASSWORD,
  shot,
} from './support';

/** A User-Agent a spreadsheet would run as a formula, with a comma and quotes to escape. */
const HOSTILE_AGENT = '=e2e-agent, "quoted"';
/** How that agent must stand in the CSV: formula-guarded with `'`, quoted, quotes doubled. */
const HOSTILE_AGENT_CELL = `,"'=e2e-agent, ""quoted""",`;

interface Seeded {
  owner: { user_id: string; email: string };
  token: string;
  alias: string;
  team: { team_id: string; team_alias: string };
}

/**
 * Changes made with the master key, so the log has something to show: a user, a key for them
 * (with an alias a CSV must quote) whose budget then goes from $5 to $5,000, and a team.
 */
async function seed(request: APIRequestContext): Promise<Seeded> {
  const stamp = Date.now().toString(36);
  const owner = await createUser(request, 'internal_user');
  const alias = `budget, "big" ${stamp}`;
  const agent = { ...master, 'User-Agent': HOSTILE_AGENT };
  const created = await request.post('/key/generate', {
    headers: agent,
    data: { user_id: owner.user_id, key_alias: alias, max_budget: 5 },
  });
  expect(created.status(), await created.text()).toBe(200);
  const { token } = (await created.json()) as { token: string };
  const updated = await request.post('/key/update', {
    headers: agent,
    data: { key: token, max_budget: 5000 },
  });
  expect(updated.status(), await updated.text()).toBe(200);
  const team = await request.post('/team/new', {
    headers: master,
    data: { team_alias: `audit-team-${stamp}` },
  });
  expect(team.status(), await team.text()).toBe(200);
  return {
    owner,
    token,
    alias,
    team: (await team.json()) as { team_id: string; team_alias: string },
  };
}

/** Zero serious or critical WCAG 2.1 A/AA violations in `include` (or the whole page). */
async function expectAccessible(page: Page, include?: string): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    blocking.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`),
  ).toEqual([]);
}

function auditTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Audit log' });
}

/** The rows of the audit table (the header row left out). */
function auditRows(page: Page): Locator {
  return auditTable(page).locator('tr[mat-row]');
}

/** The row of one action on the seeded key. */
function keyRow(page: Page, action: string, token: string): Locator {
  return auditTable(page).getByRole('row', {
    name: new RegExp(`^Open ${action} of Key ${token} by `),
  });
}

/** Exports the current filter; answers the file's lines (header first, no trailing empty). */
async function exportCsv(page: Page): Promise<string[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^gatehouse-audit-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = readFileSync(await download.path(), 'utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  return text.slice(0, -2).split('\r\n');
}

/** What the API answers for a filter, read with the master key (what the CSV must hold). */
async function apiTotal(request: APIRequestContext, query: string): Promise<number> {
  const res = await request.get(`/audit?${query}`, { headers: master });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { total: number }).total;
}

/** A mat-select from the keyboard: focus, Enter opens it, typing finds the option, Enter picks. */
async function chooseByKeyboard(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('listbox', { name: label })).toBeVisible();
  await page.keyboard.type(option);
  await expect(page.getByRole('option', { name: option, exact: true })).toHaveClass(
    /mat-mdc-option-active/,
  );
  await page.keyboard.press('Enter');
  await expect(page.getByRole('listbox')).toHaveCount(0);
  await expect(page.getByRole('combobox', { name: label })).toHaveText(option);
}

/** 390 px wide, once the side navigation has folded away behind the menu button. */
async function narrow(page: Page): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole('button', { name: 'Open navigation' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
}

/** Opens a row's diff from the keyboard, checks it, and closes it with Escape. */
async function openDiffByKeyboard(page: Page, row: Locator, token: string): Promise<Locator> {
  await row.focus();
  await page.keyboard.press('Enter');
  const panel = await openedDialog(page);
  await expect(panel.getByRole('heading', { name: 'Key updated' })).toBeVisible();
  const budget = panel.getByTestId('audit-diff').locator('tr[data-field="max_budget"]');
  await expect(budget.getByRole('cell')).toHaveText(['5', '5000']);
  await expect(panel.getByTestId('audit-object')).toHaveText(token);
  return panel;
}

test.describe('audit log page (issue 14)', () => {
  test('an admin filters the log, reads a diff, exports CSV and sees the chain hold', async ({
    page,
    request,
  }) => {
    const seeded = await seed(request);
    const verifyCalls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/audit/verify') verifyCalls.push(r.url());
    });
    await loginAsAdmin(page);
    await expect(navLinks(page)).toContainText(['Audit log']);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect(page).toHaveURL(/\/ui\/audit$/);
    await expect(page.getByRole('heading', { name: 'Audit log', exact: true })).toBeVisible();
    await expect(page.getByTestId('audit-chain')).toContainText('Chain intact');
    expect(verifyCalls).toHaveLength(1);
    await expect(auditRows(page).first()).toBeVisible();
    await expectAccessible(page);
    await shot(page, 'audit-admin-1280');

    // Filters from the keyboard: object type Key (a mat-select), then the key's id + Enter.
    await chooseByKeyboard(page, 'Object type', 'Key');
    await expect(page).toHaveURL(/[?&]table_name=key(&|$)/);
    await page.getByLabel('Object id').fill(seeded.token);
    await page.getByLabel('Object id').press('Enter');
    await expect(page).toHaveURL(new RegExp(`[?&]object_id=${seeded.token}(&|$)`));
    await expect(auditRows(page)).toHaveCount(2);
    await expect(keyRow(page, 'Created', seeded.token)).toBeVisible();
    const updated = keyRow(page, 'Updated', seeded.token);
    await expect(updated).toContainText('admin (master key)');
    await expect(updated).toContainText('via master key');
    await expect(updated).toContainText('max_budget');

    await chooseByKeyboard(page, 'Action', 'Updated');
    await expect(page).toHaveURL(/[?&]action=updated(&|$)/);
    await expect(auditRows(page)).toHaveCount(1);

    // The diff: open with Enter, check it, axe it, close with Escape (focus back on the row).
    const panel = await openDiffByKeyboard(page, updated, seeded.token);
    await expectAccessible(page, '.cdk-overlay-container');
    await shot(page, 'audit-diff-admin-1280');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(updated).toBeFocused();
    // A mouse click opens it too; its link shows every change to that key.
    await updated.getByRole('cell').first().click();
    await openedDialog(page);
    await panel.getByRole('link', { name: 'All changes to this key' }).click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(page).toHaveURL(
      new RegExp(`/ui/audit\\?table_name=key&object_id=${seeded.token}$`),
    );
    await expect(auditRows(page)).toHaveCount(2);

    // The shared date range: today keeps both rows and goes into the URL; an end before the
    // start is refused next to the fields (no request), and clearing both restores the URL.
    const today = new Date().toISOString().slice(0, 10);
    const range = page.getByRole('group', { name: 'Changes between' });
    await range.getByLabel('From (UTC day)').fill(today);
    await expect(page).toHaveURL(new RegExp(`[?&]start_date=${today}(&|$)`));
    await range.getByLabel('To (UTC day)').fill(today);
    await expect(page).toHaveURL(new RegExp(`[?&]end_date=${today}(&|$)`));
    await expect(auditRows(page)).toHaveCount(2);
    await range.getByLabel('To (UTC day)').fill('2000-01-01');
    await expect(page.getByTestId('date-range-error')).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`[?&]end_date=${today}(&|$)`));
    await range.getByLabel('To (UTC day)').fill('');
    await range.getByLabel('From (UTC day)').fill('');
    await expect(page).toHaveURL(
      new RegExp(`/ui/audit\\?table_name=key&object_id=${seeded.token}$`),
    );
    await expect(auditRows(page)).toHaveCount(2);

    // CSV of the filter: exactly the API's rows, quoted, the hostile agent neutralised.
    const lines = await exportCsv(page);
    expect(lines[0]).toBe(
      'id,updated_at,changed_by,changed_by_api_key,auth_method,action,table_name,object_id,' +
        'before_value,updated_values,ip,user_agent,request_id,hash',
    );
    expect(lines).toHaveLength(
      1 + (await apiTotal(request, `table_name=key&object_id=${seeded.token}`)),
    );
    expect(lines.slice(1).every((line) => line.includes(HOSTILE_AGENT_CELL))).toBe(true);
    // The alias `budget, "big" …` inside the JSON cell: JSON escapes the quotes, CSV doubles them.
    const aliasInCsv = JSON.stringify(seeded.alias).replace(/"/g, '""');
    expect(lines.some((line) => line.includes(`""key_alias"":${aliasInCsv}`))).toBe(true);

    // 390 px: the page and the panel.
    await narrow(page);
    await shot(page, 'audit-admin-390');
    await keyRow(page, 'Updated', seeded.token).getByRole('cell').first().click();
    await openedDialog(page);
    await shot(page, 'audit-diff-admin-390');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 800 });

    // The users and teams pages link to their history.
    await page.goto('/ui/users');
    await page.getByRole('link', { name: `Audit history of ${seeded.owner.email}` }).click();
    await expect(page).toHaveURL(
      new RegExp(`/ui/audit\\?table_name=user&object_id=${seeded.owner.user_id}$`),
    );
    await expect(auditTable(page).getByRole('row', { name: /^Open Created of User / })).toHaveCount(
      1,
    );
    await page.goto('/ui/teams');
    await page.getByRole('link', { name: `Audit history of ${seeded.team.team_alias}` }).click();
    await expect(page).toHaveURL(
      new RegExp(`/ui/audit\\?table_name=team&object_id=${seeded.team.team_id}$`),
    );
    await expect(auditTable(page).getByRole('row', { name: /^Open Created of Team / })).toHaveCount(
      1,
    );
  });

  test('an admin viewer reads the same log, from a key page, but never asks for verify', async ({
    page,
    request,
  }) => {
    const seeded = await seed(request);
    const viewer = await createUser(request, 'proxy_admin_viewer');
    const verifyCalls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/audit/verify') verifyCalls.push(r.url());
    });
    await loginAs(page, viewer.email, PASSWORD);
    await expect(page).toHaveURL(/\/ui\/keys$/);
    await expect(navLinks(page)).toContainText(['Audit log']);

    // The key page links to the key's history.
    await page.goto(`/ui/keys/${seeded.token}`);
    await page.getByRole('link', { name: 'Audit history' }).click();
    await expect(page).toHaveURL(
      new RegExp(`/ui/audit\\?table_name=key&object_id=${seeded.token}$`),
    );
    await expect(auditRows(page)).toHaveCount(2);
    await expect(page.getByTestId('audit-chain')).toHaveCount(0);
    await expectAccessible(page);
    await shot(page, 'audit-viewer-1280');

    const updated = keyRow(page, 'Updated', seeded.token);
    await openDiffByKeyboard(page, updated, seeded.token);
    await expectAccessible(page, '.cdk-overlay-container');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(updated).toBeFocused();

    // "Changed by" takes an email; the master key's changes are not the viewer's own.
    await page.getByLabel('Changed by').fill(viewer.email);
    await page.getByLabel('Changed by').press('Enter');
    await expect(page).toHaveURL(/[?&]changed_by=/);
    await expect(page.getByTestId('audit-empty')).toBeVisible();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(page).toHaveURL(/\/ui\/audit$/);

    await page.goto(`/ui/audit?table_name=key&object_id=${seeded.token}`);
    const lines = await exportCsv(page);
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((line) => line.includes(seeded.token))).toBe(true);

    await narrow(page);
    await shot(page, 'audit-viewer-390');
    expect(verifyCalls).toEqual([]);
    // The API agrees: verify is proxy_admin only.
    expect((await page.request.get('/audit/verify')).status()).toBe(403);
  });

  test('an internal user has no audit page and the API refuses it', async ({ page, request }) => {
    const user = await createUser(request, 'internal_user');
    await loginAs(page, user.email, PASSWORD);
    await expect(page).toHaveURL(/\/ui\/keys$/);
    await expect(navLinks(page)).not.toContainText(['Audit log']);
    await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);

    await page.goto('/ui/audit?table_name=key');
    await expect(page).toHaveURL(/\/ui\/keys$/);
    await expect(page.getByRole('heading', { name: 'Audit log' })).toHaveCount(0);

    // Its session and its own key are both refused by the API.
    expect((await page.request.get('/audit')).status()).toBe(403);
    const key = await page.request.post('/key/generate', {
      headers: { 'X-XSRF-TOKEN': await xsrf(page) },
      data: { key_alias: `audit-denied-${Date.now().toString(36)}` },
    });
    expect(key.status(), await key.text()).toBe(200);
    const { key: secret } = (await key.json()) as { key: string };
    const bearer = { Authorization: `Bearer ${secret}` };
    for (const path of ['/audit', '/audit/verify']) {
      expect((await request.get(path, { headers: bearer })).status(), path).toBe(403);
    }
  });
});

/** The XSRF-TOKEN cookie the API set at login (a cookie-authenticated POST echoes it). */
async function xsrf(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  const token = cookies.find((c) => c.name === 'XSRF-TOKEN')?.value;
  expect(token).toBeTruthy();
  return token ?? '';
}
