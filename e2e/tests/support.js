// Shared set-up for the browser tests: one headless Chromium per test file, sign-in,
// axe-core checks and screenshots. scripts/e2e starts `cairn demo` and passes its URL in
// CAIRN_E2E_URL.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BASE_URL = (process.env.CAIRN_E2E_URL || '').replace(/\/+$/, '');
if (!BASE_URL) {
  throw new Error('CAIRN_E2E_URL is not set; run the browser tests through scripts/e2e');
}
const CHROMIUM = process.env.CAIRN_E2E_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.CAIRN_E2E_ARTIFACTS
  || path.resolve(__dirname, '..', '..', 'tests-artifacts', 'e2e');
const PASSWORD = 'cairn-demo';

// WCAG 2.x A and AA rules; only serious and critical findings fail a test.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_FAILING_IMPACTS = new Set(['serious', 'critical']);
const AXE_PATH = require.resolve('axe-core/axe.min.js');

/**
 * Starts Chromium with a fresh profile; `close()` ends it and removes the profile.
 * `{ enforceCSP: true }` keeps Cairn's Content-Security-Policy in force (axe-core cannot be
 * injected then), to prove the pages' own scripts need nothing the policy forbids.
 */
async function startBrowser({ enforceCSP = false, viewport = { width: 1280, height: 800 } } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport,
    locale: 'en-GB',
    // Cairn's CSP forbids inline script, and addScriptTag injects axe-core as one.
    bypassCSP: !enforceCSP,
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    /** A new tab with cookies cleared, so each test signs in afresh. */
    async freshPage() {
      await context.clearCookies();
      return context.newPage();
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

function url(p) {
  return BASE_URL + p;
}

async function signIn(page, username, password = PASSWORD) {
  await page.goto(url('/login'));
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
}

/** Fails on any serious or critical WCAG A/AA violation axe-core finds on the page as it is. */
async function checkAccessibility(page, label) {
  await page.addScriptTag({ path: AXE_PATH });
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  const failing = results.violations.filter((v) => AXE_FAILING_IMPACTS.has(v.impact));
  const minor = results.violations.filter((v) => !AXE_FAILING_IMPACTS.has(v.impact));
  for (const v of minor) {
    console.log(`axe (${label}): ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes, not failing)`);
  }
  const report = failing.map((v) => [
    `${v.impact} ${v.id}: ${v.help} (${v.helpUrl})`,
    ...v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
  ].join('\n')).join('\n');
  assert.equal(failing.length, 0, `axe found serious or critical violations on ${label}:\n${report}`);
}

async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // A long page takes a while to paint whole on a busy machine.
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true, timeout: 60_000 });
}

/** The overview's school links, as { name, href }, in table order. */
async function schoolLinks(page) {
  return page.locator('table[aria-labelledby="schools"] tbody th a').evaluateAll(
    (links) => links.map((a) => ({ name: a.textContent.trim(), href: a.getAttribute('href') })),
  );
}

/** The overview's link for the named school, for an account that can see it. */
async function schoolHref(page, name) {
  await page.goto(url('/'));
  const link = (await schoolLinks(page)).find((s) => s.name === name);
  assert.ok(link, `no school called ${name} on the overview`);
  return link.href;
}

/**
 * Waits until every chart spec on the page has been drawn as an SVG, and returns how many
 * there are: a spec the page never draws (as the compare page's funnel once was) fails here.
 */
async function chartsDrawn(page) {
  const specs = await page.locator('figure script.vega-spec').count();
  await page.waitForFunction(
    (n) => document.querySelectorAll('.chart[data-rendered="true"] svg').length === n,
    specs,
    { timeout: 30_000 },
  );
  return specs;
}

module.exports = {
  BASE_URL,
  chartsDrawn,
  url,
  startBrowser,
  signIn,
  signOut,
  checkAccessibility,
  screenshot,
  schoolLinks,
  schoolHref,
};
