// Peer review, one whole cycle: a trust leader plans a review of Northvale High and freezes
// its evidence pack, the reviewer from Riverside Academy records a finding (and cannot open
// Northvale's pupils), and Northvale's headteacher agrees a follow-up that lands on their list.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { url, startBrowser, signIn, checkAccessibility, screenshot, schoolHref } = require('./support');

const NORTHVALE = 'Northvale High School';

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

test('a peer review from planning to a follow-up on its owner\'s list', async () => {
  const title = `Spring attendance review (${Date.now()})`;
  const leader = await browser.freshPage();
  await signIn(leader, 'trust.leader');
  await leader.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Peer reviews' }).click();
  await leader.getByRole('heading', { level: 1, name: 'Peer reviews' }).waitFor();
  assert.match(await leader.locator('main table').innerText(), /Autumn peer review: Northvale High School/);
  await checkAccessibility(leader, 'the peer reviews list');

  await leader.getByLabel('Title', { exact: true }).fill(title);
  await leader.getByLabel('School reviewed').selectOption({ label: NORTHVALE });
  await leader.getByLabel('Visit date').fill('2027-03-11');
  await leader.getByLabel('Daniel Brooks (Headteacher, Riverside Academy) (head.riverside)').check();
  await leader.getByLabel('Attendance and behaviour').check();
  await Promise.all([
    leader.waitForLoadState('load'),
    leader.getByRole('button', { name: 'Plan the review' }).click(),
  ]);
  await leader.getByRole('heading', { level: 1, name: title }).waitFor();
  assert.equal((await leader.locator('#review-stage').innerText()).trim(), 'Planned');
  await checkAccessibility(leader, 'a planned review');
  const reviewPath = new URL(leader.url()).pathname;

  await Promise.all([
    leader.waitForLoadState('load'),
    leader.getByRole('button', { name: 'Freeze the evidence pack now' }).click(),
  ]);
  await leader.getByRole('heading', { level: 1, name: `Evidence pack: ${title}` }).waitFor();
  const figures = await leader.locator('main table').first().innerText();
  assert.match(figures, /Overall absence/);
  assert.match(figures, /2022\/23/);
  await screenshot(leader, 'review-pack');
  await checkAccessibility(leader, 'an evidence pack');
  await leader.close();

  const reviewer = await browser.freshPage();
  await signIn(reviewer, 'head.riverside');
  const northvale = await schoolHref(reviewer, NORTHVALE);
  const pupils = await reviewer.goto(url(`${northvale}/pupils`));
  assert.equal(pupils.status(), 403, "a reviewer never opens the reviewed school's pupils");
  await reviewer.goto(url(reviewPath));
  await reviewer.getByRole('heading', { level: 1, name: title }).waitFor();
  await reviewer.getByLabel('Focus area').selectOption({ label: 'Attendance and behaviour' });
  await reviewer.getByLabel('Strengths').fill('Tutors know every persistently absent pupil by name.');
  await reviewer.getByLabel('Areas for development').fill('Absence in Year 10 is still rising.');
  await reviewer.getByLabel('Judgement').selectOption({ label: 'Working towards' });
  await Promise.all([
    reviewer.waitForLoadState('load'),
    reviewer.getByRole('button', { name: 'Record the finding' }).click(),
  ]);
  await reviewer.getByRole('heading', { level: 3, name: 'Attendance and behaviour: Working towards' }).waitFor();
  assert.equal((await reviewer.locator('#review-stage').innerText()).trim(), 'Findings recorded');
  await checkAccessibility(reviewer, 'a review with a finding');
  await reviewer.close();

  const head = await browser.freshPage();
  await signIn(head, 'head.northvale');
  await head.goto(url(reviewPath));
  await head.getByRole('heading', { level: 1, name: title }).waitFor();
  const followUp = `Year 10 attendance plan (${Date.now()})`;
  await head.getByLabel('Priority it belongs to').selectOption({ label: 'Attendance in Years 9 to 11' });
  await head.getByLabel('What will be done').fill(followUp);
  await head.getByLabel('Starts').fill('2027-03-15');
  await head.getByLabel('Due').fill('2027-05-21');
  await Promise.all([
    head.waitForLoadState('load'),
    head.getByRole('button', { name: 'Add the follow-up' }).click(),
  ]);
  await head.locator('#follow-ups ~ .table-scroll').getByText(followUp).waitFor();
  assert.equal((await head.locator('#review-stage').innerText()).trim(), 'Follow-ups agreed');
  await screenshot(head, 'review');
  await checkAccessibility(head, 'a review with a follow-up');

  await head.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your actions' }).click();
  await head.getByRole('heading', { level: 1, name: 'Your actions' }).waitFor();
  assert.match(await head.locator('main').innerText(), new RegExp(followUp.replace(/[()]/g, '\\$&')));
  await checkAccessibility(head, 'your actions with a follow-up');
  await head.close();
});

test('on a phone a review and the framework fit the screen', async () => {
  const page = await browser.freshPage();
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page, 'head.riverside');
  await page.goto(url('/reviews'));
  await page.getByRole('link', { name: 'Autumn peer review: Northvale High School', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Autumn peer review: Northvale High School' }).waitFor();
  for (const label of ['a review on a phone', 'the framework on a phone']) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${label} scrolls sideways by ${overflow}px`);
    await checkAccessibility(page, label);
    await page.goto(url('/reviews/framework'));
    await page.getByRole('heading', { level: 1, name: 'Peer review framework' }).waitFor();
  }
  await screenshot(page, 'review-framework-phone');
  await page.close();
});

test('a trust leader shapes the judgement scale; a judgement in use cannot be deleted', async () => {
  const label = `Exceptional ${Date.now()}`;
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  await page.goto(url('/reviews/framework'));
  await page.getByRole('heading', { level: 1, name: 'Peer review framework' }).waitFor();
  const trustScale = page.locator('ol.scale').first();
  assert.match(await trustScale.innerText(), /Effective: .*\(Used by \d+ findings?\)/);
  await checkAccessibility(page, 'the framework with its scales');

  await page.getByLabel('Group', { exact: true }).last().selectOption({ label: 'Oakfield Learning Trust' });
  await page.getByLabel('Label').fill(label);
  await page.getByLabel('What it means').fill('Among the best practice anywhere.');
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Add the judgement' }).click(),
  ]);
  await page.getByRole('link', { name: `Change ${label}` }).click();
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
  await checkAccessibility(page, 'a judgement of the scale');
  for (let i = 0; i < 4; i += 1) {
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: `Move up ${label}` }).click(),
    ]);
  }
  assert.equal(await page.getByRole('button', { name: `Move up ${label}` }).count(), 0, 'first: no further up');
  await page.goto(url('/reviews/framework'));
  const first = await page.locator('ol.scale').first().locator('li').first().innerText();
  assert.ok(first.startsWith(label), `the new judgement leads the scale: ${first}`);

  // Effective is used by the demo's findings: its page offers no delete.
  await page.getByRole('link', { name: 'Change Effective' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Effective' }).waitFor();
  assert.match(await page.locator('main').innerText(), /cannot be deleted; rename it or move it instead/);
  assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0);

  await page.goto(url('/reviews/framework'));
  await page.getByRole('link', { name: `Change ${label}` }).click();
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: `Delete ${label}` }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: 'Peer review framework' }).waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(label));
  await page.close();
});
