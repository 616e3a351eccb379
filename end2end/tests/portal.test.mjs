// Browser tests for the Berth portal: sign-in, tenancy pages, language,
// clusters, sign-out. One server and browser for the file (see harness);
// each test has its own browser context and its own uniquely named data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  goto,
  login,
  setup,
  stop,
  unique,
  waitForHydration,
  withPage,
} from '../harness.mjs';

const T = { timeout: 120_000 };

before(setup, { timeout: 90_000 });
after(stop);

const DNS1123_MESSAGE = "Use lower-case letters, digits and '-'";

function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** Clicks something that makes the browser load a new document. */
async function clickAndLoad(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
  await waitForHydration(page);
}

function mainNav(page, name = 'Main navigation') {
  return page.getByRole('navigation', { name });
}

function cell(page, text) {
  return page.getByRole('cell', { name: text, exact: true });
}

async function createDomain(page, name, displayName) {
  await goto(page, '/domains');
  await page.getByRole('button', { name: 'New domain' }).click();
  const form = page.getByRole('form', { name: 'New domain' });
  await form.waitFor();
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Display name', { exact: true }).fill(displayName);
  await form.getByRole('button', { name: 'Create', exact: true }).click();
  // The form closes on success and the list reloads.
  await form.waitFor({ state: 'detached' });
  await cell(page, name).waitFor();
}

async function createVdc(page, domainDisplayName, name, displayName) {
  await goto(page, '/vdcs');
  await page.getByRole('button', { name: 'New VDC' }).click();
  const form = page.getByRole('form', { name: 'New VDC' });
  await form.waitFor();
  await form.getByLabel('Domain', { exact: true }).selectOption({ label: domainDisplayName });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Display name', { exact: true }).fill(displayName);
  await form.getByRole('button', { name: 'Create', exact: true }).click();
  await form.waitFor({ state: 'detached' });
  await cell(page, name).waitFor();
}

/** Deletes a listed item through its row button and the confirmation. */
async function deleteRow(page, name) {
  await page.getByRole('button', { name: `Delete ${name}`, exact: true }).click();
  const dialog = page.getByRole('alertdialog', { name: `Delete ${name}?` });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  return dialog;
}

test('signs in as admin and sees the overview with the navigation', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    assert.equal(pathOf(page), '/');
    await page.getByRole('heading', { level: 1, name: /Welcome/ }).waitFor();
    const nav = mainNav(page);
    for (const name of ['Domains', 'VDCs', 'Clusters']) {
      await nav.getByRole('link', { name, exact: true }).waitFor();
    }
  }));

test('wrong password and unknown user are refused with the same message', T, () =>
  withPage(async (page) => {
    for (const [user, password] of [
      [ADMIN_USER, 'not-the-password'],
      [unique('nobody'), 'whatever-password'],
    ]) {
      await login(page, user, password);
      assert.equal(pathOf(page), '/login', `after signing in as ${user}`);
      assert.equal(new URL(page.url()).searchParams.get('error'), '1');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.equal((await alert.innerText()).trim(), 'Invalid username or password.');
    }
    // Still signed out.
    await page.goto('/');
    assert.equal(pathOf(page), '/login');
  }));

test('a signed-out visit to /domains goes through sign-in and back to /domains', T, () =>
  withPage(async (page) => {
    await page.goto('/domains');
    const url = new URL(page.url());
    assert.equal(url.pathname, '/login');
    assert.equal(url.searchParams.get('next'), '/domains');
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    assert.equal(pathOf(page), '/domains');
    await page.getByRole('heading', { level: 1, name: 'Domains', exact: true }).waitFor();
  }));

test('creates a domain and a VDC in it', T, () =>
  withPage(async (page) => {
    await login(page);
    const domain = unique('dom');
    const domainDisplay = `Domain ${domain}`;
    await createDomain(page, domain, domainDisplay);
    const row = page.getByRole('row').filter({ has: cell(page, domain) });
    await row.getByRole('cell', { name: domainDisplay, exact: true }).waitFor();

    const vdc = unique('vdc');
    await createVdc(page, domainDisplay, vdc, `VDC ${vdc}`);
    const vdcRow = page.getByRole('row').filter({ has: cell(page, vdc) });
    await vdcRow.getByRole('cell', { name: `VDC ${vdc}`, exact: true }).waitFor();
    await vdcRow.getByRole('cell', { name: domain, exact: true }).waitFor();

    // Both are really stored: they are still there after a reload.
    await goto(page, '/vdcs');
    await cell(page, vdc).waitFor();
    await goto(page, '/domains');
    await cell(page, domain).waitFor();
  }));

