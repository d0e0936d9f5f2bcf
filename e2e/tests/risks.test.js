// The early-warning risk register: a trust leader filters the board, opens an entry that fired,
// records a decision and sees it in the history, and opens the rules with each school's unread
// teacher assessments; a school's data manager reads the rules that judge it; the board fits
// a phone.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { url, startBrowser, signIn, checkAccessibility, screenshot } = require('./support');

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

test('the trust leader opens the register, filters it and records a decision', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Risk register' }).click();
  await page.getByRole('heading', { level: 1, name: 'Risk register' }).waitFor();
  await checkAccessibility(page, 'the risk register');
  await screenshot(page, 'risk-register');

  await page.getByLabel('School', { exact: true }).selectOption({ label: 'Northvale High School' });
  await page.getByLabel('Rule', { exact: true }).selectOption({ label: 'Significantly worse than last year' });
  await page.getByLabel('Status', { exact: true }).selectOption({ label: 'New: no decision yet' });
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Show' }).click(),
  ]);
  const rows = page.locator('#table-schools tbody tr');
  assert.ok(await rows.count() >= 1, 'Northvale High has a new year-on-year entry');
  assert.match(await rows.first().innerText(), /beyond the margin of error/);
  await Promise.all([
    page.waitForLoadState('load'),
    rows.first().locator('th a').click(),
  ]);
  await page.getByRole('heading', { level: 1, name: /^Significantly worse than last year: Northvale High School/ }).waitFor();
  await checkAccessibility(page, 'a risk register entry');

  const note = `Attendance review with the head (${Date.now()})`;
  await page.getByLabel('Decision', { exact: true }).selectOption({ label: 'Support' });
  await page.getByLabel('Why', { exact: true }).fill(note);
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Record the decision' }).click(),
  ]);
  const history = page.locator('#history ~ .table-scroll table tbody tr');
  await history.first().waitFor();
  assert.match(await history.last().innerText(), new RegExp(`Support[\\s\\S]*${note.replace(/[()]/g, '\\$&')}`));
  assert.match(await page.locator('dl.facts').innerText(), /Status\s+Support/);
  await screenshot(page, 'risk-entry');
  await checkAccessibility(page, 'a risk register entry with a decision');

  await page.goto(url('/risks'));
  await page.getByRole('link', { name: 'Change the rules and thresholds' }).click();
  await page.getByRole('heading', { level: 1, name: 'Risk register rules' }).waitFor();
  assert.ok(await page.getByLabel("Pupil's absence rising").isChecked(), 'on by default');
  assert.ok(await page.getByLabel('Pupil below expected and not rising').first().isChecked(), 'on by default');
  assert.match(await page.getByLabel(/^Written results, lowest first/).first().inputValue(), /^BLW = below\nPK1 = below/);
  const unread = page.getByRole('table', { name: 'Teacher assessments this scheme cannot read, by school' }).first();
  assert.ok(await unread.locator('tbody tr').count() > 1, "a row for each of the trust's schools");
  await checkAccessibility(page, 'the risk register rules');
  await page.close();
});

test("a school's data manager reads the rules that judge the school and its unread teacher assessments", async () => {
  const page = await browser.freshPage();
  await signIn(page, 'data.northvale');
  await page.goto(url('/risks'));
  await page.getByRole('link', { name: 'See the rules that judge your school' }).click();
  await page.getByRole('heading', { level: 1, name: 'Risk register rules' }).waitFor();
  assert.ok(await page.getByLabel('Pupil below expected and not rising').first().isDisabled(), 'read only');
  assert.equal(await page.getByRole('button', { name: /^Save the rules/ }).count(), 0);
  const rows = page.getByRole('table', { name: 'Teacher assessments this scheme cannot read, by school' }).locator('tbody tr');
  assert.equal(await rows.count(), 1, 'their own school only');
  assert.match(await rows.first().innerText(), /^Northvale High School\s+[\d,]+\s+0/);
  await screenshot(page, 'risk-rules-read-only');
  await checkAccessibility(page, 'the risk register rules, read only');
  await page.close();
});

