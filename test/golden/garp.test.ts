// Golden GARP / unsolicited NA frames (RFC 5798 §6.4.2, RFC 4861 §7.2.6): our builders must produce
// exactly the bytes keepalived 2.2.7 put on the wire (captured with tcpdump -xx in a peer namespace;
// capture context in test/golden/garp/*.json).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGarp, buildUnsolicitedNa, formatMac, GARP_FRAME_LEN, macBytes, NA_FRAME_LEN } from '../../src/garp/frames.js';

interface GoldenFrame {
  ifMac: string;
  vip: string;
  routerFlag?: boolean;
  tcpdump: string;
  hex: string;
}
interface GoldenFile {
  description: string;
  context: Record<string, string>;
  frames: GoldenFrame[];
}

const load = (name: string): GoldenFile => JSON.parse(readFileSync(new URL(`./garp/${name}`, import.meta.url), 'utf8')) as GoldenFile;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('golden: keepalived 2.2.7 gratuitous ARP', () => {
  const golden = load('keepalived-garp.json');
  it('has captured frames', () => expect(golden.frames.length).toBeGreaterThanOrEqual(2));
  for (const f of golden.frames) {
    it(`GARP for ${f.vip} from ${f.ifMac} matches the capture byte for byte`, () => {
      const built = buildGarp(f.ifMac, f.vip);
      expect(built.length).toBe(GARP_FRAME_LEN);
      expect(hex(built)).toBe(f.hex);
    });
  }
  it('keepalived-compat: target MAC is ff:ff:ff:ff:ff:ff and op is request', () => {
    const b = buildGarp('02:00:00:00:c1:01', '10.201.0.100');
    expect(formatMac(b.subarray(32, 38))).toBe('ff:ff:ff:ff:ff:ff');
    expect((b[20]! << 8) | b[21]!).toBe(1);
  });
});

describe('golden: keepalived 2.2.7 unsolicited neighbour advertisement', () => {
  const golden = load('keepalived-na.json');
  it('has captured frames with and without the Router flag', () => {
    expect(golden.frames.map((f) => f.routerFlag).sort()).toEqual([false, true]);
  });
  for (const f of golden.frames) {
    it(`NA for ${f.vip} routerFlag=${String(f.routerFlag)} matches the capture byte for byte`, () => {
      const built = buildUnsolicitedNa(macBytes(f.ifMac), f.vip, f.routerFlag === true);
      expect(built.length).toBe(NA_FRAME_LEN);
      expect(hex(built)).toBe(f.hex);
    });
  }
});
