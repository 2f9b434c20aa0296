// Simulations of SIGHUP reload (reference §3.15) and of a MASTER under a flood of invalid packets, on a
// FakeNetwork with a FakeClock. Invariants after every event: VIPs held exactly by MASTERs; at most one
// MASTER per VRID among connected nodes once converged.
import { describe, expect, it } from 'vitest';
import type { VrrpInstanceConfig } from '../../src/config-parser/types.js';
import { planReload } from '../../src/vrrp/reload-plan.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import { masterDownInterval, skewTime } from '../../src/vrrp/timers.js';
import { centiseconds, micros } from '../../src/net/units.js';
import { daemonConfig, instanceConfig, s } from '../support/config.js';
import { connectedMasters, Sim } from '../support/sim.js';

const LAT = micros(200);
const MDI100 = masterDownInterval(2, 100, micros(1_000_000));

function build(a: readonly VrrpInstanceConfig[], b: readonly VrrpInstanceConfig[]): Sim {
  const sim = new Sim({ seed: 7, latency: LAT });
  sim.addNode('A', { address: '10.0.0.1', instances: a });
  sim.addNode('B', { address: '10.0.0.2', instances: b });
  sim.onStep((x) => {
    for (const n of x.nodes.values()) {
      const masters = n.core.snapshot().instances.filter((i) => i.state === 'MASTER');
      const expected = new Set(masters.flatMap((i) => n.core.currentConfig.instances.find((c) => c.name === i.name)!.vips.map((v) => v.address)));
      expect([...n.vips].sort(), `${n.name} VIPs at ${x.clock.now()}`).toEqual([...expected].sort());
    }
    // After convergence; a new MASTER's first advert needs the network latency to reach the old one.
    const settled = [...x.nodes.values()].every((n) => n.core.snapshot().instances.every((i) => i.state !== 'MASTER' || x.clock.now() - (i.lastTransition ?? 0) > LAT));
    if (x.clock.now() > s(8) && settled) for (const vrid of [51, 52]) expect(connectedMasters(x, vrid), `t=${x.clock.now()}`).toEqual([]);
  });
  sim.startAll();
  return sim;
}

function reload(sim: Sim, node: string, instances: readonly VrrpInstanceConfig[], at = sim.clock.now()): void {
  const core = sim.nodes.get(node)!.core;
  const config = daemonConfig({ instances });
  sim.input(node, { kind: 'reload', config, plan: planReload(core.currentConfig, config) }, at);
}

const after = (sim: Sim, t: number, node: string) => sim.transcript.filter((e) => e.t >= t && e.node === node).map((e) => e.effect);

