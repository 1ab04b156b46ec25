/**
 * What kind of click a request is, from what it carries: a pure function of its method and
 * headers, so each rule is tested with tables and the whole on a labelled corpus. Each click gets
 * exactly one kind, decided in this order:
 *
 *   head     HEAD, or a prefetch (`Sec-Purpose: prefetch`, `Purpose: prefetch`, `X-Purpose: preview`,
 *            `X-Moz: prefetch`): a fetch nobody navigated (yet). A prefetched redirect that a person
 *            then follows is served from the browser's cache and never seen again, so this may
 *            undercount people slightly; counting prefetches as people overcounts by far more.
 *   bot      no User-Agent at all
 *   preview  a bot (isbot) whose User-Agent names a link-preview app, or a preview fetcher isbot
 *            does not know (scanners.ts)
 *   scanner  a bot naming a security scanner, a scanner product isbot does not know, or any request
 *            from a scanner network or with a scanner's referrer (scanners.ts)
 *   bot      any other bot
 *   human    everything else; the burst rule (clicks.ts) may still make it a scanner's
 */
import { isbot } from 'isbot';
import type { ClickKind } from '../../../shared/links/record.ts';
import {
  CARD_AGENTS,
  PREVIEW_AGENTS,
  PREVIEW_FETCHERS,
  SCANNER_AGENTS,
  SCANNER_NETWORKS,
  SCANNER_PRODUCTS,
  SCANNER_REFERRERS,
} from './scanners.ts';

export function classifyClick(method: string, headers: Headers): ClickKind {
  if (method === 'HEAD' || isPrefetch(headers)) return 'head';
  const userAgent = headers.get('User-Agent');
  if (userAgent === null || userAgent.trim() === '') return 'bot';
  const bot = isbot(userAgent);
  if ((bot && PREVIEW_AGENTS.test(userAgent)) || PREVIEW_FETCHERS.test(userAgent)) return 'preview';
  if ((bot && SCANNER_AGENTS.test(userAgent)) || SCANNER_PRODUCTS.test(userAgent)) return 'scanner';
  const client = headers.get('CF-Connecting-IP');
  if (client !== null && inScannerNetwork(client)) return 'scanner';
  const referrer = refererHost(headers.get('Referer'));
  if (referrer !== '' && SCANNER_REFERRERS.includes(referrer)) return 'scanner';
  return bot ? 'bot' : 'human';
}

/** True for the preview bots that are shown a link's card (scanners.ts `CARD_AGENTS`). */
export function isCardAgent(userAgent: string | null): boolean {
  return userAgent !== null && CARD_AGENTS.test(userAgent);
}

function isPrefetch(headers: Headers): boolean {
  const purpose = headers.get('Sec-Purpose') ?? headers.get('Purpose') ?? headers.get('X-Purpose') ?? headers.get('X-Moz');
  return purpose !== null && /\b(?:prefetch|preview)\b/i.test(purpose);
}

/** Only the host of a referrer is kept: paths and queries may carry personal data. */
export function refererHost(referer: string | null): string {
  if (referer === null) return '';
  try {
    return new URL(referer).hostname;
  } catch {
    return '';
  }
}

/** One CIDR range as the bits of its prefix: IPv4 in one 32-bit word, IPv6 in eight 16-bit words. */
interface Range {
  v6: boolean;
  words: number[];
  bits: number;
}

const RANGES: Range[] = SCANNER_NETWORKS.map((cidr) => {
  const [address = '', bits = '0'] = cidr.split('/');
  const words = parseAddress(address);
  if (words === null) throw new Error(`scanners.ts: ${cidr} is not a CIDR range`);
  return { v6: words.length === 8, words, bits: Number(bits) };
});

/** True when `address` (as `CF-Connecting-IP` gives it) lies in a scanner network. */
export function inScannerNetwork(address: string): boolean {
  const words = parseAddress(address);
  if (words === null) return false;
  return RANGES.some((range) => range.v6 === (words.length === 8) && prefixMatches(words, range));
}

function prefixMatches(words: number[], range: Range): boolean {
  const size = range.v6 ? 16 : 32;
  let left = range.bits;
  for (let i = 0; left > 0; i++, left -= size) {
    const take = Math.min(size, left);
    const shift = size - take;
    if ((words[i] as number) >>> shift !== (range.words[i] as number) >>> shift) return false;
  }
  return true;
}

/**
 * An IPv4 address as [its 32-bit value], an IPv6 one as its eight 16-bit words (`::` expanded,
 * an IPv4-mapped `::ffff:a.b.c.d` read as the IPv4 address), or null. Written here rather than
 * loading ipaddr.js (about 4 KB gzipped) into a bundle budgeted at 20 KB: Cloudflare hands the
 * address over in canonical form, so only these shapes occur.
 */
export function parseAddress(text: string): number[] | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped?.[1] !== undefined) return parseAddress(mapped[1]);
  if (text.includes('.')) {
    const parts = text.split('.');
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
    return [parts.reduce((n, p) => n * 256 + Number(p), 0)];
  }
  const halves = text.toLowerCase().split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => Number.parseInt(g, 16));
}
