// A school's page, its pupils (a page at a time), its access log, and the 403 page.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { url, startBrowser, signIn, checkAccessibility, screenshot, schoolHref } = require('./support');

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

// A small school keeps the pupils page (and axe-core's pass over every cell) quick.
const SCHOOL = 'Willow Bank School';

test('the trust leader opens a school page and its pupils', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  const href = await schoolHref(page, SCHOOL);

  await page.getByRole('link', { name: SCHOOL }).click();
  await page.waitForURL((u) => u.pathname === href);
  await page.getByRole('heading', { level: 1, name: SCHOOL }).waitFor();
  assert.ok(await page.locator('table[aria-labelledby="roll"] tbody tr').count() > 0, 'roll by year group');
  await screenshot(page, 'school');
  await checkAccessibility(page, 'a school page');

  await page.getByRole('link', { name: 'Pupils on roll' }).click();
  await page.waitForURL((u) => u.pathname === `${href}/pupils`);
  await page.getByRole('heading', { level: 1, name: `Pupils on roll at ${SCHOOL}` }).waitFor();
  assert.match(await page.locator('.notice').innerText(), /Your viewing has been recorded/);
  assert.ok(await page.locator('main table tbody tr').count() > 50, 'the school lists its pupils');
  await screenshot(page, 'pupils');
  await checkAccessibility(page, 'a pupils page');
  await page.close();
});

test("the headteacher sees views of Northvale High's pupil data in its access log", async () => {
  const NORTHVALE = 'Northvale High School';
  const leader = await browser.freshPage();
  await signIn(leader, 'trust.leader');
  const href = await schoolHref(leader, NORTHVALE);
  await leader.goto(url(`${href}/pupils`));
  await leader.getByRole('heading', { level: 1, name: `Pupils on roll at ${NORTHVALE}` }).waitFor();
  await leader.close();

  const page = await browser.freshPage();
  await signIn(page, 'head.northvale');
  const newestEntry = async () => {
    await page.goto(url(href));
    await page.getByRole('link', { name: "Who has viewed this school's pupil data" }).click();
    await page.waitForURL((u) => u.pathname === `${href}/audit`);
    await page.getByRole('heading', { level: 1, name: `Who has viewed pupil data at ${NORTHVALE}` }).waitFor();
    const rows = await page.locator('main table tbody tr').allInnerTexts();
    assert.ok(rows.length > 0, 'the access log has entries');
    return rows[0];
  };
  assert.match(await newestEntry(), /trust\.leader\s+viewed the list of \d+ pupils/);

  await page.goto(url(`${href}/pupils`));
  await page.getByRole('heading', { level: 1, name: `Pupils on roll at ${NORTHVALE}` }).waitFor();
  assert.match(await newestEntry(), /head\.northvale\s+viewed the list of \d+ pupils/);
  await screenshot(page, 'audit');
  await checkAccessibility(page, 'the access log');
  await page.close();
});

test("a headteacher gets the 403 page on another school's page", async () => {
  const leader = await browser.freshPage();
  await signIn(leader, 'trust.leader');
  const riverside = await schoolHref(leader, 'Riverside Academy');
  await leader.close();

  const page = await browser.freshPage();
  await signIn(page, 'head.northvale');
  const response = await page.goto(url(riverside));
  assert.equal(response.status(), 403);
  assert.equal(await page.getByText('Riverside Academy').count(), 0, "the other school's name is not shown");
  assert.match(await page.locator('main').innerText(), /Error 403/);
  await screenshot(page, 'forbidden');
  await checkAccessibility(page, 'the 403 page');
  await page.close();
});

test("a data manager pages through the school's pupils and the filtered finder keeps its filters", async () => {
  const page = await browser.freshPage();
  await signIn(page, 'data.northvale');
  await page.goto(url('/pupils'));
  await page.getByLabel('Disadvantaged').selectOption({ label: 'No' });
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Find pupils' }).click(),
  ]);
  const pager = page.getByRole('navigation', { name: 'Pages of pupils' });
  assert.match(await pager.innerText(), /Showing pupils 1 to 100 of [\d,]+: page 1 of \d+/);
  assert.equal(await page.locator('#table-pupils tbody tr').count(), 100);
  await Promise.all([
    page.waitForLoadState('load'),
    pager.getByRole('link', { name: 'Next page of pupils' }).click(),
  ]);
  assert.match(page.url(), /disadvantaged=no&page=2$/);
  assert.match(await page.getByRole('navigation', { name: 'Pages of pupils' }).innerText(), /Showing pupils 101 to/);
  assert.equal(await page.getByLabel('Disadvantaged').inputValue(), 'no', 'the filter stays chosen');
  for (const cell of await page.locator('#table-pupils tbody tr td:nth-child(5)').allTextContents()) {
    assert.equal(cell.trim(), 'No');
  }
  await screenshot(page, 'pupils-page-2');
  await checkAccessibility(page, 'the second page of a filtered pupil list');

  // The school's own roll pages the same way, back as well as forward.
  await page.goto(url('/'));
  await page.getByRole('link', { name: 'Northvale High School' }).first().click();
  await page.getByRole('link', { name: 'Pupils on roll' }).click();
  await page.getByRole('heading', { level: 1, name: 'Pupils on roll at Northvale High School' }).waitFor();
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('link', { name: 'Next page of pupils' }).click(),
  ]);
  assert.match(page.url(), /\/pupils\?page=2$/);
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('link', { name: 'Previous page of pupils' }).click(),
  ]);
  assert.match(page.url(), /\/pupils\?page=1$/);
  await checkAccessibility(page, "a page of a school's roll");
  await page.close();
});

test('a data manager finds the import log from the menu and goes on to upload', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'data.northvale');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
  await checkAccessibility(page, 'the import log');
  await page.getByRole('link', { name: 'Import data for Northvale High School' }).click();
  await page.getByRole('heading', { level: 1, name: 'Import data for Northvale High School' }).waitFor();
  await checkAccessibility(page, "a school's upload page");
  await page.close();
});
