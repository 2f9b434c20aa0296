// The chaos soak's pure parts: the seeded schedule and the invariant checker, on made-up timelines.
import { describe, expect, it } from 'vitest';
import { checkSoak, defaultBounds, type Advert, type CheckInput } from './invariants.js';
import { FAULT_KINDS, makeSchedule } from './schedule.js';

const opts = { seed: 42, events: 200, nodes: ['havipd', 'keepalived'] as const, priorities: [[150, 90], [100, 130]], settleMs: 3_800 };

describe('chaos schedule', () => {
  it('is a function of the seed: the same seed gives the same faults, another seed others', () => {
    expect(makeSchedule(opts)).toEqual(makeSchedule(opts));
    expect(makeSchedule({ ...opts, seed: 43 })).not.toEqual(makeSchedule(opts));
  });

  it('draws every kind, overlaps some faults, floods only havipd nodes, reloads to an allowed priority', () => {
    const s = makeSchedule(opts);
    expect(new Set(s.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    expect(s.filter((f) => f.kind === 'flood').every((f) => f.node === 0)).toBe(true);
    expect(s.filter((f) => f.kind === 'reload').every((f) => opts.priorities[f.node]!.includes(f.priority!))).toBe(true);
    let overlaps = 0;
    let end = 0;
    for (const f of s) {
      if (f.at < end) overlaps++;
      end = Math.max(end, f.at + f.durationMs);
      expect(f.at).toBeGreaterThanOrEqual(0);
    }
    expect(overlaps).toBeGreaterThan(20);
    expect(s.map((f) => f.at)).toEqual([...s.map((f) => f.at)].sort((a, b) => a - b));
  });
});

/** Adverts every `int` s from `src` over [from, to). */
function ads(src: string, from: number, to: number, int = 0.5, prio = 100): Advert[] {
  const out: Advert[] = [];
  for (let t = from; t < to - 1e-9; t += int) out.push({ t, src, prio });
  return out;
}

const base = (adverts: Advert[], over: Partial<CheckInput> = {}): CheckInput => ({
  nodes: [{ name: 'a', ip: '10.0.0.1', kind: 'havipd' }, { name: 'b', ip: '10.0.0.2', kind: 'havipd' }],
  adverts, windows: [], advertIntS: 0.5, masterDownS: 1.8, startS: 0, endS: 60, clearS: 40, expectedMaster: 0,
  unexpectedExits: [], rssMiB: [[60, 61, 62, 61], [60, 60, 60, 60]], vipHolders: [0], ...over,
});
const bounds = defaultBounds(0.5, 1.8);

describe('chaos invariants', () => {
  it('a steady single master passes, with its advert period as a figure', () => {
    const v = checkSoak(base(ads('10.0.0.1', 0, 60.2)), bounds);
    expect(v.failures).toEqual([]);
    expect(v.figures.period[0]).toMatchObject({ node: 'a', maxS: 0.5 });
    expect(v.figures.convergeS).toBe(0);
  });

  it('two masters in steady state longer than the bound fail, naming the time', () => {
    const v = checkSoak(base([...ads('10.0.0.1', 0, 60.2), ...ads('10.0.0.2', 10, 15, 0.5, 90)]), bounds);
    expect(v.ok).toBe(false);
    expect(v.failures[0]).toMatch(/two masters \(a, b\) for more than 2\.30 s in steady state at \+12\.3/);
    expect(v.figures.dualMasterLongestS).toBeGreaterThan(5);
  });

  it('the same overlap inside a fault window (+ settle) is not counted', () => {
    const v = checkSoak(base([...ads('10.0.0.1', 0, 60.2), ...ads('10.0.0.2', 10, 15, 0.5, 90)], { windows: [{ start: 9.5, end: 14, kind: 'partition', node: 1, label: '#0 partition b' }] }), bounds);
    expect(v.failures).toEqual([]);
  });

  it('a master silent for longer than Master_Down_Interval + one advert fails as no master, and as an advert gap', () => {
    const v = checkSoak(base([...ads('10.0.0.1', 0, 20), ...ads('10.0.0.1', 23.5, 60.2)]), bounds);
    expect(v.failures.some((f) => /no master for more than 2\.80 s/.test(f))).toBe(true);
    expect(v.failures.some((f) => /a: advert gap 4\.000 s as sole master/.test(f))).toBe(true);
  });

  it('the gap of a frozen master is not an advert-period failure', () => {
    const v = checkSoak(base([...ads('10.0.0.1', 0, 20), ...ads('10.0.0.1', 23.5, 60.2)], { windows: [{ start: 20, end: 23.4, kind: 'freeze', node: 0, label: '#0 freeze a' }] }), bounds);
    expect(v.failures).toEqual([]);
  });

  it('no convergence to the expected master, a VIP on both, an unexpected exit and RSS growth all fail', () => {
    const v = checkSoak(base([...ads('10.0.0.1', 0, 60.2), ...ads('10.0.0.2', 41, 60.2, 0.5, 90)], { windows: [{ start: 35, end: 40, kind: 'loss', node: 1, direction: 'in', label: '#0 loss b' }], vipHolders: [0, 1], unexpectedExits: ['b exited 1'], rssMiB: [[60, 60, 60, 150], []] }), bounds);
    expect(v.failures.some((f) => /did not converge to exactly one MASTER \(a\)/.test(f))).toBe(true);
    expect(v.failures.some((f) => /VIP held by \[a, b\]/.test(f))).toBe(true);
    expect(v.failures).toContain('unexpected exit: b exited 1');
    expect(v.failures.some((f) => /a: RSS grew 90\.0 MiB/.test(f))).toBe(true);
  });

  it('converging late fails with the time it took', () => {
    const v = checkSoak(base([...ads('10.0.0.2', 0, 50, 0.5, 90), ...ads('10.0.0.1', 50, 60.2)], { windows: [{ start: 30, end: 40, kind: 'kill', node: 0, label: '#0 kill a' }] }), bounds);
    expect(v.failures.some((f) => /converged 10\.\d\d s after the last fault was cleared/.test(f))).toBe(true);
  });
});
