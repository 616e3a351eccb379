// Browser tests for quotas: an operator gives a domain and a VDC quota on
// the demo cluster from their pages, sees what is left while typing, and a
// request for more than is left shows the numbers involved beside the field,
// in English and in Chinese, at phone width, by keyboard.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { api, goto, login, setup, stop, unique, withPage } from '../harness.mjs';

const T = { timeout: 120_000 };

before(setup, { timeout: 90_000 });
after(stop);

/** A domain and a VDC in it, made through the API. */
async function domainAndVdc(page) {
  const name = unique('q');
  const domain = await api(page, 'domains/create', { input: { name, display_name: `Quota ${name}` } });
  const vdc = await api(page, 'vdcs/create', {
    input: { domain_id: domain.id, name: `${name}-v`, display_name: `VDC ${name}` },
  });
  return { domain, vdc };
}

/** The row of `resource` in the demo cluster's quota table. */
function quotaRow(page, resource) {
  return page.getByRole('form', { name: 'demo' }).getByRole('row').filter({ has: page.getByLabel(resource, { exact: true }) });
}

/** Types into a quota field by keyboard only: focus, select all, type. */
async function typeAmount(page, label, text) {
  const input = page.getByLabel(label, { exact: true });
  await input.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(text);
}

test('an operator gives a domain and its VDC quota; too much shows asked, limit, given and left', T, () =>
  withPage(async (page) => {
    await login(page);
    const { domain, vdc } = await domainAndVdc(page);

    await goto(page, `/domains/${domain.id}`);
    const cpu = quotaRow(page, 'CPU (cores)');
    // The demo cluster's three nodes offer 23400m; nothing is given yet.
    const ceiling = (await cpu.getByRole('cell').nth(3).textContent()).trim();
    assert.match(ceiling, /^\d+(m)?$/, `a ceiling in cores: ${ceiling}`);
    await typeAmount(page, 'CPU (cores)', '4');
    await page.getByLabel('Memory', { exact: true }).fill('8Gi');
    // What is left above follows the typing.
    const left = cpu.getByRole('cell').nth(4);
    await assert.doesNotReject(left.filter({ hasNotText: ceiling }).waitFor());
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Quota saved.' }).waitFor();
    assert.equal(await page.getByLabel('CPU (cores)', { exact: true }).inputValue(), '4');

    // Bad input is named beside its field while typing.
    await typeAmount(page, 'Pods', 'lots');
    await quotaRow(page, 'Pods').getByText('Not a quantity').waitFor();

    await goto(page, `/vdcs/${vdc.id}`);
    await typeAmount(page, 'CPU (cores)', '5');
    // The browser knows the ceiling: 4 from the domain, none given out.
    await quotaRow(page, 'CPU (cores)').getByText('Asks 5; at most 4 is left.').waitFor();
    await page.keyboard.press('Enter');
    // The server's answer names the domain's numbers.
    await quotaRow(page, 'CPU (cores)')
      .getByText('Asked 5; the domain has 4, 0 of it given to others: 4 left.')
      .waitFor();
    await typeAmount(page, 'CPU (cores)', '1500m');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Quota saved.' }).waitFor();

    // The domain now shows what it gave out.
    await goto(page, `/domains/${domain.id}`);
    const given = (await quotaRow(page, 'CPU (cores)').getByRole('cell').nth(1).textContent()).trim();
    assert.equal(given, '1500m');
  }),
);

test('in Chinese at phone width the quota page fits and explains a refusal', T, () =>
  withPage(
    async (page) => {
      await login(page);
      const { domain, vdc } = await domainAndVdc(page);
      const clusters = await api(page, 'clusters/list', {});
      const demo = clusters.find((c) => c.name === 'demo');
      await api(page, 'quotas/set', {
        owner: { kind: 'domain', id: domain.id },
        input: { cluster_id: demo.id, amounts: { memory: '2Gi' } },
      });
      await page.context().addCookies([{ name: 'berth_lang', value: 'zh-CN', url: new URL(page.url()).origin }]);
      await goto(page, `/vdcs/${vdc.id}`);
      await typeAmount(page, '内存', '3Gi');
      await page.keyboard.press('Enter');
      await page.getByText('申请 3Gi；该域共有 2Gi，已分配给其他 0，剩余 2Gi。').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      // The usage tab, by keyboard: no app spaces yet, said so.
      await page.getByRole('tab', { name: '用量' }).focus();
      await page.keyboard.press('Enter');
      await page.getByText('还没有应用空间：创建后即可查看用量。').waitFor();
      const wider = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(wider <= 0, `the usage tab scrolls sideways by ${wider}px`);
    },
    { viewport: { width: 390, height: 844 } },
  ),
);

