// The console: first paint of the links table in a real browser (headless Chromium) on a local
// console, against a 1 s ceiling (ratio = ms / 1000, lower is better). The console runs as its
// `wrangler deploy --dry-run` bundle in Miniflare with its UI files from build/console and the
// stand-in owners of test/console/standins behind its service bindings, so the row measures the
// console's own part: the shell, the main and links chunks, /api/session and /api/links through the
// worker and the binding hop. A real shortener's search adds its own time on top.
//
// Each round is a first visit: a fresh page with the HTTP cache off and a signed-in session cookie,
// timed from navigation start (the page's performance.now() origin) to the second animation frame
// after the table's first row is in the DOM, i.e. the frame that paints it.
import { join } from 'node:path';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { CHROMIUM_ARGS, launchChromium } from '../../scripts/chromium.mjs';
import { sessionCookie, startConsole } from '../../test/console-node/harness.ts';

const CEILING_MS = 1000;

/** @param {import('../lib.mjs').Bench} bench */
export default async function consoleScenarios(bench) {
  await ensureConsoleBuilt();
  const running = await startConsole({ scriptPath: join(bench.bundle('console'), 'index.js') });
  const browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--lang=en-US'] });
  try {
    const cookie = await sessionCookie(running.origin);
    const { hostname } = new URL(running.origin);
    const firstPaint = async () => {
      const page = await browser.newPage();
      try {
        await page.setCacheEnabled(false);
        await page.setCookie({ name: 'console_session', value: cookie, domain: hostname, path: '/', httpOnly: true, sameSite: 'Strict' });
        await page.goto(`${running.origin}/links`);
        await page.waitForSelector('#links tbody tr td a');
        // Awaited here: the `finally` must not close the page under a pending evaluation.
        return await page.evaluate(
          () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))),
        );
      } finally {
        await page.close();
      }
    };
    await firstPaint(); // warm-up: the browser's first page and the worker's first isolate
    await bench.paired({
      scenario: 'console: first paint of the links table (Chromium, local console, cold cache)',
      baselineName: `${CEILING_MS} ms ceiling`,
      goal: 1.0,
      better: 'lower',
      unit: 'ms',
      round: async () => ({ ours: /** @type {number} */ (await firstPaint()), base: CEILING_MS }),
    });
  } finally {
    await browser.close();
    await running.close();
  }
}
