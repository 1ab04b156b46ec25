/**
 * Renders with Cloudflare Browser Rendering through @cloudflare/puppeteer.
 * Sessions are reused: every new browser counts against the account's concurrency and launch-rate
 * limits (and its start-up is the slowest part of a render, see the README), so a render first
 * connects to an idle session and leaves it running (`disconnect`, not `close`) for the next one,
 * as Cloudflare recommends.
 */
import puppeteer, { type Browser, type BrowserWorker, type Page } from '@cloudflare/puppeteer';
import { log } from '../../../shared/log.ts';
import { chromeMajorVersion } from './devices.ts';
import { browserUnavailable, withDeadline } from './render-errors.ts';
import { renderPage, type PageJob, type PageStats } from './render-page.ts';
import type { PageSnapshot } from './render-result.ts';
import type { OriginPolicy } from './url-policy.ts';

/** An idle session closes after this long without a connection (the platform's maximum is 10 min). */
export const SESSION_KEEP_ALIVE_MS = 60_000;
/** Clearing and closing a page that hangs must not hold the answer. */
const PAGE_CLOSE_MS = 1_000;

export async function renderWithBrowserRendering(binding: BrowserWorker, job: Omit<PageJob, 'chromeMajor'>): Promise<PageSnapshot> {
  const browser = await acquireBrowser(binding);
  let healthy = true;
  try {
    // The default context: a second browser context fails under the local Browser Rendering
    // ("Target.createTarget: Target closed"), so state is cleared after each render instead.
    const page = await browser.newPage();
    const stats: PageStats = { blocked: {} };
    try {
      const chromeMajor = chromeMajorVersion(await browser.version());
      return await renderPage(page, { ...job, chromeMajor }, stats);
    } catch (error) {
      healthy = false;
      throw error;
    } finally {
      log('debug', 'render.blocked', { url: job.url.href, ...stats.blocked });
      await withDeadline(forgetRender(page, job.policy), PAGE_CLOSE_MS).catch(() => (healthy = false));
    }
  } finally {
    // A session whose page got stuck is not worth keeping warm.
    if (healthy) await browser.disconnect().catch(() => {});
    else await browser.close().catch(() => {});
  }
}

/**
 * The session outlives the render: its cookies and storage must not leak into the next render (a
 * consent cookie, a logged-in flag, a cached A/B bucket), so they are cleared before the page closes
 * (the DevTools protocol's Storage.clearDataForOrigin).
 */
async function forgetRender(page: Page, policy: OriginPolicy): Promise<void> {
  const cdp = await page.createCDPSession();
  await cdp.send('Network.clearBrowserCookies');
  for (const origin of [...policy.site.all, ...policy.allowedOrigins]) {
    await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
  }
  await cdp.detach();
  await page.close();
}

async function acquireBrowser(binding: BrowserWorker): Promise<Browser> {
  try {
    const idle = (await puppeteer.sessions(binding)).filter((session) => !session.connectionId);
    for (const session of idle) {
      // Another render may take the same idle session first; then try the next or launch.
      try {
        const browser = await puppeteer.connect(binding, session.sessionId);
        log('debug', 'render.session', { sessionId: session.sessionId, reused: true });
        return browser;
      } catch {}
    }
    const browser = await puppeteer.launch(binding, { keep_alive: SESSION_KEEP_ALIVE_MS });
    log('debug', 'render.session', { sessionId: browser.sessionId(), reused: false, idle: idle.length });
    return browser;
  } catch (error) {
    // Typically 429: the account's concurrent-browser or new-browsers-per-minute limit.
    const message = error instanceof Error ? error.message : String(error);
    log('warn', 'render.browser_unavailable', { message });
    throw browserUnavailable(`no browser available: ${message}`);
  }
}