test('a validation error is shown beside its field and nothing is created', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/domains');
    const display = unique('bad');
    await page.getByRole('button', { name: 'New domain' }).click();
    const form = page.getByRole('form', { name: 'New domain' });
    const nameInput = form.getByLabel('Name', { exact: true });
    await nameInput.fill('Bad_Name');
    await form.getByLabel('Display name', { exact: true }).fill(display);
    await form.getByRole('button', { name: 'Create', exact: true }).click();

    const message = form.getByText(DNS1123_MESSAGE);
    await message.waitFor();
    const messageId = await message.getAttribute('id');
    const describedBy = ((await nameInput.getAttribute('aria-describedby')) ?? '').split(/\s+/);
    const sameField = await nameInput.evaluate(
      (input, msg) => Boolean(input.closest('.field')?.contains(msg)),
      await message.elementHandle(),
    );
    assert.ok(sameField, 'the message is in the Name field');
    assert.ok(messageId && describedBy.includes(messageId), `aria-describedby (${describedBy}) names the message (${messageId})`);
    assert.equal(await nameInput.getAttribute('aria-invalid'), 'true');
    // Only the Name field complains; the form stays open.
    assert.equal(await form.getByText(DNS1123_MESSAGE).count(), 1);
    assert.equal(await form.getByLabel('Display name', { exact: true }).getAttribute('aria-invalid'), 'false');

    // Nothing was stored.
    await goto(page, '/domains');
    assert.equal(await cell(page, 'Bad_Name').count(), 0);
    await page.getByRole('searchbox', { name: 'Search' }).fill(display);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('Nothing matches your search.').waitFor();
  }));

test('a domain with a VDC cannot be deleted until the VDC is gone', T, () =>
  withPage(async (page) => {
    await login(page);
    const domain = unique('del');
    const domainDisplay = `Doomed ${domain}`;
    const vdc = unique('delvdc');
    await createDomain(page, domain, domainDisplay);
    await createVdc(page, domainDisplay, vdc, `VDC ${vdc}`);

    // Refused while the VDC exists.
    await goto(page, '/domains');
    const dialog = await deleteRow(page, domain);
    await dialog
      .getByRole('alert')
      .filter({ hasText: 'It still holds VDCs or app spaces; delete those first.' })
      .waitFor();
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await cell(page, domain).waitFor();
    await goto(page, '/domains');
    await cell(page, domain).waitFor();

    // Delete the VDC, then the domain.
    await goto(page, '/vdcs');
    const vdcDialog = await deleteRow(page, vdc);
    await vdcDialog.waitFor({ state: 'detached' });
    await cell(page, vdc).waitFor({ state: 'detached' });

    await goto(page, '/domains');
    const domainDialog = await deleteRow(page, domain);
    await domainDialog.waitFor({ state: 'detached' });
    await cell(page, domain).waitFor({ state: 'detached' });
    await goto(page, '/domains');
    assert.equal(await cell(page, domain).count(), 0, 'the domain is gone after a reload');
  }));

test('search filters the domain list', T, () =>
  withPage(async (page) => {
    await login(page);
    const wanted = unique('finda');
    const other = unique('findb');
    await createDomain(page, wanted, `Wanted ${wanted}`);
    await createDomain(page, other, `Other ${other}`);
    await goto(page, '/domains');
    await cell(page, other).waitFor();

    await page.getByRole('searchbox', { name: 'Search' }).fill(wanted);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await cell(page, other).waitFor({ state: 'detached' });
    await cell(page, wanted).waitFor();
    await page.getByText('1 in total').waitFor();
  }));

