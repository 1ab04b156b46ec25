/**
 * Destination checks for links, a pure function so every rule is tested with a table.
 * The shortener never fetches a destination (no SSRF surface); these rules keep the redirector from
 * becoming an open redirect to unchecked schemes, a loop, or a way around a blocklist.
 */
import { isLocalhostName, isNonPublicAddress } from './address.ts';

export const MAX_URL_LENGTH = 2048;

export interface DestinationPolicy {
  /** Hostnames of the short domain(s): a link there would loop. */
  shortHosts: readonly string[];
  /** Hostnames nobody may link to; a listed name also blocks its subdomains. */
  blockedHosts: readonly string[];
}

export type DestinationCheck = { ok: true; url: string } | { ok: false; reason: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// Control characters and whitespace have no place in a URL someone pastes (WHATWG URL would strip
// some of them silently, e.g. tabs inside "java\tscript:").
const AUTHORITY_START = /^https?:\/\/[^/\\]/i;
const RAW_AUTHORITY = /^https?:\/\/([^/?#]*)/i;
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARS = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;

export function checkDestination(raw: string, policy: DestinationPolicy): DestinationCheck {
  if (raw.length === 0) return { ok: false, reason: 'must not be empty' };
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: `must be at most ${MAX_URL_LENGTH} characters` };
  if (FORBIDDEN_CHARS.test(raw)) return { ok: false, reason: 'must not contain whitespace or control characters' };
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return { ok: false, reason: 'must be an absolute URL starting with http:// or https://' };
  if (scheme !== 'http' && scheme !== 'https') return { ok: false, reason: `scheme "${scheme}:" is not allowed; use http or https` };

  // WHATWG URL forgives `http:example.com`, `https:\\host` and `https:///host`; a link is stored as
  // typed, so it must already have the plain `scheme://host` shape.
  if (!AUTHORITY_START.test(raw)) return { ok: false, reason: 'must start with http:// or https:// followed by a host' };
  // `https://trusted.example@evil.example/` is a phishing classic; any userinfo is refused, even empty.
  if (RAW_AUTHORITY.exec(raw)?.[1]?.includes('@')) return { ok: false, reason: 'must not contain credentials (user:password@)' };

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  // WHATWG URL turns IDN hosts into punycode here, so checks below and storage see the ASCII form.
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'must not contain credentials (user:password@)' };
  const host = bareHost(url.hostname);
  if (host === '') return { ok: false, reason: 'must have a host' };
  if (matchesHost(host, policy.shortHosts)) return { ok: false, reason: 'must not point at the short domain itself (redirect loop)' };
  if (matchesHost(host, policy.blockedHosts)) return { ok: false, reason: `host "${host}" is blocked` };
  if (isNonPublicAddress(host) || isLocalhostName(host)) return { ok: false, reason: `host "${host}" is not a public address` };
  const href = url.href;
  if (href.length > MAX_URL_LENGTH) return { ok: false, reason: `must be at most ${MAX_URL_LENGTH} characters once normalized` };
  return { ok: true, url: href };
}

/**
 * A hostname as the checks compare it: lower case, without trailing dots. `localhost.` and
 * `localhost..` name the same host as `localhost` to a resolver, so a blocklist entry must catch
 * every spelling (WHATWG URL keeps the dots).
 */
function bareHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, '');
}

function matchesHost(host: string, list: readonly string[]): boolean {
  return list.some((entry) => entry !== '' && (host === entry || host.endsWith(`.${entry}`)));
}

/** Hostnames from a comma-separated setting, normalized the way `checkDestination` compares them. */
export function parseHostList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((h) => bareHost(h.trim()))
    .filter(Boolean)
    .map((h) => {
      try {
        return new URL(`http://${h}/`).hostname; // IDN entries in punycode, like the hosts they match
      } catch {
        return h;
      }
    });
}
