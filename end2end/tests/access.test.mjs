// Browser test for access control end to end: a custom role built in the
// permission tree, granted to a user on one VDC; that user then sees only
// the navigation and actions the role allows.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { ADMIN_PASSWORD, ADMIN_USER, api, goto, login, setup, stop, unique, waitForHydration, withPage } from '../harness.mjs';

const T = { timeout: 180_000 };

before(setup, { timeout: 90_000 });
after(stop);

test('a custom role from the tree, granted on a VDC, shows its holder only what it allows', T, () =>
  withPage(async (admin) => {
    await login(admin, ADMIN_USER, ADMIN_PASSWORD);
    const domain = await api(admin, 'domains/create', { input: { name: unique('acc'), display_name: 'Access domain' } });
    const vdcName = unique('acc-vdc');
    await api(admin, 'vdcs/create', { input: { domain_id: domain.id, name: vdcName, display_name: 'Access VDC' } });
    const username = unique('holder');
    await api(admin, 'users/create', { input: { username, display_name: 'Holder', password: 'first-secret-1' } });

    // Build the role in the tree: VDC admin type, the whole VDCs group it
    // allows, plus the overview.
    const roleName = `viewer ${unique('r')}`;
    await goto(admin, '/roles');
    await admin.getByRole('button', { name: 'New role' }).click();
    const form = admin.getByRole('form', { name: 'New role' });
    await form.getByLabel('Name', { exact: true }).fill(roleName);
    await form.getByLabel('Role type').selectOption({ label: 'VDC admin' });
    await form.getByRole('button', { name: 'Expand all', exact: true }).click();
    const vdcRead = form.locator('[id="perm-vdc.read"]');
    const vdcGroup = form.locator('#perm-group-tenancy-vdcs');
    await vdcRead.check();
    assert.equal(await vdcGroup.evaluate((e) => e.indeterminate), true, 'one of two: some');
    await vdcGroup.check();
    assert.equal(await form.locator('[id="perm-vdc.update"]').isChecked(), true, 'the group ticks all it holds');
    assert.equal(await vdcGroup.evaluate((e) => e.indeterminate), false);
    assert.equal(await form.locator('[id="perm-vdc.create"]').count(), 0, 'not a VDC-scope permission');
    await form.getByRole('searchbox', { name: 'Search permissions' }).fill('overview');
    await form.locator('[id="perm-overview.read"]').check();
    await form.getByText('3 selected').waitFor();
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    const row = admin.getByRole('row').filter({ hasText: roleName });
    assert.match(await row.innerText(), /VDC admin\s+3\s+0/);

    // Grant it to the user on the VDC, from the users page.
    await goto(admin, '/users');
    await admin.getByRole('searchbox', { name: 'Search' }).fill(username);
    await admin.getByRole('button', { name: 'Search', exact: true }).click();
    await admin.getByRole('button', { name: `Roles of ${username}` }).click();
    const grants = admin.getByRole('region', { name: `Roles of ${username}` });
    await grants.getByText('No roles granted.').waitFor();
    await grants.getByLabel('Roles', { exact: true }).selectOption({ label: roleName });
    await grants.getByLabel('VDCs').selectOption({ label: 'Access VDC' });
    await grants.getByRole('button', { name: 'Grant', exact: true }).click();
    await grants.getByText(`${roleName} @ ${vdcName}`).waitFor();

    // The holder: after the first password change, only what the role allows.
    await withPage(async (page) => {
      await login(page, username, 'first-secret-1');
      await api(page, 'account/password', { current_password: 'first-secret-1', new_password: 'second-secret-2' });
      await goto(page, '/vdcs');
      const nav = page.getByRole('navigation', { name: 'Main navigation' });
      await nav.getByRole('link', { name: 'VDCs' }).waitFor();
      const links = await nav.getByRole('link').allInnerTexts();
      assert.deepEqual(links, ['Overview', 'VDCs']);
      await page.getByRole('cell', { name: vdcName, exact: true }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'New VDC' }).count(), 0);
      await page.getByRole('button', { name: `Edit ${vdcName}` }).waitFor();
      assert.equal(await page.getByRole('button', { name: `Delete ${vdcName}` }).count(), 0);
      // And the server agrees: no domains for this role.
      const res = await page.request.post('/api/domains/list', { data: { query: {} } });
      assert.equal(res.status(), 403);
    });
  }));

test('a domain admin edits and deletes a user of their domain, but may not take over an operator homed there', T, () =>
  withPage(async (admin) => {
    await login(admin, ADMIN_USER, ADMIN_PASSWORD);
    const domain = await api(admin, 'domains/create', { input: { name: unique('own'), display_name: 'Own domain' } });
    const roles = await api(admin, 'roles/list', {});
    const role = (name) => roles.find((r) => r.name === name).id;
    const make = async (username, roleName, scope) => {
      const u = await api(admin, 'users/create', {
        input: { username, display_name: 'Person', domain_id: domain.id, password: 'first-secret-1' },
      });
      if (roleName) {
        await api(admin, 'grants/create', { input: { user_id: u.id, role_id: role(roleName), ...scope } });
      }
      return u;
    };
    const adminName = unique('dadmin');
    await make(adminName, 'domain-admin', { scope_kind: 'domain', scope_id: domain.id });
    const member = unique('member');
    await make(member, null);
    const staff = unique('staff');
    await make(staff, 'operations-admin', { scope_kind: 'platform', scope_id: null });

    await withPage(async (page) => {
      await login(page, adminName, 'first-secret-1');
      await api(page, 'account/password', { current_password: 'first-secret-1', new_password: 'second-secret-2' });
      await goto(page, '/users');
      const search = async (name) => {
        await page.getByRole('searchbox', { name: 'Search' }).fill(name);
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await page.getByRole('cell', { name, exact: true }).waitFor();
      };
      await search(member);
      await page.getByRole('button', { name: `Edit ${member}` }).click();
      const form = page.getByRole('form', { name: `Edit user ${member}` });
      // The browser takes it as an address; the server does not.
      await form.getByLabel('E-mail').fill('member@localhost');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.getByText('This value is invalid.').waitFor();
      await form.getByLabel('Display name').fill('Renamed Member');
      await form.getByLabel('E-mail').fill('member@example.com');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.waitFor({ state: 'detached' });
      await page.getByRole('cell', { name: 'Renamed Member' }).waitFor();

      // Deleting asks first; cancelling keeps the user.
      await page.getByRole('button', { name: `Delete ${member}` }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: `Delete ${member}` }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('cell', { name: member, exact: true }).waitFor({ state: 'detached' });

      // An operator homed in the domain is listed but not theirs to manage.
      await search(staff);
      await page.getByRole('button', { name: `Reset password ${staff}` }).click();
      const reset = page.getByRole('form', { name: `Reset the password of ${staff}` });
      await reset.getByLabel('New password').fill('taken-over-9');
      await reset.getByRole('button', { name: 'Save' }).click();
      await reset.getByRole('alert').waitFor();
    });
    // The operator's password is unchanged.
    await withPage(async (page) => {
      await login(page, staff, 'first-secret-1');
      assert.equal(new URL(page.url()).pathname, '/account/password');
    });
  }));