test('switches to Chinese and back to English', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/domains');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');

    await clickAndLoad(page, page.getByRole('link', { name: '简体中文', exact: true }));
    assert.equal(pathOf(page), '/domains');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    const zhNav = mainNav(page, '主导航');
    for (const name of ['域', '虚拟数据中心', '集群']) {
      await zhNav.getByRole('link', { name, exact: true }).waitFor();
    }
    await page.getByRole('heading', { level: 1, name: '域', exact: true }).waitFor();
    await page.getByRole('button', { name: '新建域', exact: true }).waitFor();

    await clickAndLoad(page, page.getByRole('link', { name: 'English', exact: true }));
    assert.equal(pathOf(page), '/domains');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    const nav = mainNav(page);
    for (const name of ['Domains', 'VDCs', 'Clusters']) {
      await nav.getByRole('link', { name, exact: true }).waitFor();
    }
    await page.getByRole('heading', { level: 1, name: 'Domains', exact: true }).waitFor();
    assert.equal(await page.getByText('虚拟数据中心').count(), 0);
  }));

test('the clusters page lists the embedded cluster as healthy with 3 nodes', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/clusters');
    await page.getByRole('heading', { level: 1, name: 'Clusters', exact: true }).waitFor();
    const row = page.locator('tr[data-cluster="demo"]');
    await row.waitFor();
    await row.getByRole('cell', { name: 'Healthy', exact: true }).waitFor();
    const headers = (await page.getByRole('columnheader').allInnerTexts()).map((s) => s.trim());
    const cells = (await row.getByRole('cell').allInnerTexts()).map((s) => s.trim());
    const nodes = headers.indexOf('Nodes');
    assert.notEqual(nodes, -1, `a Nodes column in ${headers}`);
    assert.equal(cells[nodes], '3', `nodes of demo (row: ${cells})`);
  }));

test('signing out returns to the sign-in page and pages need signing in again', T, () =>
  withPage(async (page) => {
    await login(page);
    assert.equal(pathOf(page), '/');
    await page.getByLabel('User menu').click();
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign out', exact: true }));
    assert.equal(pathOf(page), '/login');
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();

    await page.goto('/');
    assert.equal(pathOf(page), '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/');
  }));

test('signing in works without JavaScript and keeps the page asked for', T, () =>
  withPage(
    async (page) => {
      await page.goto('/domains');
      assert.equal(pathOf(page), '/login');
      await page.getByLabel('Username').fill(ADMIN_USER);
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
      assert.equal(pathOf(page), '/domains');
      await page.getByRole('heading', { level: 1, name: 'Domains', exact: true }).waitFor();
    },
    { javaScriptEnabled: false },
  ));

for (const width of [1280, 768]) {
  test(`pages fit a ${width} px wide window without sideways scrolling`, T, () =>
    withPage(async (page) => {
      await page.setViewportSize({ width, height: 800 });
      await login(page, ADMIN_USER, ADMIN_PASSWORD);
      for (const path of ['/', '/domains', '/vdcs', '/clusters']) {
        await goto(page, path);
        await mainNav(page).getByRole('link', { name: 'Clusters', exact: true }).waitFor();
        const overflow = await page.evaluate(() => {
          const el = document.scrollingElement;
          return el.scrollWidth - el.clientWidth;
        });
        assert.ok(overflow <= 0, `${path} at ${width}px scrolls sideways by ${overflow}px`);
        const nav = await mainNav(page).boundingBox();
        assert.ok(nav && nav.width > 0 && nav.x >= 0, `${path}: navigation visible`);
      }
    }));
}

test('lists page through search results', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    const prefix = unique('pg');
    for (let i = 0; i < 21; i++) {
      const name = `${prefix}-${String(i).padStart(2, '0')}`;
      const res = await page.request.post('/api/domains/create', {
        data: { input: { name, display_name: `Paged ${i}` } },
      });
      assert.equal(res.status(), 200, await res.text());
    }
    await goto(page, '/domains');
    await page.getByRole('searchbox', { name: 'Search' }).fill(prefix);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const pager = page.getByRole('navigation', { name: 'Pagination' });
    await pager.getByText('21 in total').waitFor();
    await pager.getByText('Page 1 of 2').waitFor();
    assert.equal(await pager.getByRole('button', { name: 'Previous' }).isDisabled(), true);
    await pager.getByRole('button', { name: 'Next' }).click();
    await pager.getByText('Page 2 of 2').waitFor();
    await page.getByRole('cell', { name: `${prefix}-20`, exact: true }).waitFor();
    assert.equal(await pager.getByRole('button', { name: 'Next' }).isDisabled(), true);
  }));
