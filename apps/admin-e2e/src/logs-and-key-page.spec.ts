import { expect, test, type APIRequestContext } from '@playwright/test';
import {
  axeViolations,
  chat,
  costOf,
  createUser,
  loginAs,
  loginAsAdmin,
  master,
  openedDialog,
  PASSWORD,
  PRICES,
  shot,
  usd,
} from './support';

/** A priced model that answers with `mock_response` (its api_base is never called). */
async function addModel(request: APIRequestContext, name: string): Promise<void> {
  const created = await request.post('/model/new', {
    headers: master,
    data: {
      model_name: name,
      litellm_params: { model: 'openai/gpt-4o-mini', api_base: 'http://127.0.0.1:9/v1' },
      model_info: { input_cost_per_token: PRICES.input, output_cost_per_token: PRICES.output },
    },
  });
  expect(created.status(), await created.text()).toBe(200);
}

test.describe('logs and the key page (issue 15, first slice)', () => {
  test('an internal user makes a key, calls it, reads its log, edits and blocks it', async ({
    page,
    browser,
    request,
  }) => {
    const model = `logs-e2e-${Date.now().toString(36)}`;
    const alias = `logs-key-${Date.now().toString(36)}`;
    await addModel(request, model);
    const owner = await createUser(request, 'internal_user');
    await loginAs(page, owner.email, PASSWORD);
    await expect(page).toHaveURL(/\/ui\/keys$/);

    // Make a key: the secret comes with ready-to-copy examples for this server and its models.
    await page.getByRole('button', { name: '+ Create New Key' }).click();
    const create = await openedDialog(page);
    await create.getByLabel('Key alias').fill(alias);
    await create.getByRole('button', { name: 'Create key' }).click();
    await expect(create).toContainText("You won't see it again");
    const secret = (await create.getByTestId('new-key-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^sk-/);
    const origin = new URL(page.url()).origin;
    const curl = create.getByTestId('snippet-curl');
    await expect(curl).toContainText(`curl ${origin}/v1/chat/completions`);
    await expect(curl).toContainText(`Authorization: Bearer ${secret}`);
    await expect(curl).toContainText(model);
    await create.getByRole('tab', { name: 'Python' }).click();
    await expect(create.getByTestId('snippet-python')).toContainText(
      `OpenAI(base_url="${origin}/v1", api_key="${secret}")`,
    );
    await create.getByRole('tab', { name: 'Node.js' }).click();
    await expect(create.getByTestId('snippet-node')).toContainText(`baseURL: "${origin}/v1"`);
    await shot(page, 'keys-created-snippets-1280');
    await create.getByRole('button', { name: 'Done' }).click();

    // A gateway call with the key (mock_response: no upstream), then its log.
    const answer = await chat(request, secret, model, 'Hello, logs!');
    await expect
      .poll(async () => {
        const res = await request.get(`/spend/logs?user_id=${owner.user_id}`, { headers: master });
        return ((await res.json()) as { total: number }).total;
      })
      .toBe(1);

    await page.getByRole('link', { name: 'Logs' }).click();
    await expect(page.getByRole('heading', { name: 'Logs', exact: true })).toBeVisible();
    await expect(page.getByTestId('own-logs')).toBeVisible();
    const logs = page.getByRole('table', { name: 'Request logs' });
    const row = logs.getByRole('row').filter({ hasText: model });
    await expect(row).toContainText(usd(costOf(answer)));
    await expect(row).toContainText('success');
    await shot(page, 'logs-internal-user-1280');

    // The row opens the side panel; Escape closes it and focus goes back to the row.
    await row.getByRole('cell').first().click();
    const panel = await openedDialog(page);
    await expect(panel.getByTestId('log-total-tokens')).toHaveText(
      String(answer.usage.total_tokens),
    );
    await expect(panel.getByTestId('log-cost')).toHaveText(usd(costOf(answer)));
    await expect(panel.getByTestId('log-cache-hit')).toHaveText('No');
    await expect(panel.getByTestId('log-status')).toHaveText('success');
    await expect(panel.getByTestId('log-latency')).toHaveText(/\d+(\.\d+)? m?s$/);
    await shot(page, 'logs-drawer-1280');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(row).toBeFocused();
    // The keyboard opens it too.
    await page.keyboard.press('Enter');
    await expect(page.getByRole('dialog').getByTestId('log-detail')).toBeVisible();
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // The key page, from the keys list.
    await page.getByRole('link', { name: 'Virtual Keys' }).click();
    await page
      .getByRole('table', { name: 'Virtual keys' })
      .getByRole('row', { name: `Open key ${alias}` })
      .getByRole('cell')
      .first()
      .click();
    await expect(page).toHaveURL(/\/ui\/keys\/[0-9a-f]{64}$/);
    const token = new URL(page.url()).pathname.split('/').pop() ?? '';
    await expect(page.getByRole('heading', { name: alias, exact: true })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Recent requests of this key' })).toContainText(
      model,
    );

    // Edit a field within what the caller may set.
    await page.getByLabel('Requests per minute').fill('100');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Key saved')).toBeVisible();
    const info = await request.get(`/key/info?key=${token}`, { headers: master });
    expect(((await info.json()) as { info: { rpm_limit: number } }).info.rpm_limit).toBe(100);

    // An invalid value: the API's error shows next to the field it names (error.param).
    await page.getByLabel('Budget reset period').fill('soon');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('error-budget_duration')).toContainText('budget_duration');
    await expect(page.getByLabel('Budget reset period')).toHaveAttribute('aria-invalid', 'true');
    await shot(page, 'key-page-field-error-1280');

    // Block it: the key stops working at once.
    await page.getByRole('button', { name: 'Block key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Block' }).click();
    await expect(page.getByTestId('key-status')).toHaveText('Blocked');
    await expect(page.getByRole('button', { name: 'Unblock key' })).toHaveCount(0);
    const refused = await request.post('/v1/chat/completions', {
      headers: { Authorization: `Bearer ${secret}` },
      data: { model, messages: [{ role: 'user', content: 'still?' }], mock_response: 'no' },
    });
    expect(refused.status()).toBe(401);

    // 390 px wide: the key page, the logs and the side panel.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'key-page-390');
    await page.goto('/ui/logs');
    await expect(logs.getByRole('row').filter({ hasText: model })).toBeVisible();
    await shot(page, 'logs-internal-user-390');
    await logs.getByRole('row').filter({ hasText: model }).getByRole('cell').first().click();
    await openedDialog(page);
    await shot(page, 'logs-drawer-390');

    // An admin sees who owns the key, and finds it by its alias.
    const context = await browser.newContext();
    const admin = await context.newPage();
    await loginAsAdmin(admin);
    await admin.getByLabel('Alias (exact)').fill(alias);
    const keys = admin.getByRole('table', { name: 'Virtual keys' });
    await expect(keys.getByRole('row')).toHaveCount(2);
    await expect(keys.getByRole('columnheader', { name: 'Owner' })).toBeVisible();
    await expect(keys.getByRole('row').nth(1)).toContainText(
      new RegExp(`${owner.email.replace(/[.]/g, '\\.')}|${owner.user_id}`),
    );
    await shot(admin, 'keys-admin-owner-1280');
    await context.close();
  });

  test('an admin finds a user past the first 100 by email and filters the logs by them', async ({
    page,
    request,
  }) => {
    const run = Date.now().toString(36);
    const model = `far-e2e-${run}`;
    await addModel(request, model);
    // 100 users whose emails sort before the target's and 100 after (no password: no hashing),
    // so it is past the first 100 by email whichever way round they are listed.
    const fillers = Array.from({ length: 100 }, (_, i) => [
      `a-far-${run}-${i}@example.test`,
      `c-far-${run}-${i}@example.test`,
    ]).flat();
    for (let i = 0; i < fillers.length; i += 10) {
      await Promise.all(
        fillers.slice(i, i + 10).map(async (email) => {
          const made = await request.post('/user/new', {
            headers: master,
            data: { user_email: email, user_role: 'internal_user' },
          });
          expect(made.status(), await made.text()).toBe(200);
        }),
      );
    }
    const target = await createUser(request, 'internal_user', `b-far-${run}@example.test`);
    for (const order of ['asc', 'desc']) {
      const first100 = await request.get(
        `/user/list?page_size=100&sort_by=user_email&sort_order=${order}`,
        { headers: master },
      );
      const listed = ((await first100.json()) as { users: { user_email: string }[] }).users;
      expect(listed).toHaveLength(100);
      expect(listed.map((user) => user.user_email)).not.toContain(target.email);
    }

    const key = await request.post('/key/generate', {
      headers: master,
      data: { user_id: target.user_id },
    });
    expect(key.status(), await key.text()).toBe(200);
    await chat(request, ((await key.json()) as { key: string }).key, model, 'Far away?');
    await expect
      .poll(async () => {
        const res = await request.get(`/spend/logs?user_id=${target.user_id}`, {
          headers: master,
        });
        return ((await res.json()) as { total: number }).total;
      })
      .toBe(1);

    await loginAsAdmin(page);
    await page.goto('/ui/logs');
    const filter = page.getByRole('combobox', { name: 'User' });
    const prefix = `b-far-${run}`;
    const searched = page.waitForRequest((r) => {
      const url = new URL(r.url());
      return url.pathname === '/user/list' && url.searchParams.get('user_email') === prefix;
    });
    await filter.fill(prefix);
    await searched;
    const option = page.getByRole('option', { name: target.email });
    await expect(option).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'logs-user-filter-1280');
    const filtered = page.waitForRequest((r) => {
      const url = new URL(r.url());
      return url.pathname === '/spend/logs' && url.searchParams.get('user_id') === target.user_id;
    });
    await option.click();
    await filtered;
    await expect(filter).toHaveValue(target.email);
    const logs = page.getByRole('table', { name: 'Request logs' });
    await expect(logs.getByRole('row')).toHaveCount(2);
    await expect(logs.getByRole('row').nth(1)).toContainText(model);
    await expect(logs.getByRole('row').nth(1)).toContainText(target.email);

    // Cleared and left: every user's logs again.
    const all = page.waitForRequest((r) => {
      const url = new URL(r.url());
      return url.pathname === '/spend/logs' && !url.searchParams.has('user_id');
    });
    await filter.fill('');
    await filter.press('Tab');
    await all;
    await expect(filter).toHaveValue('');
  });
});
