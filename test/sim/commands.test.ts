// Operator commands in simulation (src/vrrp/commands.ts): switchover both ways, maintenance, GARP on demand.
// Invariants after every event: VIPs are held while MASTER, or by a former MASTER during its announce-first
// hold (src/vrrp/healing.ts); on a handover two nodes hold the VIPs only once the new master has
// announced itself, for at most HANDOVER_GRACE.
import { describe, expect, it } from 'vitest';
import { planCommand, takeoverPriority } from '../../src/vrrp/commands.js';
import { masterDownInterval, skewTime } from '../../src/vrrp/timers.js';
import { HANDOVER_GRACE } from '../../src/vrrp/healing.js';
import { micros, type Micros } from '../../src/net/units.js';
import { instanceConfig, s } from '../support/config.js';
import { Sim } from '../support/sim.js';

type Cfg = Parameters<typeof instanceConfig>[0];

function build(a: Cfg, b: Cfg): Sim {
  const sim = new Sim({ seed: 7, latency: micros(200) });
  sim.addNode('A', { address: '10.0.0.1', instances: [instanceConfig(a)] });
  sim.addNode('B', { address: '10.0.0.2', instances: [instanceConfig(b)] });
  return sim;
}

/** Nodes holding VIPs at each step; `overlaps` records every step where two did. */
function watchVips(sim: Sim): { overlaps: Micros[] } {
  const r = { overlaps: [] as Micros[] };
  sim.onStep((x) => {
    const holders = [...x.nodes.values()].filter((n) => n.up && n.vips.size > 0);
    if (holders.length > 1) r.overlaps.push(x.clock.now());
    for (const n of x.nodes.values()) {
      if (!n.up) continue;
      const i = n.core.snapshot().instances[0]!;
      if (i.vipHoldUntil !== undefined) expect(i.state, `${n.name} holds VIPs`).toBe('BACKUP');
      else expect(n.vips.size > 0, `${n.name} vips vs ${i.state}`).toBe(i.state === 'MASTER');
    }
  });
  return r;
}

const cmd = (type: 'switchover' | 'garp', instance?: string) => ({ kind: 'command' as const, command: { type, instance } });
const maint = (on: boolean, instance?: string) => ({ kind: 'command' as const, command: { type: 'maintenance' as const, instance, on } });

describe('switchover', () => {
  it('on the MASTER: priority 0, BACKUP, the backup takes over after Skew_Time, no VIP overlap, no flap back', () => {
    const sim = build({ priority: 150 }, { priority: 100 });
    const w = watchVips(sim);
    sim.startAll();
    sim.runUntil(s(10));
    expect(sim.masters()).toEqual(['A']);
    const t0 = sim.clock.now();
    sim.input('A', cmd('switchover'));
    sim.runUntil(s(40));
    expect(sim.masters()).toEqual(['B']);
    expect(sim.lastEntered('B', 'MASTER')! - t0).toBe(200 + skewTime(2, 100, micros(1_000_000)));
    expect(sim.transitions('A').filter((t) => t.to === 'BACKUP').at(-1)!.reason).toBe('switchover');
    // A yields (accepts the lower-priority master) and does not preempt it back.
    expect(sim.transitions('A').filter((t) => t.t > t0 && t.to === 'MASTER')).toEqual([]);
    expect(sim.nodes.get('A')!.core.snapshot().instances[0]!.admin.yielding).toBe(true);
    expect(sim.nodes.get('A')!.core.snapshot().instances[0]!.stats.pri_zero_sent).toBe(1);
    // Announce-first: A kept the VIPs until B had announced itself, then at most HANDOVER_GRACE more.
    const bMaster = sim.lastEntered('B', 'MASTER')!;
    expect(w.overlaps.length).toBeGreaterThan(0);
    expect(Math.min(...w.overlaps)).toBeGreaterThanOrEqual(bMaster);
    expect(Math.max(...w.overlaps)).toBeLessThan(bMaster + 200 + HANDOVER_GRACE);
    expect(sim.nodes.get('A')!.vips.size).toBe(0);
  });

  it('on the MASTER with no backup alive: MASTER again after Master_Down_Interval (the yield is bounded)', () => {
    const sim = build({ priority: 150 }, { priority: 100 });
    sim.startAll();
    sim.runUntil(s(10));
    sim.crash('B');
    const t0 = sim.clock.now();
    sim.input('A', cmd('switchover'));
    sim.runUntil(s(20));
    expect(sim.masters()).toEqual(['A']);
    expect(sim.lastEntered('A', 'MASTER')! - t0).toBe(masterDownInterval(2, 150, micros(1_000_000)));
    expect(sim.nodes.get('A')!.core.snapshot().instances[0]!.admin.yielding).toBe(false);
  });

  it('on a BACKUP: takes over at once with the master priority + 1, the old master yields, no flap back', () => {
    const sim = build({ priority: 150 }, { priority: 100 });
    watchVips(sim);
    sim.startAll();
    sim.runUntil(s(10));
    const t0 = sim.clock.now();
    sim.input('B', cmd('switchover'));
    sim.runUntil(s(40));
    expect(sim.masters()).toEqual(['B']);
    expect(sim.lastEntered('B', 'MASTER')).toBe(t0);
    expect(sim.transitions('A').filter((t) => t.t > t0).map((t) => `${t.from}>${t.to}:${t.reason}`)).toEqual(['MASTER>BACKUP:higher-priority']);
    const b = sim.nodes.get('B')!.core.snapshot().instances[0]!;
    expect(b.effectivePriority).toBe(151);
    expect(b.admin.boost).toBe(151);
    expect(sim.logs('B')).toContain('(VI_1) Changing effective priority from 100 to 151 (switchover)');
  });

  it('the takeover priority ends when the instance leaves MASTER (then the configured one is back)', () => {
    const sim = build({ priority: 150 }, { priority: 100 });
    sim.startAll();
    sim.runUntil(s(10));
    sim.input('B', cmd('switchover'));
    sim.runUntil(s(20));
    sim.input('B', cmd('switchover')); // hand it back
    sim.runUntil(s(40));
    expect(sim.masters()).toEqual(['A']);
    const b = sim.nodes.get('B')!.core.snapshot().instances[0]!;
    expect(b.effectivePriority).toBe(100);
    expect(b.admin.boost).toBeUndefined();
  });

  it('refuses to take over from a priority-255 owner, and on FAULT / unknown instances', () => {
    expect(takeoverPriority(100, 255)).toBeUndefined();
    expect(takeoverPriority(100, 254)).toBeUndefined();
    expect(takeoverPriority(100, 253)).toBe(254);
    expect(takeoverPriority(200, 150)).toBe(200);
    expect(takeoverPriority(100, undefined)).toBe(100);
    const t = { name: 'VI_1', state: 'BACKUP' as const, effectivePriority: 100, masterPriority: 255, vipSet: false, maintenance: false };
    expect(planCommand({ type: 'switchover', instance: undefined }, [t])[0]!.action).toBe('refuse');
    expect(planCommand({ type: 'switchover', instance: 'VI_9' }, [t])).toEqual([{ instance: 'VI_9', action: 'refuse', note: "no instance named 'VI_9'" }]);
    expect(planCommand({ type: 'switchover', instance: undefined }, [{ ...t, state: 'FAULT' }])[0]!.action).toBe('refuse');
    expect(planCommand({ type: 'switchover', instance: undefined }, [{ ...t, masterPriority: 120, maintenance: true }])[0]!.action).toBe('refuse');
  });
});

