import { expect, test } from '@playwright/test';
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

test.describe('teams (issue 15)', () => {
  test('an admin opens a team, sees its budget and spend, adds and removes members', async ({
    page,
    request,
    browser,
  }) => {
    const alias = `team-e2e-${Date.now().toString(36)}`;
    const ann = await createUser(request, 'internal_user');
    const bob = await createUser(request, 'internal_user');
    const created = await request.post('/team/new', {
      headers: master,
      data: {
        team_alias: alias,
        max_budget: 20,
        members_with_roles: [{ user_id: ann.user_id, role: 'admin' }],
      },
    });
    expect(created.status(), await created.text()).toBe(200);
    const teamId = ((await created.json()) as { team_id: string }).team_id;

    await loginAsAdmin(page);
    await page.getByRole('link', { name: 'Teams' }).click();
    await page
      .getByRole('table', { name: 'Teams' })
      .getByRole('row', { name: `Open team ${alias}` })
      .getByRole('cell')
      .first()
      .click();
    await expect(page).toHaveURL(new RegExp(`/ui/teams/${teamId}$`));
    await expect(page.getByRole('heading', { name: alias, exact: true })).toBeVisible();
    await expect(page.getByTestId('team-budget')).toContainText('$20.00');
    await expect(page.getByTestId('team-spend')).toHaveText('$0.00');
    const members = page.getByRole('table', { name: 'Team members' });
    await expect(members.getByRole('row').filter({ hasText: ann.email })).toContainText(
      'Team admin',
    );

    // Add by email (keyboard only), then remove with the row's own button.
    await page.getByLabel('Member email').fill(bob.email);
    await page.keyboard.press('Enter');
    await expect(members.getByRole('row').filter({ hasText: bob.email })).toContainText('Member');
    const info = await request.get(`/team/info?team_id=${teamId}`, { headers: master });
    const roles = (
      (await info.json()) as { members_with_roles: { user_id: string; role: string }[] }
    ).members_with_roles;
    expect(roles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user_id: bob.user_id, role: 'user' }),
        expect.objectContaining({ user_id: ann.user_id, role: 'admin' }),
      ]),
    );
    await shot(page, 'team-page-1280');

    // An unknown email: the API's refusal shows next to the form.
    await page.getByLabel('Member email').fill('nobody-here@example.test');
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect(page.getByTestId('member-error')).toBeVisible();

    await members.getByRole('button', { name: `Remove ${bob.email} from the team` }).click();
    const confirm = await openedDialog(page);
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await expect(members.getByRole('row').filter({ hasText: bob.email })).toHaveCount(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(navLinks(page).filter({ hasText: 'Teams' })).toBeHidden();
    await shot(page, 'team-page-390');

    // An admin viewer reads the same page without the controls.
    const context = await browser.newContext();
    const viewer = await context.newPage();
    const v = await createUser(request, 'proxy_admin_viewer');
    await loginAs(viewer, v.email, PASSWORD);
    await viewer.goto(`/ui/teams/${teamId}`);
    await expect(viewer.getByRole('table', { name: 'Team members' })).toContainText(ann.email);
    await expect(viewer.getByLabel('Member email')).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: /^Remove/ })).toHaveCount(0);
    await shot(viewer, 'team-page-viewer-1280');
    await context.close();
  });
});
