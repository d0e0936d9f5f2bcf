// Keyboard use, a phone-sized screen, and a check that the accessibility check can fail.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { url, startBrowser, signIn, screenshot, checkAccessibility } = require('./support');

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

for (const [label, path, signedIn] of [
  ['the sign-in page', '/login', false],
  ['the overview', '/', true],
]) {
  test(`on ${label} the skip link is the first tab stop and moves focus to main`, async () => {
    const page = await browser.freshPage();
    if (signedIn) await signIn(page, 'trust.leader');
    await page.goto(url(path));
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({
      text: document.activeElement.textContent.trim(),
      href: document.activeElement.getAttribute('href'),
      onScreen: document.activeElement.getBoundingClientRect().left >= 0,
    }));
    assert.deepEqual(first, { text: 'Skip to main content', href: '#main', onScreen: true });
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => document.activeElement.closest('main') !== null);
    assert.ok(next, 'the next tab stop is inside main');
    await page.close();
  });
}

test('on a phone the overview does not scroll sideways; tables scroll in their own box', async () => {
  const page = await browser.freshPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, 'trust.leader');
  await page.getByRole('heading', { level: 1, name: 'Partnership overview' }).waitFor();
  const m = await page.evaluate(() => ({
    viewport: document.documentElement.clientWidth,
    page: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    boxes: [...document.querySelectorAll('main table')].map((t) => {
      const box = t.parentElement;
      return {
        scrolls: box.classList.contains('table-scroll') && getComputedStyle(box).overflowX === 'auto',
        right: box.getBoundingClientRect().right,
        overflows: box.scrollWidth > box.clientWidth,
      };
    }),
  }));
  assert.equal(m.viewport, 390);
  assert.ok(m.page <= m.viewport, `page is ${m.page}px wide in a ${m.viewport}px viewport`);
  assert.ok(m.body <= m.viewport, `body is ${m.body}px wide in a ${m.viewport}px viewport`);
  assert.ok(m.boxes.length >= 2);
  for (const box of m.boxes) {
    assert.ok(box.scrolls, 'every table sits in a horizontally scrolling box');
    assert.ok(box.right <= m.viewport, 'the box fits the screen');
  }
  assert.ok(m.boxes.some((b) => b.overflows), 'the schools table is wider than a phone and scrolls in its box');
  await screenshot(page, 'overview-phone');
  await page.close();
});

test('the accessibility check fails on a page with a serious violation', async () => {
  const page = await browser.freshPage();
  await page.setContent(
    '<!doctype html><html lang="en"><head><title>t</title></head>'
    + '<body><main><h1>t</h1><p style="color:#bbb;background:#fff">faint text</p></main></body></html>',
  );
  await assert.rejects(checkAccessibility(page, 'a deliberately bad page'), /color-contrast/);
  await page.close();
});
