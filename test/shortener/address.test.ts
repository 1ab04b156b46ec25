// IP literals a link must not point at (shared/links/address.ts), as tables: each range, its
// neighbours just outside it, and the spellings WHATWG URL normalizes into it.
import { describe, expect, it } from 'vitest';
import { isNonPublicAddress } from '../../shared/links/address.ts';
import { checkDestination } from '../../shared/links/url.ts';

const policy = { shortHosts: ['sho.rt'], blockedHosts: [] };

describe('checkDestination refuses non-public IP literals however spelled', () => {
  const refused: [string, string][] = [
    ['http://[64:ff9b::7f00:1]/', 'NAT64 of 127.0.0.1'],
    ['http://[64:ff9b::127.0.0.1]/', 'NAT64, dotted tail'],
    ['http://[64:ff9b::a00:1]/', 'NAT64 of 10.0.0.1'],
    ['http://[64:ff9b::5db8:d822]/', 'NAT64 of a public address: refused like ::ffff:'],
    ['http://[64:ff9b:1::a00:1]/', 'NAT64 local-use /48'],
    ['http://[::127.0.0.1]/', 'IPv4-compatible 127.0.0.1'],
    ['http://[::7f00:1]/', 'IPv4-compatible, hex'],
    ['http://[::10.0.0.1]/', 'IPv4-compatible 10.0.0.1'],
    ['http://[::1]/', 'loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', 'loopback, long form'],
    ['http://[::]/', 'unspecified'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped'],
    ['http://[::ffff:7f00:1]/', 'IPv4-mapped, hex'],
    ['http://[fec0::1]/', 'site-local'],
    ['http://[feff:ffff::1]/', 'top of site-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[FEBF::1]/', 'top of link-local, upper case'],
    ['http://[fc00::1]/', 'unique local'],
    ['http://[fd12:3456::1]/', 'unique local'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://[100::1]/', 'discard-only'],
    ['http://[2001:db8::1]/', 'documentation'],
    ['http://[2002:7f00:1::1]/', '6to4 of 127.0.0.1'],
    ['http://[2002:c0a8:101::1]/', '6to4 of 192.168.1.1'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://239.255.255.250/', 'multicast (SSDP)'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://255.255.255.255/', 'limited broadcast'],
    ['http://4294967295/', 'limited broadcast as one number'],
    ['http://198.18.0.1/', 'benchmarking'],
    ['http://198.19.255.254/', 'top of benchmarking'],
    ['http://0xc6120001/', 'benchmarking in hex'],
    ['http://192.0.2.1/', 'documentation'],
    ['http://198.51.100.7/', 'documentation'],
    ['http://203.0.113.9/', 'documentation'],
    ['http://0.0.0.0/', 'this network'],
    ['http://100.64.0.1/', 'shared (CGNAT)'],
    ['http://100.127.255.255/', 'top of shared (CGNAT)'],
    ['http://172.31.255.255/', 'top of 172.16/12'],
    // Refused since ipaddr.js's ranges replaced the hand tables.
    ['http://192.0.0.1/', 'IETF protocol assignments 192.0.0.0/24'],
    ['http://192.0.0.255/', 'top of 192.0.0.0/24'],
    ['http://[::ffff:0:7f00:1]/', 'IPv4-translated 127.0.0.1'],
    ['http://[::ffff:0:5db8:d822]/', 'IPv4-translated, whatever the address inside'],
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'Teredo'],
    ['http://[2001::1]/', 'Teredo, short form'],
    ['http://[2002:5db8:d822::1]/', '6to4, whatever the address inside'],
    ['http://localhost/', 'localhost'],
    ['http://localhost../', 'localhost with repeated trailing dots'],
    ['http://api.localhost/', 'a subdomain of localhost'],
  ];
  it.each(refused)('%s (%s)', (raw) => {
    expect(checkDestination(raw, policy)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a public address/) });
  });

  const accepted: [string, string][] = [
    ['https://[2606:4700::1111]/', 'public IPv6'],
    ['https://[64:ff9b::1:0:0:1]/', 'just outside NAT64 /96'],
    ['https://[fbff::1]/', 'just below unique local'],
    ['https://[fe7f::1]/', 'just below link-local'],
    ['https://[2001:db9::1]/', 'just above documentation'],
    ['https://[::1:0:0:1]/', 'outside ::/96'],
    ['https://198.17.255.255/', 'just below benchmarking'],
    ['https://198.20.0.0/', 'just above benchmarking'],
    ['https://223.255.255.255/', 'just below multicast'],
    ['https://100.63.255.255/', 'just below shared'],
    ['https://100.128.0.0/', 'just above shared'],
    ['https://172.32.0.1/', 'just above 172.16/12'],
    ['https://93.184.216.34/', 'public IPv4'],
    ['https://192.0.1.0/', 'just above 192.0.0.0/24'],
    ['https://[2001:4860:4860::8888]/', 'public IPv6 under 2001::/16, outside Teredo and 2001::/23'],
  ];
  it.each(accepted)('accepts %s (%s)', (raw) => {
    expect(checkDestination(raw, policy)).toMatchObject({ ok: true });
  });
});

describe('isNonPublicAddress', () => {
  it.each([
    ['example.com', false],
    ['1.2.3', false],
    ['999.1.1.1', false],
    ['[not-an-address]', false],
    ['[1:2:3:4:5:6:7:8:9]', false],
    ['[1::2::3]', false],
    ['[::ffff:1.2.3.4]', true],
    ['[1:2:3:4:5:6:1.2.3.4]', false],
    ['127.0.0.1', true],
    ['8.8.8.8', false],
  ])('%s -> %s', (host, expected) => {
    expect(isNonPublicAddress(host)).toBe(expected);
  });
});
