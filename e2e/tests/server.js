// Shared helpers of the browser tests: a fresh Opportune server (release binary, temp data dir,
// users made with `opportune user add`), the system Chromium driven by playwright-core, and
// the few UI steps several tests need (sign in, create an account, create a deal).
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

const BIN = process.env.OPPORTUNE_BIN || path.resolve(__dirname, '..', '..', 'target', 'release', 'opportune');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const RESULTS = path.resolve(__dirname, '..', 'test-results');
const PASSWORD = 'correct-horse-9';

// Every test uses these people; all in one team so the manager sees the reps' deals.
const USERS = {
  rep: { email: 'li.na@example.com', name: '李娜', role: 'rep', team: '华东' },
  rep2: { email: 'wang.wei@example.com', name: '王伟', role: 'rep', team: '华东' },
  manager: { email: 'zhang.min@example.com', name: '张敏', role: 'manager', team: '华东' },
};

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function addUser(dataDir, u) {
  execFileSync(BIN, [
    'user', 'add', '--email', u.email, '--name', u.name, '--role', u.role,
    '--team', u.team, '--password-stdin', '--data-dir', dataDir,
  ], { input: `${PASSWORD}\n`, stdio: ['pipe', 'ignore', 'pipe'], timeout: 30_000 });
}

async function waitHealthy(base, child, logs, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`opportune serve exited with ${child.exitCode}:\n${logs.join('')}`);
    }
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      throw new Error(`opportune serve did not answer /healthz within ${deadlineMs} ms:\n${logs.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a server on a fresh data dir with the standard users and a browser. Call `stop()` at the end. */
async function start() {
  if (!fs.existsSync(BIN)) {
    throw new Error(`${BIN} is missing: run \`cargo build --release -p opportune\` first`);
  }
  fs.mkdirSync(RESULTS, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opportune-e2e-'));
  for (const u of Object.values(USERS)) addUser(dataDir, u);

  let child;
  let base;
  const logs = [];
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    logs.length = 0;
    child = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OPPORTUNE_LOG: 'warn' },
    });
    child.stdout.on('data', (d) => logs.push(d.toString()));
    child.stderr.on('data', (d) => logs.push(d.toString()));
    try {
      await waitHealthy(base, child, logs, 20_000);
      break;
    } catch (e) {
      child.kill('SIGKILL');
      if (attempt >= 2) throw e; // the port may have been taken in between: try another
    }
  }

  // Never leave a server behind, even if this test process dies without running `stop()`.
  const server = child;
  const killOnExit = () => { if (server.exitCode === null) server.kill('SIGKILL'); };
  process.once('exit', killOnExit);

  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (e) {
    killOnExit();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }

  async function stop() {
    await browser.close().catch(() => {});
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  /** A fresh browser context (own cookies) in Chinese, as a visitor from China would have. */
  async function context(opts = {}) {
    return browser.newContext({ locale: 'zh-CN', baseURL: base, viewport: { width: 1600, height: 1000 }, ...opts });
  }

  return { base, dataDir, browser, context, stop, logs };
}

/** Submits a form by clicking `button` and waits for the page it leads to; returns that response. */
async function submitAndWait(page, button) {
  const [resp] = await Promise.all([page.waitForNavigation(), button.click()]);
  return resp;
}

/** Signs `user` in through the login form and waits for the board. */
async function signIn(page, user, password = PASSWORD) {
  await page.goto('/login');
  await page.fill('#email', user.email);
  await page.fill('#password', password);
  const resp = await submitAndWait(page, page.locator('form[action="/login"] button[type=submit]'));
  assert.equal(resp.status(), 200, 'sign-in lands on a page that answers 200');
  assert.match(new URL(page.url()).pathname, /^\/board/);
}

/**
 * Creates an account named `name` as the signed-in user. Uses the accounts UI (`/accounts/new`)
 * when the server has it; otherwise a same-origin `fetch` to the JSON API from the signed-in page
 * (cookie auth), because the accounts pages did not exist yet when these tests were written.
 * E2E_ACCOUNTS_VIA_API=1 forces that fallback. Returns how it was done: 'ui' or 'api'.
 * Needs a JavaScript-enabled page for the fallback.
 */
async function createAccount(page, name) {
  const resp = process.env.E2E_ACCOUNTS_VIA_API ? null : await page.goto('/accounts/new');
  const form = page.locator('main form:has(input[name="name"])');
  if (resp && resp.status() === 200 && (await form.count()) > 0) {
    await form.locator('input[name="name"]').fill(name);
    const after = await submitAndWait(page, form.locator('button[type=submit]').first());
    assert.equal(after.status(), 200, `saving /accounts/new answered ${after.status()}`);
    assert.match(new URL(page.url()).pathname, /^\/accounts\/\d+$/, 'lands on the new account');
    assert.equal((await page.locator('main h1').textContent()).trim(), name);
    return 'ui';
  }
  // No accounts pages yet: the API, from inside the signed-in page (same origin, session cookie).
  await page.goto('/board');
  const res = await page.evaluate(async (n) => {
    const r = await fetch('/api/v1/accounts', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ name: n }),
    });
    return { status: r.status, body: await r.json() };
  }, name);
  assert.equal(res.status, 201, `POST /api/v1/accounts answered ${res.status}: ${JSON.stringify(res.body)}`);
  return 'api';
}

const PROSPECT = '潜在客户系统';

/** Creates a deal through `/opportunities/new` in the Prospect system; returns its id. */
async function createDeal(page, { name, account, amount = '120000', close = '2031-06-30' }) {
  await page.goto('/opportunities/new');
  await page.fill('#name', name);
  await page.selectOption('#account_id', { label: account });
  await page.selectOption('#process_id', { label: PROSPECT });
  await page.fill('#amount', amount);
  await page.fill('#expected_close_date', close);
  const resp = await submitAndWait(page, page.locator('main form button[type=submit].primary'));
  assert.equal(resp.status(), 200, 'the new deal page answers 200');
  const m = new URL(page.url()).pathname.match(/^\/opportunities\/(\d+)$/);
  assert.ok(m, `after saving the form the browser is on the deal page, not ${page.url()}`);
  return Number(m[1]);
}

/** The id of the process named `label` as the board's process filter lists it. */
async function processId(page, label = PROSPECT) {
  await page.goto('/board');
  const value = await page.locator('#f-process option', { hasText: label }).getAttribute('value');
  assert.ok(value, `the board offers the process ${label}`);
  return Number(value);
}

/** The board's columns in order: [{ id, name }]. */
async function columns(page) {
  return page.$$eval('[data-board] section.column', (cs) =>
    cs.map((c) => ({ id: Number(c.dataset.stageId), name: c.dataset.stageName })));
}

module.exports = {
  start, signIn, submitAndWait, createAccount, createDeal, processId, columns,
  USERS, PASSWORD, PROSPECT, RESULTS,
};
