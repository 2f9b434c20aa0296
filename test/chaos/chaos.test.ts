// The chaos soak's pure parts: the seeded schedule and the invariant checker, on made-up timelines.
import { describe, expect, it } from 'vitest';
import { checkSoak, defaultBounds, silenceWithin, type Advert, type CheckInput } from './invariants.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addRegressions, faultsNamed, loadRegressions, parseRegressions, regressionFor, REGRESSIONS_PATH } from './regressions.js';
import { CLOCK_STEPS_S, FAULT_KINDS, makeSchedule, scheduleWindow, type Fault } from './schedule.js';
import { soakSchedule } from './soak.js';

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

describe('chaos schedule: clock steps', () => {
  const legacy = FAULT_KINDS.filter((k) => k !== 'clockstep');
  it('come from their own stream: every fault a clock step does not replace is what the seed gave without clock steps (kind, node, time, extras)', () => {
    for (const seed of [1, 42, 1403, 1406, 777]) {
      const without = makeSchedule({ ...opts, seed, kinds: legacy });
      const withSteps = makeSchedule({ ...opts, seed });
      expect(withSteps).toHaveLength(without.length);
      const steps = withSteps.filter((f) => f.kind === 'clockstep');
      expect(steps.length).toBeGreaterThan(0);
      withSteps.forEach((f, i) => {
        if (f.kind !== 'clockstep') expect(f).toEqual(without[i]);
        else expect({ n: f.n, at: f.at }).toEqual({ n: without[i]!.n, at: without[i]!.at });
      });
      expect(without.some((f) => f.kind === 'clockstep')).toBe(false);
    }
  });

  it('step by one of the drawn offsets for 3–10 s, on keepalived nodes too', () => {
    const s = makeSchedule(opts).filter((f) => f.kind === 'clockstep');
    expect(s.length).toBeGreaterThan(5);
    for (const f of s) {
      expect(CLOCK_STEPS_S).toContain(f.offsetS);
      expect(f.durationMs).toBeGreaterThanOrEqual(3_000);
      expect(f.durationMs).toBeLessThanOrEqual(10_000);
    }
    expect(new Set(s.map((f) => f.node))).toEqual(new Set([0, 1]));
    expect(new Set(s.map((f) => Math.sign(f.offsetS!)))).toEqual(new Set([1, -1]));
  });

  it('only clock steps when they are the only kind', () => {
    expect(makeSchedule({ ...opts, events: 20, kinds: ['clockstep'] }).every((f) => f.kind === 'clockstep')).toBe(true);
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

  it('a clock step suspends nothing: two masters during one fail as in steady state, and as a changed master', () => {
    const v = checkSoak(base([...ads('10.0.0.1', 0, 60.2), ...ads('10.0.0.2', 10, 15, 0.5, 90)], { windows: [{ start: 9.5, end: 14, kind: 'clockstep', node: 1, label: '#0 clockstep b +1 h' }] }), bounds);
    expect(v.failures.some((f) => /two masters \(a, b\) for more than 2\.30 s in steady state/.test(f))).toBe(true);
    expect(v.failures.some((f) => /#0 clockstep b \+1 h: the masters changed from \[a\] to \[a, b\]/.test(f))).toBe(true);
  });

  it('a master silent through a clock step fails as no master (the window hides nothing)', () => {
    const v = checkSoak(base([...ads('10.0.0.1', 0, 20), ...ads('10.0.0.1', 23.5, 60.2)], { windows: [{ start: 19, end: 24, kind: 'clockstep', node: 0, label: '#0 clockstep a −1 h' }] }), bounds);
    expect(v.failures.some((f) => /no master for more than 2\.80 s/.test(f))).toBe(true);
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

  it('a capture that lost packets fails the run (its adverts are not all known); none lost, or not reported, passes', () => {
    const steady = ads('10.0.0.1', 0, 60.2);
    expect(checkSoak(base(steady, { captureDropped: 3 }), bounds).failures).toEqual([expect.stringMatching(/bridge capture lost 3 packet\(s\)/)]);
    expect(checkSoak(base(steady, { captureDropped: 0 }), bounds).failures).toEqual([]);
    expect(checkSoak(base(steady), bounds).failures).toEqual([]);
  });

  it('converging late fails with the time it took', () => {
    const v = checkSoak(base([...ads('10.0.0.2', 0, 50, 0.5, 90), ...ads('10.0.0.1', 50, 60.2)], { windows: [{ start: 30, end: 40, kind: 'kill', node: 0, label: '#0 kill a' }] }), bounds);
    expect(v.failures.some((f) => /converged 10\.\d\d s after the last fault was cleared/.test(f))).toBe(true);
  });
});

describe('chaos invariants: three nodes, quiet faults, notify FIFO, client, attribution', () => {
  const three = (adverts: Advert[], over: Partial<CheckInput> = {}): CheckInput =>
    base(adverts, {
      nodes: [{ name: 'a', ip: '10.0.0.1', kind: 'havipd' }, { name: 'b', ip: '10.0.0.2', kind: 'havipd' }, { name: 'c', ip: '10.0.0.3', kind: 'keepalived' }],
      rssMiB: [[60, 60, 60, 60], [60, 60, 60, 60], []],
      ...over,
    });

  it('a steady master that is not the highest priority (as reloads left them) fails; the right one passes', () => {
    const prios = [{ t: 0, prios: [150, 120, 100] }, { t: 20, prios: [80, 120, 100] }];
    const stays = checkSoak(three(ads('10.0.0.1', 0, 60.2), { priorities: prios, expectedMaster: 1, vipHolders: [1] }), bounds);
    expect(stays.failures.some((f) => /a MASTER in steady state for more than 2\.30 s at \+22\.3\d s while b has the highest priority/.test(f))).toBe(true);
    expect(stays.figures.wrongMasterS).toBeGreaterThan(30);
    const moves = checkSoak(three([...ads('10.0.0.1', 0, 20), ...ads('10.0.0.2', 20, 60.2, 0.5, 120)], { priorities: prios, expectedMaster: 1, vipHolders: [1], windows: [{ start: 19.9, end: 20, kind: 'reload', node: 0, label: '#0 reload a' }] }), bounds);
    expect(moves.failures).toEqual([]);
  });

  it('a quiet fault (SIGHUP burst, broken config) must not move the master; a priority reload may', () => {
    const w = (kind: 'hupburst' | 'reload') => [{ start: 20, end: 22, kind, node: 0, label: `#0 ${kind} a` }];
    const moved = [...ads('10.0.0.1', 0, 21), ...ads('10.0.0.2', 21, 60.2, 0.5, 120)];
    expect(checkSoak(three(moved, { windows: w('hupburst'), expectedMaster: 1, vipHolders: [1] }), bounds).failures.some((f) => /#0 hupburst a: the masters changed from \[a\] to \[/.test(f))).toBe(true);
    expect(checkSoak(three(moved, { windows: w('reload'), expectedMaster: 1, vipHolders: [1] }), bounds).failures).toEqual([]);
    expect(checkSoak(three(ads('10.0.0.1', 0, 60.2), { windows: w('hupburst') }), bounds).failures).toEqual([]);
  });

  it('the notify FIFO must say MASTER while the adverts are on the wire, and not otherwise', () => {
    const wire = [...ads('10.0.0.1', 0, 30), ...ads('10.0.0.2', 30.4, 60.2, 0.5, 120)];
    const lives = [{ start: -5 }];
    const good = [
      { lines: [{ t: -1, state: 'MASTER' as const }, { t: 30.5, state: 'BACKUP' as const }], lives },
      { lines: [{ t: -1, state: 'BACKUP' as const }, { t: 30.4, state: 'MASTER' as const }], lives },
      { lines: [{ t: -1, state: 'BACKUP' as const }], lives },
    ];
    const ok = checkSoak(three(wire, { notify: good, expectedMaster: 1, vipHolders: [1], windows: [{ start: 29.5, end: 30, kind: 'reload', node: 0, label: '#0 reload a' }] }), bounds);
    expect(ok.failures).toEqual([]);
    expect(ok.figures.notify.map((n) => [n.node, n.masterLines, n.wireRuns])).toEqual([['a', 0, 0], ['b', 1, 1], ['c', 0, 0]]);
    // b never wrote MASTER; a wrote BACKUP 10 s late
    const bad = [{ lines: [{ t: -1, state: 'MASTER' as const }, { t: 40, state: 'BACKUP' as const }], lives }, { lines: [{ t: -1, state: 'BACKUP' as const }], lives }, good[2]!];
    const v = checkSoak(three(wire, { notify: bad, expectedMaster: 1, vipHolders: [1], windows: [{ start: 29.5, end: 30, kind: 'reload', node: 0, label: '#0 reload a' }] }), bounds);
    expect(v.failures.some((f) => /^a: notify FIFO says MASTER but no advert of it as MASTER is on the wire for more than 2\.00 s from \+30\.3/.test(f))).toBe(true);
    expect(v.failures.some((f) => /^b: notify FIFO says BACKUP but its adverts are on the wire as MASTER/.test(f))).toBe(true);
  });

  it('the FIFO of a killed process does not count; its restart starts with no state', () => {
    const wire = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.2', 21.9, 60.2, 0.5, 120)];
    const notify = [
      { lines: [{ t: -1, state: 'MASTER' as const }, { t: 26, state: 'BACKUP' as const }], lives: [{ start: -5, end: 20 }, { start: 25 }] },
      { lines: [{ t: -1, state: 'BACKUP' as const }, { t: 21.9, state: 'MASTER' as const }], lives: [{ start: -5 }] },
      { lines: [], lives: [{ start: -5 }] },
    ];
    const v = checkSoak(three(wire, { notify, expectedMaster: 1, vipHolders: [1], windows: [{ start: 20, end: 25, kind: 'kill', node: 0, label: '#0 kill a' }], priorities: [{ t: 0, prios: [110, 120, 100] }] }), bounds);
    expect(v.failures.filter((f) => /notify/.test(f))).toEqual([]);
  });

  /** Client replies every 20 ms from `node` over [from, to). */
  const replies = (node: string, from: number, to: number): { t: number; node: string }[] => {
    const out: { t: number; node: string }[] = [];
    for (let t = from; t < to - 1e-9; t += 0.02) out.push({ t, node });
    return out;
  };

  it('client: a takeover gap within the bound passes; a longer one in a lone fault fails, a keepalived loser is keepalived’s', () => {
    const wire = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.2', 21.9, 60.2, 0.5, 120)];
    const kill = [{ start: 20, end: 25, kind: 'kill' as const, node: 0, label: '#0 kill a' }];
    const fast = checkSoak(three(wire, { windows: kill, expectedMaster: 1, vipHolders: [1], client: [...replies('a', 0, 20), ...replies('b', 22, 60.2)] }), bounds);
    expect(fast.failures).toEqual([]);
    expect(fast.figures.client!.perFault[0]).toMatchObject({ isolated: true, answers: 'a → b@+2000' });
    expect(fast.figures.client!.perFault[0]!.gapS).toBeCloseTo(2.02, 1);
    const slow = checkSoak(three(wire, { windows: kill, expectedMaster: 1, vipHolders: [1], client: [...replies('a', 0, 20), ...replies('b', 27, 60.2)] }), bounds);
    expect(slow.failures.some((f) => /client: no reply from the VIP for 7\.0\d s during #0 kill a .*next b/.test(f))).toBe(true);
    // a partition healed: the lower node (keepalived) answered last, then stepped down silently
    const part = [{ start: 20, end: 25, kind: 'partition' as const, node: 2, label: '#0 partition c' }];
    const stale = checkSoak(three(ads('10.0.0.1', 0, 60.2), { windows: part, client: [...replies('a', 0, 22), ...replies('c', 22, 25), ...replies('a', 32, 60.2)] }), bounds);
    expect(stale.failures).toEqual([]);
    expect(stale.keepalivedFailures.some((f) => /^keepalived: client: no reply from the VIP for 7\.0\d s during #0 partition c/.test(f))).toBe(true);
    expect(stale.ok).toBe(true);
  });

  it('client: a long gap in steady state fails', () => {
    const v = checkSoak(three(ads('10.0.0.1', 0, 60.2), { client: [...replies('a', 0, 30), ...replies('a', 36, 60.2)] }), bounds);
    expect(v.failures.some((f) => /client: no reply from the VIP for 6\.0\d s in steady state from \+29\.9/.test(f))).toBe(true);
  });

  it('an all-keepalived fleet: every broken invariant is keepalived’s, the run is not failed by it', () => {
    const nodes = [{ name: 'a', ip: '10.0.0.1', kind: 'keepalived' as const }, { name: 'b', ip: '10.0.0.2', kind: 'keepalived' as const }];
    const v = checkSoak(base([...ads('10.0.0.1', 0, 60.2), ...ads('10.0.0.2', 10, 15, 0.5, 90)], { nodes, rssMiB: [[], []] }), bounds);
    expect(v.ok).toBe(true);
    expect(v.failures).toEqual([]);
    expect(v.keepalivedFailures[0]).toMatch(/^two masters \(a, b\)/);
  });
});

describe('chaos schedule: the new kinds', () => {
  it('a SIGHUP burst has 4-10 signals, a track flap a period, a broken config a duration', () => {
    const s = makeSchedule({ ...opts, nodes: ['havipd', 'havipd', 'keepalived'], priorities: [[150, 80], [120, 140], [100, 110]] });
    const hb = s.filter((f) => f.kind === 'hupburst');
    expect(hb.length).toBeGreaterThan(0);
    expect(hb.every((f) => f.count! >= 4 && f.count! <= 10)).toBe(true);
    expect(s.filter((f) => f.kind === 'trackflap').every((f) => f.periodMs! >= 700 && f.periodMs! <= 2_000)).toBe(true);
    expect(s.filter((f) => f.kind === 'badconf').every((f) => f.durationMs >= 2_000)).toBe(true);
    expect(new Set(s.map((f) => f.node))).toEqual(new Set([0, 1, 2]));
  });
});

describe('chaos invariants: advert period races', () => {
  it('a master that steps down for an advert that reached it just before its own is not a late sole master', () => {
    // b (lower) sends at 20.0; a's advert at 19.98 reaches b after it sent; b steps down and retakes 1.77 s later
    const adverts = [...ads('10.0.0.1', 0, 19.99), ...ads('10.0.0.2', 18, 20.01, 0.5, 120), ...ads('10.0.0.2', 21.77, 30, 0.5, 120), ...ads('10.0.0.1', 30.5, 60.2)];
    const w = [{ start: 17, end: 32, kind: 'loss' as const, node: 0, direction: 'out' as const, label: '#0 loss a out' }];
    expect(checkSoak(base(adverts.map((a) => (a.src === '10.0.0.1' && Math.abs(a.t - 19.5) < 1e-6 ? { ...a, t: 19.98 } : a)), { windows: w }), bounds).failures).toEqual([]);
    // without the other master's advert just before, the same gap is a late advert
    const alone = [...ads('10.0.0.2', 0, 20.01, 0.5, 120), ...ads('10.0.0.2', 21.77, 60.2, 0.5, 120)];
    expect(checkSoak(base(alone, { expectedMaster: 1, vipHolders: [1] }), bounds).failures.some((f) => /b: advert gap 1\.770 s as sole master/.test(f))).toBe(true);
  });
});

describe('chaos invariants: nopreempt', () => {
  it('the master stays put: a lower priority after a reload keeps it, and any one master will do at the end', () => {
    const reload = [{ start: 20, end: 20, kind: 'reload' as const, node: 0, label: '#0 reload a priority 80' }];
    const prios = [{ t: 0, prios: [150, 120] }, { t: 20, prios: [80, 120] }];
    const stays = checkSoak(base(ads('10.0.0.1', 0, 60.2), { windows: reload, priorities: prios, nopreempt: true, expectedMaster: 1 }), bounds);
    expect(stays.failures).toEqual([]);
    // the same without nopreempt is a wrong master
    expect(checkSoak(base(ads('10.0.0.1', 0, 60.2), { windows: reload, priorities: prios, expectedMaster: 1, vipHolders: [1] }), bounds).ok).toBe(false);
  });

  it('a master that moves in steady state, or after a reload, fails', () => {
    const moved = [...ads('10.0.0.1', 0, 30), ...ads('10.0.0.2', 30, 60.2, 0.5, 120)];
    const v = checkSoak(base(moved, { nopreempt: true, expectedMaster: 1, vipHolders: [1] }), bounds);
    expect(v.failures).toEqual(['nopreempt: the master moved from a to b in steady state at +32.65 s, before any fault']);
    const reload = [{ start: 28, end: 28, kind: 'reload' as const, node: 0, label: '#0 reload a priority 80' }];
    const r = checkSoak(base(moved, { nopreempt: true, windows: reload, expectedMaster: 1, vipHolders: [1] }), bounds);
    expect(r.failures.some((f) => /^#0 reload a priority 80: the masters changed from \[a\] to \[/.test(f))).toBe(true);
  });
});

describe('chaos schedule: one seed, every fleet', () => {
  it('the same times, durations and kinds for three havipd, the mixed fleet and three keepalived (a flood becomes a hog)', () => {
    const mk = (nodes: readonly ('havipd' | 'keepalived')[]) => makeSchedule({ ...opts, nodes, priorities: [[150, 80], [120, 140], [100, 110]] });
    const h = mk(['havipd', 'havipd', 'havipd']);
    const m = mk(['havipd', 'havipd', 'keepalived']);
    const k = mk(['keepalived', 'keepalived', 'keepalived']);
    const shape = (s: typeof h) => s.map((f) => [f.at, f.durationMs, f.kind === 'flood' ? 'hog' : f.kind]);
    expect(shape(m)).toEqual(shape(h));
    expect(shape(k)).toEqual(shape(h));
    expect(h.some((f) => f.kind === 'flood')).toBe(true);
    expect(k.some((f) => f.kind === 'flood')).toBe(false);
    expect(m.filter((f) => f.kind === 'flood').every((f) => f.node !== 2)).toBe(true);
    // only floods aimed at the keepalived node move
    h.forEach((f, i) => {
      if (!(f.kind === 'flood' && f.node === 2)) expect(m[i]!.node).toBe(f.node);
    });
  });
});

describe('chaos invariants: advert gaps the client saw too', () => {
  it('a sole master advert gap during which the client got no reply says so (still a failure)', () => {
    const adverts = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.1', 21.5, 60.2)];
    const replies: { t: number; node: string }[] = [];
    for (let t = 0; t < 60; t += 0.02) if (t < 19.6 || t > 21.4) replies.push({ t, node: 'a' });
    const v = checkSoak(base(adverts, { client: replies }), bounds);
    expect(v.failures).toEqual(['a: advert gap 2.000 s as sole master at +19.50 s (interval 0.5 s + 0.75 s), before any fault; the client got no reply from the VIP for 1.82 s of it either (the kernel did not answer: the host\'s network path stalled, not only the daemon)']);
    const served: { t: number; node: string }[] = [];
    for (let t = 0; t < 60; t += 0.02) served.push({ t, node: 'a' });
    const quiet = checkSoak(base(adverts, { client: served }), bounds);
    expect(quiet.failures.some((f) => /^a: advert gap 2\.000 s/.test(f) && !/client got no reply/.test(f))).toBe(true);
  });
});

describe('chaos invariants: dead daemons', () => {
  it('the highest priority whose daemon is not running is not the expected master (its exit fails on its own)', () => {
    const adverts = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.2', 21.8, 60.2, 0.5, 120)];
    const lives = (end?: number) => [{ start: -5, ...(end !== undefined ? { end } : {}) }];
    const notify = [
      { lines: [{ t: -1, state: 'MASTER' as const }], lives: lives(20) },
      { lines: [{ t: -1, state: 'BACKUP' as const }, { t: 21.8, state: 'MASTER' as const }], lives: lives() },
    ];
    const v = checkSoak(base(adverts, { notify, priorities: [{ t: 0, prios: [150, 120] }], expectedMaster: 1, vipHolders: [1], unexpectedExits: [{ node: 0, text: 'a exited 2' }] }), bounds);
    expect(v.failures).toEqual(['unexpected exit: a exited 2']);
    // while it runs, the same master is the wrong one
    const w = checkSoak(base(adverts, { priorities: [{ t: 0, prios: [150, 120] }], expectedMaster: 1, vipHolders: [1] }), bounds);
    expect(w.failures.some((f) => /b MASTER in steady state for more than 2\.30 s/.test(f))).toBe(true);
  });
});

describe('chaos invariants: witnesses (the client pinging each node\'s own address)', () => {
  /** Replies every 20 ms over [0, 60) except in the given [from, to) holes. */
  const every = (holes: readonly (readonly [number, number])[] = []): number[] => {
    const out: number[] = [];
    for (let k = 0; k < 3000; k++) {
      const t = k * 0.02;
      if (!holes.some(([f, to]) => t >= f && t < to)) out.push(t);
    }
    return out;
  };
  const served = (holes: readonly (readonly [number, number])[] = []) => every(holes).map((t) => ({ t, node: 'a' }));

  it('silenceWithin: the longest stretch of [from, to] without a time, the ends included', () => {
    expect(silenceWithin([1, 2, 5, 6], 0, 10)).toBe(4);
    expect(silenceWithin([1, 2, 5, 6], 1.5, 5.5)).toBe(3);
    expect(silenceWithin([], 2, 3)).toBe(1);
    expect(silenceWithin([1, 9], 2, 3)).toBe(1);
  });

  it('an advert gap over which the master\'s own address did not answer either is the host\'s: reported, not failed', () => {
    const adverts = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.1', 21.5, 60.2)];
    const hole = [[19.55, 21.45]] as const;
    const v = checkSoak(base(adverts, { client: served(hole), witness: [every(hole), every(hole)] }), bounds);
    expect(v.failures).toEqual([]);
    expect(v.figures.host?.explained).toEqual(["a: advert gap 2.000 s at +19.50 s; a's own address did not answer for 1.92 s of it"]);
    expect(v.figures.host?.longestS).toBeCloseTo(1.92, 2);
    expect(v.figures.host?.longestAt).toMatch(/^a, \+19\.54 s/);
  });

  it('the same gap while the own address answered is the daemon\'s: still a failure', () => {
    const adverts = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.1', 21.5, 60.2)];
    const v = checkSoak(base(adverts, { client: served(), witness: [every(), every()] }), bounds);
    expect(v.failures.some((f) => /^a: advert gap 2\.000 s as sole master/.test(f))).toBe(true);
    expect(v.figures.host?.explained).toEqual([]);
    // a stall that covers only part of the lateness explains only that part
    const part = checkSoak(base(adverts, { client: served(), witness: [every([[20, 20.5]]), every()] }), bounds);
    expect(part.failures.some((f) => /^a: advert gap 2\.000 s as sole master/.test(f))).toBe(true);
  });

  it('a client gap in steady state is held against the daemons only for what the host\'s stall does not explain', () => {
    const adverts = ads('10.0.0.1', 0, 60.2);
    const hole = [[30, 35]] as const;
    const host = checkSoak(base(adverts, { client: served(hole), witness: [every(hole), every()] }), bounds);
    expect(host.failures).toEqual([]);
    expect(host.figures.client?.steadyLongestS).toBeCloseTo(5.02, 2);
    expect(host.figures.client?.steadyResidualS).toBeLessThan(0.05);
    expect(host.figures.host?.explained.some((l) => /^client: no reply from the VIP for 5\.02 s in steady state from \+29\.98 s; 5\.0\d s of it a's own address did not answer either$/.test(l))).toBe(true);
    // the VIP silent while a's own address answered: a failure, as without witnesses
    const vip = checkSoak(base(adverts, { client: served(hole), witness: [every(), every()] }), bounds);
    expect(vip.failures.some((f) => /^client: no reply from the VIP for 5\.02 s in steady state/.test(f))).toBe(true);
    expect(vip.figures.client?.steadyResidualS).toBeGreaterThan(4.95);
    expect(checkSoak(base(adverts, { client: served(hole) }), bounds).failures.some((f) => /^client: no reply from the VIP for 5\.02 s/.test(f))).toBe(true);
  });
});

describe('chaos invariants: nopreempt after a kill', () => {
  it('the node that took over while the master was down keeps the role when the old master returns', () => {
    const kill = [{ start: 20, end: 24, kind: 'kill' as const, node: 0, label: '#0 kill a for 4.0 s' }];
    const prios = [{ t: 0, prios: [150, 120] }];
    // a killed at 20, b MASTER from 21.8; a back at 24
    const stays = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.2', 21.8, 60.2, 0.5, 120)];
    expect(checkSoak(base(stays, { windows: kill, priorities: prios, nopreempt: true, expectedMaster: 1, vipHolders: [1] }), bounds).failures).toEqual([]);
    // a takes the role back 2 s after its return (what preemption does): a failure under nopreempt only
    const back = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.2', 21.8, 26.01, 0.5, 120), ...ads('10.0.0.1', 26.2, 60.2)];
    const v = checkSoak(base(back, { windows: kill, priorities: prios, nopreempt: true }), bounds);
    expect(v.failures).toEqual(['nopreempt: #0 kill a for 4.0 s: b held the master role through it, but [a] once it settled (+27.80 s)']);
    expect(checkSoak(base(back, { windows: kill, priorities: prios }), bounds).failures).toEqual([]);
    // a back within the window's end already (its restart is part of the window): still b's role
    const early = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.2', 21.8, 23.51, 0.5, 120), ...ads('10.0.0.1', 23.6, 60.2)];
    expect(checkSoak(base(early, { windows: kill, priorities: prios, nopreempt: true }), bounds).failures).toEqual(['nopreempt: #0 kill a for 4.0 s: b held the master role through it, but [a] once it settled (+27.80 s)']);
    // another node hit: the master before it stays
    const killB = [{ start: 20, end: 24, kind: 'kill' as const, node: 1, label: '#0 kill b for 4.0 s' }];
    expect(checkSoak(base(ads('10.0.0.1', 0, 60.2), { windows: killB, priorities: prios, nopreempt: true }), bounds).failures).toEqual([]);
  });
});

describe('chaos invariants: a daemon that waited for a CPU (schedstat run delay)', () => {
  /** Run-queue wait increments every 0.2 s: `d` per step inside [from, to), 0.001 outside. */
  const waits = (from: number, to: number, d = 0.2) => {
    const out: { t: number; d: number }[] = [];
    for (let k = 1; k <= 300; k++) {
      const t = k * 0.2;
      out.push({ t, d: t > from && t <= to ? d : 0.001 });
    }
    return out;
  };
  const adverts = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.1', 21.5, 60.2)];

  it('an advert gap over which the master was runnable but got no CPU is the host\'s: reported, not failed', () => {
    const v = checkSoak(base(adverts, { runWait: [waits(19.6, 21.4), waits(0, 0)], witness: [[], []].map(() => Array.from({ length: 3000 }, (_, k) => k * 0.02)) }), bounds);
    expect(v.failures).toEqual([]);
    expect(v.figures.host?.explained).toHaveLength(1);
    expect(v.figures.host?.explained[0]).toMatch(/^a: advert gap 2\.000 s at \+19\.50 s; a waited 1\.[68]0 s of it for a CPU \(runnable, not running\)$/);
    expect(v.figures.host?.cpuWait[0]?.max2sS).toBeGreaterThan(1.5);
  });

  it('the same gap with the daemon running (no wait) is the daemon\'s: a failure', () => {
    const v = checkSoak(base(adverts, { runWait: [waits(0, 0), waits(0, 0)] }), bounds);
    expect(v.failures.some((f) => /^a: advert gap 2\.000 s as sole master/.test(f))).toBe(true);
  });

  it('a notify FIFO saying MASTER while the starved master sent nothing is the host\'s; while it ran, a failure', () => {
    const silent = [...ads('10.0.0.1', 0, 20), ...ads('10.0.0.1', 24, 60.2)];
    const notify = [{ lines: [{ t: -1, state: 'MASTER' as const }], lives: [{ start: -5 }] }, { lines: [{ t: -1, state: 'BACKUP' as const }], lives: [{ start: -5 }] }];
    const starved = checkSoak(base(silent, { notify, runWait: [waits(19.6, 24), waits(0, 0)] }), bounds);
    expect(starved.failures.filter((f) => /notify FIFO/.test(f))).toEqual([]);
    const running = checkSoak(base(silent, { notify, runWait: [waits(0, 0), waits(0, 0)] }), bounds);
    expect(running.failures.some((f) => /^a: notify FIFO says MASTER but no advert of it as MASTER is on the wire/.test(f))).toBe(true);
  });
});

describe('chaos regressions: a window of the schedule', () => {
  const f = (n: number, at: number, durationMs: number, extra: Partial<Fault> = {}): Fault => ({ n, at, kind: 'kill', node: 0, durationMs, ...extra });
  const all: Fault[] = [
    f(0, 0, 1_000, { kind: 'reload', node: 1, durationMs: 0, priority: 140 }),
    f(1, 5_000, 6_000, { kind: 'loss', node: 0 }),
    f(2, 8_000, 1_000),
    f(3, 12_000, 0, { kind: 'reload', node: 0, priority: 80 }),
    f(4, 20_000, 2_000, { kind: 'partition', node: 1 }),
    f(5, 30_000, 0, { kind: 'reload', node: 1, priority: 120 }),
  ];

  it('keeps the faults named, their numbers and spacing, from 0, with the priorities the reloads before them left', () => {
    const w = scheduleWindow(all, 4, 4, [150, 120, 100]);
    expect(w.faults).toEqual([{ ...all[4]!, at: 0 }]);
    expect(w.priorities).toEqual([80, 140, 100]);
    const w2 = scheduleWindow(all, 3, 5, [150, 120, 100]);
    expect(w2.faults.map((x) => [x.n, x.at])).toEqual([[3, 0], [4, 8_000], [5, 18_000]]);
    expect(w2.priorities).toEqual([150, 140, 100]);
  });

  it('takes in an earlier fault still on when the window starts, and the priorities from before it', () => {
    const w = scheduleWindow(all, 2, 2, [150, 120, 100]);
    expect(w.faults.map((x) => [x.n, x.at])).toEqual([[1, 0], [2, 3_000]]);
    expect(w.priorities).toEqual([150, 140, 100]);
  });

  it('refuses a window outside the schedule', () => {
    expect(() => scheduleWindow(all, 3, 2, [150])).toThrow(/fault window 3-2: the schedule has faults 0-5/);
    expect(() => scheduleWindow(all, 0, 6, [150])).toThrow(/0-5/);
    expect(() => scheduleWindow(all, -1, 2, [150])).toThrow(/0-5/);
  });
});

describe('chaos regressions: the list', () => {
  it('test/chaos/regressions.json parses, and each entry still names the faults that failed (the schedule did not drift)', () => {
    const list = loadRegressions();
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const e of list) {
      const { faults } = soakSchedule({ seed: e.seed, events: e.events, fleet: e.fleet, window: e.faults });
      expect(faults.map((x) => x.n)).toEqual(expect.arrayContaining([e.faults[0], e.faults[1]]));
    }
    // what the two entries' runs recorded (bench/results/chaos-1803.md, chaos-1804.md)
    const a = soakSchedule({ seed: 1803, events: 80, fleet: 'havipd', window: [12, 13] });
    expect(a.faults.map((x) => [x.n, x.kind, a.names[x.node], x.durationMs, x.lossPct ?? null, x.direction ?? null])).toEqual([
      [12, 'loss', 'a-havipd', expect.closeTo(5_200, -2), 50, 'both'],
      [13, 'track', 'a-havipd', expect.closeTo(3_500, -2), null, null],
    ]);
    // +92.4 s and +93.3 s in the report (rounded to 0.1 s)
    expect(a.faults[1]!.at - a.faults[0]!.at).toBeGreaterThan(800);
    expect(a.faults[1]!.at - a.faults[0]!.at).toBeLessThan(1_000);
    expect(Math.max(...a.priorities)).toBe(a.priorities[0]);
    const b = soakSchedule({ seed: 1804, events: 120, fleet: 'mixed', window: [16, 16] });
    expect(b.faults.map((x) => [x.n, x.kind, b.names[x.node], x.at])).toEqual([[16, 'partition', 'b-havipd', 0]]);
    expect(b.faults[0]!.durationMs).toBeCloseTo(3_100, -2);
    // b was the MASTER when it was cut off: its priority is the highest when the replay starts
    expect(Math.max(...b.priorities)).toBe(b.priorities[1]);
    expect(REGRESSIONS_PATH.endsWith(join('test', 'chaos', 'regressions.json'))).toBe(true);
  });

  it('a malformed entry is an error naming the entry and the field', () => {
    const ok = { seed: 1, events: 10, fleet: 'havipd', faults: [2, 3], found: 'x', fixed: null };
    expect(parseRegressions(JSON.stringify([ok]))).toEqual([{ ...ok, faults: [2, 3] }]);
    const bad = (e: unknown, re: RegExp): void => {
      expect(() => parseRegressions(JSON.stringify([ok, e]), 'r.json')).toThrow(re);
    };
    bad({ ...ok, fleet: 'other' }, /r\.json: entry 1: fleet: expected one of havipd/);
    bad({ ...ok, faults: [3, 2] }, /entry 1: faults: expected \[first, last\] within 0-9/);
    bad({ ...ok, faults: [2, 10] }, /entry 1: faults/);
    bad({ ...ok, seed: -1 }, /entry 1: seed/);
    bad({ ...ok, extra: 1 }, /entry 1: unknown field 'extra'/);
    bad({ ...ok, fixed: '' }, /entry 1: fixed/);
    bad({ ...ok, clientGapMaxS: 0 }, /entry 1: clientGapMaxS/);
    bad(null, /entry 1: expected an object/);
    expect(() => parseRegressions('{', 'r.json')).toThrow(/r\.json: not JSON/);
    expect(() => parseRegressions('{}', 'r.json')).toThrow(/r\.json: expected an array/);
  });

  it('a failed run becomes an entry naming the faults its failures name; a passing run none', () => {
    const failures = [
      'client: no reply from the VIP for 6.58 s during #16 +127.3 s partition b-havipd for 3.1 s (from +130.1 s; bound 4.34 s)',
      'two masters (a-havipd, b-havipd) for more than 2.34 s in steady state at +150.00 s, after fault #18 +140.0 s flap a-havipd for 1.0 s (ended 3.00 s before)',
    ];
    expect(faultsNamed(failures, 120)).toEqual([16, 18]);
    expect(faultsNamed(['did not converge to exactly one MASTER (a-havipd) after the faults'], 120)).toEqual([0, 119]);
    expect(faultsNamed(['unexpected exit: x'], 120, [5, 7])).toEqual([5, 7]);
    const verdict = { ok: false, failures, keepalivedFailures: [], figures: {} as never };
    const e = regressionFor({ seed: 9, events: 120, fleet: 'mixed' }, verdict, '2026-12-03');
    expect(e).toEqual({ seed: 9, events: 120, fleet: 'mixed', faults: [16, 18], found: `2026-12-03: ${failures[0]} (+1 more)`, fixed: null });
    expect(regressionFor({ seed: 9, events: 120, fleet: 'mixed', nopreempt: true }, verdict, 'd')?.nopreempt).toBe(true);
    expect(regressionFor({ seed: 9, events: 120, fleet: 'mixed' }, { ...verdict, ok: true, failures: [] }, 'd')).toBeUndefined();
  });

  it('appends what the list lacks and nothing twice; the file stays valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-regr-'));
    try {
      const file = join(dir, 'r.json');
      const e = { seed: 9, events: 120, fleet: 'mixed' as const, faults: [16, 18] as const, found: 'd: x', fixed: null };
      expect(addRegressions([e], file)).toBe(1);
      expect(addRegressions([e, { ...e, faults: [3, 3] as const }], file)).toBe(1);
      expect(addRegressions([e], file)).toBe(0);
      expect(parseRegressions(readFileSync(file, 'utf8')).map((x) => x.faults)).toEqual([[16, 18], [3, 3]]);
      writeFileSync(file, '[]\n');
      expect(addRegressions([{ ...e, nopreempt: true }], file)).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
