// Browser tests for single sign-on against a real OpenID provider process
// (npm oidc-provider, end2end/oidc-provider.mjs) on loopback: a first
// sign-in creates the user with the roles their groups map to, and those
// roles leave with the group; a provider account named like a local one
// never becomes it; the 2FA policy holds for SSO unless the ID token says
// the provider checked a second factor; a tampered ID token and one with
// another nonce are both refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ADMIN_PASSWORD, ADMIN_USER, freePort, goto, login, setup, stop, waitForHydration, withPage } from '../harness.mjs';

const T = { timeout: 120_000 };
const here = dirname(fileURLToPath(import.meta.url));
let provider = null;
let issuer = null;

before(
  async () => {
    const [providerPort, berthPort] = [await freePort(), await freePort()];
    provider = spawn(process.execPath, [join(here, '..', 'oidc-provider.mjs'), String(providerPort), `http://127.0.0.1:${berthPort}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    issuer = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the OpenID provider did not start')), 30_000);
      provider.on('exit', (code) => reject(new Error(`the OpenID provider exited (${code})`)));
      provider.stdout.on('data', (d) => {
        const m = /ready (\S+)/.exec(String(d));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    await setup({
      port: berthPort,
      env: {
        BERTH_OIDC_ISSUER: issuer,
        BERTH_OIDC_CLIENT_ID: 'berth',
        BERTH_OIDC_CLIENT_SECRET: 'berth-test-secret',
        BERTH_OIDC_GROUP_ROLES: 'berth-ops=operations-admin@platform;berth-devs=vdc-user@vdc:sso-d/sso-v',
      },
    });
  },
  { timeout: 90_000 },
);

after(async () => {
  await stop();
  provider?.kill('SIGTERM');
});

async function setMode(mode) {
  const res = await fetch(`${issuer}/__test/mode`, { method: 'POST', body: mode });
  assert.equal(res.status, 204);
}

/** From Berth's sign-in page through the provider's pages and back. */
async function signInAtProvider(page, login) {
  await goto(page, '/login');
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(issuer)),
    page.getByRole('link', { name: 'Sign in with single sign-on' }).click(),
  ]);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any-password');
  await page.locator('button[type="submit"]').click();
  // The provider asks for consent once per client and user.
  await page.waitForURL((u) => !u.pathname.endsWith('/login') || !u.href.startsWith(issuer));
  if (page.url().startsWith(issuer)) {
    await page.locator('button[type="submit"]').click();
  }
  await page.waitForURL((u) => !u.href.startsWith(issuer));
  await page.waitForLoadState('load');
  await waitForHydration(page);
}

test('signing in through the OpenID provider creates the user with the roles of their groups', T, () =>
  withPage(async (page) => {
    await signInAtProvider(page, 'alice');
    assert.equal(new URL(page.url()).pathname, '/');
    const me = await (await page.request.post('/api/me', { data: {} })).json();
    assert.equal(me.username, 'alice');
    assert.ok(me.permissions.includes('domain.create'), 'group berth-ops brings operations admin');
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Domains' }).waitFor();
  }));

for (const [mode, what, reason] of [
  ['tamper', 'a tampered ID token', /ID token refused: Signature verification failed/],
  ['wrong-nonce', 'an ID token with another nonce', /ID token refused: Invalid nonce/],
]) {
  test(`${what} is refused and nobody is signed in`, T, () =>
    withPage(async (page) => {
      await setMode(mode);
      await signInAtProvider(page, 'bob');
      const url = new URL(page.url());
      assert.equal(url.pathname + url.search, '/login?error=sso');
      await page.getByRole('alert').getByText('Single sign-on did not succeed.').waitFor();
      const res = await page.request.post('/api/me', { data: {} });
      assert.equal(res.status(), 401);
      // The audit log says why.
      await login(page, ADMIN_USER, ADMIN_PASSWORD);
      const audit = await page.request.post('/api/audit/list', {
        data: { query: { action: 'auth.sso', outcome: 'denied', per_page: 1 } },
      });
      const newest = (await audit.json()).items[0];
      assert.match(newest.details, reason);
    }));
}

/** Forgets every session, Berth's and the provider's, as a new browser would. */
async function forget(page) {
  await page.context().clearCookies();
}

async function me(page) {
  const res = await page.request.post('/api/me', { data: {} });
  return { status: res.status(), body: res.status() === 200 ? await res.json() : null };
}

test('a provider account named like a local account never signs in as it', T, () =>
  withPage(async (page) => {
    // The provider's `admin` (subject `admin`) is not Berth's admin.
    await signInAtProvider(page, 'admin');
    const url = new URL(page.url());
    assert.equal(url.pathname + url.search, '/login?error=sso-unlinked');
    await page.getByRole('alert').getByText(/not linked to your single sign-on account/).waitFor();
    assert.equal((await me(page)).status, 401);
    // Nor does any other subject whose username claim says `admin`.
    await forget(page);
    await setMode('claims:{"preferred_username":"admin"}');
    await signInAtProvider(page, 'mallory');
    assert.equal(new URL(page.url()).search, '?error=sso-unlinked');
    assert.equal((await me(page)).status, 401);
  }));

test('roles a provider group brings leave with the group', T, () =>
  withPage(async (page) => {
    await setMode('claims:{"groups":["berth-ops"]}');
    await signInAtProvider(page, 'carol');
    assert.ok((await me(page)).body.permissions.includes('domain.create'));
    await forget(page);
    // Next time the token carries no group: the role is gone.
    await signInAtProvider(page, 'carol');
    const again = await me(page);
    assert.equal(again.body.username, 'carol');
    assert.deepEqual(again.body.permissions, []);
  }));

test('the 2FA policy holds for single sign-on unless the provider checked a second factor', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    const post = (path, data) => page.request.post(path, { data });
    // The VDC the `berth-devs` group brings a VDC user role in.
    const d = await (await post('/api/domains/create', { input: { name: 'sso-d', display_name: 'SSO' } })).json();
    assert.equal((await post('/api/vdcs/create', { input: { domain_id: d.id, name: 'sso-v', display_name: 'SSO' } })).status(), 200);
    const set = (types) =>
      post('/api/security/two-factor-policy/update', { policy: { required_role_types: types, required_domains: [] } });
    assert.equal((await set(['VdcUser'])).status(), 200);
    try {
      await forget(page);
      await setMode('claims:{"groups":["berth-devs"]}');
      await signInAtProvider(page, 'dave');
      assert.equal(new URL(page.url()).pathname, '/account/2fa', 'held to set up a second factor');
      assert.equal((await post('/api/vdcs/list', { query: {} })).status(), 403);
      await forget(page);
      await setMode('claims:{"groups":["berth-devs"],"amr":["pwd","mfa"]}');
      await signInAtProvider(page, 'erin');
      // Signed in, not held: a member of one VDC goes on to it.
      assert.match(new URL(page.url()).pathname, /^\/(vdcs\/\d+)?$/);
      assert.equal((await post('/api/vdcs/list', { query: {} })).status(), 200);
    } finally {
      await forget(page);
      await login(page, ADMIN_USER, ADMIN_PASSWORD);
      assert.equal((await set([])).status(), 200);
    }
  }));
