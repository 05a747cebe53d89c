// 7. The header's language switch: English at once, remembered for the user, and back to 中文.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, signIn, submitAndWait, USERS } = require('./server');

let app;
before(async () => { app = await start(); });
after(async () => { await app?.stop(); });

const navBoard = (page) => page.locator('header nav a[href="/board"]').textContent();

test('language switch: English, remembered per user across pages and sign-ins, then back to Chinese', async () => {
  const ctx = await app.context();
  const page = await ctx.newPage();
  await signIn(page, USERS.rep);
  assert.equal(await navBoard(page), '销售漏斗');

  await page.goto('/opportunities');
  await submitAndWait(page, page.locator('header').getByRole('button', { name: 'English' }));
  assert.equal(new URL(page.url()).pathname, '/opportunities', 'the switch stays on the same page');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await navBoard(page), 'Pipeline');
  assert.equal(await page.locator('header').getByRole('button', { name: 'English' }).getAttribute('aria-pressed'), 'true');

  // Another page: still English.
  await page.goto('/board');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await navBoard(page), 'Pipeline');
  assert.equal((await page.locator('main h1').textContent()).trim(), 'Pipeline');

  // Remembered on the user, not only in this browser: a fresh browser (Chinese, no cookies)
  // signing in as the same user gets English.
  const other = await app.context();
  const page2 = await other.newPage();
  await page2.goto('/login');
  assert.equal(await page2.getAttribute('html', 'lang'), 'zh-CN', 'before sign-in the browser language rules');
  await signIn(page2, USERS.rep);
  assert.equal(await page2.getAttribute('html', 'lang'), 'en');
  assert.equal(await navBoard(page2), 'Pipeline');
  await other.close();

  // Back to Chinese.
  await submitAndWait(page, page.locator('header').getByRole('button', { name: '中文' }));
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await navBoard(page), '销售漏斗');
  await page.goto('/settings');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await ctx.close();
});
