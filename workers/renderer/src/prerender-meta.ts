/**
 * prerender.io's convention for real status codes from a client-rendered page:
 *   <meta name="prerender-status-code" content="404">
 *   <meta name="prerender-header" content="Location: https://example.com/new">
 *
 * A render reads the metas from the live DOM (`PRERENDER_META_SCRIPT`), never from the serialised
 * HTML: page content that ends up in an attribute (a comment author, a title) can hold text that
 * looks like `<meta name=prerender-header ...>`, and browsers before Chromium 138 write `<` and `>`
 * in attribute values unescaped, so a regex over `page.content()` would obey it. The DOM only has
 * the elements the page really created. `metaPairsFromHtml` is the same reading over HTML, for
 * tests and for callers that only have markup.
 */

import { RENDER_REQUEST_HEADER } from '../../../shared/render/protocol.ts';

/** A meta element's `name` and `content`, in document order. */
export type MetaPair = [name: string, content: string];

/**
 * Runs in the page: every `prerender-status-code` / `prerender-header` meta element of the
 * document (head or body, as the convention allows), as `[name, content]` pairs.
 */
export const PRERENDER_META_SCRIPT = `Array.from(document.querySelectorAll('meta[name]'))
  .filter((m) => /^prerender-(status-code|header)$/i.test(m.getAttribute('name') || ''))
  .map((m) => [m.getAttribute('name'), m.getAttribute('content') ?? null])
  .filter((pair) => pair[1] !== null)`;

export interface PrerenderMetas {
  /** The first valid `prerender-status-code`, or null. */
  status: number | null;
  /** Headers the page asked for, by canonical-case name; repeated names joined with ", ". */
  headers: Record<string, string>;
}

// Headers a snapshot must never carry: message framing and connection handling belong to the
// server that sends it (RFC 9110 §7.6.1, RFC 9112 §6), cookies would be replayed to every crawler,
// X-Prerender is the edge's own contract header and the render-request header is the renderer's.
const FORBIDDEN_HEADERS = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-prerender',
  RENDER_REQUEST_HEADER.toLowerCase(),
]);

// RFC 9110 §5.1 field-name = token; §5.5 field values exclude CR, LF and NUL.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;

const OPAQUE_ELEMENTS = /<(script|style|template|textarea|noscript|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const COMMENTS = /<!--[\s\S]*?-->/g;
// Quoted attribute values may contain `>` (older serialisers did not escape it).
const META_TAG = /<meta\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

export function parsePrerenderMetas(html: string): PrerenderMetas {
  return interpretPrerenderMetas(metaPairsFromHtml(html));
}

/** The convention's rules over meta pairs: the first valid status wins; headers are checked and joined. */
export function interpretPrerenderMetas(pairs: readonly MetaPair[]): PrerenderMetas {
  let status: number | null = null;
  const headers: Record<string, string> = {};
  for (const [rawName, content] of pairs) {
    const name = rawName.toLowerCase();
    if (name === 'prerender-status-code' && status === null) status = parseStatus(content);
    if (name === 'prerender-header') {
      const header = parseHeaderLine(content);
      if (!header) continue;
      const existing = headers[header.name];
      headers[header.name] = existing === undefined ? header.value : `${existing}, ${header.value}`;
    }
  }
  return { status, headers };
}

/** Meta `name`/`content` pairs of serialised HTML; text inside scripts, templates and comments is not markup. */
export function metaPairsFromHtml(html: string): MetaPair[] {
  const visible = html.replace(COMMENTS, '').replace(OPAQUE_ELEMENTS, '');
  const pairs: MetaPair[] = [];
  for (const [, attributeText = ''] of visible.matchAll(META_TAG)) {
    const attributes = parseAttributes(attributeText);
    const name = attributes.get('name');
    const content = attributes.get('content');
    if (name !== undefined && content !== undefined && /^prerender-(status-code|header)$/i.test(name)) pairs.push([name, content]);
  }
  return pairs;
}

function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [, name = '', doubleQuoted, singleQuoted, bare] of text.matchAll(ATTRIBUTE)) {
    const key = name.toLowerCase();
    // HTML keeps the first of duplicate attributes (WHATWG HTML §13.2.5.33).
    if (!attributes.has(key)) attributes.set(key, decodeEntities(doubleQuoted ?? singleQuoted ?? bare ?? ''));
  }
  return attributes;
}

/** A status a page may claim: 200-599 (1xx are interim responses, never a page's answer). */
function parseStatus(content: string): number | null {
  const trimmed = content.trim();
  if (!/^\d{3}$/.test(trimmed)) return null;
  const status = Number(trimmed);
  return status >= 200 && status <= 599 ? status : null;
}

function parseHeaderLine(content: string): { name: string; value: string } | null {
  const colon = content.indexOf(':');
  if (colon <= 0) return null;
  const name = content.slice(0, colon).trim();
  const value = content.slice(colon + 1).trim();
  if (!TOKEN.test(name) || BAD_VALUE.test(value) || value === '') return null;
  if (FORBIDDEN_HEADERS.has(name.toLowerCase())) return null;
  return { name: canonicalHeaderName(name), value };
}

/** `location` -> `Location`, `x-robots-tag` -> `X-Robots-Tag`: one spelling per header for callers. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}
