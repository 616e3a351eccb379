// Browser tests for the Nodes page on the embedded cluster: the nodes from
// the watch cache, cordon and uncordon, maintenance and drain after a
// confirmation, labels saved and a bad taint refused beside its field.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { goto, login, setup, stop, withPage } from '../harness.mjs';

const T = { timeout: 120_000 };

before(setup, { timeout: 90_000 });
after(stop);

function nodeRow(page, name) {
  return page.locator(`tr[data-node="${name}"]`);
}

test('nodes are listed, cordoned, put into maintenance and drained', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/nodes');
    await page.getByRole('heading', { level: 1, name: 'Nodes', exact: true }).waitFor();
    await nodeRow(page, 'sim-node-3').waitFor();
    assert.equal(await page.locator('tr[data-node]').count(), 3);
    const row = nodeRow(page, 'sim-node-1');
    await row.getByText('Ready', { exact: true }).waitFor();

    await row.getByRole('button', { name: 'Cordon sim-node-1', exact: true }).click();
    await nodeRow(page, 'sim-node-1').getByText('Cordoned', { exact: true }).waitFor();
    await nodeRow(page, 'sim-node-1').getByRole('button', { name: 'Uncordon sim-node-1' }).click();
    await nodeRow(page, 'sim-node-1').getByRole('button', { name: 'Cordon sim-node-1', exact: true }).waitFor();
    assert.equal(await nodeRow(page, 'sim-node-1').getByText('Cordoned', { exact: true }).count(), 0);

    await nodeRow(page, 'sim-node-2').getByRole('button', { name: 'Maintenance on sim-node-2' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Put sim-node-2 into maintenance?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Maintenance on', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await nodeRow(page, 'sim-node-2').getByText('Maintenance', { exact: true }).waitFor();
    await nodeRow(page, 'sim-node-2').getByText('Cordoned', { exact: true }).waitFor();

    await nodeRow(page, 'sim-node-3').getByRole('button', { name: 'Drain sim-node-3' }).click();
    const drain = page.getByRole('alertdialog', { name: 'Drain sim-node-3?' });
    await drain.getByRole('button', { name: 'Cancel' }).click();
    await drain.waitFor({ state: 'detached' });
    assert.equal(await nodeRow(page, 'sim-node-3').getByText('Cordoned', { exact: true }).count(), 0, 'cancel changes nothing');
    await nodeRow(page, 'sim-node-3').getByRole('button', { name: 'Drain sim-node-3' }).click();
    await page.getByRole('alertdialog', { name: 'Drain sim-node-3?' }).getByRole('button', { name: 'Drain', exact: true }).click();
    await nodeRow(page, 'sim-node-3').getByText('Cordoned', { exact: true }).waitFor();
  }));

test('a node shows its conditions, takes new labels and refuses a bad taint', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/nodes');
    await nodeRow(page, 'sim-node-1').getByRole('button', { name: 'sim-node-1', exact: true }).click();
    const panel = page.locator('#node-panel');
    await panel.getByRole('heading', { name: 'sim-node-1' }).waitFor();
    await panel.getByRole('rowheader', { name: 'Ready' }).waitFor();
    const labels = panel.getByLabel('Labels', { exact: true });
    await page.waitForFunction(() => document.querySelector('#node-labels')?.value.includes('kubernetes.io/hostname=sim-node-1'));
    await labels.fill(`${await labels.inputValue()}\nzone=east`);
    await panel.getByRole('button', { name: 'Save labels' }).click();
    await page.waitForFunction(() => document.querySelector('#node-labels')?.value.includes('zone=east'));
    // The list's search by label finds it.
    await page.getByRole('searchbox').fill('zone=east');
    await page.getByRole('searchbox').press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-node]').length === 1);
    assert.equal(await page.locator('tr[data-node]').getAttribute('data-node'), 'sim-node-1');

    await panel.getByLabel('Taints', { exact: true }).fill('gpu=true:Sometimes');
    await panel.getByRole('button', { name: 'Save taints' }).click();
    await page.waitForFunction(() => document.querySelector('#node-taints')?.getAttribute('aria-invalid') === 'true');
    const message = await page.locator('#node-taints-error').innerText();
    assert.match(message, /Sometimes/, message);
  }));

test('changes made outside Berth appear without a reload', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/nodes');
    await nodeRow(page, 'sim-node-1').waitFor();
    // The embedded cluster's address, as the registry knows it.
    const apiUrl = await page.evaluate(async () => {
      const r = await fetch('/api/clusters/list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return (await r.json()).find((c) => c.name === 'demo').api_url;
    });
    await nodeRow(page, 'sim-node-1').getByRole('button', { name: 'sim-node-1', exact: true }).click();
    const panel = page.locator('#node-panel');
    await panel.getByRole('heading', { name: 'sim-node-1' }).waitFor();
    const navigations = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));

    // Cordon the node straight through the Kubernetes API, as kubectl would.
    const patched = await fetch(`${apiUrl}/api/v1/nodes/sim-node-1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { unschedulable: true } }),
    });
    assert.equal(patched.status, 200);
    await nodeRow(page, 'sim-node-1').getByText('Cordoned', { exact: true }).waitFor();

    // A pod placed on the node shows in its panel, and turns Running there.
    const created = await fetch(`${apiUrl}/api/v1/namespaces/default/pods`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        metadata: { name: 'live-pod' },
        spec: { nodeName: 'sim-node-1', containers: [{ name: 'main', image: 'web:1' }] },
      }),
    });
    assert.equal(created.status, 201);
    const podRow = panel.locator('#node-pods tr').filter({ hasText: 'default/live-pod' });
    await podRow.getByText('Running', { exact: true }).waitFor();
    assert.deepEqual(navigations, [], 'the page never reloaded');
  }));
