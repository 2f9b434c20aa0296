// The claim watch's frames (src/garp/frames.ts): the ARP probe it sends (RFC 5227 §2.1.1) and the decoder of
// what an ETH_P_ARP packet socket delivers; the decoder meets network input, so it must never throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildArpProbe, buildGarp, decodeArp, GARP_FRAME_LEN } from '../../../src/garp/frames.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('buildArpProbe', () => {
  it('is a broadcast ARP request with sender address 0.0.0.0, a zero target MAC and the VIP as target', () => {
    const f = buildArpProbe('02:00:00:00:c1:01', '10.201.0.100');
    expect(f.length).toBe(GARP_FRAME_LEN);
    expect(hex(f)).toBe(
      'ffffffffffff' + '02000000c101' + '0806' + '0001' + '0800' + '06' + '04' + '0001' + '02000000c101' + '00000000' + '000000000000' + '0ac90064',
    );
    expect(() => buildArpProbe('02:00:00:00:c1:01', 'fd00::1')).toThrow(RangeError);
  });
});

describe('decodeArp', () => {
  it('reads a GARP (request), a probe and a reply', () => {
    expect(decodeArp(buildGarp('02:00:00:00:c1:01', '10.201.0.100'))).toEqual({ op: 1, senderMac: '02:00:00:00:c1:01', senderIp: '10.201.0.100', targetIp: '10.201.0.100' });
    expect(decodeArp(buildArpProbe('02:00:00:00:c1:01', '10.0.0.9'))).toEqual({ op: 1, senderMac: '02:00:00:00:c1:01', senderIp: '0.0.0.0', targetIp: '10.0.0.9' });
    const reply = buildGarp('52:54:00:12:34:56', '10.0.0.9');
    reply[21] = 2;
    // Padded to the Ethernet minimum, as a NIC delivers it.
    const padded = new Uint8Array(60);
    padded.set(reply);
    expect(decodeArp(padded)).toMatchObject({ op: 2, senderMac: '52:54:00:12:34:56', senderIp: '10.0.0.9' });
  });

  it('rejects what is not Ethernet/IPv4 ARP request or reply', () => {
    const good = buildGarp('02:00:00:00:c1:01', '10.0.0.9');
    expect(decodeArp(good.subarray(0, 41))).toBeUndefined();
    for (const [at, v] of [[12, 0x86], [15, 6], [16, 0x86], [18, 8], [19, 16], [21, 3]] as const) {
      const f = Uint8Array.from(good);
      f[at] = v;
      expect(decodeArp(f), `byte ${at} = ${v}`).toBeUndefined();
    }
  });

  it('never throws, whatever the bytes (fast-check, fixed seed)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), fc.boolean(), (bytes, arpHeader) => {
        const f = Uint8Array.from(bytes);
        if (arpHeader && f.length >= 22) f.set([0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 1 + (f[21]! & 1)], 12);
        const r = decodeArp(f);
        if (r !== undefined) expect(r.senderIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      }),
      { seed: 0x0a7b_0806, numRuns: 2000 },
    );
  });
});
