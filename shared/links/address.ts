/**
 * IP literals a public short link must not point at: a link to them reaches only the clicker's own
 * network or machine, a translator in front of one, or nothing at all. The ranges come from the IANA
 * special-purpose registries (RFC 6890), each with the RFC that defines it. A pure function over the
 * hostname WHATWG URL produced, so `0x7f.1` and `2130706433` already read `127.0.0.1` here.
 */

/** [base, prefix length]: IPv4 ranges that are not public unicast. */
const NON_PUBLIC_V4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", RFC 791 / RFC 1122 §3.2.1.3
  ['10.0.0.0', 8], // private, RFC 1918
  ['100.64.0.0', 10], // shared address space (CGNAT), RFC 6598
  ['127.0.0.0', 8], // loopback, RFC 1122 §3.2.1.3
  ['169.254.0.0', 16], // link-local, RFC 3927
  ['172.16.0.0', 12], // private, RFC 1918
  ['192.0.2.0', 24], // documentation TEST-NET-1, RFC 5737
  ['192.168.0.0', 16], // private, RFC 1918
  ['198.18.0.0', 15], // benchmarking, RFC 2544
  ['198.51.100.0', 24], // documentation TEST-NET-2, RFC 5737
  ['203.0.113.0', 24], // documentation TEST-NET-3, RFC 5737
  ['224.0.0.0', 3], // multicast 224/4 (RFC 5771), reserved 240/4 (RFC 1112) and 255.255.255.255 (RFC 919)
];

/** [base, prefix length]: IPv6 ranges that are not public unicast. */
const NON_PUBLIC_V6: readonly (readonly [string, number])[] = [
  ['::', 96], // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1), including :: and ::1
  ['::ffff:0:0', 96], // IPv4-mapped, RFC 4291 §2.5.5.2: nobody links that way, whatever the address inside
  ['64:ff9b::', 96], // NAT64 well-known prefix, RFC 6052: `64:ff9b::7f00:1` is 127.0.0.1 behind a translator
  ['64:ff9b:1::', 48], // NAT64 local-use prefix, RFC 8215
  ['100::', 64], // discard-only, RFC 6666
  ['2001:db8::', 32], // documentation, RFC 3849
  ['fc00::', 7], // unique local, RFC 4193
  ['fe80::', 10], // link-local, RFC 4291 §2.5.6
  ['fec0::', 10], // site-local (deprecated, RFC 3879), still routed inside some networks
  ['ff00::', 8], // multicast, RFC 4291 §2.7
];

/** 6to4 (RFC 3056) carries an IPv4 address in bits 16..47: `2002:7f00:1::` is 127.0.0.1 again. */
const SIX_TO_FOUR: readonly [string, number] = ['2002::', 16];

/** True for an IPv4 literal or bracketed IPv6 literal outside public unicast space. */
export function isNonPublicAddress(host: string): boolean {
  const v4 = parseIpv4(host);
  if (v4 !== null) return isNonPublicV4(v4);
  if (!host.startsWith('[') || !host.endsWith(']')) return false;
  const v6 = parseIpv6(host.slice(1, -1));
  if (v6 === null) return false; // not an IP literal at all: WHATWG URL would not have parsed it
  if (NON_PUBLIC_V6.some(([base, bits]) => inV6Range(v6, base, bits))) return true;
  if (inV6Range(v6, ...SIX_TO_FOUR)) return isNonPublicV4(Number((v6 >> 80n) & 0xffff_ffffn));
  return false;
}

function isNonPublicV4(address: number): boolean {
  return NON_PUBLIC_V4.some(([base, bits]) => {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (address & mask) >>> 0 === (parseIpv4(base)! & mask) >>> 0;
  });
}

function inV6Range(address: bigint, base: string, bits: number): boolean {
  const shift = BigInt(128 - bits);
  return address >> shift === parseIpv6(base)! >> shift;
}

/** Dotted-decimal IPv4 as an unsigned 32-bit number, or null. */
function parseIpv4(text: string): number | null {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (parts === null) return null;
  const bytes = parts.slice(1).map(Number);
  if (bytes.some((b) => b > 255)) return null;
  return bytes.reduce((n, b) => n * 256 + b, 0);
}

/** An IPv6 address (hex groups, one optional `::`, an optional dotted IPv4 tail) as a 128-bit number, or null. */
function parseIpv6(text: string): bigint | null {
  let rest = text.toLowerCase();
  const tail: string[] = [];
  const dotted = /(?:^|:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(rest);
  if (dotted !== null) {
    const v4 = parseIpv4(dotted[1]!);
    if (v4 === null) return null;
    tail.push((v4 >>> 16).toString(16), (v4 & 0xffff).toString(16));
    rest = rest.slice(0, rest.length - dotted[1]!.length);
    if (rest.endsWith(':') && !rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const split = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':'));
  const head = split(halves[0]);
  const back = [...split(halves[1]), ...tail];
  const missing = 8 - head.length - back.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array.from({ length: halves.length === 1 ? 0 : missing }, () => '0'), ...back];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}