/** Sets an owner's quota on the demo cluster through the API. */
async function setQuota(page, owner, amounts) {
  const demo = (await api(page, 'clusters/list', {})).find((c) => c.name === 'demo');
  await api(page, 'quotas/set', { owner, input: { cluster_id: demo.id, amounts } });
  return demo.id;
}

test('an operator makes an app space within the VDC quota; its tenant sees only theirs and deletes by name', T, () =>
  withPage(async (admin) => {
    await login(admin);
    const { domain, vdc } = await domainAndVdc(admin);
    await setQuota(admin, { kind: 'domain', id: domain.id }, { cpu: '4', memory: '8Gi', pods: '20' });
    await setQuota(admin, { kind: 'vdc', id: vdc.id }, { cpu: '2', memory: '4Gi', pods: '10' });
    // The neighbouring tenant, with an app space of its own.
    const other = await domainAndVdc(admin);
    await setQuota(admin, { kind: 'domain', id: other.domain.id }, { cpu: '1' });
    const demoId = await setQuota(admin, { kind: 'vdc', id: other.vdc.id }, { cpu: '1' });
    const theirs = unique('theirs');
    await api(admin, 'appspaces/create', {
      input: { vdc_id: other.vdc.id, cluster_id: demoId, name: theirs, display_name: 'Theirs', amounts: { cpu: '500m' } },
    });

    await goto(admin, `/vdcs/${vdc.id}`);
    await admin.getByRole('tab', { name: 'App spaces' }).click();
    await admin.getByRole('button', { name: 'New app space' }).click();
    const form = admin.getByRole('form', { name: 'New app space' });
    const space = unique('shop');
    await form.getByLabel('Name', { exact: true }).fill(space);
    await form.getByLabel('Display name', { exact: true }).fill('Shop');
    await form.getByText('The VDC has 2 left on this cluster.').waitFor();
    await form.getByLabel('CPU (cores)', { exact: true }).fill('3');
    await form.getByText('Asks 3; at most 2 is left.').waitFor();
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await form.getByText('Asked 3; the VDC has 2, 0 of it given to others: 2 left.').waitFor();
    await form.getByLabel('CPU (cores)', { exact: true }).fill('1');
    await form.getByLabel('Memory', { exact: true }).fill('1Gi');
    await form.getByLabel('Pods', { exact: true }).fill('5');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    const row = admin.getByRole('row').filter({ has: admin.getByRole('cell', { name: space, exact: true }) });
    await row.getByText('Ready').waitFor();

    // The tenant: a VDC admin of this VDC only.
    const roles = await api(admin, 'roles/list', {});
    const vdcAdmin = roles.find((r) => r.name === 'vdc-admin').id;
    const username = unique('tenant');
    const user = await api(admin, 'users/create', {
      input: { username, display_name: 'Tenant', domain_id: domain.id, password: 'first-secret-1' },
    });
    await api(admin, 'grants/create', { input: { user_id: user.id, role_id: vdcAdmin, scope_kind: 'vdc', scope_id: vdc.id } });
    const colleague = unique('colleague');
    await api(admin, 'users/create', {
      input: { username: colleague, display_name: 'Colleague', domain_id: domain.id, password: 'first-secret-1' },
    });

    await withPage(async (page) => {
      await login(page, username, 'first-secret-1');
      await api(page, 'account/password', { current_password: 'first-secret-1', new_password: 'second-secret-2' });
      // A member of one VDC lands on it.
      await goto(page, '/');
      await page.waitForURL(`**/vdcs/${vdc.id}`);
      // They add a colleague of their domain as a member.
      await page.getByRole('tab', { name: 'Members' }).click();
      await page.getByRole('button', { name: 'Add member' }).click();
      const add = page.getByRole('form', { name: 'Add member' });
      await add.getByLabel('Username').fill(colleague);
      await add.getByLabel('Role').selectOption({ label: 'vdc-user' });
      await add.getByRole('button', { name: 'Add member' }).click();
      await add.waitFor({ state: 'detached' });
      await page.getByRole('cell', { name: colleague, exact: true }).waitFor();

      // Usage: the VDC's quota with what is taken, drawn and as a table, and as CSV.
      await page.getByRole('tab', { name: 'Usage' }).click();
      const usage = page.getByRole('group', { name: 'demo' });
      const cpuRow = usage.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'CPU (cores)', exact: true }) }).first();
      await cpuRow.waitFor();
      assert.equal((await cpuRow.getByRole('cell').first().textContent()).trim(), '2', 'the VDC has 2 cores');
      assert.equal((await cpuRow.getByRole('cell').nth(1).textContent()).trim(), '0', 'no pods run yet');
      await usage.locator('.chart[data-drawn="true"]').waitFor();
      await usage.getByRole('rowheader', { name: space, exact: true }).waitFor();
      const csv = await page.request.get(new URL(`/usage/export.csv?vdc=${vdc.id}`, page.url()).href);
      assert.equal(csv.status(), 200);
      const text = await csv.text();
      assert.match(text, new RegExp(`"demo","${space}","cpu","1",`));
      assert.ok(!text.includes(theirs), 'the neighbour is not in the CSV');
      const stolen = await page.request.get(new URL(`/usage/export.csv?vdc=${other.vdc.id}`, page.url()).href);
      assert.equal(stolen.status(), 404, 'the neighbour\'s usage is as missing as an unknown VDC');
      assert.ok(!(await stolen.text()).includes(theirs));
      assert.equal(await page.getByText(theirs).count(), 0);
      // A user of the neighbouring domain is answered as a name nobody has.
      const stranger = unique('stranger');
      await api(admin, 'users/create', {
        input: { username: stranger, display_name: 'Stranger', domain_id: other.domain.id, password: 'first-secret-1' },
      });
      const refusal = async (who) => {
        await page.getByRole('button', { name: 'Add member' }).click();
        const form = page.getByRole('form', { name: 'Add member' });
        await form.getByLabel('Username').fill(who);
        await form.getByLabel('Role').selectOption({ label: 'vdc-user' });
        await form.getByRole('button', { name: 'Add member' }).click();
        const message = form.locator('.field-error, [role="alert"]').first();
        await message.waitFor();
        const text = (await message.textContent()).replaceAll(who, '<name>');
        await form.getByRole('button', { name: 'Cancel' }).click();
        await form.waitFor({ state: 'detached' });
        return text;
      };
      await page.getByRole('tab', { name: 'Members' }).click();
      assert.equal(await refusal(stranger), await refusal(unique('nobody')), 'the neighbour\'s user is as unknown as nobody');

      await goto(page, '/vdcs');
      await page.getByRole('cell', { name: vdc.name, exact: true }).waitFor();
      assert.equal(await page.getByRole('cell', { name: other.vdc.name, exact: true }).count(), 0);
      // Searching for the neighbour's VDC finds what a name nobody has finds.
      await page.getByRole('searchbox', { name: 'Search' }).fill(other.vdc.name);
      await page.keyboard.press('Enter');
      await page.getByText('Nothing matches your search.').waitFor();
      await goto(page, `/vdcs/${other.vdc.id}`);
      await page.getByText('It no longer exists.').waitFor();
      assert.equal(await page.getByText(theirs).count(), 0, 'nothing of the neighbour shows');

      // Made a member of a second VDC, they move between the two from the VDC page.
      const second = await api(admin, 'vdcs/create', {
        input: { domain_id: domain.id, name: unique('second'), display_name: 'Second' },
      });
      await api(admin, 'grants/create', { input: { user_id: user.id, role_id: vdcAdmin, scope_kind: 'vdc', scope_id: second.id } });
      await goto(page, `/vdcs/${vdc.id}`);
      const switcher = page.getByLabel('Go to another of your VDCs');
      await switcher.locator('option').nth(1).waitFor({ state: 'attached' });
      const choices = await switcher.locator('option').allTextContents();
      assert.deepEqual(choices.sort(), [`${domain.name}/${vdc.display_name}`, `${domain.name}/Second`].sort(), 'theirs and only theirs');
      await switcher.selectOption({ label: `${domain.name}/Second` });
      await page.waitForURL(`**/vdcs/${second.id}`);
      await page.getByRole('heading', { name: 'Second', level: 1 }).waitFor();

      await goto(page, `/vdcs/${vdc.id}`);
      await page.getByRole('tab', { name: 'App spaces' }).click();
      const mine = page.getByRole('row').filter({ has: page.getByRole('cell', { name: space, exact: true }) });
      await mine.getByText('Ready').waitFor();
      assert.equal(await page.getByText(theirs).count(), 0);
      await page.getByRole('button', { name: `Delete ${space}`, exact: true }).click();
      const dialog = page.getByRole('alertdialog', { name: `Delete ${space}?` });
      const confirm = dialog.getByRole('button', { name: 'Delete', exact: true });
      assert.equal(await confirm.isDisabled(), true, 'the name must be typed first');
      await dialog.getByLabel(`Type ${space} to confirm`).fill(space);
      await confirm.click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByText('No app spaces yet.', { exact: false }).waitFor();
    });
  }),
);