describe('maintenance', () => {
  it('on: the MASTER hands over and never becomes MASTER again, even with the peer gone; off: back to normal', () => {
    const sim = build({ priority: 150 }, { priority: 100 });
    const w = watchVips(sim);
    sim.startAll();
    sim.runUntil(s(10));
    const t0 = sim.clock.now();
    sim.input('A', maint(true));
    sim.runUntil(s(20));
    expect(sim.masters()).toEqual(['B']);
    expect(sim.transitions('A').filter((t) => t.t >= t0).map((t) => `${t.to}:${t.reason}`)).toEqual(['BACKUP:maintenance']);
    const bMaster = sim.lastEntered('B', 'MASTER')!;
    expect(Math.min(...w.overlaps)).toBeGreaterThanOrEqual(bMaster);
    expect(Math.max(...w.overlaps)).toBeLessThan(bMaster + 200 + HANDOVER_GRACE);
    sim.crash('B');
    sim.runUntil(s(40));
    expect(sim.masters()).toEqual([]);
    expect(sim.state('A')).toBe('BACKUP');
    expect(sim.nodes.get('A')!.vips.size).toBe(0);
    sim.input('A', maint(false));
    const t1 = sim.clock.now();
    sim.runUntil(s(50));
    expect(sim.masters()).toEqual(['A']);
    expect(sim.lastEntered('A', 'MASTER')! - t1).toBeLessThanOrEqual(masterDownInterval(2, 150, micros(1_000_000)));
  });

  it('given before start (as the daemon does from its state file): an owner never holds the VIP', () => {
    const sim = build({ priority: 255 }, { priority: 100 });
    const w = watchVips(sim);
    sim.input('A', maint(true));
    sim.startAll();
    sim.runUntil(s(20));
    expect(sim.masters()).toEqual(['B']);
    expect(sim.transitions('A').map((t) => t.to)).toEqual(['BACKUP']);
    expect(sim.transcript.filter((e) => e.node === 'A' && e.effect.kind === 'addVips')).toEqual([]);
    expect(sim.nodes.get('A')!.core.snapshot().instances[0]!.admin.maintenance).toBe(true);
    expect(w.overlaps).toEqual([]);
  });

  it('a BACKUP under maintenance with the higher priority does not preempt', () => {
    const sim = build({ priority: 100 }, { priority: 150 });
    sim.input('B', maint(true));
    sim.startAll();
    sim.runUntil(s(30));
    expect(sim.masters()).toEqual(['A']);
    expect(planCommand({ type: 'maintenance', instance: undefined, on: true }, [{ name: 'VI_1', state: 'BACKUP', effectivePriority: 1, masterPriority: 1, vipSet: false, maintenance: true }])[0]!.action).toBe('none');
  });
});

describe('garp', () => {
  it('a MASTER sends a burst now; a BACKUP sends nothing', () => {
    const sim = build({ priority: 150 }, { priority: 100 });
    sim.startAll();
    sim.runUntil(s(10));
    const before = sim.transcript.length;
    sim.input('A', cmd('garp'));
    sim.input('B', cmd('garp'));
    sim.runFor(micros(1000));
    const garps = sim.transcript.slice(before).filter((e) => e.effect.kind === 'sendGarp');
    expect(garps.map((e) => [e.node, (e.effect as { reason: string }).reason])).toEqual([['A', 'command']]);
  });
});
