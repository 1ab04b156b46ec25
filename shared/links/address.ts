/**
 * Hosts a public short link must not point at: IP literals outside public unicast space (a link to
 * them reaches only the clicker's own network or machine, a translator in front of one, or nothing
 * at all), and the `localhost` names. A pure function over the hostname WHATWG URL produced, so
 * `0x7f.1` and `2130706433` already read `127.0.0.1` here, and IPv6 literals come in brackets.
 *
 * The ranges are ipaddr.js's `range()`, which follows the IANA special-purpose registries (RFC 6890):
 * anything it does not call `unicast` is refused. That includes every way of carrying an IPv4
 * address inside IPv6 (IPv4-mapped, IPv4-translated, NAT64, 6to4, Teredo), whatever the IPv4 inside.
 */
import ipaddr from 'ipaddr.js';

/**
 * `::/96` minus `::` and `::1`: the deprecated IPv4-compatible addresses (RFC 4291 §2.5.5.1), which
 * ipaddr.js leaves in `unicast`. `::127.0.0.1` is loopback to a stack that still maps them.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** True for an IPv4 literal or bracketed IPv6 literal outside public unicast space. */
export function isNonPublicAddress(host: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return ipaddr.IPv4.parse(host).range() !== 'unicast';
  if (!host.startsWith('[') || !host.endsWith(']')) return false;
  const literal = host.slice(1, -1);
  if (!ipaddr.IPv6.isValid(literal)) return false; // not an IP literal at all: WHATWG URL would not have parsed it
  const address = ipaddr.IPv6.parse(literal);
  return address.range() !== 'unicast' || address.match(IPV4_COMPATIBLE);
}

/** `localhost` and its subdomains always resolve to loopback (RFC 6761 §6.3). */
export function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}
