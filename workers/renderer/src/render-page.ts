/**
 * Drives one browser page through a render: device emulation, request interception (SSRF guard,
 * blocked resource types, the render marker header), navigation, the wait, serialisation.
 * Written against the part of puppeteer's Page API that both `@cloudflare/puppeteer` (Browser
 * Rendering, in the worker) and `puppeteer-core` (the self-hosted render service, in Node) provide.
 */
import { log } from '../../../shared/log.ts';
import { MARKDOWN_SCRIPT } from './markdown/page-script.generated.ts';
import { PRERENDER_META_SCRIPT, type MetaPair } from './prerender-meta.ts';
import { RENDER_REQUEST_HEADER, RENDER_REQUEST_VALUE, type Device } from '../../../shared/render/protocol.ts';
import { DependencyRecorder, type ObservedResponse } from './dependencies.ts';
import { deviceProfile, type Viewport } from './devices.ts';
import { isTimeout, withDeadline } from './render-errors.ts';
import type { PageSnapshot } from './render-result.ts';
import { decideRequest, type OriginPolicy } from './url-policy.ts';
import {
  READY_PREDICATE_SCRIPT,
  READY_PROBE_SCRIPT,
  idleWaitMs,
  nextWait,
  remaining,
  type ReadyProbe,
  type WaitBudget,
} from './wait-strategy.ts';

export interface InterceptedResponse {
  status(): number;
  headers(): Record<string, string>;
}

export interface InterceptedRequest {
  url(): string;
  resourceType(): string;
  isNavigationRequest(): boolean;
  frame(): { parentFrame(): unknown } | null;
  redirectChain(): Array<{ response(): InterceptedResponse | null }>;
  headers(): Record<string, string>;
  continue(overrides?: { headers?: Record<string, string> }): Promise<void>;
  abort(errorCode?: 'blockedbyclient' | 'accessdenied' | 'failed'): Promise<void>;
}

/** The page events a render listens to. */
export interface PageEvents {
  request: InterceptedRequest;
  response: ObservedResponse;
}

export interface RenderablePage {
  setUserAgent(userAgent: string): Promise<void>;
  setViewport(viewport: Viewport): Promise<void>;
  setCacheEnabled(enabled: boolean): Promise<void>;
  setRequestInterception(enabled: boolean): Promise<void>;
  on<E extends keyof PageEvents>(event: E, handler: (payload: PageEvents[E]) => void): unknown;
  goto(url: string, options: { waitUntil: 'domcontentloaded'; timeout: number }): Promise<{ status(): number } | null>;
  evaluate(script: string): Promise<unknown>;
  waitForFunction(script: string, options: { timeout: number; polling: number }): Promise<unknown>;
  waitForNetworkIdle(options: { idleTime: number; timeout: number }): Promise<void>;
  content(): Promise<string>;
}

export interface PageJob {
  url: URL;
  device: Device;
  /** Major version of the browser, for a User-Agent that matches it. */
  chromeMajor: number;
  policy: OriginPolicy;
  /** Hard timeout for the whole render, in ms. */
  timeoutMs: number;
  budget: WaitBudget;
}

export interface PageStats {
  /** Requests aborted by interception, by reason. */
  blocked: Record<string, number>;
}

/**
 * Renders `job.url` in `page`. Rejects with DeadlineExceeded past `job.timeoutMs`; the caller owns
 * the page and closes it whatever happens.
 */
export async function renderPage(page: RenderablePage, job: PageJob, stats: PageStats = { blocked: {} }): Promise<PageSnapshot> {
  const deadline = Date.now() + job.timeoutMs;
  return withDeadline(drive(page, job, deadline, stats), job.timeoutMs);
}

