// 5. Without JavaScript the board still moves deals: each card's plain form posts the move, a
// gated stage answers with the refusal page (HTTP 409) and its override form.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  start, signIn, submitAndWait, createAccount, createDeal, processId, columns, USERS,
} = require('./server');

const ACCOUNT = '杭州西湖软件股份有限公司';
const DEAL = '西湖软件 · 年度维保';
const REASON = '渠道伙伴已确认决策者的见面时间';

let app;
let dealId;
before(async () => {
  app = await start();
  // Setup with JavaScript (the account fallback may need fetch); the test itself runs without.
  const ctx = await app.context();
  const page = await ctx.newPage();
  await signIn(page, USERS.rep);
  await createAccount(page, ACCOUNT);
  dealId = await createDeal(page, { name: DEAL, account: ACCOUNT, amount: '56000' });
  await ctx.close();
});
after(async () => { await app?.stop(); });

test('no-JS board: the move form to a gated stage shows the refusal page, the override form moves it', async () => {
  const ctx = await app.context({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await signIn(page, USERS.rep);
  const pid = await processId(page);
  const boardUrl = `/board?process_id=${pid}`;
  await page.goto(boardUrl);
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('js')).catch(() => false), false);
  const [first, second] = await columns(page);
  const card = page.locator(`section.column[data-stage-id="${first.id}"] .card[data-id="${dealId}"]`);
  assert.equal(await card.count(), 1);

  // The card's own form: choose the gated stage and press 移动.
  await card.locator('select[name="stage_id"]').selectOption({ label: second.name });
  const refused = await submitAndWait(page, card.getByRole('button', { name: '移动', exact: true }));
  assert.equal(refused.status(), 409);
  assert.equal((await page.locator('main h1').textContent()).trim(), '不能移动到“约定初次见面”');
  assert.equal((await page.locator('main .notice.warn p').textContent()).trim(), '以下进入条件尚未满足：');
  assert.deepEqual(await page.locator('main .notice.warn li').allTextContents(), ['决策者已同意见面日期']);
  assert.match(await page.locator('main').textContent(), new RegExp(DEAL));

  // Override with a reason: back on the board, the card in the second column.
  await page.fill('#override-reason', REASON);
  const moved = await submitAndWait(page, page.getByRole('button', { name: '仍然移动' }));
  assert.equal(moved.status(), 200);
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, boardUrl);
  assert.equal(await page.locator(`section.column[data-stage-id="${second.id}"] .card[data-id="${dealId}"]`).count(), 1);
  assert.equal(await page.locator(`section.column[data-stage-id="${first.id}"] .card[data-id="${dealId}"]`).count(), 0);

  // The history keeps the reason.
  await page.goto(`/opportunities/${dealId}`);
  const move = page.locator('.timeline li', { hasText: '销售机会 → 约定初次见面' });
  assert.equal((await move.locator('.reason').textContent()).trim(), `例外原因: ${REASON}`);
  await ctx.close();
});
