// Unit tests of the pure GARP / NA frame builders (src/garp/frames.ts), beyond the golden captures.

import { describe, expect, it } from 'vitest';
import { buildGarp, buildUnsolicitedNa, formatMac, macBytes } from '../../../src/garp/frames.js';
import { internetChecksum } from '../../../src/vrrp/checksum.js';

describe('macBytes / formatMac', () => {
  it.each([
    ['02:00:00:00:c1:01', [2, 0, 0, 0, 0xc1, 1]],
    ['AA-BB-CC-DD-EE-FF', [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]],
  ])('%s', (text, bytes) => {
    expect(Array.from(macBytes(text))).toEqual(bytes);
    expect(formatMac(macBytes(text))).toBe(text.toLowerCase().replace(/-/g, ':'));
  });
  it.each(['02:00:00:00:c1', '02:00:00:00:c1:01:02', 'zz:00:00:00:00:00', ''])('rejects %j', (bad) => {
    expect(() => macBytes(bad)).toThrow(RangeError);
  });
  it('rejects a 5-byte array', () => expect(() => macBytes(new Uint8Array(5))).toThrow(RangeError));
});

describe('buildGarp', () => {
  const f = buildGarp('0a:0b:0c:0d:0e:0f', '192.0.2.7');
  it('Ethernet: broadcast from the interface MAC, ethertype ARP', () => {
    expect(formatMac(f.subarray(0, 6))).toBe('ff:ff:ff:ff:ff:ff');
    expect(formatMac(f.subarray(6, 12))).toBe('0a:0b:0c:0d:0e:0f');
    expect(Buffer.from(f.subarray(12, 14)).toString('hex')).toBe('0806');
  });
  it('ARP: sender = target = the VIP, sender MAC = interface MAC', () => {
    expect(Array.from(f.subarray(28, 32))).toEqual([192, 0, 2, 7]);
    expect(Array.from(f.subarray(38, 42))).toEqual([192, 0, 2, 7]);
    expect(formatMac(f.subarray(22, 28))).toBe('0a:0b:0c:0d:0e:0f');
  });
  it('rejects a bad address', () => {
    expect(() => buildGarp('0a:0b:0c:0d:0e:0f', '192.0.2')).toThrow(RangeError);
    expect(() => buildGarp('0a:0b:0c:0d:0e:0f', '2001:db8::1')).toThrow(RangeError);
  });
});

describe('buildUnsolicitedNa', () => {
  const mac = '0a:0b:0c:0d:0e:0f';
  const f = buildUnsolicitedNa(mac, '2001:db8::7', false);
  it('IPv6: hop limit 255, next header 58, src = VIP, dst = ff02::1, payload 32', () => {
    expect(f[21]).toBe(255);
    expect(f[20]).toBe(58);
    expect((f[18]! << 8) | f[19]!).toBe(32);
    expect(Buffer.from(f.subarray(22, 38)).toString('hex')).toBe('20010db8000000000000000000000007');
    expect(Buffer.from(f.subarray(38, 54)).toString('hex')).toBe('ff020000000000000000000000000001');
  });
  it('flags: Override only, or Router + Override', () => {
    expect(f[58]).toBe(0x20);
    expect(buildUnsolicitedNa(mac, '2001:db8::7', true)[58]).toBe(0xa0);
  });
  it('TLLA option carries the MAC', () => {
    expect(Array.from(f.subarray(78, 80))).toEqual([2, 1]);
    expect(formatMac(f.subarray(80, 86))).toBe(mac);
  });
  it('ICMPv6 checksum verifies (sum over pseudo-header + message is 0)', () => {
    const pseudo = new Uint8Array(40);
    pseudo.set(f.subarray(22, 54), 0);
    pseudo[35] = 32;
    pseudo[39] = 58;
    expect(internetChecksum(pseudo, f.subarray(54))).toBe(0);
  });
  it('rejects a bad address', () => {
    expect(() => buildUnsolicitedNa(mac, '10.0.0.1', false)).toThrow(RangeError);
  });
});
