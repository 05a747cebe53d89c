// 1. Signing in, in Chinese by default.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, submitAndWait, USERS, PASSWORD } = require('./server');

let app;
before(async () => { app = await start(); });
after(async () => { await app?.stop(); });

test('sign-in: Chinese by default, a wrong password is refused, the right one lands on the board', async () => {
  const ctx = await app.context();
  const page = await ctx.newPage();

  // A visitor who is not signed in is sent to the sign-in page, which is in Chinese.
  await page.goto('/board');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await page.textContent('label[for="password"]'), '密码');

  // Wrong password: the form comes back with the error and the e-mail kept.
  await page.fill('#email', USERS.rep.email);
  await page.fill('#password', 'not-the-password');
  const refused = await submitAndWait(page, page.getByRole('button', { name: '登录', exact: true }));
  assert.equal(refused.status(), 401);
  assert.equal((await page.locator('[role=alert]').textContent()).trim(), '电子邮件或密码不正确。');
  assert.equal(await page.inputValue('#email'), USERS.rep.email);
  assert.equal(await page.inputValue('#password'), '');
  assert.equal(await page.locator('header.topbar').count(), 0, 'no navigation before signing in');

  // Right password: the board, with the Chinese navigation and the user's name.
  await page.fill('#password', PASSWORD);
  const ok = await submitAndWait(page, page.getByRole('button', { name: '登录', exact: true }));
  assert.equal(ok.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/board');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  const nav = page.getByRole('navigation', { name: '菜单' });
  assert.equal(await nav.getByRole('link', { name: '销售漏斗' }).getAttribute('aria-current'), 'page');
  assert.equal((await page.locator('main h1').textContent()).trim(), '销售漏斗');
  assert.match(await page.locator('header .user').textContent(), /李娜 · /);

  // Signing out leads back to the sign-in page; the board then asks to sign in again.
  await submitAndWait(page, page.getByRole('button', { name: '退出' }));
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.goto('/board');
  assert.equal(new URL(page.url()).pathname, '/login');
  await ctx.close();
});
