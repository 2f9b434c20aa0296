// RFC 5798 (VRRPv3) §5 packet-format MUSTs and the §7.1 receive MUSTs, one test each, titled by section.
import { describe, expect, it } from 'vitest';
import { verifyVrrpChecksum } from '../../src/vrrp/checksum.js';
import { decodeIpv4Header, encodeIpv4Header } from '../../src/vrrp/ipv4.js';
import { decodeAdvert, encodeAdvert } from '../../src/vrrp/packet.js';
import { checkAdvert, classifyForDispatch } from '../../src/vrrp/receive-checks.js';
import { centiseconds } from '../../src/net/units.js';
import { context, instanceConfig, packet } from '../unit/vrrp/fixtures.js';

const V3 = instanceConfig({ version: 3 });
const f = { version: 3 as const, vrid: 7, priority: 100, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 as const };
const ctx = { src: '10.0.0.2', dst: '224.0.0.18', checksumMode: 'pseudo' as const };

describe('RFC 5798 §5 packet format', () => {
  it('§5.1.1.2 IPv4 destination 224.0.0.18, §5.1.1.3 TTL "MUST be set to 255", §5.1.1.4 protocol 112', () => {
    const h = decodeIpv4Header(encodeIpv4Header({ src: '10.0.0.2', dst: '224.0.0.18', payloadLength: 12, id: 1 }));
    expect(h.ok && h.header).toMatchObject({ dst: '224.0.0.18', ttl: 255, protocol: 112 });
  });
  it('§5.2.1 version field is 3; §5.2.2 type 1 = ADVERTISEMENT', () => {
    expect(encodeAdvert(f, ctx)[0]).toBe(0x31);
  });
  it('§5.2.2 "A packet with unknown type MUST be discarded"', () => {
    expect(checkAdvert(packet({ version: 3, type: 0 }), context(V3))).toMatchObject({ ok: false, reason: 'invalid_type_rcvd' });
  });
  it('§5.2.3 VRID and §5.2.4 priority carried as one octet each; priority 0 means the master stops', () => {
    const m = encodeAdvert({ ...f, vrid: 255, priority: 0 }, ctx);
    expect([m[1], m[2]]).toEqual([255, 0]);
    expect(checkAdvert(packet({ version: 3, priority: 0 }), context(V3))).toMatchObject({ ok: true, counters: ['advert_rcvd', 'pri_zero_rcvd'] });
  });
  it('§5.2.5 Count IPvX Addr is the number of addresses', () => {
    expect(encodeAdvert({ ...f, addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] }, ctx)[3]).toBe(3);
  });
  it('§5.2.6 rsvd "MUST be set to zero on transmission and ignored on reception"', () => {
    expect(encodeAdvert({ ...f, advertInt: centiseconds(4095) }, ctx)[4]! >> 4).toBe(0);
    const m = encodeAdvert(f, ctx);
    m[4] = 0xf0 | m[4]!;
    const r = decodeAdvert(m, 4);
    expect(r.ok && r.advert.advertInt).toBe(100);
  });
  it('§5.2.7 Max Adver Int is a time interval of 1..4095 centiseconds: an advert with 0 is dropped (havipd; issue 8 §1)', () => {
    expect(checkAdvert(packet({ version: 3, advertInt: centiseconds(0) }), context(V3))).toMatchObject({ ok: false, reason: 'advert_interval_invalid', verdict: 'KO' });
    expect(checkAdvert(packet({ version: 3, advertInt: centiseconds(1) }), context(V3))).toMatchObject({ ok: true });
    expect(checkAdvert(packet({ version: 3, advertInt: centiseconds(4095) }), context(V3))).toMatchObject({ ok: true });
  });
  it('§5.2.7 Max Adver Int is 12 bits of centiseconds', () => {
    const m = encodeAdvert({ ...f, advertInt: centiseconds(50) }, ctx);
    expect([m[4], m[5]]).toEqual([0x00, 0x32]);
  });
  it('§5.2.8 checksum over the VRRP message with the IPv4 pseudo-header (RFC 768 style)', () => {
    const m = encodeAdvert(f, ctx);
    expect(verifyVrrpChecksum(m, { version: 3, family: 4, mode: 'pseudo', src: ctx.src, dst: ctx.dst })).toBe(true);
    expect(verifyVrrpChecksum(m, { version: 3, family: 4, mode: 'pseudo', src: '10.0.0.3', dst: ctx.dst })).toBe(false);
  });
  it('§5.2.8 IPv6: checksum with the IPv6 pseudo-header (RFC 2460 §8.1)', () => {
    const m = encodeAdvert({ ...f, family: 6, addresses: ['2001:db8::1'] }, { src: 'fe80::2', dst: 'ff02::12', checksumMode: 'pseudo' });
    expect(verifyVrrpChecksum(m, { version: 3, family: 6, mode: 'pseudo', src: 'fe80::2', dst: 'ff02::12' })).toBe(true);
  });
  it('§5.2.9 IPvX addresses follow the header, in order; no authentication data in v3', () => {
    const m = encodeAdvert({ ...f, addresses: ['10.0.0.1', '10.0.0.2'] }, ctx);
    expect(m.length).toBe(16);
    expect([...m.subarray(8)]).toEqual([10, 0, 0, 1, 10, 0, 0, 2]);
  });
});

describe('RFC 5798 §7.1 receiving an advertisement', () => {
  it('"MUST verify that the IPv4 TTL is 255" (multicast)', () => {
    expect(checkAdvert(packet({ version: 3 }, { ttl: 254 }), context(V3))).toMatchObject({ ok: false, reason: 'ip_ttl_err' });
  });
  it('"MUST verify that the IPv6 Hop Limit is 255"', () => {
    const c = instanceConfig({ version: 3, family: 6 });
    expect(checkAdvert(packet({ version: 3, family: 6 }, { ttl: 64 }), context(c))).toMatchObject({ ok: false, reason: 'ip_ttl_err' });
  });
  it('"MUST verify the VRRP version is 3"', () => {
    expect(checkAdvert(packet({ version: 2 }), context(V3))).toMatchObject({ ok: false });
  });
  it('"MUST verify that the received packet contains the complete VRRP packet"', () => {
    expect(checkAdvert(packet({ version: 3 }, { patch: [[23, 2]] }), context(V3))).toMatchObject({ ok: false, reason: 'packet_len_err' });
  });
  it('"MUST verify the VRRP checksum"', () => {
    expect(checkAdvert(packet({ version: 3 }, { patch: [[26, 0]] }), context(V3))).toMatchObject({ ok: false, reason: 'chk_err' });
  });
  it('"MUST verify that the VRID is configured on the receiving interface"', () => {
    expect(classifyForDispatch(packet({ version: 3, vrid: 8 }), [{ name: 'VI_1', vrid: 7, state: 'BACKUP', unicast: false, unicastPeers: [] }]))
      .toMatchObject({ ok: false, reason: 'unknown_vrid' });
  });
  // keepalived 2.4.3 deliberately differs from 2.2.7 (which rejected it): RFC 9568 §7.1 accepts the advert.
  it('"MAY verify that the IPvX Address(es) associated with the VRID are valid" (keepalived 2.4.3, RFC 9568: counted, warned, accepted)', () => {
    expect(checkAdvert(packet({ version: 3, addresses: ['10.0.0.9'] }), context(V3))).toMatchObject({ ok: true, counters: ['advert_rcvd', 'addr_list_err'], warnings: [{ kind: 'vip_mismatch' }] });
  });
});
