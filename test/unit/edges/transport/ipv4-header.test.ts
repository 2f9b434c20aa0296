// keepalived's IPv4 header for IP_HDRINCL (reference §2.1) checked against the captured adverts of
// reference §2.4, and the IP ID counters (keepalived `vrrp_update_pkt()`).

import { describe, expect, it } from 'vitest';
import { frameIpv4, IpIdCounters, Ipv4Framer } from '../../../../src/edges/transport/ipv4-header.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('frameIpv4 against keepalived 2.2.7 captures (reference §2.4)', () => {
  it.each([
    {
      name: 'v2 multicast PASS',
      ip: '45 c0 00 28 00 01 00 00 ff 70 d0 87 0a 09 00 02 e0 00 00 12',
      vrrp: '21 33 64 01 01 01 33 11 0a 09 00 64 73 65 63 72 65 74 00 00',
      src: '10.9.0.2', dst: '224.0.0.18', id: 1,
    },
    {
      name: 'v3 multicast two VIPs',
      ip: '45 c0 00 24 00 01 00 00 ff 70 d0 8b 0a 09 00 02 e0 00 00 12',
      vrrp: '31 34 64 02 00 32 6b 1c 0a 09 00 65 0a 09 00 66',
      src: '10.9.0.2', dst: '224.0.0.18', id: 1,
    },
    {
      name: 'v2 unicast',
      ip: '45 c0 00 28 00 01 00 00 ff 70 a6 90 0a 09 00 02 0a 09 00 01',
      vrrp: '21 35 64 01 00 01 70 58 0a 09 00 67 00 00 00 00 00 00 00 00',
      src: '10.9.0.2', dst: '10.9.0.1', id: 1,
    },
  ])('$name: header byte for byte (TOS 0xc0, no DF, TTL 255, proto 112)', ({ ip, vrrp, src, dst, id }) => {
    const framed = frameIpv4(hex(vrrp), { src, dst, ttl: 255, id });
    expect(toHex(framed)).toBe(toHex(hex(ip)) + toHex(hex(vrrp)));
  });

  it('unicast_ttl and AH protocol go into the header', () => {
    const f = frameIpv4(new Uint8Array(8), { src: '10.0.0.1', dst: '10.0.0.2', ttl: 64, id: 0x1234, protocol: 51 });
    expect(f[8]).toBe(64);
    expect(f[9]).toBe(51);
    expect((f[4]! << 8) | f[5]!).toBe(0x1234);
    expect((f[2]! << 8) | f[3]!).toBe(28);
    expect(f[6]).toBe(0); // frag_off 0: DF not set
  });

  it('rejects a bad address', () => {
    expect(() => frameIpv4(new Uint8Array(8), { src: 'fe80::1', dst: '10.0.0.2', ttl: 255, id: 1 })).toThrow(RangeError);
  });
});

describe('IpIdCounters', () => {
  it('starts at 1 per VRID and counts up independently', () => {
    const c = new IpIdCounters();
    expect([c.next(51), c.next(51), c.next(52), c.next(51)]).toEqual([1, 2, 1, 3]);
  });
  it('keepalived-compat: wraps 0xffff to 1, never 0', () => {
    const c = new IpIdCounters();
    let last = 0;
    for (let i = 0; i < 0xffff; i++) last = c.next(7);
    expect(last).toBe(0xffff);
    expect(c.next(7)).toBe(1);
  });
});

describe('Ipv4Framer (issue 12 §5: the same advert framed again costs no allocation)', () => {
  const msg = hex('21 33 64 01 01 01 33 11 0a 09 00 64 73 65 63 72 65 74 00 00');
  const f = { src: '10.9.0.2', dst: '224.0.0.18', ttl: 255, id: 1 };

  it('frames the same message again into the same packet, with the new ID and checksum, byte for byte frameIpv4', () => {
    const framer = new Ipv4Framer();
    const p1 = framer.frame(msg, f);
    expect(toHex(p1)).toBe(toHex(frameIpv4(msg, f)));
    for (const id of [2, 0x1234, 0xffff, 1]) {
      const p = framer.frame(msg, { ...f, id });
      expect(p).toBe(p1);
      expect(toHex(p)).toBe(toHex(frameIpv4(msg, { ...f, id })));
    }
  });

  it('frames afresh when the destination, TTL or source differ, or the message bytes were changed in place', () => {
    const framer = new Ipv4Framer();
    const p1 = framer.frame(msg, f);
    for (const g of [{ ...f, dst: '10.9.0.3' }, { ...f, ttl: 64 }, { ...f, src: '10.9.0.9' }]) {
      const p = framer.frame(msg, g);
      expect(p).not.toBe(p1);
      expect(toHex(p)).toBe(toHex(frameIpv4(msg, g)));
    }
    const reused = msg.slice();
    framer.frame(reused, f);
    reused[2] = 0x50;
    expect(toHex(framer.frame(reused, { ...f, id: 7 }))).toBe(toHex(frameIpv4(reused, { ...f, id: 7 })));
  });
});
