/**
 * Destination rules at click time: an ordered list per link, the first rule whose condition holds
 * names the destination, and with none the link's own URL. Pure functions of the request's headers
 * and query string, so they run on the record the redirect already read (no other storage read),
 * and are tested with tables. No validator here: the redirector bundles this file (the shortener
 * validates rules when they are written, workers/shortener/src/schema.ts).
 *
 * - device: `Sec-CH-UA-Platform` when the browser sends it (Chromium does by default, and it stays
 *   "Android" when a phone asks for the desktop site), else the User-Agent (deviceOf below).
 * - country: `CF-IPCountry`, the two-letter code Cloudflare derives from the client's address.
 * - language: `Accept-Language` in the client's order of preference (RFC 9110 §12.5.4): of the
 *   languages the link's rules name, the one the client prefers most is chosen, and only rules for
 *   it match. A rule `fr` matches `fr` and `fr-CA`; a rule `fr-CA` only `fr-CA` (RFC 4647 §3.3.1
 *   basic filtering); the longer tag wins when both match.
 * - query: every named parameter is present (`*`) or has that value among its values.
 */
import type { Device, LinkRule, RuleCondition } from './record.ts';

/** Request headers a rule of this kind reads, for `Vary` (RFC 9110 §12.5.5). */
const VARY: Record<string, readonly string[]> = {
  device: ['User-Agent', 'Sec-CH-UA-Platform'],
  country: ['CF-IPCountry'],
  language: ['Accept-Language'],
  query: [],
};

/** The request headers the answer of a link with these rules depends on ('' when none). */
export function varyOf(rules: readonly LinkRule[] | undefined): string {
  if (rules === undefined) return '';
  const names = new Set<string>();
  for (const rule of rules) for (const name of VARY[conditionKind(rule.if)] ?? []) names.add(name);
  return [...names].join(', ');
}

export function conditionKind(condition: RuleCondition): 'device' | 'country' | 'language' | 'query' {
  if ('device' in condition) return 'device';
  if ('country' in condition) return 'country';
  if ('language' in condition) return 'language';
  return 'query';
}

/** What a request offers to the rules; each fact is read at most once, and only when a rule asks. */
export interface ClientFacts {
  headers: Headers;
  /** The request's query string with its `?`, or empty. */
  search: string;
}

/** Index of the first rule that matches, or -1 (the link's own destination). */
export function matchRule(rules: readonly LinkRule[], client: ClientFacts): number {
  let device: Device | 'other' | undefined;
  let language: string | null | undefined;
  let params: URLSearchParams | undefined;
  for (let i = 0; i < rules.length; i++) {
    const condition = (rules[i] as LinkRule).if;
    if ('device' in condition) {
      device ??= deviceOf(client.headers.get('User-Agent'), client.headers.get('Sec-CH-UA-Platform'));
      if (device === condition.device) return i;
    } else if ('country' in condition) {
      if ((client.headers.get('CF-IPCountry') ?? '').toUpperCase() === condition.country) return i;
    } else if ('language' in condition) {
      if (language === undefined) language = preferredLanguage(ruleLanguages(rules), client.headers.get('Accept-Language'));
      if (language === condition.language) return i;
    } else {
      params ??= new URLSearchParams(client.search);
      if (queryMatches(condition.query, params)) return i;
    }
  }
  return -1;
}

/** The device a client runs on, from the platform client hint if sent, else the User-Agent. */
export function deviceOf(userAgent: string | null, platformHint: string | null): Device | 'other' {
  const platform = platformHint?.replaceAll('"', '').trim().toLowerCase();
  if (platform) {
    if (platform === 'android') return 'android';
    if (platform === 'ios') return 'ios';
    if (platform === 'windows' || platform === 'macos' || platform === 'linux' || platform === 'chrome os' || platform === 'chromeos') {
      return 'desktop';
    }
  }
  const ua = userAgent ?? '';
  if (/\b(?:iPhone|iPad|iPod)\b/.test(ua)) return 'ios';
  if (/\bAndroid\b/.test(ua)) return 'android';
  // iPadOS asks for desktop pages with a Mac User-Agent: it is indistinguishable and counts as desktop.
  if (/\b(?:Windows NT|Macintosh|X11|CrOS)\b/.test(ua) && !/\bMobi/.test(ua)) return 'desktop';
  return 'other';
}

/** The client's languages with q > 0, most preferred first (ties keep their order), lower case. */
export function acceptedLanguages(header: string | null): string[] {
  if (header === null) return [];
  const ranges: { tag: string; q: number; at: number }[] = [];
  header.split(',').forEach((part, at) => {
    const [rawTag = '', ...params] = part.split(';');
    const tag = rawTag.trim().toLowerCase();
    if (tag === '' || tag === '*' || !/^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$/.test(tag)) return;
    let q = 1;
    for (const param of params) {
      const [name = '', value = ''] = param.split('=').map((s) => s.trim());
      if (name.toLowerCase() === 'q') q = Number(value);
    }
    if (Number.isFinite(q) && q > 0) ranges.push({ tag, q: Math.min(q, 1), at });
  });
  return ranges.sort((a, b) => b.q - a.q || a.at - b.at).map((r) => r.tag);
}

/**
 * Of `candidates` (language tags the rules name, lower case), the one the client prefers: the
 * first accepted language that some candidate matches, the longest such candidate. Null if none.
 */
export function preferredLanguage(candidates: readonly string[], acceptLanguage: string | null): string | null {
  for (const tag of acceptedLanguages(acceptLanguage)) {
    let best: string | null = null;
    for (const candidate of candidates) {
      if ((tag === candidate || tag.startsWith(`${candidate}-`)) && (best === null || candidate.length > best.length)) best = candidate;
    }
    if (best !== null) return best;
  }
  return null;
}

function ruleLanguages(rules: readonly LinkRule[]): string[] {
  const out: string[] = [];
  for (const rule of rules) if ('language' in rule.if) out.push(rule.if.language);
  return out;
}

function queryMatches(query: Record<string, string>, params: URLSearchParams): boolean {
  for (const name in query) {
    const wanted = query[name];
    if (wanted === '*' ? !params.has(name) : !params.getAll(name).includes(wanted as string)) return false;
  }
  return true;
}
