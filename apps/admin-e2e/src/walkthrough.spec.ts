import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import {
  chat,
  costOf,
  createUser,
  loginAsAdmin,
  master,
  navLinks,
  openedDialog,
  PASSWORD,
  PRICES,
  shot,
  uniqueEmail,
  usd,
} from './support';

/** The product page, step 1: Internal Users -> + New User, ending on the invitation link. */
async function addUserInUi(page: Page, email: string, roleTitle: string): Promise<void> {
  await page.getByRole('link', { name: 'Internal Users' }).click();
  await page.getByRole('button', { name: '+ New User' }).click();
  const dialog = await openedDialog(page);
  await dialog.getByLabel('Email').fill(email);
  // The four roles are explained in the dialog.
  await expect(dialog.getByRole('radio')).toHaveCount(4);
  await expect(dialog).toContainText('Cannot create or delete keys or add users');
  await dialog.getByRole('radio', { name: new RegExp(`^${roleTitle}\\s`) }).check();
  await shot(page, 'users-new-user-dialog');
  await dialog.getByRole('button', { name: 'Create user' }).click();
}

/** A model name no other test uses (the e2e database lives for the whole run). */
function uniqueModel(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}`;
}

/**
 * Models -> + Add Model: an OpenAI-compatible deployment with prices and the response cache on.
 * Its api_base is never called: the walkthrough answers with `mock_response`.
 */
async function addModelInUi(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name: 'Models' }).click();
  const form = page.getByRole('form', { name: 'Add a model' });
  await form.getByLabel('Public model name').fill(name);
  await form.getByLabel('Upstream model').fill('openai/gpt-4o-mini');
  await form.getByLabel('API base URL').fill('http://127.0.0.1:9/v1');
  await form.getByLabel('API key', { exact: true }).fill('sk-upstream-secret-9876');
  await form.getByLabel('USD per input token').fill(String(PRICES.input));
  await form.getByLabel('USD per output token').fill(String(PRICES.output));
  await form.getByLabel('Cache responses (exact match)').check();
  await form.getByRole('button', { name: '+ Add Model' }).click();
  const row = page
    .getByRole('table', { name: 'Models' })
    .getByRole('row')
    .filter({ hasText: name });
  await expect(row).toContainText('openai/gpt-4o-mini');
  await expect(row).toContainText('$10.00 / $30.00');
  await expect(row).toContainText('On');
  // The upstream key is shown masked to admins, never in full.
  await expect(row).toContainText('sk-...9876');
  await expect(page.getByRole('table', { name: 'Models' })).not.toContainText(
    'sk-upstream-secret-9876',
  );
  await shot(page, 'models-added');
}

/** The spend writer flushes every SPEND_FLUSH_INTERVAL_MS: wait until the rollup has `requests`. */
async function waitForRollup(
  request: APIRequestContext,
  query: string,
  requests: number,
  headers: Record<string, string> = {},
): Promise<void> {
  await expect
    .poll(async () => {
      const res = await request.get(`/user/daily/activity${query}`, { headers });
      expect(res.status()).toBe(200);
      return ((await res.json()) as { metadata: { total_api_requests: number } }).metadata
        .total_api_requests;
    })
    .toBe(requests);
}

test.describe('self-serve walkthrough (product page)', () => {
  test('admin adds an internal user, who onboards, creates a key, calls a model and sees the spend', async ({
    page,
    browser,
  }) => {
    const email = uniqueEmail('self-serve');
    const model = uniqueModel('walkthrough-gpt');

    await loginAsAdmin(page);
    await expect(navLinks(page)).toHaveText([
      'Virtual Keys',
      'Usage',
      'Logs',
      'Playground',
      'Internal Users',
      'Teams',
      'Models',
      'Audit log',
      'Settings',
    ]);
    // A model to call: the admin adds it on the Models page.
    await addModelInUi(page, model);

    // Step 1: Internal Users -> + New User, role Internal user.
    await addUserInUi(page, email, 'Internal user');
    const dialog = page.getByRole('dialog');
    const link = (await dialog.getByTestId('invitation-link').textContent())?.trim() ?? '';
    expect(link).toMatch(/\/ui\/onboarding\?id=[\w-]+$/);
    // Step 2: copy the invitation link to share it.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await dialog.getByRole('button', { name: 'Copy invitation link' }).click();
    await expect(dialog).toContainText('copied to the clipboard');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await shot(page, 'users-invitation-link');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('table', { name: 'Internal users' })).toContainText(email);
    await shot(page, 'users-admin');

    // Step 3: the user opens the link in their own browser and sets a password.
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
    await again.close();

    // Step 4: the user creates their own key and sees the secret once.
    await user.getByRole('button', { name: '+ Create New Key' }).click();
    const create = await openedDialog(user);
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

    // The key calls the OpenAI-compatible gateway; the same body again is a cache hit (free).
    const first = await chat(user.request, secret, model, 'Hello, walkthrough!');
    expect(first.choices[0].message.content).toBe(`Hello from ${model}!`);
    const second = await chat(user.request, secret, model, 'Hello, walkthrough!');
    expect(second.choices[0].message.content).toBe(`Hello from ${model}!`);
    const spend = costOf(first);
    expect(spend).toBeGreaterThan(0);
    await waitForRollup(user.request, '', 2);

    // The user sees the spend on their Usage page: their own data only.
    await user.getByRole('link', { name: 'Usage' }).click();
    await expect(user.getByTestId('own-usage')).toBeVisible();
    await expect(user.getByRole('combobox', { name: 'User' })).toHaveCount(0);
    await expect(user.getByTestId('total-spend')).toHaveText(usd(spend));
    await expect(user.getByTestId('total-requests')).toHaveText('2');
    await expect(user.getByTestId('total-tokens')).toHaveText(String(first.usage.total_tokens * 2));
    await expect(user.getByRole('img', { name: 'Spend per day chart' })).toBeVisible();
    await expect(user.getByRole('table', { name: 'Top models' })).toContainText(model);
    await expect(user.getByRole('table', { name: 'Top keys' })).toContainText(
      `laptop (sk-...${secret.slice(-4)})`,
    );
    await expect(user.getByRole('progressbar')).toHaveCount(0);
    await shot(user, 'usage-internal-user');
    await user.getByRole('tab', { name: 'Caching' }).click();
    await expect(user.getByTestId('cache-hits')).toHaveText('1');
    await expect(user.getByTestId('llm-calls')).toHaveText('1');
    await expect(user.getByTestId('hit-rate')).toHaveText('50.0%');
    await expect(user.getByTestId('saved-spend')).toHaveText(usd(spend));
    await shot(user, 'usage-caching-internal-user');

    // Their CSV export has today's row.
    const download = user.waitForEvent('download');
    await user.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of csv) chunks.push(chunk as Buffer);
    const today = new Date().toISOString().slice(0, 10);
    expect(Buffer.concat(chunks).toString('utf8')).toContain(`${today},${spend},2,0,`);

    // And the key's spend in the Virtual Keys table (counted by the same spend writer).
    await user.getByRole('link', { name: 'Virtual Keys' }).click();
    await expect(table.getByRole('row').filter({ hasText: 'laptop' })).toContainText(
      `${usd(spend)} / $5.00`,
    );
    await shot(user, 'keys-internal-user-spend');

    // Block, then delete, each with a confirmation.
    await user.getByRole('button', { name: 'Block laptop' }).click();
    await user.getByRole('dialog').getByRole('button', { name: 'Block' }).click();
    await expect(table).toContainText('Blocked');
    const blocked = await user.request.post('/v1/chat/completions', {
      headers: { Authorization: `Bearer ${secret}` },
      data: { model, messages: [{ role: 'user', content: 'still there?' }], mock_response: 'no' },
    });
    expect(blocked.status()).toBe(401);
    await user.getByRole('button', { name: 'Delete laptop' }).click();
    await user.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect(user.getByTestId('keys-empty')).toBeVisible();
    await userContext.close();
  });

  test('admin invites an admin viewer, who sees usage and caching analytics read-only', async ({
    page,
    browser,
    request,
  }) => {
    // Traffic to look at: an internal user's key calls a cached model twice (one cache hit).
    const model = uniqueModel('viewer-cached');
    const created = await request.post('/model/new', {
      headers: master,
      data: {
        model_name: model,
        litellm_params: { model: 'openai/gpt-4o-mini', api_base: 'http://127.0.0.1:9/v1' },
        model_info: {
          input_cost_per_token: PRICES.input,
          output_cost_per_token: PRICES.output,
          cache: true,
        },
      },
    });
    expect(created.status(), await created.text()).toBe(200);
    const owner = await createUser(request, 'internal_user');
    const generated = await request.post('/key/generate', {
      headers: master,
      data: { user_id: owner.user_id, key_alias: 'ci-bot' },
    });
    expect(generated.status(), await generated.text()).toBe(200);
    const { key: secret } = (await generated.json()) as { key: string };
    const first = await chat(request, secret, model, 'What is the weather?');
    await chat(request, secret, model, 'What is the weather?');
    const spend = costOf(first);
    await waitForRollup(request, `?user_id=${owner.user_id}`, 2, master);

    // Internal Users -> + New User as Admin viewer, and the invitation link.
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
    await expect(navLinks(viewer)).toHaveText([
      'Virtual Keys',
      'Usage',
      'Logs',
      'Playground',
      'Internal Users',
      'Teams',
      'Audit log',
      'Settings',
    ]);

    // Everybody's keys, with their spend, and no write controls.
    const keys = viewer.getByRole('table', { name: 'Virtual keys' });
    await expect(keys).toContainText('ci-bot');
    await expect(keys.getByRole('row').filter({ hasText: 'ci-bot' })).toContainText(
      `${usd(spend)} / no limit`,
    );
    await expect(viewer.getByRole('button', { name: '+ Create New Key' })).toHaveCount(0);
    await expect(
      viewer.getByRole('button', { name: /^(Regenerate|Block|Unblock|Delete) / }),
    ).toHaveCount(0);
    await shot(viewer, 'keys-admin-viewer');

    // Usage for everybody: at least this traffic.
    await viewer.getByRole('link', { name: 'Usage' }).click();
    await expect(viewer.getByRole('heading', { name: 'Usage' })).toBeVisible();
    await expect(viewer.getByRole('progressbar')).toHaveCount(0);
    await expect(viewer.getByRole('table', { name: 'Top models' })).toContainText(model);
    await shot(viewer, 'usage-admin-viewer-all');
    await viewer.getByRole('tab', { name: 'Caching' }).click();
    expect(Number(await viewer.getByTestId('cache-hits').textContent())).toBeGreaterThanOrEqual(1);
    await expect(
      viewer.getByRole('img', { name: 'Cache hits versus LLM calls chart' }),
    ).toBeVisible();

    // Narrowed to the one user: exactly their two calls, one of them from the cache.
    // The User filter searches by email on the server: type, then pick the match.
    await viewer.getByRole('combobox', { name: 'User' }).fill(owner.email);
    await viewer.getByRole('option', { name: owner.email }).click();
    await expect(viewer.getByTestId('cache-hits')).toHaveText('1');
    await expect(viewer.getByTestId('llm-calls')).toHaveText('1');
    await expect(viewer.getByTestId('hit-rate')).toHaveText('50.0%');
    await expect(viewer.getByTestId('saved-spend')).toHaveText(usd(spend));
    await expect(viewer.getByRole('progressbar')).toHaveCount(0);
    await shot(viewer, 'usage-caching-admin-viewer');
    await viewer.getByRole('tab', { name: 'Usage' }).click();
    await expect(viewer.getByTestId('total-requests')).toHaveText('2');
    await expect(viewer.getByTestId('total-spend')).toHaveText(usd(spend));
    await expect(viewer.getByRole('table', { name: 'Top models' })).toContainText(model);
    await expect(viewer.getByRole('table', { name: 'Top keys' })).toContainText(
      `ci-bot (sk-...${secret.slice(-4)})`,
    );
    await shot(viewer, 'usage-admin-viewer-user');

    // Read-only elsewhere too: no + New User, no role changes or deletes.
    await viewer.getByRole('link', { name: 'Internal Users' }).click();
    await viewer.getByLabel('Search by email').fill(owner.email);
    await expect(viewer.getByRole('table', { name: 'Internal users' })).toContainText(owner.email);
    await expect(viewer.getByRole('button', { name: '+ New User' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: /^Delete / })).toHaveCount(0);
    await expect(viewer.getByRole('combobox', { name: /^Role of / })).toHaveCount(0);
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
