// The advert codec: lengths, field encoding, decode failures (RFC 3768 §5.3, RFC 5798 §5.2).
import { describe, expect, it } from 'vitest';
import { advertLength, decodeAdvert, encodeAdvert, passwordBytes } from '../../../src/vrrp/packet.js';
import { centiseconds } from '../../../src/net/units.js';
import { hex } from './fixtures.js';

const ctx4 = { src: '10.0.0.2', dst: '224.0.0.18', checksumMode: 'pseudo' as const };

describe('advertLength', () => {
  it.each([
    [2, 4, 1, 20], [2, 4, 0, 16], [3, 4, 2, 16], [3, 6, 2, 40], [2, 6, 1, 24], [3, 4, 255, 8 + 1020],
  ] as const)('v%i IPv%i %i addrs → %i', (v, f, n, len) => expect(advertLength(v, f, n)).toBe(len));
});

describe('encodeAdvert', () => {
  it('v2: whole seconds, truncated (keepalived adver_int / TIMER_HZ)', () => {
    const m = encodeAdvert({ version: 2, vrid: 1, priority: 100, advertInt: centiseconds(150), addresses: ['1.2.3.4'], family: 4 }, ctx4);
    expect(m[5]).toBe(1);
    expect(m[4]).toBe(0);
  });
  it('v3: 12-bit centiseconds', () => {
    const m = encodeAdvert({ version: 3, vrid: 1, priority: 100, advertInt: centiseconds(4095), addresses: [], family: 4 }, ctx4);
    expect(hex(m.subarray(4, 6))).toBe('0fff');
  });
  it('PASS: password truncated / zero-padded to 8 bytes', () => {
    expect(hex(passwordBytes('secret'))).toBe('7365637265740000');
    expect(hex(passwordBytes('0123456789'))).toBe('3031323334353637');
  });
  it('throws on bad input (bugs, not network input)', () => {
    expect(() => encodeAdvert({ version: 3, vrid: 1, priority: 1, advertInt: centiseconds(100), addresses: ['nope'], family: 4 }, ctx4)).toThrow(RangeError);
    expect(() => encodeAdvert({ version: 3, vrid: 256, priority: 1, advertInt: centiseconds(100), addresses: [], family: 4 }, ctx4)).toThrow(RangeError);
  });
});

describe('decodeAdvert', () => {
  it('too short, bad version, wrong length', () => {
    expect(decodeAdvert(new Uint8Array(7), 4)).toMatchObject({ ok: false, reason: 'too_short' });
    expect(decodeAdvert(new Uint8Array([0x41, 1, 1, 0, 0, 0, 0, 0]), 4)).toMatchObject({ ok: false, reason: 'vers_err' });
    expect(decodeAdvert(new Uint8Array([0x31, 1, 1, 1, 0, 0, 0, 0]), 4)).toMatchObject({ ok: false, reason: 'packet_len_err' });
  });
  it('keeps other type values for the checks to count', () => {
    const r = decodeAdvert(new Uint8Array([0x37, 1, 1, 0, 0, 100, 0, 0]), 4);
    expect(r).toMatchObject({ ok: true, advert: { type: 7, advertInt: 100, authData: new Uint8Array(0) } });
  });
  it('v3 ignores the 4 reserved bits (RFC 5798 §5.2.6)', () => {
    const r = decodeAdvert(new Uint8Array([0x31, 1, 1, 0, 0xf0, 100, 0, 0]), 4);
    expect(r).toMatchObject({ ok: true, advert: { advertInt: 100 } });
  });
});

