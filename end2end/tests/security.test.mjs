// Browser tests for security settings and one's own password: the password
// policy page, and a first sign-in that must change the password before
// anything else, with the rules ticked off while typing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { createHmac } from 'node:crypto';

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

const DEFAULT_POLICY = {
  min_length: 8,
  require_upper: false,
  require_lower: false,
  require_digit: false,
  require_symbol: false,
  forbid_username: true,
  history: 0,
  max_age_days: 0,
};

test('operators set the password policy; a new user must change their password first and sees the rules', T, () =>
  withPage(async (admin) => {
    await login(admin, ADMIN_USER, ADMIN_PASSWORD);
    try {
      await goto(admin, '/security');
      const form = admin.getByRole('form', { name: 'Password policy' });
      await form.getByLabel('Minimum length (8 to 128)').fill('3');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.getByText('This number is out of the allowed range.').waitFor();
      await form.getByLabel('Minimum length (8 to 128)').fill('10');
      await form.getByLabel('Require a digit').check();
      await form.getByRole('button', { name: 'Save' }).click();
      await form.getByRole('status').getByText('Saved.').waitFor();

      // An operator creates the user; the first password must be changed.
      const username = unique('pw');
      const res = await admin.request.post('/api/users/create', {
        data: { input: { username, display_name: 'Newcomer', password: 'first-secret-1' } },
      });
      assert.equal(res.status(), 200, await res.text());

      await withPage(async (page) => {
        await login(page, username, 'first-secret-1');
        assert.equal(new URL(page.url()).pathname, '/account/password');
        await page.getByText('Your password must be changed before you go on.').waitFor();
        const rules = page.locator('.password-rules');
        await rules.getByText('At least 10 characters').waitFor();
        await page.getByLabel('Current password').fill('first-secret-1');
        await page.getByLabel('New password', { exact: true }).fill('short');
        assert.equal(await rules.locator('li.rule-met').count(), 1, 'only "no username" is met');
        await page.getByLabel('Repeat the new password').fill('short');
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.getByText('The password is shorter than the policy allows.').waitFor();

        await page.getByLabel('New password', { exact: true }).fill('a-longer-secret-2');
        await page.getByLabel('Repeat the new password').fill('a-longer-secret-3');
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.getByText('The two new passwords differ.').waitFor();

        await page.getByLabel('Repeat the new password').fill('a-longer-secret-2');
        assert.equal(await rules.locator('li.rule-met').count(), 3, 'length, digit and no username are met');
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.getByRole('status').getByText('Your password has been changed.').waitFor();

        // The portal is open again.
        await goto(page, '/');
        assert.equal(new URL(page.url()).pathname, '/');
      });
    } finally {
      const res = await admin.request.post('/api/security/password-policy/update', { data: { policy: DEFAULT_POLICY } });
      assert.equal(res.status(), 200, await res.text());
    }
  }));

test('operators add and remove login IP rules, and cannot lock themselves out', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    await goto(page, '/security');
    const section = page.getByRole('region', { name: 'Login IP rules' });
    // The form opens from its button, and closes once a rule is added.
    await section.getByRole('button', { name: 'New IP rule' }).click();
    const form = section.getByRole('form', { name: 'New IP rule' });

    // An allow list without this browser's address would refuse it.
    await form.getByLabel('Action').selectOption('allow');
    await form.getByLabel('Network (CIDR or address)').fill('10.0.0.0/8');
    await form.getByRole('button', { name: 'Create' }).click();
    await section.getByText('This rule would refuse your own address.').waitFor();
    // The list reloads after every call, refused ones too: the form keeps what was typed.
    assert.equal(await form.getByLabel('Network (CIDR or address)').inputValue(), '10.0.0.0/8');
    assert.equal(await form.getByLabel('Action').inputValue(), 'allow');

    await form.getByLabel('Network (CIDR or address)').fill('not-a-network');
    await form.getByRole('button', { name: 'Create' }).click();
    await section.getByText('This value is invalid.').waitFor();

    await form.getByLabel('Action').selectOption('deny');
    await form.getByLabel('Network (CIDR or address)').fill('192.0.2.77/24');
    await form.getByLabel('Description').fill('e2e test network');
    await form.getByRole('button', { name: 'Create' }).click();
    const row = section.getByRole('row').filter({ hasText: '192.0.2.0/24' });
    await row.waitFor();
    await form.waitFor({ state: 'detached' });
    assert.match(await row.innerText(), /The whole platform\s+Deny\s+192\.0\.2\.0\/24\s+e2e test network/);

    await row.getByRole('button', { name: 'Delete 192.0.2.0/24' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Delete 192.0.2.0/24?' });
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    await section.getByText('No rules: every address may sign in.').waitFor();
  }));

