import { setup, stop, newPage, ADMIN_PASSWORD } from './harness.mjs';
await setup();
try {
  const page = await newPage({ javaScriptEnabled: false });
  await page.goto('/domains');
  console.log('at', page.url(), 'hidden next value attr:', await page.locator('input[name=next]').getAttribute('value'));
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
  console.log('after sign-in without JS:', page.url());
  await page.goto('/login?error=1&next=/vdcs');
  console.log('error page next attr:', await page.locator('input[name=next]').getAttribute('value'));
} finally { await stop(); }