async function drive(page: RenderablePage, job: PageJob, deadline: number, stats: PageStats): Promise<PageSnapshot> {
  const profile = deviceProfile(job.device, job.chromeMajor);
  await page.setUserAgent(profile.userAgent);
  await page.setViewport(profile.viewport);
  // A render must see the site as it is now; a reused browser would otherwise revalidate its
  // cached copy and report the document as a 304.
  await page.setCacheEnabled(false);

  let redirect: PageSnapshot['redirect'] = null;
  const dependencies = new DependencyRecorder(job.policy);
  page.on('response', (response) => dependencies.observe(response));
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const isRedirect = request.redirectChain().length > 0;
    const decision = decideRequest(
      {
        url: request.url(),
        resourceType: request.resourceType(),
        isMainFrameNavigation: request.isNavigationRequest() && request.frame()?.parentFrame() == null,
        isRedirect,
      },
      job.policy,
    );
    // continue()/abort() reject once the page is closed; a late request is no longer our concern.
    const ignore = () => {};
    switch (decision.action) {
      case 'continue':
        if (decision.marker) {
          request
            .continue({ headers: { ...request.headers(), [RENDER_REQUEST_HEADER.toLowerCase()]: RENDER_REQUEST_VALUE } })
            .catch(ignore);
        } else {
          request.continue().catch(ignore);
        }
        return;
      case 'stop-redirect': {
        const response = request.redirectChain().at(-1)?.response() ?? null;
        redirect ??= { status: response?.status() ?? 302, location: response?.headers().location ?? null };
        request.abort('blockedbyclient').catch(ignore);
        return;
      }
      case 'abort':
        stats.blocked[decision.reason] = (stats.blocked[decision.reason] ?? 0) + 1;
        request.abort('blockedbyclient').catch(ignore);
    }
  });

  let response: { status(): number } | null;
  try {
    response = await page.goto(job.url.href, { waitUntil: 'domcontentloaded', timeout: remaining(deadline, Date.now()) });
  } catch (error) {
    if (redirect) return redirected(redirect);
    throw error;
  }
  if (redirect) return redirected(redirect);

  let idleWaited = false;
  for (;;) {
    const step = nextWait((await page.evaluate(READY_PROBE_SCRIPT)) as ReadyProbe, idleWaited);
    if (step === 'done') break;
    if (step === 'prerender-ready') {
      // No time limit of its own: the hard deadline ends a page that never gets ready (a 504).
      await page.waitForFunction(READY_PREDICATE_SCRIPT, { timeout: 0, polling: 50 });
      break;
    }
    idleWaited = true;
    const wait = idleWaitMs(job.budget, remaining(deadline, Date.now()));
    // Past the cap the page is rendered as it stands: a page that polls is never idle.
    if (wait <= 0) break; // puppeteer reads a timeout of 0 as "no timeout"
    await page.waitForNetworkIdle({ idleTime: job.budget.idleTimeMs, timeout: wait }).catch((error: unknown) => {
      if (!isTimeout(error)) throw error;
    });
  }
  const metas = (await page.evaluate(PRERENDER_META_SCRIPT)) as MetaPair[];
  const html = await page.content();
  // After the HTML is taken: the conversion marks hidden elements in the live DOM.
  const markdown = await markdownOf(page, job.url);
  return { html, markdown, httpStatus: response?.status() ?? null, metas, redirect: null, dependencies: await dependencies.result() };
}

function redirected(redirect: NonNullable<PageSnapshot['redirect']>): PageSnapshot {
  return { html: '', markdown: null, httpStatus: null, metas: [], redirect, dependencies: null };
}

/**
 * The page's main content as Markdown, converted in the page itself (the DOM is there, with its
 * styles computed, so what a reader cannot see stays out). A page whose script breaks the
 * conversion still renders: its snapshot simply has no Markdown.
 */
async function markdownOf(page: RenderablePage, url: URL): Promise<string | null> {
  try {
    const markdown = await page.evaluate(MARKDOWN_SCRIPT);
    return typeof markdown === 'string' ? markdown : null;
  } catch (error) {
    log('warn', 'render.markdown_failed', { url: url.href, message: error instanceof Error ? error.message : String(error) });
    return null;
  }
}
