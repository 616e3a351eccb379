// Browser tests for the shell every page lives in: a phone's width, the
// keyboard, errors said where they happen, navigation and actions only for
// what the user may do, times in the reader's zone, and the forced first
// password change.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { ADMIN_PASSWORD, ADMIN_USER, api, goto, login, setup, stop, unique, withPage } from '../harness.mjs';

const T = { timeout: 180_000 };
const PHONE = { viewport: { width: 390, height: 844 } };

before(setup, { timeout: 90_000 });
after(stop);

/** How far the page is wider than the window, and the first elements that reach past its right edge (inside a scrolling area too). */
async function overflow(page) {
  return page.evaluate(() => {
    const d = document.documentElement;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1 && e.getClientRects().length)
      .filter((e) => !e.closest('.sr-only, .skip-link'))
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} (right ${Math.round(e.getBoundingClientRect().right)})`);
    return { scroll: d.scrollWidth - d.clientWidth, wide };
  });
}

/** A user holding the built-in `roleType` role at `scope`, signed in with the first password changed. */
async function userWith(admin, roleType, scope) {
  const username = unique('shell');
  const user = await api(admin, 'users/create', { input: { username, display_name: 'Shell user', password: 'first-secret-1' } });
  const roles = await api(admin, 'roles/list', {});
  const role = roles.find((r) => r.builtin && r.role_type === roleType);
  await api(admin, 'grants/create', { input: { user_id: user.id, role_id: role.id, ...scope } });
  return username;
}

test('at 390 px the navigation opens behind the menu button and no page scrolls sideways, in English and Chinese', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    const menu = page.getByRole('button', { name: 'Menu' });
    assert.equal(await nav.isVisible(), false, 'the navigation is folded away');
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await nav.getByRole('link', { name: 'Domains' }).click();
    await page.getByRole('heading', { name: 'Domains', level: 1 }).waitFor();
    await nav.waitFor({ state: 'hidden' });
    assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'moving to a page folds it again');

    await api(page, 'domains/create', { input: { name: unique('phone'), display_name: 'A domain with a rather long display name' } });
    await goto(page, '/clusters');
    const cluster = await page.locator('a[href^="/clusters/"]').first().getAttribute('href');
    const routes = ['/', '/domains', '/vdcs', '/clusters', cluster, '/nodes', '/users', '/roles', '/security', '/audit', '/account/password', '/account/2fa', '/account/sessions'];
    for (const lang of ['en', 'zh']) {
      await page.goto(`/lang/${lang}?next=/`);
      for (const route of routes) {
        await goto(page, route);
        const o = await overflow(page);
        assert.ok(o.scroll <= 0 && o.wide.length === 0, `${route} (${lang}) is wider than the window by ${o.scroll}px: ${o.wide.join(', ')}`);
      }
    }
    // Wide screens show the navigation and no menu button.
    await page.setViewportSize({ width: 1280, height: 800 });
    await goto(page, '/');
    assert.equal(await page.locator('.menu-button').isVisible(), false);
    assert.equal(await page.locator('#sidenav').isVisible(), true);
  }, PHONE));

test('the keyboard alone: a skip link, focus into forms and dialogs and back, Tab kept in a dialog, Escape closes', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    await goto(page, '/domains');
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    assert.equal(await skip.evaluate((e) => e === document.activeElement), true, 'the first Tab reaches the skip link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main', 'the skip link moves focus to the content');

    // Opening a form puts the focus on its first field; Escape closes it
    // and gives the focus back to the button that opened it.
    const create = page.getByRole('button', { name: 'New domain' });
    await create.focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'New domain' });
    await form.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'domain-name');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    assert.equal(await create.evaluate((e) => e === document.activeElement), true, 'focus is back on New domain');

    // A delete asks first: the focus is on Cancel, Tab stays inside, Escape cancels.
    const name = unique('keys');
    await api(page, 'domains/create', { input: { name, display_name: 'Keyboard domain' } });
    await goto(page, '/domains');
    const del = page.getByRole('button', { name: `Delete ${name}` });
    await del.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    const focused = () => page.evaluate(() => document.activeElement.textContent.trim());
    assert.equal(await focused(), 'Cancel', 'the safe choice has the focus');
    for (let i = 0; i < 5; i += 1) {
      await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
      assert.equal(await dialog.evaluate((d) => d.contains(document.activeElement)), true, `Tab ${i + 1} left the dialog`);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await del.evaluate((e) => e === document.activeElement), true, 'focus is back on the Delete button');
    await page.getByRole('cell', { name, exact: true }).waitFor();
  }));

test('a field error goes when the field changes, and a grant without its VDC says so beside the choice', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    await goto(page, '/domains');
    await page.getByRole('button', { name: 'New domain' }).click();
    const form = page.getByRole('form', { name: 'New domain' });
    const name = form.getByLabel('Name', { exact: true });
    await name.fill('Bad_Name');
    await form.getByLabel('Display name', { exact: true }).fill('Bad');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    const message = form.locator('#domain-name-error');
    await message.waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal(await form.getByRole('alert').count(), 0, 'a message beside its field is not repeated above the form');
    await name.press('End');
    await name.press('Backspace');
    await message.waitFor({ state: 'detached' });
    assert.equal(await name.getAttribute('aria-invalid'), 'false');

    const username = unique('grantee');
    await api(page, 'users/create', { input: { username, display_name: 'Grantee', password: 'first-secret-1' } });
    await goto(page, '/users');
    await page.getByRole('searchbox', { name: 'Search' }).fill(username);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: `Roles of ${username}` }).click();
    const grants = page.getByRole('region', { name: `Roles of ${username}` });
    await grants.getByText('No roles granted.').waitFor();
    const roles = await api(page, 'roles/list', {});
    const vdcAdmin = roles.find((r) => r.builtin && r.role_type === 'vdc_admin');
    await grants.getByLabel('Roles', { exact: true }).selectOption({ label: vdcAdmin.name });
    await grants.getByRole('button', { name: 'Grant', exact: true }).click();
    await grants.locator('#grant-scope-error').getByText('Choose a VDC').waitFor();
    assert.equal(await grants.getByLabel('VDCs').getAttribute('aria-invalid'), 'true');
    await grants.getByText('No roles granted.').waitFor();
  }));

test('a tenant sees only the sections and actions their role allows', T, () =>
  withPage(async (admin) => {
    await login(admin, ADMIN_USER, ADMIN_PASSWORD);
    const domain = await api(admin, 'domains/create', { input: { name: unique('ten'), display_name: 'Tenant domain' } });
    const vdc = await api(admin, 'vdcs/create', { input: { domain_id: domain.id, name: unique('ten-vdc'), display_name: 'Tenant VDC' } });
    const username = await userWith(admin, 'vdc_admin', { scope_kind: 'vdc', scope_id: vdc.id });
    await withPage(async (page) => {
      await login(page, username, 'first-secret-1');
      await api(page, 'account/password', { current_password: 'first-secret-1', new_password: 'second-secret-2' });
      await goto(page, '/');
      const nav = page.getByRole('navigation', { name: 'Main navigation' });
      await nav.getByRole('link', { name: 'VDCs' }).waitFor();
      // Every heading has an entry under it; the sections with none are gone.
      const sections = await nav.evaluate((n) =>
        [...n.querySelectorAll('h2')].map((h) => [h.textContent, h.nextElementSibling.querySelectorAll('a').length]),
      );
      assert.ok(sections.length > 0 && sections.every(([, links]) => links > 0), JSON.stringify(sections));
      assert.deepEqual(
        sections.map(([h]) => h).filter((h) => h === 'Infrastructure'),
        [],
        'a VDC admin has no cluster or node entry, so no Infrastructure heading',
      );
      await goto(page, '/users');
      assert.equal(await page.getByRole('button', { name: 'New user' }).count(), 0);
      await goto(page, '/roles');
      assert.equal(await page.getByRole('button', { name: 'New role' }).count(), 0);
    });
  }));

test('times show in the reader\'s time zone and say which; Kubernetes status words are translated', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    const name = unique('tz');
    await api(page, 'domains/create', { input: { name, display_name: 'Time zone domain' } });
    await goto(page, '/domains');
    const row = page.getByRole('row').filter({ hasText: name });
    const time = row.locator('time');
    await page.waitForFunction((n) => {
      const t = [...document.querySelectorAll('tr')].find((r) => r.textContent.includes(n))?.querySelector('time');
      return t && t.textContent.endsWith('UTC+8');
    }, name);
    assert.equal(await time.getAttribute('title'), 'Asia/Shanghai');
    const iso = await time.getAttribute('datetime');
    const utc = new Date(iso);
    const local = new Date(utc.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    assert.equal(await time.innerText(), `${local} UTC+8`);

    await page.goto('/lang/zh?next=/clusters');
    await page.waitForLoadState('load');
    const href = await page.locator('a[href^="/clusters/"]').first().getAttribute('href');
    await goto(page, href);
    const namespaces = page.locator('#namespaces');
    await namespaces.waitFor();
    const status = await namespaces.locator('tbody tr td:nth-child(2)').allInnerTexts();
    assert.ok(status.length > 0 && status.every((s) => s === '活动'), `statuses: ${status}`);
  }, { timezoneId: 'Asia/Shanghai' }));

test('the forced first password change refuses the same password, and its banner shows only when it applies', T, () =>
  withPage(async (admin) => {
    await login(admin, ADMIN_USER, ADMIN_PASSWORD);
    await goto(admin, '/account/password');
    await admin.getByRole('heading', { name: 'Change password', level: 1 }).waitFor();
    assert.equal(await admin.getByText('Your password must be changed before you go on.').count(), 0, 'nothing asks the admin to');

    const username = unique('forced');
    await api(admin, 'users/create', { input: { username, display_name: 'Forced', password: 'first-secret-1' } });
    await withPage(async (page) => {
      await login(page, username, 'first-secret-1');
      assert.equal(new URL(page.url()).pathname, '/account/password');
      await page.getByText('Your password must be changed before you go on.').waitFor();
      await page.getByLabel('Current password').fill('first-secret-1');
      await page.getByLabel('New password', { exact: true }).fill('first-secret-1');
      await page.getByLabel('Repeat the new password').fill('first-secret-1');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.locator('#new-password-error').getByText('This is your current password; choose a new one.').waitFor();
      await goto(page, '/domains');
      assert.equal(new URL(page.url()).pathname, '/account/password', 'still held to the change');
    });
  }));