describe('reload simulations', () => {
  it('a MASTER reloaded with an unchanged config: no transition anywhere, no GARP, adverts keep flowing', () => {
    const a = [instanceConfig({ priority: 150 })];
    const sim = build(a, [instanceConfig()]);
    sim.runUntil(s(10));
    expect(sim.masters()).toEqual(['A']);
    const t = sim.clock.now();
    reload(sim, 'A', [instanceConfig({ priority: 150 })]);
    sim.runUntil(s(30));
    expect(sim.transitions().filter((x) => x.t >= t)).toEqual([]);
    expect(after(sim, t, 'A').filter((e) => e.kind === 'sendGarp')).toEqual([]);
    expect(after(sim, t, 'A').filter((e) => e.kind === 'sendAdvert').slice(0, 2).map((e) => e.kind === 'sendAdvert' && e.priority)).toEqual([150, 150]);
    // No gap in A's adverts longer than advert_int.
    const adverts = sim.transcript.filter((e) => e.node === 'A' && e.t >= s(5) && e.effect.kind === 'sendAdvert').map((e) => e.t);
    for (let k = 1; k < adverts.length; k++) expect(adverts[k]! - adverts[k - 1]!).toBeLessThanOrEqual(1_000_000);
    expect(sim.masters()).toEqual(['A']);
  });

  it('a MASTER reloaded from priority 150 to 90 is preempted by the 100 backup (Master_Down_Interval after its last 150 advert)', () => {
    const sim = build([instanceConfig({ priority: 150 })], [instanceConfig()]);
    sim.runUntil(s(10.5));
    const t = sim.clock.now();
    reload(sim, 'A', [instanceConfig({ priority: 90 })]);
    sim.runUntil(s(30));
    const tb = sim.lastEntered('B', 'MASTER')!;
    // The pre-reload advert (150) is the last one B accepts; it then ignores the 90s and times out.
    expect(tb).toBe(t + LAT + MDI100);
    expect(sim.lastEntered('A', 'BACKUP')).toBe(tb + LAT);
    expect(sim.masters()).toEqual(['B']);
    expect(sim.logs('B')).toContain('(VI_1) received lower priority (90) advert from 10.0.0.1 - discarding');
  });

  it('a removed instance releases: priority 0, and the peer takes over after Skew_Time', () => {
    const two = [instanceConfig({ priority: 150 }), instanceConfig({ name: 'VI_2', vrid: 52, priority: 150, vips: ['10.0.0.52'] })];
    const sim = build(two, [instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.52'] })]);
    sim.runUntil(s(10.5));
    expect(sim.masters(52)).toEqual(['A']);
    const t = sim.clock.now();
    reload(sim, 'A', [two[0]!]);
    sim.runUntil(s(20));
    expect(sim.lastEntered('B', 'MASTER', 'VI_2')).toBe(t + LAT + skewTime(2, 100, micros(1_000_000)));
    expect(sim.masters(52)).toEqual(['B']);
    expect(sim.masters(51)).toEqual(['A']);
    expect(sim.transitions('A').filter((x) => x.t >= t)).toEqual([{ t, node: 'A', instance: 'VI_2', from: 'MASTER', to: 'FAULT', reason: 'reload-removed' }]);
    expect(sim.nodes.get('A')!.vips).toEqual(new Set(['10.0.0.100']));
  });

  it('a renamed instance (same VRID) keeps its state: no transition, no GARP, still MASTER', () => {
    const sim = build([instanceConfig({ priority: 150 })], [instanceConfig()]);
    sim.runUntil(s(10));
    const t = sim.clock.now();
    reload(sim, 'A', [instanceConfig({ name: 'web', priority: 150 })]);
    sim.runUntil(s(30));
    expect(sim.transitions().filter((x) => x.t >= t)).toEqual([]);
    expect(after(sim, t, 'A').filter((e) => e.kind === 'sendGarp')).toEqual([]);
    expect(sim.state('A', 'web')).toBe('MASTER');
    expect(sim.state('B')).toBe('BACKUP');
  });
});

describe('a MASTER under a flood of invalid packets (havipd: counters, not the timer)', () => {
  it('1000 invalid packets per second: the MASTER still advertises every advert_int and the backup never takes over', () => {
    const sim = build([instanceConfig({ priority: 150 })], [instanceConfig()]);
    sim.runUntil(s(5));
    expect(sim.masters()).toEqual(['A']);
    const from = sim.clock.now();
    // TTL 1: fails the receive checks (ip_ttl_err) after reaching the MASTER's state handler.
    const bad = encodeAdvert({ version: 2, vrid: 51, priority: 200, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 }, { src: '10.0.0.9', dst: '224.0.0.18', checksumMode: 'plain' });
    const N = 10_000;
    for (let k = 0; k < N; k++) {
      const at = micros(from + 1_000 * k + 500);
      sim.input('A', { kind: 'packet', packet: { family: 4, ifname: 'eth0', src: '10.0.0.9', dst: '224.0.0.18', ttl: 1, data: bad, hasIpHeader: false } }, at);
      sim.runUntil(at); // one at a time keeps the event queue short
    }
    sim.runUntil(micros(from + 1_000 * N + 2_000_000));
    const adverts = sim.transcript.filter((e) => e.node === 'A' && e.t > from && e.effect.kind === 'sendAdvert').map((e) => e.t);
    expect(adverts.length).toBeGreaterThanOrEqual(11);
    for (let k = 1; k < adverts.length; k++) expect(adverts[k]! - adverts[k - 1]!).toBe(1_000_000);
    expect(sim.transitions().filter((x) => x.t > from)).toEqual([]);
    expect(sim.masters()).toEqual(['A']);
    const a = sim.nodes.get('A')!.core.snapshot().instances[0]!;
    expect(a.stats.ip_ttl_err).toBe(N);
  });
});
