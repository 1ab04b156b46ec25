/**
 * The console's screens in headless Chromium against the console worker (Miniflare) and stand-in
 * owners answering the operator contract: sign-in, the links table, a link's chart and QR code,
 * the prerender and feed screens, writes and their errors, an owner that is down, keyboard use,
 * 360 px wide, axe-core's accessibility rules. No console error and no CSP violation on any screen.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, launchChromium } from '../../scripts/chromium.mjs';
import { ConsoleDriver } from './driver.ts';
import { startConsole, TOKEN, type ConsoleUnderTest } from './harness.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let consoleUnderTest: ConsoleUnderTest;
let browser: Browser;
let page: Page;
let ui: ConsoleDriver;
let problems: string[];

beforeAll(async () => {
  consoleUnderTest = await startConsole();
  // An explicit UI language: under LANG=C the packaged Chromium reports `en-US@posix`, which Intl
  // (and so uPlot's number format) refuses; a real browser always has a valid tag.
  browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--lang=en-US'] });
});
afterAll(async () => {
  await browser?.close();
  await consoleUnderTest?.close();
});

beforeEach(async () => {
  problems = [];
  // One browser context (the packaged Chromium runs --single-process, where new contexts crash):
  // each test starts signed out.
  page = await browser.newPage();
  await (await page.createCDPSession()).send('Network.clearBrowserCookies');
  await page.setViewport({ width: 1280, height: 900 });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`),
    );
  });
  page.on('console', (message) => {
    // A failed request is logged by Chromium itself; the tests that cause one (an owner down) say so.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
  ui = new ConsoleDriver(page, consoleUnderTest.origin);
});
afterEach(async () => {
  await page.close();
  for (const owner of ['shortener', 'edge', 'feed'] as const) {
    const unknown = await consoleUnderTest.standIn(owner).unknown();
    await consoleUnderTest.standIn(owner).reset();
    expect(unknown, `requests the ${owner} stand-in did not know`).toEqual([]);
  }
  expect(problems).toEqual([]);
});

/**
 * With CONSOLE_SCREENSHOTS=<folder>, each screen is saved there (the README's pictures come from
 * this run). Charts are drawn before the picture is taken.
 */
async function screenshot(path: string, width: 'wide' | '360'): Promise<void> {
  const folder = process.env.CONSOLE_SCREENSHOTS;
  if (!folder) return;
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.chart-canvas')].every((box) => {
      const plot = box.querySelector('.uplot');
      return plot !== null && plot.getBoundingClientRect().width <= box.getBoundingClientRect().width + 1;
    }),
  );
  const name = path.startsWith('/links/') ? 'link' : path.slice(1);
  await page.screenshot({ path: `${folder}/console-${name}${width === '360' ? '-360' : ''}.png`, fullPage: true });
}

/** axe-core's violations on the page as it is (run through CDP, so the page's CSP does not apply). */
async function accessibilityViolations(): Promise<string[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } })
      .axe;
    const { violations } = await axe.run();
    return violations.map((v) => `${v.impact}: ${v.id} (${v.nodes.length} nodes)`);
  });
}

describe('signing in', () => {
  it('goes from a screen to sign-in and back, by keyboard', async () => {
    await ui.open('/feed');
    expect(new URL(page.url()).pathname).toBe('/signin');
    await ui.signIn(TOKEN, '/feed');
    expect(new URL(page.url()).pathname).toBe('/feed');
    expect(await ui.breakerState()).toBe('closed');
  });

  it('refuses a wrong token with a message and stays on sign-in', async () => {
    await ui.signIn('not-the-token');
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(await page.$eval('[role=alert]', (el) => el.textContent)).toContain('not valid');
    expect(await page.$eval('#token', (el) => el.getAttribute('aria-invalid'))).toBe('true');
  });
});

