import { describe, expect, it } from 'vitest';
import { CAP_NET_ADMIN, CAP_NET_RAW, hasCap, netCapabilities, parseCapEff } from '../../../src/edges/capabilities.js';

describe('capabilities', () => {
  it('reads CapEff from /proc status text', () => {
    expect(parseCapEff('Name:\tnode\nCapEff:\t000001ffffffffff\n')).toBe(0x1ffffffffffn);
    expect(parseCapEff('Name: x\n')).toBeUndefined();
  });
  it('knows the bits of CAP_NET_ADMIN (12) and CAP_NET_RAW (13)', () => {
    const onlyRaw = 1n << 13n;
    expect(hasCap(onlyRaw, CAP_NET_RAW)).toBe(true);
    expect(hasCap(onlyRaw, CAP_NET_ADMIN)).toBe(false);
    expect(netCapabilities('CapEff:\t0000000000003000\n')).toEqual({ netRaw: true, netAdmin: true });
    expect(netCapabilities('CapEff:\t0000000000000000\n')).toEqual({ netRaw: false, netAdmin: false });
  });
});
