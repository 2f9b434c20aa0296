// keepalived's IPv4 header (reference §2.1) and the fields the receive checks read (RFC 791 §3.1).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, formatIpv6, ipv4Value, isMulticast, parseIpv4, parseIpv6, sameAddress } from '../../../src/net/inet.js';
import { decodeIpv4Header, encodeIpv4Header, nextIpId, setIpv4Id } from '../../../src/vrrp/ipv4.js';
import { hex } from './fixtures.js';

describe('IPv4 header', () => {
  it('TOS 0xc0, no DF, TTL 255, protocol 112, kernel checksum left 0 by default', () => {
    const h = encodeIpv4Header({ src: '10.9.0.2', dst: '224.0.0.18', payloadLength: 20, id: 1 });
    expect(hex(h)).toBe('45c0002800010000ff7000000a090002e0000012');
  });
  it('AH protocol 51, unicast TTL, checksum filled on request', () => {
    const h = encodeIpv4Header({ src: '10.9.0.2', dst: '10.9.0.1', payloadLength: 44, id: 0x22, ttl: 64, protocol: 51 }, { fillChecksum: true });
    const d = decodeIpv4Header(h);
    expect(d.ok && d.header).toMatchObject({ totalLength: 64, ttl: 64, protocol: 51, id: 0x22, fragOff: 0, tos: 0xc0, headerLength: 20 });
  });
  it('decode needs 20 bytes and never throws', () => {
    expect(decodeIpv4Header(new Uint8Array(19)).ok).toBe(false);
    expect(decodeIpv4Header(new Uint8Array(20)).ok).toBe(true);
  });
  it('IP ID wraps to 1, never 0 (vrrp_update_pkt)', () => {
    expect(nextIpId(1)).toBe(2);
    expect(nextIpId(0xffff)).toBe(1);
  });
  it('encode throws on a bad address (a bug)', () => {
    expect(() => encodeIpv4Header({ src: 'x', dst: '1.2.3.4', payloadLength: 0, id: 1 })).toThrow(RangeError);
  });
});

describe('addresses', () => {
  it('parse and canonical text', () => {
    expect(parseIpv4('256.1.1.1')).toBeUndefined();
    expect(parseIpv4('1.2.3')).toBeUndefined();
    expect(parseIpv6('1::2::3')).toBeUndefined();
    expect(canonicalAddress('2001:DB8:0:0:0:0:0:100', 6)).toBe('2001:db8::100');
    expect(canonicalAddress('::ffff:10.0.0.1', 6)).toBe('::ffff:a00:1');
    expect(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatIpv6(parseIpv6('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7');
    expect(canonicalAddress('::', 6)).toBe('::');
  });
  it('multicast and equality', () => {
    expect(isMulticast('224.0.0.18', 4)).toBe(true);
    expect(isMulticast('239.255.255.255', 4)).toBe(true);
    expect(isMulticast('10.0.0.1', 4)).toBe(false);
    expect(isMulticast('ff02::12', 6)).toBe(true);
    expect(isMulticast('fe80::1', 6)).toBe(false);
    expect(sameAddress('fe80::1', 'FE80:0::0:1', 6)).toBe(true);
    expect(sameAddress('x', 'x', 4)).toBe(false);
    expect(sameAddress('10.0.0.1', '010.000.0.01', 4)).toBe(true);
    expect(sameAddress('10.0.0.1', '10.0.0.2', 4)).toBe(false);
    expect(sameAddress('fe80::1', 'fe80::1', 6)).toBe(true);
    expect(sameAddress('fe80::x', 'fe80::x', 6)).toBe(false);
  });

  it('issue 12 §5: the allocation-free IPv4 reader accepts exactly what a split on dots with ^[0-9]{1,3}$ octets ≤ 255 accepts', () => {
    const reference = (text: string): number[] | undefined => {
      const parts = text.split('.');
      if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
      return parts.map(Number);
    };
    const octet = fc.oneof(fc.integer({ min: 0, max: 999 }).map(String), fc.stringMatching(/^[0-9]{0,4}$/), fc.constantFrom('', '+1', '-1', ' 1', '1 ', '0x1', '١', '1e2'));
    const text = fc.oneof(
      fc.array(octet, { minLength: 1, maxLength: 6 }).map((xs) => xs.join('.')),
      fc.string({ maxLength: 20 }),
      fc.constantFrom('1.2.3.4.', '.1.2.3.4', '1..2.3', '255.255.255.255', '256.0.0.0', '0.0.0.0'),
    );
    fc.assert(
      fc.property(text, (t) => {
        const want = reference(t);
        const v = ipv4Value(t);
        expect(v === undefined ? undefined : [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]).toEqual(want);
        expect(parseIpv4(t) ? [...parseIpv4(t)!] : undefined).toEqual(want);
        expect(isMulticast(t, 4)).toBe(want !== undefined && want[0]! >= 224 && want[0]! <= 239);
      }),
      { numRuns: 5_000, seed: 1211 },
    );
  });
});

describe('setIpv4Id (issue 12 §5: an advert framed once, its ID written per send)', () => {
  it('gives the header encodeIpv4Header fills, for any ID', () => {
    const f = { src: '10.9.0.2', dst: '224.0.0.18', ttl: 255, payloadLength: 20 };
    const packet = encodeIpv4Header({ ...f, id: 1 }, { fillChecksum: true });
    for (const id of [2, 0x00ff, 0xff00, 0x7fff, 0xfffe, 0xffff, 1]) {
      setIpv4Id(packet, id);
      expect([...packet]).toEqual([...encodeIpv4Header({ ...f, id }, { fillChecksum: true })]);
    }
  });
});
