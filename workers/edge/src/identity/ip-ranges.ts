/**
 * Published crawler IP ranges: a crawler that claims a token (`Googlebot`) from an address inside
 * the ranges its operator publishes for it is verified by address. Google, Bing, OpenAI and
 * Perplexity publish the same JSON shape (`{ "prefixes": [{ "ipv4Prefix" | "ipv6Prefix": CIDR }] }`),
 * e.g. Google's googlebot.json. `CRAWLER_IP_RANGES`
 * lists `<token>=<url>` pairs.
 *
 * The client address is `CF-Connecting-IP`, which Cloudflare sets (a client cannot). A range file
 * is fetched in the background the first time an isolate needs it and cached for `RANGES_TTL_MS`:
 * a request never waits for it, and until it is there the crawler is simply not verified by address.
 * CIDR parsing and matching are ipaddr.js's.
 */
import ipaddr from 'ipaddr.js';
import * as z from 'zod/mini';
import type { BoundedMap } from '../../../../shared/bounded-map.ts';
import { ConfigError, listVar } from '../../../../shared/config.ts';
import { readLimited } from '../../../../shared/http/body.ts';
import { log } from '../../../../shared/log.ts';

export const RANGES_TTL_MS = 6 * 3_600_000;
const FAILURE_TTL_MS = 5 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_BYTES = 1024 * 1024;

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
/** Parsed ranges by token (lower case), or null after a failed fetch. */
export type RangeCache = BoundedMap<Cidr[] | null>;

/** `Googlebot=https://...json, bingbot=https://...json` -> token (lower case) -> URL. */
export function parseRangeSources(value: string | undefined): ReadonlyMap<string, string> {
  const sources = new Map<string, string>();
  for (const item of listVar(value)) {
    const at = item.indexOf('=');
    const token = item.slice(0, at).trim();
    const url = URL.parse(item.slice(at + 1).trim());
    if (at <= 0 || !url || url.protocol !== 'https:') throw new ConfigError('CRAWLER_IP_RANGES', `"${item}" must be <token>=<https URL>`);
    sources.set(token.toLowerCase(), url.href);
  }
  return sources;
}

const rangeFile = z.object({
  prefixes: z.array(z.object({ ipv4Prefix: z.optional(z.string()), ipv6Prefix: z.optional(z.string()) })),
});

export function parseRanges(body: unknown): Cidr[] {
  const parsed = rangeFile.parse(body);
  const out: Cidr[] = [];
  for (const prefix of parsed.prefixes) {
    const cidr = prefix.ipv4Prefix ?? prefix.ipv6Prefix;
    if (cidr && ipaddr.isValidCIDR(cidr)) out.push(ipaddr.parseCIDR(cidr));
  }
  return out;
}

/** Whether `address` lies in one of `ranges` (an IPv4-mapped IPv6 address counts as IPv4). */
export function inRanges(address: string, ranges: readonly Cidr[]): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
}

export interface RangeCheck {
  cache: RangeCache;
  sources: ReadonlyMap<string, string>;
  waitUntil: (promise: Promise<unknown>) => void;
  fetcher?: typeof fetch;
}

/**
 * Whether the request's address is in the published ranges of the crawler `token`; null when the
 * token publishes none or its ranges are not loaded yet (then a background load starts).
 */
export function inPublishedRanges(token: string | null, clientIp: string | null, check: RangeCheck): boolean | null {
  if (token === null || clientIp === null) return null;
  const key = token.toLowerCase();
  const source = check.sources.get(key);
  if (source === undefined) return null;
  const ranges = check.cache.get(key);
  if (ranges === undefined) {
    // Placeholder while loading, so concurrent requests start one fetch.
    check.cache.set(key, null, FETCH_TIMEOUT_MS);
    check.waitUntil(loadRanges(key, source, check));
    return null;
  }
  return ranges === null ? null : inRanges(clientIp, ranges);
}

async function loadRanges(key: string, source: string, check: RangeCheck): Promise<void> {
  try {
    const response = await (check.fetcher ?? fetch)(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const ranges = parseRanges(JSON.parse(new TextDecoder().decode(await readLimited(response, MAX_BYTES))));
    check.cache.set(key, ranges, RANGES_TTL_MS);
  } catch (error) {
    log('warn', 'identity.ip_ranges_unavailable', { token: key, source, message: String(error) });
    check.cache.set(key, null, FAILURE_TTL_MS);
  }
}
