/**
 * The delta path in a real browser: headless Chromium on http://localhost (a secure context) loads a
 * page of build 1, whose chunk comes with `Use-As-Dictionary`; after build 2 is deployed on the same
 * origin (one line of the chunk changed, so a new hashed name), the page is loaded again and the new
 * chunk arrives as `dcz` against build 1's chunk, and runs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, HTTPResponse, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { writeAssets } from '../../scripts/build.mjs';
import { firstChunks, seeded, writeSpa, type Chunk } from '../support/spa-builds.ts';
import { removeDir, startAssetsWorkerOn, type RunningAssets } from './harness.ts';

let browser: Browser;
let page: Page;
let worker: RunningAssets | undefined;
/**
 * Request headers as the network stack sent them, by URL (the last request wins): Chromium adds
 * Accept-Encoding's dictionary codings and Available-Dictionary below the page, so only the
 * DevTools protocol's `requestWillBeSentExtraInfo` shows them.
 */
const sentHeaders = new Map<string, Record<string, string>>();
const urls = new Map<string, string>();
const extra = new Map<string, Record<string, string>>();
const folders: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-workers-dictionary-'));
  folders.push(dir);
  return dir;
};

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  const record = (id: string) => {
    const url = urls.get(id);
    const headers = extra.get(id);
    if (url && headers) sentHeaders.set(url, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])));
  };
  cdp.on('Network.requestWillBeSent', (event) => {
    urls.set(event.requestId, event.request.url);
    record(event.requestId);
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (event) => {
    extra.set(event.requestId, event.headers);
    record(event.requestId);
  });
});
afterAll(async () => {
  await browser?.close();
  await worker?.close();
  folders.forEach(removeDir);
});

/** The app chunk of build `n`: the same few hundred lines, and the one line that says which build ran. */
function app(base: Chunk, n: number): Chunk {
  return { ...base, name: 'app', naming: 'dot-hex', lines: [...base.lines, `document.title = "build ${n}"; window.ranBuild = ${n};`] };
}

/** Lays out build `n` and (re)starts the worker on it, on the same port as before: the same origin. */
async function deploy(out: string, base: Chunk, n: number): Promise<string> {
  const spa = tempDir();
  writeSpa(spa, [app(base, n)], `build ${n}`);
  writeAssets({
    feedOrigin: null,
    from: spa,
    source: spa,
    out,
    history: { dir: join(out, '.history') },
    now: new Date(Date.UTC(2030, 0, n)),
  });
  const port = worker?.port ?? 0;
  await worker?.close();
  worker = await startAssetsWorkerOn(out, { port });
  return `http://localhost:${worker.port}`;
}

/** Loads the page and answers the response of its app chunk. */
async function load(origin: string): Promise<HTTPResponse> {
  const responses: HTTPResponse[] = [];
  const listener = (response: HTTPResponse) => {
    if (/\/assets\/app\.[0-9a-f]+\.js$/.test(response.url())) responses.push(response);
  };
  page.on('response', listener);
  try {
    await page.goto(`${origin}/`, { waitUntil: 'load' });
  } finally {
    page.off('response', listener);
  }
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

/**
 * Whether the browser now offers a dictionary for the chunk's pattern: a probe request for a name
 * the pattern matches carries `Available-Dictionary` once the dictionary is stored (Chromium writes
 * it after the response that brought it has completed).
 */
async function offersDictionary(origin: string): Promise<boolean> {
  const probe = `${origin}/assets/app.00000a9a.js`;
  sentHeaders.delete(probe);
  const status = await page.evaluate((url) => fetch(url, { cache: 'no-store' }).then((r) => r.status), probe);
  expect(status).toBe(404);
  return sentHeaders.get(probe)?.['available-dictionary'] !== undefined;
}

describe('Compression Dictionary Transport in Chromium', () => {
  it('after a deploy, the changed chunk comes as a dcz delta against the one the browser kept, and runs', async () => {
    const out = tempDir();
    const base = firstChunks(seeded(31))[1]!; // a 400-line chunk

    const origin = await deploy(out, base, 1);
    const first = await load(origin);
    expect(first.status()).toBe(200);
    expect(first.headers()['use-as-dictionary']).toBe('match="/assets/app.*.js"');
    expect(await page.evaluate(() => (window as unknown as { ranBuild?: number }).ranBuild)).toBe(1);
    let stored = false;
    for (let tries = 0; tries < 50 && !stored; tries++) stored = await offersDictionary(origin);
    expect(stored).toBe(true);

    expect(await deploy(out, base, 2)).toBe(origin);
    const second = await load(origin);
    expect(second.url()).not.toBe(first.url());
    expect(sentHeaders.get(second.url())?.['available-dictionary']).toMatch(/^:[A-Za-z0-9+/]{43}=:$/);
    expect(sentHeaders.get(second.url())?.['accept-encoding']).toContain('dcz');
    expect(second.status()).toBe(200);
    expect(second.headers()['content-encoding']).toBe('dcz');
    expect(second.headers().vary).toBe('Accept-Encoding, Available-Dictionary');
    expect(await page.evaluate(() => (window as unknown as { ranBuild?: number }).ranBuild)).toBe(2);
    expect(await page.title()).toBe('build 2');
  });
});