describe('links', () => {
  beforeEach(() => ui.signIn(TOKEN));

  it('shows the table, searches it and pages through it', async () => {
    expect(await ui.linkCodes()).toEqual(['spring-sale', 'docs-home', 'Ab3x9kPq', 'launch', 'careers']);
    await page.locator('#links-q').fill('docs');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#links tbody tr').length === 1);
    expect(await ui.linkCodes()).toEqual(['docs-home']);
    expect(new URL(page.url()).search).toBe('?q=docs');
  });

  it('creates a link, and shows the API’s own message next to the field when it refuses', async () => {
    const taken = await ui.createLink('https://example.com/new', 'docs-home');
    expect(taken.slugError).toBe('slug "docs-home" is already taken');
    expect(await page.$eval('#create-slug', (el) => el.getAttribute('aria-invalid'))).toBe('true');

    const invalid = await ui.createLink('ftp://example.com/file', '');
    expect(invalid.urlError).toContain('scheme "ftp:" is not allowed');

    await page.locator('#create-slug').fill('');
    const created = await ui.createLink('https://example.com/new', 'brand-new');
    expect(created.created).toBe('http://localhost:8790/brand-new');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#links tbody tr td:first-child')].some((td) => td.textContent === 'brand-new'),
    );
  });

  it('imports a CSV with a result per row, a malformed row named by its line', async () => {
    const input = await page.waitForSelector('#csv-file');
    const csv = 'url,slug,status,title,expiresAt\nhttps://example.com/imported,imported-1,,,\nnot-a-url,,,,\n';
    const file = `${process.env.TMPDIR ?? '/tmp'}/console-import-${Date.now()}.csv`;
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(file, csv);
    try {
      await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
      await page.locator('#csv-heading ~ form button[type=submit]').click();
      await page.waitForSelector('#import-results tbody tr');
      const rows = await page.$$eval('#import-results tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
      expect(rows[0]).toEqual(['2', 'created', 'imported-1', '']);
      expect(rows[1]?.slice(0, 2)).toEqual(['3', 'failed']);
      expect(rows[1]?.[3]).toContain('url');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('shows a link’s clicks by kind on a chart, its referrers and countries, and its QR code', async () => {
    await ui.open('/links/spring-sale');
    const totals = await ui.clickTotals();
    expect(Object.keys(totals)).toEqual(['human', 'bot', 'preview', 'scanner', 'head']);
    expect(totals.human).toBeGreaterThan(0);
    await page.waitForSelector('#clicks-chart canvas');
    expect(await page.$$eval('#referrers tbody tr', (rows) => rows.length)).toBe(2);
    expect(await page.$$eval('#countries tbody tr', (rows) => rows.length)).toBe(3);
    expect(await page.$eval('#qr-scans', (p) => p.textContent)).toMatch(/^3 of the human clicks in this range came through the QR code/);
    await page.waitForFunction(() => (document.querySelector('#qr-image') as HTMLImageElement | null)?.naturalWidth);
    const downloads = await page.$$eval('.qr a[download]', (links) => links.map((a) => a.getAttribute('href')));
    expect(downloads).toEqual(['/api/links/spring-sale/qr?format=svg', '/api/links/spring-sale/qr?format=png&size=512']);

    await page.select('#clicks-range', '30d');
    await page.select('#clicks-bucket', 'day');
    await page.waitForFunction(() => document.querySelector('#clicks-chart figcaption')?.textContent?.includes('over 30 days'));
  });

  it('edits a link, and deletes it only after confirming', async () => {
    await ui.open('/links/launch');
    await page.locator('#edit-title').fill('Launch, revised');
    await page.locator('#edit-heading + form button[type=submit]').click();
    await page.waitForFunction(() => document.querySelector('.details')?.textContent?.includes('Launch, revised'));

    await page.locator('button.danger').click();
    await page.waitForSelector('dialog[open]');
    await page.keyboard.press('Escape'); // cancelled: nothing happens
    await page.waitForFunction(() => document.querySelector('dialog[open]') === null);
    expect((await consoleUnderTest.standIn('shortener').seen()).some((s) => s.method === 'DELETE')).toBe(false);

    await page.locator('button.danger').click();
    await page.locator('dialog[open] button.danger').click();
    await page.waitForFunction(() => location.pathname === '/links');
    expect(await ui.linkCodes()).not.toContain('launch');
  });

  it('shows an owner that is down as down, and the rest of the console keeps working', async () => {
    await consoleUnderTest.standIn('shortener').mode('down');
    await ui.open('/links');
    const alert = await page.waitForSelector('.notice.down');
    expect(await alert?.evaluate((el) => el.textContent)).toContain('The shortener is down');
    await ui.open('/prerender');
    await page.waitForSelector('#snapshots tbody tr');
  });
});

describe('prerender', () => {
  beforeEach(() => ui.signIn(TOKEN, '/prerender'));

  it('shows counts over time, crawler categories, the render budget and the snapshots', async () => {
    await page.waitForSelector('#answers-chart canvas');
    await page.waitForSelector('#renders-chart canvas');
    expect(await page.$$eval('#categories tbody tr td:first-child', (tds) => tds.map((td) => td.textContent))).toEqual([
      'search',
      'ai',
      'social-preview',
    ]);
    // The agents' columns: answers as Markdown, refusals, and what each visit's identity rested on.
    const search = await page.$$eval('#categories tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    expect(search).toHaveLength(9);
    expect(search[4]).toBe('0'); // refused
    expect(search[8]).toBe(search[1]); // the stand-in's visits were all known by their User-Agent alone
    expect(await page.$eval('#budget-meter', (el) => (el as HTMLMeterElement).max)).toBe(200 * 24 * 60);
    await page.locator('#snapshots-prefix').fill('http://localhost:8787/article/');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#snapshots tbody tr').length === 3);
  });

  it('recaches a page and shows its age reset', async () => {
    expect(await ui.snapshotAge('http://localhost:8787/article/1', 'desktop')).toBe('30 h');
    expect(await ui.recache('http://localhost:8787/article/1')).toContain('desktop stored');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#snapshots tbody tr')].some(
        (r) => r.children[0]?.textContent === 'http://localhost:8787/article/1' && r.children[2]?.textContent === '0 s',
      ),
    );
  });

  it('shows the owner’s message next to the field when it refuses a URL', async () => {
    await page.locator('#action-target').fill('https://elsewhere.example/page');
    await page.locator('#actions-heading + form button[type=submit]').click();
    const error = await page.waitForSelector('#action-target-error');
    expect(await error?.evaluate((el) => el.textContent)).toContain('url must be an absolute URL of this site');
  });
});

describe('feed', () => {
  beforeEach(() => ui.signIn(TOKEN, '/feed'));

  it('shows the breaker, its rates and timeline, and forces it open after a confirmation, by keyboard', async () => {
    expect(await ui.breakerState()).toBe('closed');
    expect(await page.$$eval('.timeline li', (items) => items.map((li) => li.getAttribute('data-to')))).toEqual([
      'closed',
      'half-open',
      'open',
    ]);
    await page.waitForSelector('.upstream canvas');
    await page.focus('.upstream .actions button.danger');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    // Focus starts on Cancel (the safe choice); Tab reaches the confirming button.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.state')?.getAttribute('data-state') === 'open');
    expect((await consoleUnderTest.standIn('feed').seen()).filter((s) => s.method === 'POST').map((s) => s.body)).toEqual([
      '{"mode":"open"}',
    ]);
  });
});

describe('every screen', () => {
  const SCREENS = ['/links', '/links/spring-sale', '/prerender', '/feed'];

  it.each(SCREENS)('%s reads at 360 px wide without sideways scrolling of the page, and passes axe-core', async (path) => {
    await ui.signIn(TOKEN, path);
    await page.waitForSelector('main h1');
    await page.waitForFunction(() => document.querySelector('[role=status].loading') === null);
    await screenshot(path, 'wide');
    await page.setViewport({ width: 360, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await screenshot(path, '360');
    expect(await accessibilityViolations()).toEqual([]);
  });

  it('is reached from the navigation by keyboard, focus moving to the new screen', async () => {
    await ui.signIn(TOKEN, '/links');
    await page.waitForSelector('#links');
    await page.keyboard.press('Tab'); // the skip link
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Prerender');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#snapshots');
    expect(new URL(page.url()).pathname).toBe('/prerender');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('screen-focus'))).toBe(true);
  });
});