/** Posts the sign-in form as a browser without scripts would. */
async function failSignIn(page, username) {
  const res = await page.request.post('/auth/login', {
    form: { username, password: 'not-the-password', next: '/' },
    maxRedirects: 0,
  });
  assert.equal(res.status(), 303);
  return res.headers().location;
}

test('the audit page filters by user and outcome, and exports what it shows', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    const username = unique('audit');
    const res = await page.request.post('/api/users/create', {
      data: { input: { username, display_name: 'Audited', password: 'first-secret-1' } },
    });
    assert.equal(res.status(), 200, await res.text());
    assert.match(await failSignIn(page, username), /error=1/);

    await goto(page, '/audit');
    const filters = page.getByRole('form', { name: 'Filters' });
    await filters.getByLabel('Username').fill(username);
    await filters.getByLabel('Outcome').selectOption('failed');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    const rows = page.locator('table.table tbody tr');
    await page.getByText('1 in total').waitFor();
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), new RegExp(`${username}\\s+127\\.0\\.0\\.1\\s+auth\\.login\\s+session\\s+Failed`));

    // The export link carries the same filters.
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.equal(href, `/audit/export.csv?user=${username}&outcome=failed`);
    const csv = await (await page.request.get(href)).text();
    const lines = csv.trim().split('\r\n');
    assert.equal(lines[0], 'time,user,source,action,target,scope,outcome,request_id,details');
    assert.equal(lines.length, 2, csv);
    assert.match(lines[1], new RegExp(`"${username}","127\\.0\\.0\\.1","auth\\.login","session","","failed"`));

    await filters.getByLabel('Outcome').selectOption('allowed');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Nothing matches your search.').waitFor();
  }));

test('repeated failed sign-ins lock the account and the sign-in page says for how long', T, () =>
  withPage(async (page) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    const username = unique('lock');
    const res = await page.request.post('/api/users/create', {
      data: { input: { username, display_name: 'Locked', password: 'first-secret-1' } },
    });
    assert.equal(res.status(), 200, await res.text());
    await page.context().clearCookies();
    for (let i = 0; i < 5; i++) await failSignIn(page, username);
    // Even the right password is refused now, with the reason shown.
    await goto(page, '/login');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('first-secret-1');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.getByRole('alert').getByText('Too many failed sign-ins. Try again in 15 minutes.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');

    // An operator sees the lock and lifts it; the user signs in again.
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    await goto(page, '/security');
    const locks = page.getByRole('region', { name: 'Locked sign-in names' });
    await locks.getByText(username).waitFor();
    await locks.getByRole('button', { name: `Lift the lock ${username}` }).click();
    await locks.getByText(username).waitFor({ state: 'detached' });
    await page.context().clearCookies();
    await login(page, username, 'first-secret-1');
    assert.equal(new URL(page.url()).pathname, '/account/password');
  }));