test('the trust leader sees pupil entries counted by school and opens one school\'s pupils', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  await page.goto(url('/risks'));
  const folded = page.locator('#table-pupils_by_school tbody tr');
  assert.ok(await folded.count() >= 2, 'one row per school');
  assert.equal(await page.locator('caption', { hasText: 'Pupil entries (pupil-level' }).count(), 0, 'no pupil named');
  await page.getByLabel('Rule', { exact: true }).selectOption({ label: 'Pupil below expected and not rising' });
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Show' }).click(),
  ]);
  await Promise.all([
    page.waitForLoadState('load'),
    page.locator('#table-pupils_by_school tbody tr').first().locator('a').first().click(),
  ]);
  assert.match(page.url(), /school=\d+&rule=attainment_trajectory/);
  const pupils = page.locator('#table-pupils tbody tr');
  assert.ok(await pupils.count() >= 1, "the school's pupils are listed");
  assert.match(await pupils.first().innerText(), /Below expected and not rising in/);
  await checkAccessibility(page, "one school's pupil entries");
  await Promise.all([
    page.waitForLoadState('load'),
    pupils.first().locator('th a').click(),
  ]);
  await page.getByRole('heading', { level: 1, name: /^Pupil below expected and not rising/ }).waitFor();
  assert.match(await page.locator('p.lead').innerText(), /expected is EXS or above\./);
  await checkAccessibility(page, 'a pupil below expected and not rising');
  await page.close();
});

test('on a phone the register does not scroll sideways', async () => {
  const page = await browser.freshPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, 'head.northvale');
  await page.goto(url('/risks'));
  await page.getByRole('heading', { level: 1, name: 'Risk register' }).waitFor();
  const m = await page.evaluate(() => ({
    viewport: document.documentElement.clientWidth,
    page: document.documentElement.scrollWidth,
  }));
  assert.ok(m.page <= m.viewport, `page is ${m.page}px wide in a ${m.viewport}px viewport`);
  assert.equal(await page.locator('caption', { hasText: 'Pupil entries' }).count(), 1, 'the head sees their pupils');
  await checkAccessibility(page, 'the risk register on a phone');
  await page.close();
});

test("one school's pupil entries page a hundred at a time, keeping the filters", async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  // Persistent absence at the DfE's 10% line fills Northvale High's list past one page.
  const setPersistentAbsence = async (on) => {
    await page.goto(url('/risks/settings'));
    const box = page.getByLabel('Pupil persistently absent').first();
    if ((await box.isChecked()) !== on) {
      await box.setChecked(on);
      // Saving re-judges the register (a few seconds) and then goes to /risks: wait for that,
      // so the page is never closed with the save still in flight.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/risks', { timeout: 60_000 }),
        page.getByRole('button', { name: /^Save the rules/ }).first().click(),
      ]);
    }
  };
  await setPersistentAbsence(true);
  try {
    await page.goto(url('/risks'));
    await page.getByLabel('School', { exact: true }).selectOption({ label: 'Northvale High School' });
    await page.getByLabel('Rule', { exact: true }).selectOption({ label: 'Pupil persistently absent' });
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Show' }).click(),
    ]);
    const pager = page.getByRole('navigation', { name: 'Pages of pupil entries' });
    assert.match(await pager.innerText(), /Showing pupil entries 1 to 100 of \d+: page 1 of \d+/);
    assert.equal(await page.locator('#table-pupils tbody tr').count(), 100);
    await checkAccessibility(page, "a page of one school's pupil entries");
    await Promise.all([
      page.waitForLoadState('load'),
      pager.getByRole('link', { name: 'Next page of pupil entries' }).click(),
    ]);
    assert.match(page.url(), /school=\d+&rule=persistent_absence&page=2/);
    assert.match(await pager.innerText(), /Showing pupil entries 101 to/);
    assert.equal(await page.getByLabel('Rule', { exact: true }).inputValue(), 'persistent_absence', 'the filter stays chosen');
    assert.ok(await pager.getByRole('link', { name: 'Previous page of pupil entries' }).isVisible());
    await screenshot(page, 'risk-register-pupil-page-2');
  } finally {
    await setPersistentAbsence(false);
    await page.close();
  }
});
