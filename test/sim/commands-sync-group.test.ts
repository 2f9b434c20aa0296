// Switchover of a vrrp_sync_group (src/vrrp/commands.ts "Sync groups"): naming one member (or the group)
// moves every member — a handover sends each MASTER member's priority 0 and yields them all, a takeover
// raises and promotes them all together — and a group that cannot move as one is refused. Invariants after
// every event: a node's members are in the same state, and a VIP is on two nodes only once the new master
// has announced itself, for at most HANDOVER_GRACE (announce-first hand-over, src/vrrp/healing.ts).
import { describe, expect, it } from 'vitest';
import { planCommand, type CommandTarget } from '../../src/vrrp/commands.js';
import { HANDOVER_GRACE } from '../../src/vrrp/healing.js';
import { micros, type Micros } from '../../src/net/units.js';
import type { Input } from '../../src/vrrp/effects.js';
import { instanceConfig, s, syncGroup } from '../support/config.js';
import { Sim } from '../support/sim.js';

const VIP1 = '10.0.0.100';
const VIP2 = '10.0.0.200';

/** A and B each run VI_1 (VRID 51) and VI_2 (VRID 52) in sync group SG1; A at `pa`, B at `pb`. */
function build(pa: number, pb: number): Sim {
  const sim = new Sim({ seed: 11, latency: micros(200) });
  const members = (p: number) => [
    instanceConfig({ name: 'VI_1', vrid: 51, priority: p, vips: [VIP1] }),
    instanceConfig({ name: 'VI_2', vrid: 52, priority: p, vips: [VIP2] }),
  ];
  sim.addNode('A', { address: '10.0.0.1', instances: members(pa), syncGroups: [syncGroup('SG1', ['VI_1', 'VI_2'])] });
  sim.addNode('B', { address: '10.0.0.2', instances: members(pb), syncGroups: [syncGroup('SG1', ['VI_1', 'VI_2'])] });
  return sim;
}

/** Steps where a node's members differed in state, or a VIP was on both nodes. */
function watch(sim: Sim): { split: string[]; overlaps: Micros[] } {
  const r = { split: [] as string[], overlaps: [] as Micros[] };
  sim.onStep((x) => {
    for (const n of x.nodes.values()) {
      const st = n.core.snapshot().instances.map((i) => i.state);
      if (st[0] !== st[1] && !st.includes('INIT')) r.split.push(`${x.clock.now()} ${n.name} ${st.join('/')}`);
    }
    const [a, b] = [x.nodes.get('A')!, x.nodes.get('B')!];
    if ([VIP1, VIP2].some((v) => a.vips.has(v) && b.vips.has(v))) r.overlaps.push(x.clock.now());
  });
  return r;
}

const switchover = (instance?: string, group?: string): Input => ({ kind: 'command', command: { type: 'switchover', instance, ...(group !== undefined ? { group } : {}) } });
const inst = (sim: Sim, node: string, name: string) => sim.nodes.get(node)!.core.snapshot().instances.find((i) => i.name === name)!;

/** A hand-over to `to`: VIPs on both nodes only after `to`'s members announced themselves, then at most HANDOVER_GRACE. */
function expectAnnounceFirst(sim: Sim, overlaps: readonly Micros[], to: string): void {
  const entered = Math.min(...['VI_1', 'VI_2'].map((n) => sim.lastEntered(to, 'MASTER', n)!));
  if (overlaps.length === 0) return;
  expect(Math.min(...overlaps)).toBeGreaterThanOrEqual(entered);
  expect(Math.max(...overlaps)).toBeLessThan(entered + 200 + HANDOVER_GRACE);
}

