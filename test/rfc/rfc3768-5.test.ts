// RFC 3768 (VRRPv2) §5 packet-format MUSTs and the §7.1 receive MUSTs, one test each, titled by section.
import { describe, expect, it } from 'vitest';
import { verifyVrrpChecksum } from '../../src/vrrp/checksum.js';
import { decodeIpv4Header, encodeIpv4Header } from '../../src/vrrp/ipv4.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import { checkAdvert, classifyForDispatch } from '../../src/vrrp/receive-checks.js';
import { centiseconds, micros } from '../../src/net/units.js';
import { context, instanceConfig, packet } from '../unit/vrrp/fixtures.js';

const V2 = instanceConfig();
const f = { version: 2 as const, vrid: 7, priority: 100, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 as const };
const ctx = { src: '10.0.0.2', dst: '224.0.0.18', checksumMode: 'plain' as const };

describe('RFC 3768 §5 packet format', () => {
  it('§5.2.2 destination 224.0.0.18, §5.2.3 TTL "MUST be set to 255", §5.2.4 protocol 112', () => {
    const h = decodeIpv4Header(encodeIpv4Header({ src: '10.0.0.2', dst: '224.0.0.18', payloadLength: 20, id: 1 }));
    expect(h.ok && h.header).toMatchObject({ dst: '224.0.0.18', ttl: 255, protocol: 112 });
  });
  it('§5.3.1 version 2, §5.3.2 type 1', () => {
    expect(encodeAdvert(f, ctx)[0]).toBe(0x21);
  });
  it('§5.3.5 Count IP Addrs; §5.3.9 addresses in order', () => {
    const m = encodeAdvert({ ...f, addresses: ['10.0.0.1', '10.0.0.2'] }, ctx);
    expect(m[3]).toBe(2);
    expect([...m.subarray(8, 16)]).toEqual([10, 0, 0, 1, 10, 0, 0, 2]);
  });
  it('§5.3.6 Auth Type field; §5.3.7 Adver Int in seconds', () => {
    const m = encodeAdvert({ ...f, advertInt: centiseconds(300), auth: { type: 1, password: 'pw' } }, ctx);
    expect([m[4], m[5]]).toEqual([1, 3]);
  });
  it('§5.3.8 checksum: one\'s complement over the entire VRRP message, no pseudo-header', () => {
    const m = encodeAdvert(f, ctx);
    expect(verifyVrrpChecksum(m, { version: 2, family: 4, mode: 'plain', src: 'any', dst: 'any' })).toBe(true);
  });
  it('§5.3.10 Authentication Data: 8 octets, zero without PASS', () => {
    const m = encodeAdvert(f, ctx);
    expect(m.length).toBe(20);
    expect([...m.subarray(12)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('§5.3.10 with auth type 0 the authentication data is ignored on reception', () => {
    const p = packet({}, { patch: [[32, 0x41]] });
    // Fix the checksum for the patched byte: the change must be caught by nothing else.
    const msg = p.data.subarray(20);
    msg[6] = 0; msg[7] = 0;
    let s = 0;
    for (let i = 0; i < msg.length; i += 2) s += (msg[i]! << 8) | msg[i + 1]!;
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    msg[6] = (~s >> 8) & 0xff; msg[7] = ~s & 0xff;
    expect(checkAdvert(p, context(V2)).ok).toBe(true);
  });
});

describe('RFC 3768 §7.1 receiving an advertisement', () => {
  it('"MUST verify that the IP TTL is 255"', () => {
    expect(checkAdvert(packet({}, { ttl: 1 }), context(V2))).toMatchObject({ ok: false, reason: 'ip_ttl_err' });
  });
  it('"MUST verify the VRRP version"', () => {
    const c6 = instanceConfig({ family: 6, version: 2 });
    expect(checkAdvert(packet({ family: 6, version: 3 }), context(c6))).toMatchObject({ ok: false, reason: 'vers_err' });
  });
  it('"MUST verify that the received packet length is greater than or equal to the VRRP header"', () => {
    const p = packet({});
    expect(classifyForDispatch({ ...p, data: p.data.subarray(0, 24) }, [{ name: 'VI_1', vrid: 51, state: 'BACKUP', unicast: false, unicastPeers: [] }]))
      .toMatchObject({ ok: false, reason: 'too_short' });
  });
  it('"MUST verify the VRRP checksum"', () => {
    expect(checkAdvert(packet({}, { patch: [[26, 0xff]] }), context(V2))).toMatchObject({ ok: false, reason: 'chk_err' });
  });
  it('"MUST verify that the VRID is configured on the receiving interface"', () => {
    expect(classifyForDispatch(packet({ vrid: 9 }), [{ name: 'VI_1', vrid: 51, state: 'BACKUP', unicast: false, unicastPeers: [] }]))
      .toMatchObject({ ok: false, reason: 'unknown_vrid' });
  });
  it('"MUST perform authentication specified by Auth Type" (keepalived: PASS, RFC 2338)', () => {
    const c = instanceConfig({ auth: { type: 'PASS', password: 'pw' } });
    expect(checkAdvert(packet({ auth: { type: 1, password: 'pw' } }), context(c)).ok).toBe(true);
    expect(checkAdvert(packet({ auth: { type: 1, password: 'px' } }), context(c))).toMatchObject({ ok: false, reason: 'auth_failure' });
  });
  it('"MUST verify that the Adver Interval in the packet is the same as the locally configured"', () => {
    const c = instanceConfig({ advertInt: micros(2_000_000) });
    expect(checkAdvert(packet({}), context(c))).toMatchObject({ ok: false, reason: 'advert_interval_mismatch', verdict: 'DROP' });
  });
  // keepalived 2.4.3 deliberately differs from 2.2.7 (which rejected it): RFC 9568 §7.1 accepts the advert.
  it('"MAY verify that the IP address(es) associated with the VRID are valid" (keepalived 2.4.3, RFC 9568: counted, warned, accepted)', () => {
    expect(checkAdvert(packet({ addresses: ['10.0.0.7'] }), context(V2))).toMatchObject({ ok: true, counters: ['advert_rcvd', 'addr_list_err'], warnings: [{ kind: 'vip_mismatch' }] });
  });
});
