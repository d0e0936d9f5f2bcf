// A school's comparison with England and similar schools, and the overview's comparisons.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { url, startBrowser, signIn, checkAccessibility, screenshot, schoolHref, chartsDrawn } = require('./support');

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

test('the headteacher compares Northvale High with England and similar schools', async () => {
  const NORTHVALE = 'Northvale High School';
  const page = await browser.freshPage();
  await signIn(page, 'head.northvale');
  const href = await schoolHref(page, NORTHVALE);
  await checkAccessibility(page, 'the overview with comparisons');
  await page.locator(`a[href="${href}/compare"]`).click();
  await page.waitForURL((u) => u.pathname === `${href}/compare`);
  await page.getByRole('heading', { level: 1, name: new RegExp(`How ${NORTHVALE} compares`) }).waitFor();
  const similar = await page.locator('#similar ~ .table-scroll table tbody tr').count();
  assert.equal(similar, 20, 'twenty similar schools');
  const spec = JSON.parse(await page.locator('script.vega-spec').textContent());
  assert.ok(spec.layer[0].data.values.length > 500, 'every secondary in England is on the funnel');
  assert.match(await page.locator('figure.chart figcaption').innerText(), /similar schools/);
  assert.equal(await chartsDrawn(page), 1, 'the funnel is drawn');
  await screenshot(page, 'compare');
  await checkAccessibility(page, 'a comparison page');
  await page.close();
});

test('a trust leader sees the partnership highlighted on the funnel', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  const href = await schoolHref(page, 'Northvale High School');
  await page.goto(url(`${href}/compare`));
  const spec = JSON.parse(await page.locator('script.vega-spec').textContent());
  const squares = spec.layer.find((l) => l.mark.type === 'square');
  assert.ok(squares && squares.data.values.length > 0, 'the partnership is drawn as squares');
  assert.match(await page.locator('figure.chart figcaption').innerText(), /the purple squares?/);
  // The drawn chart is there too, not only its spec.
  assert.equal(await chartsDrawn(page), 1, 'the funnel is drawn');
  await screenshot(page, 'compare-partnership');
  await checkAccessibility(page, 'a comparison page with the partnership');
  await page.close();
});
