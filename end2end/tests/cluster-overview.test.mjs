// Browser tests for a cluster's overview on the embedded cluster (3 nodes,
// one with 4 GPUs): ECharts is fetched only by the page with charts, every
// chart is drawn, the figures match the cluster, and a node going NotReady
// or a pod that fits nowhere shows up without a reload.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { goto, login, setup, stop, withPage } from '../harness.mjs';

const T = { timeout: 120_000 };
const CHARTS = ['#chart-nodes', '#chart-resource-0', '#chart-resource-1', '#chart-resource-2', '#chart-resource-3'];

before(setup, { timeout: 90_000 });
after(stop);

/** The embedded cluster's id and Kubernetes API address, as the registry knows them. */
async function demoCluster(page) {
  return page.evaluate(async () => {
    const r = await fetch('/api/clusters/list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const c = (await r.json()).find((c) => c.name === 'demo');
    return { id: c.id, apiUrl: c.api_url };
  });
}

test('the overview draws its charts with ECharts, loaded only there, and follows the cluster', T, () =>
  withPage(async (page) => {
    const echarts = [];
    page.on('request', (r) => {
      if (r.url().includes('echarts')) echarts.push(new URL(r.url()).pathname);
    });
    await login(page);
    await goto(page, '/nodes');
    await page.locator('tr[data-node="sim-node-1"]').waitFor();
    assert.deepEqual(echarts, [], 'pages without charts do not fetch ECharts');

    await goto(page, '/clusters');
    await page.getByRole('link', { name: 'Overview of demo' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview of demo' }).waitFor();
    for (const chart of CHARTS) {
      await page.locator(`${chart}[data-drawn="true"] canvas`).waitFor();
    }
    assert.deepEqual(echarts, ['/pkg/echarts.min.js'], 'fetched once, for all five charts');

    // The figures beside the charts: 3 nodes of 8 cores (7.8 for pods), 32Gi (31Gi), one with 4 GPUs.
    const cpu = page.locator('#resources tr[data-resource="cpu"]');
    await cpu.getByRole('cell', { name: '24 cores', exact: true }).waitFor();
    await cpu.getByRole('cell', { name: '23.4 cores', exact: true }).waitFor();
    await page.locator('#resources tr[data-resource="memory"]').getByRole('cell', { name: '93 GiB', exact: true }).waitFor();
    const gpu = page.locator('#resources tr[data-resource="nvidia.com/gpu"]');
    assert.deepEqual(await gpu.locator('td').allInnerTexts(), ['4', '4', '0', '0%']);
    await page.locator('[data-figure="nodes"]').getByText('3 of 3 ready').waitFor();
    assert.match(await page.locator('[data-figure="version"]').innerText(), /^v1\.37/);
    assert.match(await page.locator('#chart-resource-0').getAttribute('aria-label'), /^CPU: capacity 24 cores, allocatable 23.4 cores/);

    // Tooltips draw without breaking the page's policy (withPage fails on a CSP report).
    await page.locator('#chart-nodes canvas').hover({ position: { x: 150, y: 90 } });
    await page.locator('#chart-resource-2 canvas').hover({ position: { x: 120, y: 30 } });

    // Namespaces, searched.
    await page.locator('#namespaces tr[data-namespace="kube-system"]').waitFor();
    await page.getByRole('searchbox').fill('kube-');
    await page.getByRole('searchbox').press('Enter');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#namespaces tr[data-namespace]')].map((r) => r.dataset.namespace);
      return rows.length === 3 && rows.every((n) => n.startsWith('kube-'));
    });
    await page.getByText('No warning events.').waitFor();

    // Outside Berth: sim-node-1 stops being Ready, and a pod asks for more GPUs than any node has.
    const { apiUrl } = await demoCluster(page);
    const navigations = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    const patched = await fetch(`${apiUrl}/api/v1/nodes/sim-node-1/status`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy' }] } }),
    });
    assert.equal(patched.status, 200);
    const created = await fetch(`${apiUrl}/api/v1/namespaces/default/pods`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        metadata: { name: 'big-trainer' },
        spec: { containers: [{ name: 'main', image: 'trainer:1', resources: { limits: { 'nvidia.com/gpu': '8' } } }] },
      }),
    });
    assert.equal(created.status, 201);
    await page.locator('[data-figure="nodes"]').getByText('2 of 3 ready').waitFor();
    await page.locator('#nodes-not-ready').getByText('Not ready: sim-node-1').waitFor();
    await page.waitForFunction(() => /2 of 3 ready/.test(document.querySelector('#chart-nodes')?.getAttribute('aria-label') ?? ''));
    const warning = page.locator('#warnings tr[data-reason="FailedScheduling"]');
    await warning.getByText('Pod/big-trainer').waitFor();
    assert.match(await warning.innerText(), /Insufficient nvidia\.com\/gpu/);
    assert.deepEqual(navigations, [], 'the page never reloaded');
    assert.deepEqual(echarts, ['/pkg/echarts.min.js'], 'redrawn in place, not loaded again');

    // On to this cluster's nodes.
    await page.getByRole('link', { name: 'Nodes of this cluster' }).click();
    await page.locator('tr[data-node="sim-node-1"]').getByText('Not ready', { exact: true }).waitFor();
  }));

test('an unknown cluster is named as such, and the overview reads in Chinese', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/clusters/987654');
    await page.getByRole('heading', { level: 1, name: 'Cluster', exact: true }).waitFor();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.locator('.chart').count(), 0, 'no charts for a cluster that is not there');

    const { id } = await demoCluster(page);
    await page.context().addCookies([{ name: 'berth_lang', value: 'zh-CN', url: new URL(page.url()).origin }]);
    await goto(page, `/clusters/${id}`);
    await page.getByRole('heading', { level: 1, name: 'demo 概览' }).waitFor();
    await page.locator('#resources tr[data-resource="cpu"]').getByRole('cell', { name: '24 核', exact: true }).waitFor();
    await page.locator('#chart-resource-0[data-drawn="true"] canvas').waitFor();
    assert.match(await page.locator('#chart-resource-0').getAttribute('aria-label'), /^CPU（核）：容量 24 核/);
  }));
