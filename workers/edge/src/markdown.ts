/**
 * Markdown for agents: which requests get it (content negotiation on `Accept`) and the answer.
 * Pure functions.
 */
import type { PrerenderState, SnapshotEntry } from './snapshot.ts';
import { REDIRECT_STATUSES } from './snapshot.ts';

export const MARKDOWN_TYPE = 'text/markdown; charset=utf-8';

/**
 * Whether `accept` asks for Markdown over HTML (RFC 9110 §12.5.1): `text/markdown` is named
 * explicitly with a weight above 0, and at least the weight HTML gets (from `text/html`, `text/*`
 * or `*\/*`, the most specific range that matches). A browser's Accept never names
 * `text/markdown`, so browsers keep getting the SPA; `Accept: text/markdown, text/html;q=0.9`
 * and `Accept: text/markdown` get Markdown. Hand-written: negotiation libraries rank the types a
 * server offers but do not say whether a type was asked for by name or only through a wildcard.
 */
export function prefersMarkdown(accept: string | null): boolean {
  // Every request pays this test (people included): one regex over the header, no copy of it.
  if (accept === null || !/markdown/i.test(accept)) return false;
  let markdown = -1;
  let html = { q: 0, specificity: -1 };
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = weight(params);
    if (type === 'text/markdown') markdown = Math.max(markdown, q);
    const specificity = type === 'text/html' ? 2 : type === 'text/*' ? 1 : type === '*/*' ? 0 : -1;
    if (specificity > html.specificity) html = { q, specificity };
  }
  return markdown > 0 && markdown >= html.q;
}

/** RFC 9110 §12.4.2: `q` from 0 to 1 with up to three decimals, 1 when absent; malformed reads as 0. */
function weight(params: readonly string[]): number {
  const q = params.find((param) => param.startsWith('q='));
  if (q === undefined) return 1;
  const value = q.slice(2);
  return /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : 0;
}

/** Roughly how many LLM tokens a text costs: four characters a token, the usual rule of thumb for English. */
export function tokenEstimate(markdown: string): number {
  return Math.ceil(markdown.length / 4);
}

/**
 * The Markdown answer: the page's true status (a 404 is a 404, a redirect carries its Location and
 * no body), `Vary: Accept, User-Agent` (the URL also answers HTML, and the device comes from the
 * UA), the canonical page URL, and a token estimate. `state` is the `X-Prerender` value for bots,
 * null for people.
 */
export function markdownResponse(
  state: PrerenderState | null,
  entry: Pick<SnapshotEntry, 'status' | 'headers' | 'renderedAt' | 'url'>,
  markdown: string,
  method: string,
  contentSignal: string,
): Response {
  const headers: Record<string, string> = {
    ...entry.headers,
    'content-type': MARKDOWN_TYPE,
    'x-markdown-tokens': String(tokenEstimate(markdown)),
    link: `<${entry.url}>; rel="canonical"`,
    'content-signal': contentSignal,
    'x-prerender-rendered-at': entry.renderedAt,
    'cache-control': 'private, no-cache',
    vary: 'Accept, User-Agent',
  };
  if (state !== null) headers['x-prerender'] = state;
  const redirect = REDIRECT_STATUSES.has(entry.status);
  return new Response(method === 'HEAD' || redirect ? null : markdown, { status: entry.status, headers });
}
