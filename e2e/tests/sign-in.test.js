// Signing in and out, as a person does it in a browser.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { url, startBrowser, signIn, signOut, checkAccessibility, screenshot, schoolLinks } = require('./support');

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

test('the sign-in page is accessible', async () => {
  const page = await browser.freshPage();
  await page.goto(url('/'));
  assert.equal(new URL(page.url()).pathname, '/login', 'an anonymous visitor is sent to sign in');
  await page.getByRole('heading', { level: 1, name: 'Sign in to Cairn' }).waitFor();
  await screenshot(page, 'login');
  await checkAccessibility(page, 'the sign-in page');
  await page.close();
});

test('a wrong password shows the error summary', async () => {
  const page = await browser.freshPage();
  // data.northvale is used nowhere else, so this failure cannot push another test's
  // account towards the sign-in throttle.
  await signIn(page, 'data.northvale', 'not-the-password');
  assert.equal(new URL(page.url()).pathname, '/login');
  const summary = page.getByRole('alert');
  await summary.waitFor();
  assert.match(await summary.innerText(), /There is a problem/);
  assert.equal(await page.getByLabel('Username').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Username').inputValue(), 'data.northvale', 'the username is kept');
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'not signed in');
  await screenshot(page, 'login-error');
  await checkAccessibility(page, 'the sign-in page with an error');
  await page.close();
});

test('the trust leader signs in and sees the 10 trust schools', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  assert.equal(new URL(page.url()).pathname, '/');
  await page.getByRole('heading', { level: 1, name: 'Partnership overview' }).waitFor();
  const schools = await schoolLinks(page);
  assert.equal(schools.length, 10, `schools listed: ${schools.map((s) => s.name).join(', ')}`);
  assert.ok(schools.some((s) => s.name === 'Northvale High School'));
  assert.ok(schools.some((s) => s.name === 'Riverside Academy'));
  assert.match(await page.locator('.lead').innerText(), /^10 schools with [\d,]+ pupils on roll/);
  await screenshot(page, 'overview');
  await checkAccessibility(page, 'the overview');
  await page.close();
});

test('signing out returns to the sign-in page and ends the session', async () => {
  const page = await browser.freshPage();
  await signIn(page, 'trust.leader');
  await signOut(page);
  await page.getByRole('heading', { level: 1, name: 'Sign in to Cairn' }).waitFor();
  await page.goto(url('/'));
  assert.equal(new URL(page.url()).pathname, '/login', 'the overview needs signing in again');
  await page.close();
});
