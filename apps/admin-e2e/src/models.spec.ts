import { expect, test, type Page } from '@playwright/test';
import { startUpstream, type BrowserUpstream } from './mock-upstream';
import { axeViolations, loginAsAdmin, master, openedDialog, shot } from './support';

const UPSTREAM_KEY = 'sk-upstream-models-e2e-4242';

interface ModelInfo {
  data: {
    model_name: string;
    litellm_params: { api_base: string | null; api_key: string | null };
    model_info: { id: string; price_source: string };
  }[];
}

/** A row's action button: its accessible name is `<Action> <model name> (<id>)`. */
function action(page: Page, verb: string, name: string) {
  return page.getByRole('button', { name: new RegExp(`^${verb} ${name} \\(`) });
}

function row(page: Page, name: string) {
  return page.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
}

test.describe('models: add, edit, test, delete (issue 15)', () => {
  let upstream: BrowserUpstream;

  test.beforeAll(async () => {
    upstream = await startUpstream();
  });
  test.afterAll(async () => {
    await upstream.close();
  });

  test('an admin adds a model, tests it, edits it (errors by field), tests the failure, deletes it', async ({
    page,
    request,
  }) => {
    const name = `mdl-${Date.now().toString(36)}`;
    const renamed = `${name}-eu`;
    await loginAsAdmin(page);
    await page.getByRole('link', { name: 'Models' }).click();
    await expect(page.getByRole('heading', { name: 'Models', exact: true })).toBeVisible();

    // Add.
    const form = page.getByRole('form', { name: 'Add a model' });
    await form.getByLabel('Public model name').fill(name);
    await form.getByLabel('Upstream model').fill('openai/echo');
    await form.getByLabel('API base URL').fill(upstream.url);
    await form.getByLabel('API key').fill(UPSTREAM_KEY);
    await form.getByRole('button', { name: '+ Add Model' }).click();
    await expect(row(page, name)).toContainText('sk-...4242');
    // No price given, and the catalogue does not know `echo`: $0, said so.
    await expect(row(page, name)).toContainText('$0.00 / $0.00 no price');

    // Test: one call to the upstream, with the deployment's key.
    const calls = upstream.received.length;
    await action(page, 'Test', name).click();
    await expect(row(page, name).getByRole('status')).toHaveText(/^\s*OK in \d+ ms\s*$/);
    expect(upstream.received).toHaveLength(calls + 1);
    expect(upstream.received.at(-1)?.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(upstream.received.at(-1)?.body).toMatchObject({ model: 'echo', max_tokens: 1 });
    await shot(page, 'models-admin-1280');

    // Edit: the dialog is accessible; an error the API names goes next to its field.
    await action(page, 'Edit', name).click();
    const dialog = await openedDialog(page);
    expect(await axeViolations(page)).toEqual([]);
    await expect(dialog.getByLabel('New API key')).toHaveValue('');
    await expect(dialog).toContainText('Empty: keep sk-...4242');
    await dialog.getByLabel('Upstream model').fill('azure/my-deployment');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByTestId('error-api_version')).toContainText(
      'azure/ models need api_version',
    );
    await shot(page, 'model-edit-error-1280');
    await dialog.getByLabel('Upstream model').fill('openai/echo');
    await dialog.getByLabel('Public model name').fill(renamed);
    // Nothing listens on port 9: the next test must fail.
    await dialog.getByLabel('API base URL').fill('http://127.0.0.1:9/v1');
    await dialog.getByLabel('USD per input token').fill('0.000002');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(row(page, renamed)).toContainText('$2.00 / $0.00 set here');
    await expect(row(page, name)).toHaveCount(0);

    // Only what changed was saved: the upstream key was kept.
    const info = (await (
      await request.get('/model/info', { headers: master })
    ).json()) as ModelInfo;
    const saved = info.data.find((m) => m.model_name === renamed);
    expect(saved?.litellm_params).toMatchObject({
      api_base: 'http://127.0.0.1:9/v1',
      api_key: 'sk-...4242',
    });

    // Test again: the upstream's failure, shown in the row, never the key.
    await action(page, 'Test', renamed).click();
    await expect(row(page, renamed).getByRole('status')).toHaveText(
      /^\s*Failed after \d+ ms: The upstream model could not be reached\s*$/,
    );
    expect(await page.content()).not.toContain(UPSTREAM_KEY);

    // 390 px wide: the page and the dialog.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByRole('button', { name: 'Open navigation' })).toBeVisible();
    await shot(page, 'models-admin-390');
    await action(page, 'Edit', renamed).click();
    await openedDialog(page);
    await shot(page, 'model-edit-390');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toBeHidden();
    await page.setViewportSize({ width: 1280, height: 800 });

    // Delete, after confirming.
    await action(page, 'Delete', renamed).click();
    const confirm = await openedDialog(page);
    await confirm.getByRole('button', { name: 'Delete' }).click();
    // While a dialog is open (or closing) the page behind it is aria-hidden: no row matches
    // then either. The notice says the delete answered; then the reloaded table lacks it.
    await expect(confirm).toBeHidden();
    await expect(page.getByText('Model deleted')).toBeVisible();
    await expect(row(page, renamed)).toHaveCount(0);
    const after = (await (
      await request.get('/model/info', { headers: master })
    ).json()) as ModelInfo;
    expect(after.data.map((m) => m.model_name)).not.toContain(renamed);
  });
});
