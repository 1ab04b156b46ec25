import { SELF, createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../workers/edge/src/index.ts';
import type { Mode } from './mocks.ts';

export const ORIGIN = 'http://localhost:8787';

export const UA = {
  googlebotMobile:
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  googlebot:
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/130.0.6723.69 Safari/537.36',
  facebook: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  ahrefs: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  curl: 'curl/8.4.0',
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  instagram:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111 (iPhone14,5; iOS 17_1; en_US; en; scale=3.00; 1170x2532; 532277709)',
  renderer:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.6478.182 Safari/537.36 Prerender (+https://github.com/prerender/prerender)',
};

export function get(path: string, userAgent: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('User-Agent', userAgent);
  const url = path.startsWith('http') ? path : `${ORIGIN}${path}`;
  return SELF.fetch(url, { ...init, headers, redirect: 'manual' });
}

/** A path no other test uses, so tests never share cache entries. */
let counter = 0;
export function uniquePath(label: string): string {
  return `/page/${label}-${Date.now().toString(36)}-${counter++}`;
}

/** How the stand-in renderer answers a page (test/edge/mocks.ts). */
export type { Mode } from './mocks.ts';

export async function setMode(path: string, mode: Mode): Promise<void> {
  const response = await env.RENDERER.fetch('http://renderer/__mock/mode', { method: 'POST', body: JSON.stringify({ path, mode }) });
  if (!response.ok) throw new Error('could not set renderer mock mode');
}

/** The content version a render of `path` (in mode `deps`) records as its dependency's ETag `"v<n>"`. */
export async function setVersion(path: string, version: number): Promise<void> {
  const response = await env.RENDERER.fetch('http://renderer/__mock/version', { method: 'POST', body: JSON.stringify({ path, version }) });
  if (!response.ok) throw new Error('could not set the content version');
}

/**
 * Makes both mocks serve another SPA build (its module script renamed); null: the first build again.
 * `text`: what the build's page template adds to the text of pages in mode `templated`.
 */
export async function setBuild(script: string | null, text = ''): Promise<void> {
  const response = await env.RENDERER.fetch('http://renderer/__mock/build', { method: 'POST', body: JSON.stringify({ script, text }) });
  if (!response.ok) throw new Error('could not switch the build');
}

/** Resolves once a render of `path` (in mode `held`) has reached the mock renderer. */
export async function renderArrived(path: string): Promise<void> {
  const response = await env.RENDERER.fetch(`http://renderer/__mock/arrived?path=${encodeURIComponent(path)}`);
  if (!response.ok) throw new Error('could not wait for a held render');
}

/** Lets the held renders of `path` answer. */
export async function releaseRenders(path: string): Promise<void> {
  const response = await env.RENDERER.fetch(`http://renderer/__mock/release?path=${encodeURIComponent(path)}`, { method: 'POST' });
  if (!response.ok) throw new Error('could not release held renders');
}

/**
 * The worker called directly (not through SELF), with its own execution context: `settled()`
 * resolves once the work the request left in `ctx.waitUntil` (a background render) is done.
 * `e` is the env; a copy of it is a fresh isolate state.
 */
export async function callEdge(
  path: string,
  userAgent: string,
  init: RequestInit = {},
  e: EdgeEnv = env,
): Promise<{ response: Response; settled: () => Promise<void> }> {
  const headers = new Headers(init.headers);
  headers.set('User-Agent', userAgent);
  const url = path.startsWith('http') ? path : `${ORIGIN}${path}`;
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(url, { ...init, headers }) as never, e, ctx);
  return { response, settled: () => waitOnExecutionContext(ctx) };
}

/** How many renders the mock renderer served for `device url` (absolute, normalised URL). */
export async function renderCount(url: string, device: 'mobile' | 'desktop' = 'desktop'): Promise<number> {
  const { calls } = (await (await env.RENDERER.fetch('http://renderer/__mock/calls')).json()) as { calls: Record<string, number> };
  return calls[`${device} ${url.startsWith('http') ? url : ORIGIN + url}`] ?? 0;
}

export function admin(path: 'recache' | 'purge', body: unknown, token = 'test-admin-token'): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/__prerender/${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'User-Agent': UA.curl },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
