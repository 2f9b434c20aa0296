import { describe, expect, it } from 'vitest';
import { effectivePriority, evaluateTracking, fileAdjustment, trackAdjustment } from '../../../src/vrrp/priority.js';
import { track } from '../../support/config.js';

describe('effectivePriority (clamp 1..254, owner 255)', () => {
  it.each([
    [100, 100, 100],
    [100, 0, 1],
    [100, -50, 1],
    [100, 254, 254],
    [100, 300, 254],
    [255, 100, 255],
    [255, 0, 255],
    [1, 1, 1],
  ])('base %i total %i → %i', (b, t, e) => {
    expect(effectivePriority(b, t)).toBe(e);
  });
});

describe('trackAdjustment (reference §3.9 table)', () => {
  it.each([
    // weight, reverse, good, adj, fault
    [0, false, true, 0, false],
    [0, false, false, 0, true],
    [0, true, true, 0, true],
    [0, true, false, 0, false],
    [10, false, true, 10, false],
    [10, false, false, 0, false],
    [10, true, true, -10, false],
    [10, true, false, 0, false],
    [-60, false, true, 0, false],
    [-60, false, false, -60, false],
    [-60, true, false, 60, false],
    [-60, true, true, 0, false],
  ] as const)('W=%i reverse=%s good=%s → %i fault=%s', (w, r, g, adj, fault) => {
    expect(trackAdjustment(w, r, g)).toEqual({ adj, fault });
  });
});

describe('fileAdjustment (track_file)', () => {
  it.each([
    [0, false, 0, 0, false],
    [0, false, 5, 0, true],
    [0, true, 0, 0, true],
    [0, true, 5, 0, false],
    [-10, false, 3, -30, false],
    [10, false, 3, 30, false],
    [10, true, 3, -30, false],
    [1, false, 400, 253, false], // clamped to 253
    [-1, false, 254, 0, true], // ≤ −254 ⇒ FAULT
    [-1, false, 253, -253, false],
  ] as const)('W=%i reverse=%s value=%i → %i fault=%s', (w, r, v, adj, fault) => {
    expect(fileAdjustment(w, r, v)).toEqual({ adj, fault });
  });
});

describe('evaluateTracking', () => {
  const refs = (o: Partial<{ trackScripts: ReturnType<typeof track>[]; trackInterfaces: ReturnType<typeof track>[]; trackFiles: ReturnType<typeof track>[] }>) => ({ trackScripts: [], trackInterfaces: [], trackFiles: [], ...o });
  const vals = (o: Partial<{ scripts: Map<string, boolean>; links: Map<string, boolean>; files: Map<string, number> }> = {}) => ({ scripts: new Map(), links: new Map(), files: new Map(), ...o });

  it('keepalived verified example: 150, script −60 failed, file −10 × 3 → 60', () => {
    const r = evaluateTracking(150, [refs({ trackScripts: [track('chk', -60)], trackFiles: [track('f', -10)] })], vals({ scripts: new Map([['chk', false]]), files: new Map([['f', 3]]) }));
    expect(r.totalPriority).toBe(60);
    expect(r.faults).toEqual([]);
  });
  it('script recovers → 120', () => {
    const r = evaluateTracking(150, [refs({ trackScripts: [track('chk', -60)], trackFiles: [track('f', -10)] })], vals({ scripts: new Map([['chk', true]]), files: new Map([['f', 3]]) }));
    expect(r.totalPriority).toBe(120);
  });
  it('weight-0 script without result is "init", weighted one adjusts nothing', () => {
    const r = evaluateTracking(100, [refs({ trackScripts: [track('a', 0), track('b', -20)] })], vals());
    expect(r.scriptsInInit).toEqual(['a']);
    expect(r.totalPriority).toBe(100);
  });
  it('weight-0 interface down is a fault; unknown links count as up', () => {
    const r = evaluateTracking(100, [refs({ trackInterfaces: [track('eth1'), track('eth2')] })], vals({ links: new Map([['eth1', false]]) }));
    expect(r.faults).toEqual(['interface eth1']);
  });
  it('owner: weights do not move 255, weight-0 faults still apply', () => {
    const r = evaluateTracking(255, [refs({ trackScripts: [track('a', -50), track('b', 0)] })], vals({ scripts: new Map([['a', false], ['b', false]]) }));
    expect(r.totalPriority).toBe(255);
    expect(r.faults).toEqual(['script b']);
  });
  it('sync group trackers (second ref set) apply too', () => {
    const r = evaluateTracking(100, [refs({}), refs({ trackScripts: [track('g', 0)] })], vals({ scripts: new Map([['g', false]]) }));
    expect(r.faults).toEqual(['script g']);
  });
});
