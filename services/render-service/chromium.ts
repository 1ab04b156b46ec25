/**
 * The render service's browser: one local Chromium (puppeteer-core), launched on first use and again
 * after a crash, a fresh incognito context per render (no cookie, cache or storage carried from one
 * page to the next), and at most `concurrency` renders at once; past that a render is refused with
 * 503 and Retry-After, as Browser Rendering refuses past its limits.
 */
import type { Browser } from 'puppeteer-core';
import { CHROMIUM_ARGS, launchChromium } from '../../scripts/chromium.mjs';
import type { BrowserRender } from '../../workers/renderer/src/app.ts';
import { chromeMajorVersion } from '../../workers/renderer/src/devices.ts';
import { browserUnavailable, withDeadline } from '../../workers/renderer/src/render-errors.ts';
import { renderPage } from '../../workers/renderer/src/render-page.ts';

const CONTEXT_CLOSE_MS = 2_000;
// `--single-process` cannot open a second browser context ("Target.createTarget: Target closed"),
// and a context per render is what keeps renders apart; the packaged Chromium runs multi-process here.
const MULTI_PROCESS_ARGS = CHROMIUM_ARGS.filter((arg) => arg !== '--single-process');

export interface LocalChromium {
  render: BrowserRender;
  close(): Promise<void>;
}

export function localChromium(concurrency: number): LocalChromium {
  let launching: Promise<Browser> | null = null;
  let active = 0;

  async function browser(): Promise<Browser> {
    const current = launching && (await launching.catch(() => null));
    if (current?.connected) return current;
    launching = launchChromium({ args: MULTI_PROCESS_ARGS });
    try {
      return await launching;
    } catch (error) {
      launching = null;
      throw browserUnavailable(`Chromium could not be started: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  return {
    async render(job) {
      if (active >= concurrency) throw browserUnavailable(`all ${concurrency} render slots are busy`, 1);
      active++;
      try {
        const chromium = await browser();
        const context = await chromium.createBrowserContext();
        try {
          const page = await context.newPage();
          return await renderPage(page, { ...job, chromeMajor: chromeMajorVersion(await chromium.version()) });
        } finally {
          await withDeadline(context.close(), CONTEXT_CLOSE_MS).catch(() => {});
        }
      } finally {
        active--;
      }
    },
    async close() {
      const current = launching && (await launching.catch(() => null));
      await current?.close().catch(() => {});
    },
  };
}
