// The practice library: a trust leader opens the library and a practice with its verdict, a
// cluster member reads a practice's impact on the pupil group it targets before all pupils', a
// governor posts a comment and reports a post, and every page passes axe-core and fits a phone.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startBrowser, signIn, checkAccessibility, screenshot, chartsDrawn } = require('./support');

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

test('the library shows each practice with its verdict and a practice explains its estimate', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Practice library' }).click();
  await page.getByRole('heading', { level: 1, name: 'Practice library' }).waitFor();
  const table = await page.locator('main table').innerText();
  assert.match(table, /First-day absence calls/);
  assert.match(table, /Adopting schools improved more than similar schools that did not adopt it/);
  assert.match(table, /Too few schools/);
  await checkAccessibility(page, 'the practice library');

  await page.getByRole('link', { name: 'First-day absence calls' }).click();
  await page.getByRole('heading', { level: 1, name: 'First-day absence calls' }).waitFor();
  assert.match(await page.locator('#verdict').innerText(), /improved more than similar schools/);
  assert.match(await page.locator('main').innerText(), /95% confidence interval from -/);
  assert.ok(await page.locator('#table-comparisons tbody tr').count() >= 10, 'the comparison schools are listed');
  assert.ok((await chartsDrawn(page)) > 0, 'the impact chart is drawn');
  await screenshot(page, 'practice');
  await checkAccessibility(page, 'a practice with its impact');

  await page.getByRole('link', { name: 'Moderate the discussion' }).click();
  await page.getByRole('heading', { level: 1, name: /^Moderating/ }).waitFor();
  assert.match(await page.locator('#trail ~ .table-scroll').innerText(), /Hidden/);
  await checkAccessibility(page, 'the moderation page');
  await page.close();
});

test('a governor posts a comment and reports a post, on a phone', async () => {
  const page = await browser.freshPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, 'governor');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Practice library' }).click();
  await page.getByRole('link', { name: 'First-day absence calls' }).click();
  await page.getByRole('heading', { level: 1, name: 'First-day absence calls' }).waitFor();
  assert.match(await page.locator('#discussion ~ ol').innerText(), /This post was hidden by a moderator/);

  const words = `Our board would like to visit (${Date.now()})`;
  await page.getByLabel('Add to the discussion').fill(words);
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Post', exact: true }).click(),
  ]);
  const mine = page.locator('li', { hasText: words });
  await mine.waitFor();

  const other = page.locator('li', { hasText: 'At Riverside Primary the deputy head' });
  await other.getByLabel('Report this post as').selectOption('Spam');
  await Promise.all([
    page.waitForLoadState('load'),
    other.getByRole('button', { name: /^Report/ }).click(),
  ]);
  await page.locator('li', { hasText: 'At Riverside Primary the deputy head' }).getByText('You reported this post.').waitFor();

  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width}px wide on a 390px phone`);
  await screenshot(page, 'practice-phone');
  await checkAccessibility(page, 'a practice after posting and reporting');
  await page.close();
});

test("a practice aimed at disadvantaged pupils shows their impact first, saying what suppression left out", async () => {
  const page = await browser.freshPage();
  await signIn(page, 'cluster.member');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Practice library' }).click();
  await page.getByRole('link', { name: 'Reading fluency pairs' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reading fluency pairs' }).waitFor();
  const headings = await page.locator('main h3').allInnerTexts();
  const targeted = headings.indexOf('On disadvantaged pupils, the group it targets');
  assert.ok(targeted >= 0, `a heading for the targeted group: ${headings}`);
  assert.ok(targeted < headings.indexOf('On all pupils'), 'the targeted group comes first');
  assert.match(await page.locator('#targeted-verdict').innerText(), /\.$/);
  assert.match(await page.locator('#targeted-left-out').innerText(), /(No school was left out|Left out because their figures for disadvantaged pupils are suppressed)/);
  assert.ok(await page.locator('#table-targeted-adopters tbody tr').count() >= 2, 'each adopting school');
  await screenshot(page, 'practice-targeted');
  await checkAccessibility(page, "a practice's impact on its targeted group");
  await page.close();
});
