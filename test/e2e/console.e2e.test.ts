/**
 * The console on the local stack (`npm start`, port 8794): its contract (a sign-in form with a
 * password input named `token`; `dev-token` signs in; the screens), and every owner's API answering
 * through it either the contract or a named JSON error, never a bare 5xx.
 *
 * Then the whole path in a real browser, against the real owners: create a link, follow it five
 * times as a browser and three times as Googlebot, see 5 human and 3 bot clicks on its page; stop the recommender, send feed traffic, see the breaker open;
 * recache a page and see its age reset. CONSOLE_SCREENSHOTS=<folder> saves each screen on the way.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, launchChromium } from '../../scripts/chromium.mjs';
import { ConsoleDriver } from '../console-node/driver.ts';
import { untilFeedLive } from './feed-recovery.ts';

const CONSOLE = 'http://127.0.0.1:8794';
const REDIRECTOR = 'http://127.0.0.1:8790';
const FEED = 'http://127.0.0.1:8791';
const EDGE = 'http://127.0.0.1:8787';
const RECOMMENDER = 'http://127.0.0.1:8793';
const TOKEN = process.env.CONSOLE_TOKEN ?? 'dev-token'; // CONSOLE_TOKENS in .dev.vars.example

async function signIn(): Promise<string> {
  const response = await fetch(`${CONSOLE}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: CONSOLE },
    body: new URLSearchParams({ token: TOKEN, next: '/links' }),
  });
  expect(response.status).toBe(303);
  expect(response.headers.get('Location')).toBe('/links');
  return (response.headers.get('Set-Cookie') ?? '').split(';')[0] ?? '';
}

describe('the console on the local stack', () => {
  it('has a sign-in form with a password input named token', async () => {
    const response = await fetch(`${CONSOLE}/signin`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/<form method="post" action="\/signin"/);
    expect(html).toMatch(/<input id="token" name="token" type="password"/);
  });

  it('signs in with dev-token and serves the screens; a wrong token changes nothing', async () => {
    const wrong = await fetch(`${CONSOLE}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: CONSOLE },
      body: new URLSearchParams({ token: 'not-the-token' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('Set-Cookie')).toBeNull();

    const cookie = await signIn();
    for (const path of ['/links', '/links/some-code', '/prerender', '/feed']) {
      const page = await fetch(`${CONSOLE}${path}`, {
        headers: { Cookie: cookie, 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' },
        redirect: 'manual',
      });
      expect(page.status, path).toBe(200);
      expect(await page.text()).toContain('<div id="app"></div>');
    }
  });

  it('answers each owner’s API with the contract or a JSON error naming the owner, never a bare 5xx', async () => {
    const cookie = await signIn();
    for (const path of ['/api/links', '/__prerender/stats', '/__prerender/snapshots', '/api/feed/_stats']) {
      const response = await fetch(`${CONSOLE}${path}`, { headers: { Cookie: cookie } });
      expect(response.headers.get('Content-Type'), path).toMatch(/^application\/json/);
      if (response.status !== 200) {
        const body = (await response.json()) as { error: { code: string } };
        expect(['owner_down', 'owner_refused', 'owner_invalid'], `${path}: ${JSON.stringify(body)}`).toContain(body.error.code);
      }
    }
  });
});

describe('the whole path, in a browser', () => {
  let browser: Browser;
  let page: Page;
  let ui: ConsoleDriver;
  const shots = process.env.CONSOLE_SCREENSHOTS;
  const shoot = async (name: string) => {
    if (shots) await page.screenshot({ path: `${shots}/console-${name}.png`, fullPage: true });
  };

  beforeAll(async () => {
    browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--lang=en-US'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    ui = new ConsoleDriver(page, CONSOLE);
    await ui.signIn(TOKEN);
  });
  afterAll(async () => {
    await fetch(`${RECOMMENDER}/_control`, { method: 'POST', body: JSON.stringify({ mode: 'ok' }) });
    await browser?.close();
    await untilFeedLive(FEED);
  });

  /** Reloads until `check` holds (the stores take a few seconds), or fails after `seconds`. */
  async function eventually(check: () => Promise<boolean>, seconds: number): Promise<void> {
    const until = Date.now() + seconds * 1000;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`not seen within ${seconds} s`);
      await page.reload();
    }
  }

  it('creates a link, follows it as people and as Googlebot, and shows 5 human and 3 bot clicks', async () => {
    await ui.open('/links');
    await ui.linkCodes().catch(() => []);
    const slug = `proof-${Date.now().toString(36)}`;
    const { created } = await ui.createLink('https://example.com/console-proof', slug);
    expect(created).toContain(slug);
    const browserUa = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
    const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    for (const [ua, times] of [
      [browserUa, 5],
      [googlebot, 3],
    ] as const) {
      for (let i = 0; i < times; i++) {
        const response = await fetch(`${REDIRECTOR}/${slug}`, { redirect: 'manual', headers: { 'User-Agent': ua, Accept: 'text/html' } });
        expect(response.status).toBe(301);
      }
    }
    await ui.open(`/links/${slug}`);
    await eventually(async () => {
      const totals = await ui.clickTotals();
      return totals.human === 5 && totals.bot === 3;
    }, 30);
    await page.waitForSelector('#clicks-chart canvas');
    await shoot('link');
  });

  it('shows the breaker open once the recommender fails and the feed has traffic', async () => {
    await fetch(`${RECOMMENDER}/_control`, { method: 'POST', body: JSON.stringify({ mode: 'fail' }) });
    for (let i = 0; i < 30; i++) await fetch(`${FEED}/api/feed/home?user=u${i}`);
    await ui.open('/feed');
    await eventually(async () => (await ui.breakerState()) === 'open', 30);
    await shoot('feed');
  });

  it('recaches a page and shows its age reset', async () => {
    const googlebot = { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' };
    await fetch(`${EDGE}/article/1`, { headers: googlebot });
    await fetch(`${EDGE}/article/1`, { headers: googlebot });
    await ui.open('/prerender');
    const url = 'http://localhost:8787/article/1';
    await eventually(async () => (await ui.snapshotAge(url, 'desktop')) !== null || (await ui.snapshotAge(url, 'mobile')) !== null, 30);
    expect(await ui.recache(url)).toContain('stored');
    await eventually(async () => ['0 s', '1 s', '2 s'].includes((await ui.snapshotAge(url, 'desktop')) ?? ''), 15);
    await shoot('prerender');
  });
});