describe('switchover of a sync group', () => {
  it('naming one member on the MASTER hands the whole group over: a priority 0 from each member, the peer group takes both, no flap back', () => {
    const sim = build(150, 100);
    const w = watch(sim);
    sim.startAll();
    sim.runUntil(s(10));
    expect([sim.masters(51), sim.masters(52)]).toEqual([['A'], ['A']]);
    const t0 = sim.clock.now();
    sim.input('A', switchover('VI_1'));
    sim.runUntil(s(40));
    expect([sim.masters(51), sim.masters(52)]).toEqual([['B'], ['B']]);
    for (const name of ['VI_1', 'VI_2']) {
      expect(inst(sim, 'A', name).stats.pri_zero_sent, name).toBe(1);
      expect(inst(sim, 'A', name).admin.yielding, name).toBe(true);
    }
    expect(sim.transitions('A').filter((t) => t.t >= t0).map((t) => `${t.instance}:${t.from}>${t.to}:${t.reason}`)).toEqual([
      'VI_1:MASTER>BACKUP:switchover',
      'VI_2:MASTER>BACKUP:switchover',
    ]);
    // B's members took over on the priority-0 adverts (Skew_Time), not after a Master_Down_Interval.
    expect(sim.lastEntered('B', 'MASTER', 'VI_1')! - t0).toBeLessThan(s(1));
    expect(sim.lastEntered('B', 'MASTER', 'VI_2')! - t0).toBeLessThan(s(1));
    expect(sim.logs('A')).toContain('VRRP_Group(SG1) Syncing instances to BACKUP state');
    expect(w.split).toEqual([]);
    expectAnnounceFirst(sim, w.overlaps, 'B');
    for (const v of [VIP1, VIP2]) expect(sim.nodes.get('A')!.vips.has(v), v).toBe(false);
  });

  it('naming one member on the BACKUP takes the whole group over at once, each member with its own takeover priority; no flap back', () => {
    const sim = build(150, 100);
    const w = watch(sim);
    sim.startAll();
    sim.runUntil(s(10));
    const t0 = sim.clock.now();
    sim.input('B', switchover('VI_2'));
    sim.runUntil(s(40));
    expect([sim.masters(51), sim.masters(52)]).toEqual([['B'], ['B']]);
    for (const name of ['VI_1', 'VI_2']) {
      expect(sim.lastEntered('B', 'MASTER', name), name).toBe(t0);
      expect(inst(sim, 'B', name).effectivePriority, name).toBe(151);
    }
    expect(sim.transitions('B').filter((t) => t.t >= t0).map((t) => `${t.instance}:${t.to}:${t.reason}`)).toEqual(['VI_1:MASTER:switchover', 'VI_2:MASTER:switchover']);
    expect(sim.transitions('A').filter((t) => t.t > t0 && t.to === 'MASTER')).toEqual([]);
    expect(w.split).toEqual([]);
  });

  it('`group` names the sync group; handing back over restores the configured master', () => {
    const sim = build(150, 100);
    const w = watch(sim);
    sim.startAll();
    sim.runUntil(s(10));
    sim.input('B', switchover(undefined, 'SG1'));
    sim.runUntil(s(20));
    expect([sim.masters(51), sim.masters(52)]).toEqual([['B'], ['B']]);
    // A takeover, like any preemption, may hold the VIPs on both nodes for one advert's delivery time
    // (commands.ts "Takeover"); the handover back only after A announced itself.
    w.overlaps.length = 0;
    sim.input('B', switchover(undefined, 'SG1'));
    sim.runUntil(s(40));
    expect([sim.masters(51), sim.masters(52)]).toEqual([['A'], ['A']]);
    expect(inst(sim, 'B', 'VI_1').effectivePriority).toBe(100);
    expect(w.split).toEqual([]);
    expectAnnounceFirst(sim, w.overlaps, 'A');
    for (const v of [VIP1, VIP2]) expect(sim.nodes.get('B')!.vips.has(v), v).toBe(false);
  });

  it('plans: the group moves as one, is refused as one, and an unknown group is named', () => {
    const t = (name: string, o: Partial<CommandTarget> = {}): CommandTarget => ({ name, state: 'BACKUP', effectivePriority: 100, masterPriority: 150, vipSet: false, maintenance: false, ...o });
    const groups = [{ name: 'SG1', members: ['VI_1', 'VI_2'] }];
    const lone = t('VI_3');
    expect(planCommand({ type: 'switchover', instance: 'VI_1' }, [t('VI_1'), t('VI_2', { masterPriority: 200 }), lone], groups)).toEqual([
      { instance: 'VI_1', action: 'takeover', priority: 151, note: 'taking over with priority 151 (sync group SG1)' },
      { instance: 'VI_2', action: 'takeover', priority: 201, note: 'taking over with priority 201 (sync group SG1)' },
    ]);
    // One member cannot (its master is an address owner): nothing moves.
    const refused = planCommand({ type: 'switchover', instance: 'VI_1' }, [t('VI_1'), t('VI_2', { masterPriority: 255 })], groups);
    expect(refused.map((p) => p.action)).toEqual(['refuse', 'refuse']);
    expect(refused[0]!.note).toBe('sync group SG1 moves as one and VI_2 cannot: the master advertises priority 255; no priority up to 254 preempts it');
    // A MASTER group hands over its MASTER members.
    expect(planCommand({ type: 'switchover', instance: 'VI_2' }, [t('VI_1', { state: 'MASTER' }), t('VI_2', { state: 'MASTER' })], groups).map((p) => p.action)).toEqual(['handover', 'handover']);
    // Every instance: the group once, the lone instance on its own.
    expect(planCommand({ type: 'switchover', instance: undefined }, [t('VI_1'), t('VI_2'), lone], groups).map((p) => p.instance)).toEqual(['VI_1', 'VI_2', 'VI_3']);
    expect(planCommand({ type: 'switchover', instance: undefined, group: 'SG9' }, [t('VI_1')], groups)).toEqual([{ instance: 'SG9', action: 'refuse', note: "no vrrp_sync_group named 'SG9'" }]);
  });
});
