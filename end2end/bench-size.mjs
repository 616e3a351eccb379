// First-load size benchmark (run by scripts/bench-size, not a test).
//
// Opens every route in a fresh Chromium context (an empty cache, as on a
// first visit; signed in where the route needs it), waits until the page has
// hydrated and drawn its charts, and counts every request the page made to
// the server (the document, CSS, JS, the main WASM, WASM chunks, server
// function calls, live streams) and the bytes their responses took on the
// wire (gzip where the server compresses). The chart library is counted on
// a line of its own: only chart pages load it, on top of the page.
// Prints a table and exits 1 when a route is over either budget; with
// `--bytes-report-only`, bytes over budget are printed but only a request
// count over budget fails.

import { setup, stop, newPage, baseURL, login, waitForHydration, api } from './harness.mjs';

const BYTES_BUDGET = 350_000;
const REQUESTS_BUDGET = 15;
const CHART_LIBRARY = '/pkg/echarts.min.js';

function kind(path) {
  if (path === CHART_LIBRARY) return 'charts';
  if (path.endsWith('.wasm')) return path.includes('berth_bg') ? 'wasm' : 'chunks';
  if (path.endsWith('.js')) return 'js';
  if (path.endsWith('.css')) return 'css';
  if (path.endsWith('.svg') || path.endsWith('.ico')) return 'icon';
  if (path.startsWith('/api/') || path.startsWith('/live/')) return 'api';
  return 'html';
}

/** Opens `path` in a fresh context holding `cookies`; returns bytes by kind. */
async function measure(path, cookies = []) {
  const page = await newPage();
  try {
    await page.context().addCookies(cookies);
    const requests = [];
    page.on('request', (r) => {
      if (r.url().startsWith(baseURL)) requests.push(r);
    });
    await page.goto(path);
    await waitForHydration(page);
    // Charts draw after hydration, once the library has loaded.
    for (const chart of await page.locator('.chart').all()) {
      await chart.locator('canvas').waitFor();
    }
    await page.waitForLoadState('networkidle');
    const sizes = { html: 0, css: 0, js: 0, wasm: 0, chunks: 0, api: 0, icon: 0, charts: 0 };
    let count = 0;
    let chartRequests = 0;
    for (const r of requests) {
      const k = kind(new URL(r.url()).pathname);
      if (k === 'charts') chartRequests += 1;
      else count += 1;
      // A live stream never ends; its bytes so far are not the page's.
      if (r.resourceType() === 'eventsource') continue;
      const s = await r.sizes();
      sizes[k] += s.responseBodySize + s.responseHeadersSize;
    }
    const { charts, ...page_ } = sizes;
    const total = Object.values(page_).reduce((a, b) => a + b, 0);
    return { path: new URL(page.url()).pathname, sizes: page_, total, count, charts, chartRequests };
  } finally {
    await page.context().close();
  }
}

const bytesReportOnly = process.argv.includes('--bytes-report-only');
let over = false;
let chartLine = null;
function report(route, m) {
  const cols = Object.entries(m.sizes)
    .map(([k, v]) => `${k} ${String(v).padStart(6)}`)
    .join(' ');
  const fits = m.total <= BYTES_BUDGET && m.count <= REQUESTS_BUDGET;
  if (m.count > REQUESTS_BUDGET || (!bytesReportOnly && m.total > BYTES_BUDGET)) over = true;
  const landed = m.path === route ? '' : ` (landed on ${m.path})`;
  console.log(
    `${route.padEnd(20)} ${cols}  total ${(m.total / 1000).toFixed(1).padStart(5)} KB in ${String(m.count).padStart(2)} requests  ${fits ? 'within' : 'OVER'}${landed}`,
  );
  if (m.chartRequests) chartLine = { bytes: m.charts, requests: m.chartRequests, route };
}

await setup();
try {
  console.log(`# cold load of every route; budget ${BYTES_BUDGET / 1000} KB and ${REQUESTS_BUDGET} requests a route`);
  for (const route of ['/login', '/login/2fa']) report(route, await measure(route));
  // Sign in once; each route then opens in a fresh context that has only
  // the session cookie (its cache empty).
  const signIn = await newPage();
  await login(signIn);
  const cookies = await signIn.context().cookies();
  // The embedded cluster's overview page.
  await signIn.goto('/clusters');
  await waitForHydration(signIn);
  const cluster = await signIn.locator('a[href^="/clusters/"]').first().getAttribute('href');
  // A domain and a VDC with quota on the demo cluster, for their pages.
  const domain = await api(signIn, 'domains/create', { input: { name: 'bench', display_name: 'Bench' } });
  const vdc = await api(signIn, 'vdcs/create', { input: { domain_id: domain.id, name: 'bench-vdc', display_name: 'Bench VDC' } });
  const demo = (await api(signIn, 'clusters/list', {})).find((c) => c.name === 'demo');
  await api(signIn, 'quotas/set', { owner: { kind: 'domain', id: domain.id }, input: { cluster_id: demo.id, amounts: { cpu: '4', memory: '8Gi' } } });
  await api(signIn, 'quotas/set', { owner: { kind: 'vdc', id: vdc.id }, input: { cluster_id: demo.id, amounts: { cpu: '2' } } });
  await signIn.context().close();
  const routes = [
    '/', '/domains', `/domains/${domain.id}`, '/vdcs', `/vdcs/${vdc.id}`, '/clusters', cluster, '/nodes', '/users', '/roles', '/security', '/audit',
    '/account/password', '/account/2fa', '/account/sessions',
  ];
  for (const route of routes) report(route, await measure(route, cookies));
  if (chartLine) {
    console.log(
      `${'chart library'.padEnd(20)} ${CHART_LIBRARY}: ${(chartLine.bytes / 1000).toFixed(1)} KB in ${chartLine.requests} request, on top of ${chartLine.route} only`,
    );
  } else {
    console.log('chart library: no route loaded it');
    over = true;
  }
} finally {
  await stop();
}
process.exit(over ? 1 : 0);
