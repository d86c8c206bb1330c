import { expect, test } from '@playwright/test';
import { MOCK_CONTENT, MOCK_USAGE, startUpstream, type BrowserUpstream } from './mock-upstream';
import { createUser, loginAs, master, PASSWORD, PRICES, shot, usd } from './support';

test.describe('playground (issue 15)', () => {
  let upstream: BrowserUpstream;

  test.beforeAll(async () => {
    upstream = await startUpstream();
  });
  test.afterAll(async () => {
    await upstream.close();
  });

  test('an internal user chats through the gateway on the session and with a key, streaming', async ({
    page,
    request,
  }) => {
    const model = `pg-echo-${Date.now().toString(36)}`;
    const created = await request.post('/model/new', {
      headers: master,
      data: {
        model_name: model,
        litellm_params: { model: 'openai/echo', api_base: upstream.url, api_key: 'sk-upstream-pg' },
        model_info: { input_cost_per_token: PRICES.input, output_cost_per_token: PRICES.output },
      },
    });
    expect(created.status(), await created.text()).toBe(200);
    const user = await createUser(request, 'internal_user');
    await loginAs(page, user.email, PASSWORD);
    await expect(page).toHaveURL(/\/ui\/keys$/);

    await page.getByRole('link', { name: 'Playground' }).click();
    await expect(page.getByRole('heading', { name: 'Playground', exact: true })).toBeVisible();
    await page.getByRole('combobox', { name: 'Model' }).click();
    await page.getByRole('option', { name: model, exact: true }).click();
    await page.getByLabel('Message').fill('Hello, playground!');
    await page.keyboard.press('Control+Enter');

    const turn = page.getByTestId('turn-0');
    await expect(turn.getByTestId('turn-answer')).toHaveText(MOCK_CONTENT);
    await expect(turn.getByTestId('turn-tokens')).toHaveText(
      `${MOCK_USAGE.prompt_tokens} in / ${MOCK_USAGE.completion_tokens} out`,
    );
    const cost =
      MOCK_USAGE.prompt_tokens * PRICES.input + MOCK_USAGE.completion_tokens * PRICES.output;
    await expect(turn.getByTestId('turn-cost')).toHaveText(usd(cost));
    await expect(turn.getByTestId('turn-latency')).toHaveText(/^\d+(\.\d+)? m?s$/);
    await expect(turn.getByTestId('turn-overhead')).toHaveText(/^\d+(\.\d)? ms$/);
    await expect(turn.getByTestId('turn-request-id')).not.toHaveText('—');
    // It was a streamed call that reached the upstream, with the deployment's key, not the user's.
    const sent = upstream.received.at(-1);
    expect(sent?.body['stream']).toBe(true);
    expect(sent?.authorization).toBe('Bearer sk-upstream-pg');
    expect(sent?.body['messages']).toEqual([{ role: 'user', content: 'Hello, playground!' }]);
    await shot(page, 'playground-session-1280');

    // The same call booked under the user's own logs.
    const logs = await request.get(`/spend/logs?user_id=${user.user_id}&model=${model}`, {
      headers: master,
    });
    expect(((await logs.json()) as { total: number }).total).toBe(1);

    // A key with one request per minute: the first call works, the second is refused inline.
    const key = await request.post('/key/generate', {
      headers: master,
      data: { user_id: user.user_id, models: [model], rpm_limit: 1, key_alias: 'pg-key' },
    });
    expect(key.status(), await key.text()).toBe(200);
    const secret = ((await key.json()) as { key: string }).key;
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('radio', { name: 'A virtual key' }).click();
    await page.getByLabel('Key secret (sk-…)').fill(secret);
    await page.getByRole('button', { name: 'Load models' }).click();
    await expect(page.getByRole('combobox', { name: 'Model' })).toContainText(model);
    await page.getByLabel('Message').fill('With my key');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByTestId('turn-0').getByTestId('turn-answer')).toHaveText(MOCK_CONTENT);
    await expect(page.getByTestId('turn-0').getByTestId('turn-cost')).toHaveText(usd(cost));
    await page.getByLabel('Message').fill('Again, too soon');
    await page.getByRole('button', { name: 'Send' }).click();
    const refused = page.getByTestId('turn-1').getByTestId('turn-error');
    await expect(refused).toContainText('Rate limited (429)');
    await expect(page.getByLabel('Message')).toBeEditable();
    await shot(page, 'playground-key-429-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByRole('link', { name: 'Playground' })).toBeHidden();
    await shot(page, 'playground-key-429-390');
    // The secret stays in the page's memory only.
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...localStorage, ...sessionStorage }),
    );
    expect(stored).not.toContain(secret);
    expect(page.url()).not.toContain(secret);
  });

  test('a viewer is told to use a key, and a wrong key is refused inline', async ({
    page,
    request,
  }) => {
    const viewer = await createUser(request, 'internal_user_viewer');
    await loginAs(page, viewer.email, PASSWORD);
    // Signed in first: going on before the login's answer set the cookie lands on /ui/login.
    await expect(page).toHaveURL(/\/ui\/keys$/);
    await page.goto('/ui/playground');
    await expect(page.getByTestId('playground-viewer')).toBeVisible();
    await page.getByLabel('Key secret (sk-…)').fill('sk-not-a-real-key');
    await page.getByRole('button', { name: 'Load models' }).click();
    await expect(page.getByTestId('playground-models-error')).toContainText('(401)');
    await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
    await shot(page, 'playground-viewer-1280');
  });
});
