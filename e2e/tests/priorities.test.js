// The improvement cycle: a trust leader adds a priority with a success criterion and sees its
// status, raises the criterion's target and sees it judged again and recorded in the
// priority's history; the owner's overdue actions; a meeting's frozen data pack; a school's
// governing board adding its own meeting with a pack of the school's figures.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { url, startBrowser, signIn, checkAccessibility, screenshot } = require('./support');

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

test('the trust leader adds a priority with a criterion and sees it judged', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Priorities' }).click();
  await page.getByRole('heading', { level: 1, name: 'Improvement priorities' }).waitFor();
  await checkAccessibility(page, 'the priorities list');

  await page.getByRole('link', { name: 'Add a priority' }).click();
  await page.getByRole('heading', { level: 1, name: 'Add a priority' }).waitFor();
  await checkAccessibility(page, 'the new priority form');
  const title = `Phonics in Year 1 (${Date.now()})`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('For', { exact: true }).selectOption({ label: 'Oakfield Learning Trust' });
  await page.getByLabel('First academic year').fill('2024/25');
  await page.getByLabel('Last academic year').fill('2026/27');
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Add the priority' }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();

  await page.getByLabel('Measure').selectOption({ label: 'Phonics: Year 1 meeting the expected standard' });
  await page.getByLabel('School or group').selectOption({ label: 'Oakfield Learning Trust' });
  await page.getByLabel('Judged by').selectOption({ label: 'Reaches a target' });
  await page.getByLabel('Target, or the largest gap allowed').fill('50');
  await page.getByLabel('Due by the end of').fill('2024/25');
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Add the criterion' }).click(),
  ]);
  const row = page.locator('#criteria ~ .table-scroll table tbody tr').first();
  await row.waitFor();
  assert.match(await row.innerText(), /Phonics: Year 1 meeting the expected standard/);
  assert.match(await row.innerText(), /\bMet\b/);
  assert.equal((await page.locator('#priority-status').innerText()).trim(), 'Met');
  await screenshot(page, 'priority');
  await checkAccessibility(page, 'a priority with a criterion');

  // Raise the target out of reach: judged again at once, and the change is in the history.
  await page.getByRole('link', { name: 'Change this priority or its success criteria' }).click();
  await page.getByRole('heading', { level: 1, name: 'Change this priority' }).waitFor();
  await checkAccessibility(page, 'the change-a-priority form');
  await page.getByRole('link', { name: /^Change Phonics: Year 1 meeting the expected standard/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Change a success criterion' }).waitFor();
  await checkAccessibility(page, 'the change-a-criterion form');
  await page.getByLabel('Target, or the largest gap allowed').fill('99');
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Save the criterion' }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  assert.notEqual((await page.locator('#priority-status').innerText()).trim(), 'Met');
  const history = page.locator('#table-history table tbody tr');
  await history.first().waitFor();
  const changed = await history.last().innerText();
  assert.match(changed, /Success criterion changed/);
  assert.match(changed, /50\.0%/);
  assert.match(changed, /99\.0%/);
  await screenshot(page, 'priority-history');
  await checkAccessibility(page, 'a priority with its history');
  await page.close();
});

test("the owner's overdue actions, the annual review, a moved target's history and a frozen meeting pack", async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  await page.goto(url('/my'));
  await page.getByRole('heading', { level: 2, name: /overdue action/ }).waitFor();
  await screenshot(page, 'my-actions');
  await checkAccessibility(page, 'your actions');

  await page.goto(url('/review'));
  await page.getByRole('heading', { level: 1, name: 'Annual review of priorities' }).waitFor();
  assert.ok(await page.locator('main section').count() >= 2, 'a section per priority');
  await screenshot(page, 'annual-review');
  await checkAccessibility(page, 'the annual review');

  // The demo's reading priority: Millbrook's 2026 target was raised, and its history says so.
  await page.goto(url('/priorities'));
  await page.getByRole('link', { name: 'Reading, writing and maths at the end of primary' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reading, writing and maths at the end of primary' }).waitFor();
  const moved = await page.locator('#table-history table tbody tr').first().innerText();
  assert.match(moved, /Success criterion changed/);
  assert.match(moved, /70\.0%[\s\S]*75\.0%/);

  await page.goto(url('/meetings'));
  await page.getByRole('link', { name: 'Trust board: standards committee' }).click();
  await page.getByRole('heading', { level: 1, name: 'Trust board: standards committee' }).waitFor();
  await checkAccessibility(page, 'a meeting');
  await page.getByRole('link', { name: 'Open the data pack' }).click();
  await page.getByRole('heading', { level: 1, name: /^Data pack/ }).waitFor();
  assert.ok(await page.locator('main table').first().locator('tbody tr').count() > 0, 'the pack has figures');
  await screenshot(page, 'meeting-pack');
  await checkAccessibility(page, 'a meeting pack');
  await page.close();
});

test("a school's chair of governors adds the board's meeting and freezes its own school's pack", async () => {
  const page = await browser.freshPage();
  await signIn(page, 'governor.northvale');
  await page.goto(url('/meetings'));
  await page.getByRole('heading', { level: 1, name: 'Meetings' }).waitFor();
  assert.ok(await page.getByRole('link', { name: 'Northvale High School: local governing board' }).isVisible(),
    "the demo's board meeting is listed");
  assert.equal(await page.getByRole('link', { name: 'Trust board: standards committee' }).count(), 0,
    "the trust board's meeting is not the school governors'");
  const title = `Governing board, spring (${Date.now()})`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Kind').selectOption({ label: 'Board meeting' });
  await page.getByLabel('Whose meeting').selectOption({ label: 'Northvale High School governing board' });
  await page.getByLabel('Date').fill('2027-03-11');
  await page.getByLabel('Agenda').fill('1. Attendance\n2. Results');
  await checkAccessibility(page, 'the meetings list with its form');
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Add the meeting' }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  assert.match(await page.locator('dl.facts').innerText(), /Northvale High School governing board/);
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Freeze the data pack now' }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: `Data pack: ${title}` }).waitFor();
  const scopes = await page.locator('main table').first().locator('tbody th').allInnerTexts();
  assert.ok(scopes.length > 0, 'the pack has figures');
  assert.ok(scopes.every((s) => s === 'Northvale High School'), `only the school's own figures: ${[...new Set(scopes)]}`);
  await screenshot(page, 'school-meeting-pack');
  await checkAccessibility(page, "a school board's meeting pack");
  await page.close();
});
