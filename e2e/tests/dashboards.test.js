// The dashboard pages: a school page with its charts (drawn under the real
// Content-Security-Policy), a table download, the groups of learners, a cluster's page, the
// pupil drill-down and a pupil's timeline, on a desktop and on a phone, and in print.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { url, startBrowser, signIn, checkAccessibility, screenshot, schoolHref, chartsDrawn } = require('./support');

const SCHOOL = 'Northvale High School';

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

/** Collects console errors and failed requests from the moment the page opens. */
function watchProblems(page) {
  const problems = [];
  page.on('console', (msg) => {
    // A failed request is reported below with its address.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('response', (response) => {
    // Browsers ask for /favicon.ico on their own; Cairn has none.
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) {
      problems.push(`HTTP ${response.status()} ${response.url()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

test('charts draw under the strict Content-Security-Policy, with no eval and no inline style', async () => {
  const strict = await startBrowser({ enforceCSP: true });
  try {
    const page = await strict.freshPage();
    const problems = watchProblems(page);
    await page.addInitScript(() => {
      window.cairnViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.cairnViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`);
      });
    });
    await signIn(page, 'trust.leader');
    const href = await schoolHref(page, SCHOOL);
    await page.goto(url(href));
    const specs = await chartsDrawn(page);
    assert.ok(specs >= 5, `${specs} chart specs`);
    const violations = await page.evaluate(() => window.cairnViolations);
    assert.deepEqual(violations, [], 'no CSP violations');
    assert.deepEqual(problems, [], 'no console errors or failed requests');
    // Every chart keeps its data table beside it.
    const withTables = await page.locator('figure.trend table').count();
    assert.equal(withTables, specs);
  } finally {
    await strict.close();
  }
});

test('a school page reads as a governors pack: measures, gaps, attendance, and a CSV download', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'governor');
  const href = await schoolHref(page, SCHOOL);
  await page.goto(url(href));
  await page.getByRole('heading', { level: 2, name: 'How the school is doing' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Are all groups of pupils doing equally well?' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Attendance by group' }).waitFor();
  assert.ok(await page.getByRole('link', { name: 'Compare with similar schools' }).isVisible());
  assert.ok((await chartsDrawn(page)) > 0, 'the charts are drawn');

  // Attendance by month: the line chart is drawn beside its data table, one row a month,
  // with the figures by pupil group below and a download for each table.
  await page.getByRole('heading', { level: 2, name: 'Attendance by month' }).waitFor();
  const monthly = page.locator('#table-attendance-by-month');
  assert.equal(await monthly.locator('tbody tr').count(), 11, 'September to July');
  assert.match(await monthly.locator('tbody tr').first().innerText(), /^Sep 2024/);
  await page
    .locator('figure:has(#table-attendance-by-month) .chart[data-rendered="true"] svg')
    .waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#table-attendance-by-month-and-group tbody tr').count(), 11);
  assert.match(await page.locator('main').innerText(), /no monthly figure for England/);
  assert.ok(await monthly.locator('.downloads a', { hasText: 'Excel' }).isVisible());
  await screenshot(page, 'school-dashboard');
  await checkAccessibility(page, 'a school dashboard');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#table-measures .downloads a', { hasText: 'CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'northvale-high-school-measures.csv');
  const text = fs.readFileSync(await download.path(), 'utf8');
  assert.match(text, /^\uFEFF?Measure,/);
  assert.match(text, /Attainment 8/);

  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.downloads').first().isVisible(), false, 'no download links in print');
  await screenshot(page, 'school-dashboard-print');
  await page.emulateMedia({ media: 'screen' });
});

test('on a phone the school page fits the screen and its tables scroll on their own', async () => {
  const phone = await startBrowser({ viewport: { width: 375, height: 740 } });
  try {
    const page = await phone.freshPage();
    await signIn(page, 'head.northvale');
    await page.goto(url('/'));
    await page.getByRole('link', { name: SCHOOL }).first().click();
    await page.getByRole('heading', { level: 1, name: SCHOOL }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    assert.ok((await chartsDrawn(page)) > 0, 'the charts are drawn on a phone');
    await screenshot(page, 'school-dashboard-phone');
    await checkAccessibility(page, 'a school dashboard on a phone');
  } finally {
    await phone.close();
  }
});

test('groups of learners and a cluster page show gaps and pooled figures', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'cluster.member');
  await page.goto(url('/groups'));
  await page.getByRole('heading', { level: 1, name: /groups of learners/ }).waitFor();
  assert.ok(await page.locator('#table-gaps tbody tr').count() > 0);
  await checkAccessibility(page, 'groups of learners');
  await screenshot(page, 'groups');
  await page.getByRole('link', { name: 'Riverside Cluster' }).last().click();
  await page.getByRole('heading', { level: 2, name: 'All schools together' }).waitFor();
  await checkAccessibility(page, 'a cluster page');
  await screenshot(page, 'cluster');
});

test('a data manager filters pupils, opens a timeline, and downloads it', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'data.northvale');
  await page.getByRole('link', { name: 'Find pupils' }).click();
  await page.getByLabel('Year group').selectOption({ label: 'Year 11' });
  await page.getByLabel('Disadvantaged').selectOption('yes');
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('disadvantaged') === 'yes'),
    page.getByRole('button', { name: 'Find pupils' }).click(),
  ]);
  const rows = page.locator('#table-pupils tbody tr');
  assert.ok(await rows.count() > 0, 'some disadvantaged Year 11 pupils');
  for (const cell of await page.locator('#table-pupils tbody tr td:nth-child(5)').allTextContents()) {
    assert.equal(cell.trim(), 'Yes');
  }
  await checkAccessibility(page, 'the pupil finder');
  await screenshot(page, 'pupil-finder');

  await rows.first().locator('th a').click();
  await page.getByRole('heading', { level: 2, name: 'Schools attended' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Attendance' }).waitFor();
  await checkAccessibility(page, 'a pupil timeline');
  await screenshot(page, 'pupil-timeline');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#table-enrolments .downloads a', { hasText: 'Excel' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^pupil-\d+-enrolments\.xlsx$/);
  const bytes = fs.readFileSync(await download.path());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
});
