// Simulation: two routers, each with a sync group of two instances (VRID 51 and 52). The group moves
// together: a fault on one member of the MASTER router moves both VRIDs to the other router.
import { describe, expect, it } from 'vitest';
import { micros } from '../../src/net/units.js';
import { instanceConfig, s, syncGroup, track } from '../support/config.js';
import { Sim } from '../support/sim.js';

function router(sim: Sim, name: string, address: string, priority: number): void {
  sim.addNode(name, {
    address,
    instances: [
      instanceConfig({ name: 'VI_1', vrid: 51, priority, trackScripts: [track('chk')] }),
      instanceConfig({ name: 'VI_2', vrid: 52, priority, vips: ['10.0.0.200'] }),
    ],
    syncGroups: [syncGroup('SG1', ['VI_1', 'VI_2'])],
  });
  sim.input(name, { kind: 'script', name: 'chk', ok: true });
}

describe('sync group simulation', () => {
  it('both VRIDs follow the group; a member fault moves the whole group to the peer', () => {
    const sim = new Sim({ seed: 11, latency: micros(150) });
    router(sim, 'A', '10.0.0.1', 150);
    router(sim, 'B', '10.0.0.2', 100);
    sim.onStep((x) => {
      // Members of one router's group are never split MASTER/BACKUP after an event has been handled.
      for (const n of x.nodes.values()) {
        if (!n.up) continue;
        const st = n.core.snapshot().instances.map((i) => i.state);
        if (st.includes('MASTER')) expect(st).toEqual(['MASTER', 'MASTER']);
      }
    });
    sim.startAll();
    sim.runUntil(s(15));
    expect(sim.masters(51)).toEqual(['A']);
    expect(sim.masters(52)).toEqual(['A']);
    sim.input('A', { kind: 'script', name: 'chk', ok: false });
    const t = sim.clock.now();
    sim.runUntil(s(25));
    expect(sim.state('A', 'VI_1')).toBe('FAULT');
    expect(sim.state('A', 'VI_2')).toBe('FAULT');
    expect(sim.masters(51)).toEqual(['B']);
    expect(sim.masters(52)).toEqual(['B']);
    // B takes over after the priority-0 adverts: Skew_Time, not a full Master_Down_Interval.
    expect(sim.lastEntered('B', 'MASTER', 'VI_1')! - t).toBeLessThan(1_000_000);
    expect(sim.logs('A')).toContain('VRRP_Group(SG1) Syncing instances to FAULT state');
    expect(sim.logs('B')).toContain('VRRP_Group(SG1) Syncing instances to MASTER state');
    // A recovers and preempts back as a group.
    sim.input('A', { kind: 'script', name: 'chk', ok: true });
    sim.runUntil(s(40));
    expect(sim.masters(51)).toEqual(['A']);
    expect(sim.masters(52)).toEqual(['A']);
  });
});
