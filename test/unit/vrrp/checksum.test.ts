// RFC 1071 checksum and the VRRP variants (RFC 3768 §5.3.8, RFC 5798 §5.2.8, keepalived compat modes).
import { describe, expect, it } from 'vitest';
import { computeVrrpChecksum, internetChecksum, onesComplementSum, pseudoHeader4, verifyVrrpChecksum } from '../../../src/vrrp/checksum.js';
import { unhex } from './fixtures.js';

describe('internet checksum', () => {
  it('RFC 1071 §3 example: 0001 f203 f4f5 f6f7 sums to ddf2', () => {
    expect(onesComplementSum(unhex('0001f203f4f5f6f7'))).toBe(0xddf2);
    expect(internetChecksum(unhex('0001f203f4f5f6f7'))).toBe(0x220d);
  });
  it('odd length is padded with a zero byte', () => {
    expect(internetChecksum(unhex('01'))).toBe(internetChecksum(unhex('0100')));
  });
  it('IPv4 header of reference vector 1 has checksum d087', () => {
    const h = unhex('45c0002800010000ff7000000a090002e0000012');
    expect(internetChecksum(h)).toBe(0xd087);
  });
});

describe('VRRP checksum modes', () => {
  const v3 = unhex('3134640200326b1c0a0900650a090066'); // reference §2.4 vector 2
  const base = { version: 3 as const, family: 4 as const, src: '10.9.0.2', dst: '224.0.0.18' };
  it('v3 IPv4 pseudo-header (src, dst, 0, 112, 16) gives 6b1c; without it 55ba', () => {
    expect(pseudoHeader4(unhex('0a090002'), unhex('e0000012'), 16)).toEqual(unhex('0a090002e0000012 0070 0010'));
    expect(computeVrrpChecksum(v3, { ...base, mode: 'pseudo' })).toBe(0x6b1c);
    expect(computeVrrpChecksum(v3, { ...base, mode: 'plain' })).toBe(0x55ba);
    expect(verifyVrrpChecksum(v3, { ...base, mode: 'pseudo' })).toBe(true);
    expect(verifyVrrpChecksum(v3, { ...base, mode: 'plain' })).toBe(false);
  });
  it('pseudo-mcast uses the group whatever the destination', () => {
    expect(computeVrrpChecksum(v3, { ...base, dst: '10.9.0.1', mode: 'pseudo-mcast' })).toBe(0x6b1c);
    expect(computeVrrpChecksum(v3, { ...base, dst: '10.9.0.1', mode: 'pseudo-mcast', mcastGroup: '224.0.0.19' })).not.toBe(0x6b1c);
  });
  it('v2 is plain whatever the mode', () => {
    const v2 = unhex('21336401010133110a0900647365637265740000');
    for (const mode of ['pseudo', 'pseudo-mcast', 'plain'] as const) {
      expect(computeVrrpChecksum(v2, { ...base, version: 2, mode })).toBe(0x3311);
    }
  });
  it('an unparsable address never verifies (no throw)', () => {
    expect(verifyVrrpChecksum(v3, { ...base, src: 'nonsense', mode: 'pseudo' })).toBe(false);
    expect(verifyVrrpChecksum(v3, { ...base, family: 6, mode: 'pseudo' })).toBe(false);
  });
  it('all-zero message does not verify', () => {
    expect(verifyVrrpChecksum(new Uint8Array(16), { ...base, version: 2, mode: 'plain' })).toBe(false);
  });
});