test('users see where they are signed in and end another session', T, () =>
  withPage(async (laptop) => {
    // A user of their own, so their sessions are exactly these two.
    await login(laptop, ADMIN_USER, ADMIN_PASSWORD);
    const username = unique('sess');
    const res = await laptop.request.post('/api/users/create', {
      data: { input: { username, display_name: 'Sessions', password: 'first-secret-1' } },
    });
    assert.equal(res.status(), 200, await res.text());
    await laptop.context().clearCookies();
    await login(laptop, username, 'first-secret-1');
    const changed = await laptop.request.post('/api/account/password', {
      data: { current_password: 'first-secret-1', new_password: 'second-secret-2' },
    });
    assert.equal(changed.status(), 200, await changed.text());

    await withPage(async (phone) => {
      await login(phone, username, 'second-secret-2');
      await goto(laptop, '/account/sessions');
      const rows = laptop.locator('table.table tbody tr');
      await rows.nth(1).waitFor();
      assert.equal(await rows.count(), 2);
      assert.equal(await rows.filter({ hasText: 'This session' }).count(), 1);
      const other = rows.filter({ hasNotText: 'This session' });
      await other.getByRole('button', { name: /^End session/ }).click();
      const dialog = laptop.getByRole('alertdialog');
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await laptop.waitForFunction(() => document.querySelectorAll('table.table tbody tr').length === 1);
      // The phone is signed out; the laptop is not.
      await phone.goto('/account/sessions');
      assert.equal(new URL(phone.url()).pathname, '/login');
      await goto(laptop, '/account/sessions');
      assert.equal(new URL(laptop.url()).pathname, '/account/sessions');
    });
  }));

// RFC 6238 computed here, independently of the server's code.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigInt64BE(BigInt(step));
  const h = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const o = h[19] & 15;
  const bin = ((h[o] & 127) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

const stepNow = () => Math.floor(Date.now() / 1000 / 30);

async function signInWithPassword(page, username, password) {
  await goto(page, '/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
  await waitForHydration(page);
}

async function enterCode(page, code) {
  await page.getByLabel('Code').fill(code);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Verify' }).click()]);
  await waitForHydration(page);
}

test('a user sets up two-factor sign-in with the QR code, then signs in with a code and a recovery code', T, () =>
  withPage(async (admin) => {
    await login(admin, ADMIN_USER, ADMIN_PASSWORD);
    const username = unique('tf');
    const res = await admin.request.post('/api/users/create', {
      data: { input: { username, display_name: 'Two Factor', password: 'first-secret-1' } },
    });
    assert.equal(res.status(), 200, await res.text());

    let recovery;
    await withPage(async (page) => {
      await signInWithPassword(page, username, 'first-secret-1');
      const changed = await page.request.post('/api/account/password', {
        data: { current_password: 'first-secret-1', new_password: 'second-secret-2' },
      });
      assert.equal(changed.status(), 200, await changed.text());

      await goto(page, '/account/2fa');
      // A session alone does not set up a second factor: the password too.
      await page.getByLabel('Current password').fill('not-my-password');
      await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
      await page.getByText('The current password is wrong.').waitFor();
      await page.getByLabel('Current password').fill('second-secret-2');
      await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
      const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
      await qr.waitFor();
      assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;base64,/);
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      await page.getByLabel('Code').fill('000000' === totp(secret, stepNow()) ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText('The code is wrong or already used.').waitFor();
      await page.getByLabel('Code').fill(totp(secret, stepNow()));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Recovery codes' }).waitFor();
      recovery = await page.locator('ul.recovery-codes li').allInnerTexts();
      assert.equal(recovery.length, 10);

      // Signing in now asks for a code after the password.
      await page.context().clearCookies();
      await signInWithPassword(page, username, 'second-secret-2');
      assert.equal(new URL(page.url()).pathname, '/login/2fa');
      await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
      await enterCode(page, totp(secret, stepNow() + 1));
      assert.equal(new URL(page.url()).pathname, '/');
    });

    await withPage(async (page) => {
      await signInWithPassword(page, username, 'second-secret-2');
      await enterCode(page, 'abcdef');
      assert.equal(new URL(page.url()).pathname, '/login/2fa');
      await page.getByRole('alert').getByText('The code is wrong or already used.').waitFor();
      await enterCode(page, recovery[0]);
      assert.equal(new URL(page.url()).pathname, '/');
    });
  }));
