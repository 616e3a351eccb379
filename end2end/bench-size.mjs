// First-load size benchmark (run by scripts/bench-size, not a test).
//
// Opens each page in a fresh Chromium context (an empty cache, as on a first
// visit), waits until it has hydrated, and lists every GET the page made to
// the server: the document, CSS, JS, the main WASM and any lazily loaded WASM
// chunk the page needed. Each is then fetched again with
// `Accept-Encoding: gzip` and its body bytes on the wire are summed.
// Prints a table and exits 1 when a page is over the budget.

import { request as httpRequest } from 'node:http';
import { setup, stop, newPage, baseURL, login, waitForHydration } from './harness.mjs';

const BUDGET = 350_000;

function gzipBytes(url, cookie, accept) {
  return new Promise((resolveBytes, reject) => {
    const req = httpRequest(
      url,
      { headers: { 'Accept-Encoding': 'gzip', Accept: accept, ...(cookie ? { Cookie: cookie } : {}) } },
      (res) => {
        let n = 0;
        res.on('data', (c) => (n += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolveBytes(n) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function kind(path) {
  if (path.endsWith('.wasm')) return path.includes('berth_bg') ? 'wasm' : 'chunks';
  if (path.endsWith('.js')) return 'js';
  if (path.endsWith('.css')) return 'css';
  if (path.endsWith('.svg') || path.endsWith('.ico')) return 'icon';
  return 'html';
}

/** Opens `path` in a fresh context holding `cookies`; returns bytes by kind. */
async function measure(path, cookies = []) {
  const page = await newPage();
  try {
    await page.context().addCookies(cookies);
    const gets = new Map(); // url -> the Accept header the browser sent
    page.on('request', async (r) => {
      if (r.method() === 'GET' && r.url().startsWith(baseURL)) gets.set(r.url(), (await r.allHeaders()).accept || '*/*');
    });
    await page.goto(path);
    await waitForHydration(page);
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const sizes = { html: 0, css: 0, js: 0, wasm: 0, chunks: 0, icon: 0 };
    for (const [url, accept] of gets) sizes[kind(new URL(url).pathname)] += await gzipBytes(url, cookie, accept);
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    return { sizes, total, files: gets.size };
  } finally {
    await page.context().close();
  }
}

let over = false;
function report(name, { sizes, total, files }) {
  const cols = Object.entries(sizes)
    .map(([k, v]) => `${k} ${String(v).padStart(7)}`)
    .join('  ');
  const verdict = total <= BUDGET ? 'within 350 KB' : 'OVER 350 KB';
  if (total > BUDGET) over = true;
  console.log(`${name.padEnd(22)} ${cols}  total ${String(total).padStart(7)} bytes (${(total / 1000).toFixed(1)} KB, ${files} files)  ${verdict}`);
}

await setup();
try {
  report('sign-in page', await measure('/login'));
  // Sign in in one context, then open the first page in another that has
  // only the session cookie: the first page after sign-in, cache empty.
  const signIn = await newPage();
  await login(signIn);
  const cookies = await signIn.context().cookies();
  await signIn.context().close();
  report('first page (overview)', await measure('/', cookies));
} finally {
  await stop();
}
process.exit(over ? 1 : 0);
