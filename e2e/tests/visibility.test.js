// 8. Who sees a deal: its rep and their manager; another rep of the same team does not.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, signIn, createAccount, createDeal, processId, USERS } = require('./server');

const ACCOUNT = '南京长江物流集团';
const DEAL = '长江物流 · 仓储系统';

let app;
let dealId;
before(async () => {
  app = await start();
  const ctx = await app.context();
  const page = await ctx.newPage();
  await signIn(page, USERS.rep);
  await createAccount(page, ACCOUNT);
  dealId = await createDeal(page, { name: DEAL, account: ACCOUNT });
  await ctx.close();
});
after(async () => { await app?.stop(); });

async function boardOf(user) {
  const ctx = await app.context();
  const page = await ctx.newPage();
  await signIn(page, user);
  const pid = await processId(page);
  await page.goto(`/board?process_id=${pid}`);
  return { ctx, page };
}

test('another rep sees neither the card nor the deal page (404)', async () => {
  const { ctx, page } = await boardOf(USERS.rep2);
  assert.equal(await page.locator(`.card[data-id="${dealId}"]`).count(), 0);
  assert.equal(await page.getByText(DEAL).count(), 0);
  assert.match(await page.locator('.totals').textContent(), /\b0 个商机/);

  const resp = await page.goto(`/opportunities/${dealId}`);
  assert.equal(resp.status(), 404);
  assert.equal((await page.locator('main h1').textContent()).trim(), '页面不存在');
  assert.equal(await page.getByText(DEAL).count(), 0);
  assert.equal(await page.locator('header nav a[href="/board"]').textContent(), '销售漏斗', 'still signed in, with the navigation');
  await ctx.close();
});

test('the manager of the same team sees the card and the deal page', async () => {
  const { ctx, page } = await boardOf(USERS.manager);
  const card = page.locator(`.card[data-id="${dealId}"]`);
  assert.equal(await card.count(), 1);
  assert.match(await card.textContent(), /李娜/);
  const resp = await page.goto(`/opportunities/${dealId}`);
  assert.equal(resp.status(), 200);
  assert.equal((await page.locator('main h1').textContent()).trim(), DEAL);
  await ctx.close();
});

test('the rep sees their own deal', async () => {
  const { ctx, page } = await boardOf(USERS.rep);
  assert.equal(await page.locator(`.card[data-id="${dealId}"]`).count(), 1);
  await ctx.close();
});
