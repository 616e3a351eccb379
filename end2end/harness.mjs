// Browser-test harness for Berth: one server and one Chromium for the whole
// run, a fresh browser context per test, and helpers the specs share.
//
// Environment:
//   BERTH_BIN  server binary (default: ../target/debug/berth from here)
//   CHROMIUM   Chromium executable (default: /usr/bin/chromium)

import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');

export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'e2e-admin-password-1';

/** Default wait for elements and actions, in milliseconds. */
export const TIMEOUT = 15_000;
const STARTUP_DEADLINE_MS = 30_000;

// Exactly the arguments from /work/shared/TOOLCHAIN.md ("Browser tests").
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let server = null; // child process
let browser = null;
let tempDir = null;
let logPath = null;
let logFd = null;
let serverExit = null; // { code, signal } once the server has exited
let failures = 0; // tests that failed inside withPage
export let baseURL = null;

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

function logTail(lines = 40) {
  if (!logPath || !existsSync(logPath)) return '(no log)';
  const text = readFileSync(logPath, 'utf8').split('\n');
  return text.slice(-lines).join('\n');
}

async function waitForReady(url) {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (serverExit) {
      throw new Error(`server exited during startup (${JSON.stringify(serverExit)})`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    // Poll interval between attempts, not a wait for a result.
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready within ${STARTUP_DEADLINE_MS / 1000} s (${last})`);
}

/** Starts the server and the browser. Call from `before`. */
/**
 * Starts the server and the browser. `options.env` adds server settings;
 * `options.port` picks the port (default: a free one).
 */
export async function setup(options = {}) {
  const bin = process.env.BERTH_BIN ? resolve(process.env.BERTH_BIN) : resolve(here, '../target/debug/berth');
  const siteRoot = resolve(repoRoot, 'target/site');
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin} (set BERTH_BIN or build it first)`);
  if (!existsSync(join(siteRoot, 'pkg'))) throw new Error(`built site not found: ${siteRoot}/pkg`);

  tempDir = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  logPath = join(tempDir, 'server.log');
  logFd = openSync(logPath, 'a');
  const port = options.port ?? (await freePort());
  const addr = `127.0.0.1:${port}`;
  baseURL = `http://${addr}`;

  const env = { ...process.env };
  // Settings from the outer environment must not redirect the server
  // (another database, a config file, a public URL).
  for (const k of Object.keys(env)) {
    if (k.startsWith('BERTH_') || k === 'DATABASE_URL') delete env[k];
  }
  Object.assign(env, {
    BERTH_ADDR: addr,
    BERTH_DATA_DIR: join(tempDir, 'data'),
    BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BERTH_SITE_ROOT: siteRoot,
    BERTH_EMBEDDED_CLUSTER: 'true',
    BERTH_EMBEDDED_CLUSTER_NODES: '3',
    BERTH_ARGON2_MEMORY_KIB: '1024',
    BERTH_ARGON2_ITERATIONS: '1',
    BERTH_LOG: 'info',
    ...(options.env ?? {}),
  });

  console.log(`# berth server: ${bin} at ${baseURL}, log ${logPath}`);
  server = spawn(bin, [], { cwd: tempDir, env, stdio: ['ignore', logFd, logFd] });
  serverExit = null;
  server.on('exit', (code, signal) => {
    serverExit = { code, signal };
  });
  server.on('error', (e) => {
    serverExit = { error: e.message };
  });

  try {
    await waitForReady(`${baseURL}/readyz`);
  } catch (e) {
    failures += 1;
    console.error(`# server log: ${logPath}\n${logTail()}`);
    await stop();
    throw e;
  }

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Stops the browser and the server. Call from `after`; safe to call twice. */
export async function stop() {
  if (browser) {
    const b = browser;
    browser = null;
    await b.close().catch(() => {});
  }
  if (server) {
    const child = server;
    server = null;
    if (!serverExit) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  }
  if (logFd !== null) {
    closeSync(logFd);
    logFd = null;
  }
  if (tempDir) {
    // Keep the directory (and the server log) when something went wrong.
    if (failures || process.env.BERTH_E2E_KEEP) {
      console.error(`# server log kept: ${logPath}`);
    } else {
      rmSync(tempDir, { recursive: true, force: true });
    }
    tempDir = null;
  }
}

// Last resort if the run is torn down without `after` (e.g. a crash).
process.on('exit', () => {
  if (server && !serverExit) server.kill('SIGKILL');
});

/**
 * A page in a fresh browser context (own cookies), optionally with a
 * `viewport` ({ width, height }) and a `timezoneId`. Console errors and
 * uncaught page errors are collected in `page.errors`.
 */
export async function newPage({ locale = 'en-US', javaScriptEnabled = true, viewport, timezoneId } = {}) {
  if (!browser) throw new Error('setup() has not run');
  const context = await browser.newContext({
    baseURL,
    locale,
    javaScriptEnabled,
    ...(viewport ? { viewport } : {}),
    ...(timezoneId ? { timezoneId } : {}),
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(2 * TIMEOUT);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console.error: ${m.text()}`);
  });
  return page;
}

/**
 * Runs `fn(page)` with a fresh page and always closes its context. On
 * failure the page's URL and collected console/page errors are added to the
 * error message.
 */
export async function withPage(fn, options) {
  const page = await newPage(options);
  try {
    await fn(page);
    // Uncaught errors, and anything the Content-Security-Policy refused,
    // fail the test.
    const uncaught = page.errors.filter((e) => e.startsWith('pageerror') || e.includes('Content Security Policy'));
    if (uncaught.length) throw new Error(`uncaught errors or CSP violations in the page:\n${uncaught.join('\n')}`);
  } catch (e) {
    failures += 1;
    const extra = [`page URL: ${page.url()}`, ...page.errors].join('\n  ');
    e.message = `${e.message}\n  ${extra}`;
    throw e;
  } finally {
    if (process.env.BERTH_E2E_DEBUG && page.errors.length) {
      console.log(`# page errors:\n#   ${page.errors.join('\n#   ')}`);
    }
    await page.context().close().catch(() => {});
  }
}

/**
 * Waits until the page has hydrated: the app marks `<html data-hydrated>`
 * once every part of the page, including pages loaded as separate WASM
 * chunks, has hydrated; then queued tasks (effects) get to run.
 */
export async function waitForHydration(page) {
  await page.waitForLoadState('load');
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-hydrated'), null, { timeout: TIMEOUT });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
}

/** Navigates to `path` and waits for hydration. */
export async function goto(page, path) {
  await page.goto(path);
  await waitForHydration(page);
}

/**
 * Signs in on the current sign-in page, or opens /login first. Waits for
 * the page the server redirects to, and for it to hydrate.
 */
export async function login(page, user = ADMIN_USER, password = ADMIN_PASSWORD) {
  if (!page.url().startsWith(baseURL) || new URL(page.url()).pathname !== '/login') {
    await page.goto('/login');
  }
  // The hidden `next` field is filled in by the WASM; wait for it.
  await waitForHydration(page);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
  await waitForHydration(page);
}

/** Calls server function `path` as the page's user; fails unless it answers 200. */
export async function api(page, path, data) {
  const res = await page.request.post(`/api/${path}`, { data });
  if (res.status() !== 200) throw new Error(`${path}: HTTP ${res.status()}: ${await res.text()}`);
  return res.json();
}

/** A DNS-1123-label-safe unique name: `t-<prefix>-<random6>`. */
export function unique(prefix) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(6);
  let suffix = '';
  for (const b of bytes) suffix += alphabet[b % alphabet.length];
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return `t-${clean}-${suffix}`.slice(0, 63);
}
