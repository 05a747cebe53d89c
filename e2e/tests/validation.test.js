// 6. The new-deal form refuses bad input field by field and keeps what was typed.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, signIn, submitAndWait, createAccount, PROSPECT, USERS } = require('./server');

const ACCOUNT = '苏州工业园区某电子厂';

let app;
before(async () => { app = await start(); });
after(async () => { await app?.stop(); });

test('new deal with an empty name, a negative amount and an impossible date: field messages, input kept', async () => {
  const ctx = await app.context();
  const page = await ctx.newPage();
  await signIn(page, USERS.rep);
  await createAccount(page, ACCOUNT);

  await page.goto('/opportunities/new');
  await page.selectOption('#account_id', { label: ACCOUNT });
  await page.selectOption('#process_id', { label: PROSPECT });
  await page.fill('#amount', '-5');
  // A date input cannot take an impossible day: make it a text box first, as an old browser has.
  await page.evaluate(() => { document.getElementById('expected_close_date').type = 'text'; });
  await page.fill('#expected_close_date', '2031-02-30');
  await page.fill('#source', '展会');
  await page.fill('#smart_goal', '六月底前签下一期合同');

  const resp = await submitAndWait(page, page.locator('main form button[type=submit].primary'));
  assert.equal(resp.status(), 422);
  assert.equal(new URL(page.url()).pathname, '/opportunities');
  assert.equal((await page.locator('main [role=alert]').textContent()).trim(), '请修正标出的字段。');

  const message = (field) => page.locator(`.field.invalid:has(#${field}) .err`).textContent();
  assert.equal(await message('name'), '必填');
  assert.equal(await page.getAttribute('#name', 'aria-invalid'), 'true');
  assert.equal(await message('amount'), '不能为负数');
  assert.equal(await message('expected_close_date'), '日期无效（格式 YYYY-MM-DD，且须为真实日期）');
  assert.equal(await page.locator('.field.invalid').count(), 3, 'only the three bad fields are marked');

  // What was typed is still there.
  assert.equal(await page.inputValue('#amount'), '-5');
  assert.equal(await page.getAttribute('#expected_close_date', 'value'), '2031-02-30');
  assert.equal(await page.inputValue('#source'), '展会');
  assert.equal(await page.inputValue('#smart_goal'), '六月底前签下一期合同');
  assert.equal(await page.locator('#account_id option:checked').textContent(), ACCOUNT);
  assert.equal(await page.locator('#process_id option:checked').textContent(), PROSPECT);

  // Correcting the fields saves the deal.
  await page.fill('#name', '电子厂 · 产线自动化');
  await page.fill('#amount', '88000');
  await page.evaluate(() => { document.getElementById('expected_close_date').type = 'text'; });
  await page.fill('#expected_close_date', '2031-02-28');
  const saved = await submitAndWait(page, page.locator('main form button[type=submit].primary'));
  assert.equal(saved.status(), 200);
  assert.match(new URL(page.url()).pathname, /^\/opportunities\/\d+$/);
  assert.equal((await page.locator('main h1').textContent()).trim(), '电子厂 · 产线自动化');
  await ctx.close();
});
