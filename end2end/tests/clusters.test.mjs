// Browser tests for the cluster registry: registering a TLS cluster that
// demands a token (a berth-kube-sim process started here with --tls), the
// refused token reported beside the Token field, registering again from its
// kubeconfig with a chosen context, checking health, deleting after a
// confirmation.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { goto, login, setup, stop, unique, withPage } from '../harness.mjs';

const T = { timeout: 120_000 };
const here = dirname(fileURLToPath(import.meta.url));
const TOKEN = 'e2e-cluster-token';

let sim = null;
let simDir = null;
let kubeconfig = null;

async function startTlsSimulator() {
  const bin = resolve(here, '../../target/debug/berth-kube-sim');
  if (!existsSync(bin)) throw new Error(`simulator binary not found: ${bin} (cargo build -p berth-kube-sim)`);
  simDir = mkdtempSync(join(tmpdir(), 'berth-e2e-sim-'));
  const path = join(simDir, 'kubeconfig.yaml');
  sim = spawn(bin, ['--listen', '127.0.0.1:0', '--nodes', '3', '--tls', '--token', TOKEN, '--kubeconfig', path], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.includes('current-context')) return text;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the simulator wrote no kubeconfig');
}

before(async () => {
  kubeconfig = await startTlsSimulator();
  await setup();
}, { timeout: 90_000 });

after(async () => {
  await stop();
  if (sim) sim.kill();
  if (simDir) rmSync(simDir, { recursive: true, force: true });
});

function server() {
  return kubeconfig.match(/server: (\S+)/)[1];
}

function caPem() {
  const data = kubeconfig.match(/certificate-authority-data: (\S+)/)[1];
  return Buffer.from(data, 'base64').toString('utf8');
}

function clusterRow(page, name) {
  return page.locator(`tr[data-cluster="${name}"]`);
}

test('a cluster is registered by token after a refused token is named beside its field', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/clusters');
    await page.getByRole('button', { name: 'Register cluster' }).click();
    const form = page.getByRole('form', { name: 'Register cluster' });
    await form.waitFor();
    const name = unique('tls');
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('API endpoint and token').check();
    await form.getByLabel('API endpoint', { exact: true }).fill(server());
    await form.getByLabel('Token', { exact: true }).fill('not-the-token');
    await form.getByLabel('CA certificate (PEM)').fill(caPem());
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    const tokenField = form.getByLabel('Token', { exact: true });
    await page.waitForFunction(() => document.querySelector('#cluster-token')?.getAttribute('aria-invalid') === 'true');
    const message = await page.locator('#cluster-token-error').innerText();
    assert.match(message, /The cluster refused these credentials/, message);
    assert.equal(await tokenField.getAttribute('aria-invalid'), 'true');
    // Nothing was saved.
    assert.equal(await clusterRow(page, name).count(), 0);

    await tokenField.fill(TOKEN);
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    const row = clusterRow(page, name);
    await row.waitFor();
    await row.getByText('Healthy', { exact: true }).waitFor();
    await row.getByRole('cell', { name: 'Bearer token', exact: true }).waitFor();
    await row.getByRole('cell', { name: '3', exact: true }).waitFor();
    // An on-demand check keeps it healthy.
    await row.getByRole('button', { name: `Check now ${name}` }).click();
    await clusterRow(page, name).getByText('Healthy', { exact: true }).waitFor();
  }));

test('a cluster is registered from a kubeconfig context, then deleted after a confirmation', T, () =>
  withPage(async (page) => {
    await login(page);
    await goto(page, '/clusters');
    await page.getByRole('button', { name: 'Register cluster' }).click();
    const form = page.getByRole('form', { name: 'Register cluster' });
    await form.waitFor();
    const name = unique('kc');
    await form.getByLabel('Name', { exact: true }).fill(name);
    // Kubeconfig is the default way; an unknown context is refused by name first.
    await form.getByLabel('Kubeconfig', { exact: true }).fill(kubeconfig);
    await form.getByRole('button', { name: 'Read contexts' }).click();
    const context = form.getByLabel('Context', { exact: true });
    await context.waitFor();
    assert.deepEqual(await context.locator('option').allInnerTexts(), ['berth-sim']);
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    const row = clusterRow(page, name);
    await row.getByText('Healthy', { exact: true }).waitFor();

    await row.getByRole('button', { name: `Delete ${name}` }).click();
    const dialog = page.getByRole('alertdialog', { name: `Delete ${name}?` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await clusterRow(page, name).waitFor({ state: 'detached' });
    await page.reload();
    assert.equal(await clusterRow(page, name).count(), 0);
  }));
