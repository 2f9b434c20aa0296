// Simulations: N cores on a FakeNetwork with a FakeClock (seeded, no sleeps). Invariants are checked
// after every event: after convergence at most one MASTER per VRID among connected nodes, VIPs held
// exactly by MASTERs, failover within Master_Down_Interval, nopreempt honoured, healed partitions
// resolve to the higher priority (higher address on a tie).
import { describe, expect, it } from 'vitest';
import { masterDownInterval } from '../../src/vrrp/timers.js';
import { micros, type Micros } from '../../src/net/units.js';
import { instanceConfig, s } from '../support/config.js';
import { connectedMasters, Sim } from '../support/sim.js';

type Cfg = Parameters<typeof instanceConfig>[0];

function build(nodes: [string, string, Cfg][], o: { seed?: number; latency?: Micros } = {}): Sim {
  const sim = new Sim({ seed: o.seed ?? 42, latency: o.latency ?? micros(200) });
  for (const [name, addr, cfg] of nodes) sim.addNode(name, { address: addr, instances: [instanceConfig(cfg)] });
  return sim;
}

/** Invariants checked after every event once `from` has passed. */
function invariants(sim: Sim, from: () => number, vrid = 51): void {
  sim.onStep((s) => {
    for (const n of s.nodes.values()) {
      if (!n.up) continue;
      const st = n.core.snapshot().instances.find((i) => i.vrid === vrid)!.state;
      // VIPs are held exactly while MASTER.
      expect(n.vips.size > 0, `${n.name} vips vs ${st}`).toBe(st === 'MASTER');
    }
    if (s.clock.now() >= from()) expect(connectedMasters(s, vrid), `t=${s.clock.now()}`).toEqual([]);
  });
}

for (const version of [2, 3] as const) {
  describe(`VRRPv${version} simulations`, () => {
    const mdi = (p: number) => masterDownInterval(version, p, micros(1_000_000));

    it('two nodes: the higher priority becomes MASTER after its Master_Down_Interval and stays', () => {
      const sim = build([['A', '10.0.0.1', { version, priority: 150 }], ['B', '10.0.0.2', { version, priority: 100 }]]);
      invariants(sim, () => mdi(100) + 1_000_000);
      sim.startAll();
      sim.runUntil(s(30));
      expect(sim.masters()).toEqual(['A']);
      expect(sim.lastEntered('A', 'MASTER')).toBe(mdi(150));
      expect(sim.transitions('B').map((t) => t.to)).toEqual(['BACKUP']);
    });

    it('failover: the MASTER crashes, the BACKUP takes over within Master_Down_Interval', () => {
      const sim = build([['A', '10.0.0.1', { version, priority: 150 }], ['B', '10.0.0.2', { version, priority: 100 }]]);
      let crashAt = Infinity;
      invariants(sim, () => mdi(100) + 1_000_000);
      sim.startAll();
      sim.runUntil(s(10));
      crashAt = sim.clock.now();
      sim.crash('A');
      sim.runUntil(s(20));
      const tb = sim.lastEntered('B', 'MASTER')!;
      expect(tb - crashAt).toBeGreaterThan(0);
      expect(tb - crashAt).toBeLessThanOrEqual(mdi(100));
      expect(sim.masters()).toEqual(['B']);
    });

    it('clean shutdown: priority 0 lets the BACKUP take over after Skew_Time only', () => {
      const sim = build([['A', '10.0.0.1', { version, priority: 150 }], ['B', '10.0.0.2', { version, priority: 100 }]]);
      invariants(sim, () => mdi(100) + 1_000_000);
      sim.startAll();
      sim.runUntil(s(10));
      sim.input('A', { kind: 'stop' });
      const stopAt = sim.clock.now();
      sim.runUntil(s(12));
      sim.crash('A');
      const tb = sim.lastEntered('B', 'MASTER')!;
      expect(tb - stopAt).toBe(200 + 609_375); // latency + Skew_Time(100)
      expect(sim.logs('B')).toContain('(VI_1) Backup received priority 0 advertisement');
    });

    it('nopreempt: a higher-priority BACKUP never preempts a live MASTER', () => {
      const sim = build([['A', '10.0.0.1', { version, priority: 100 }], ['B', '10.0.0.2', { version, priority: 150, nopreempt: true }]]);
      invariants(sim, () => 0);
      sim.start('A');
      sim.runUntil(s(10));
      expect(sim.masters()).toEqual(['A']);
      sim.start('B');
      sim.runUntil(s(120));
      expect(sim.masters()).toEqual(['A']);
      expect(sim.transitions('B').map((t) => t.to)).toEqual(['BACKUP']);
    });

    it('preemption: a higher priority joining later takes over; the old MASTER steps down', () => {
      const sim = build([['A', '10.0.0.1', { version, priority: 100 }], ['B', '10.0.0.2', { version, priority: 150 }]]);
      invariants(sim, () => s(10) + mdi(150) + 1_000_000);
      sim.start('A');
      sim.runUntil(s(10));
      sim.start('B');
      sim.runUntil(s(30));
      expect(sim.masters()).toEqual(['B']);
      expect(sim.lastEntered('B', 'MASTER')! - s(10)).toBeLessThanOrEqual(mdi(150) + 1_000);
      expect(sim.logs('B')).toContain('(VI_1) received lower priority (100) advert from 10.0.0.1 - discarding');
      expect(sim.logs('A')).toContain('(VI_1) Master received advert from 10.0.0.2 with higher priority 150, ours 100');
    });

    it('partition: both sides become MASTER; the healed network keeps the higher priority', () => {
      const sim = build([['A', '10.0.0.1', { version, priority: 100 }], ['B', '10.0.0.2', { version, priority: 150 }]]);
      let healed = Infinity;
      invariants(sim, () => healed + 1_000_000 + 1_000, 51); // one advert interval + two hops
      sim.startAll();
      sim.runUntil(s(10));
      sim.net.cut('A', 'B');
      sim.runUntil(s(20));
      expect(sim.masters().sort()).toEqual(['A', 'B']);
      healed = sim.clock.now();
      sim.net.heal('A', 'B');
      sim.runUntil(s(30));
      expect(sim.masters()).toEqual(['B']);
      expect(sim.logs('B').some((l) => l.includes('Received advert from 10.0.0.1 with lower priority 100, ours 150, forcing new election'))).toBe(true);
    });

    it('partition with equal priorities resolves to the higher address', () => {
      const sim = build([['A', '10.0.0.1', { version, priority: 100 }], ['B', '10.0.0.2', { version, priority: 100 }]]);
      sim.startAll();
      sim.runUntil(s(10));
      sim.net.cut('A', 'B');
      sim.runUntil(s(20));
      expect(sim.masters().sort()).toEqual(['A', 'B']);
      sim.net.heal('A', 'B');
      sim.runUntil(s(30));
      expect(sim.masters()).toEqual(['B']);
      expect(sim.logs('A')).toContain('(VI_1) Master received advert from 10.0.0.2 with same priority 100 but higher IP address than ours');
    });

    it('three nodes: successive failures fail over in priority order', () => {
      const sim = build([
        ['A', '10.0.0.1', { version, priority: 200 }],
        ['B', '10.0.0.2', { version, priority: 150 }],
        ['C', '10.0.0.3', { version, priority: 100 }],
      ]);
      invariants(sim, () => mdi(100) + 1_000_000);
      sim.startAll();
      sim.runUntil(s(10));
      expect(sim.masters()).toEqual(['A']);
      sim.crash('A');
      sim.runUntil(s(20));
      expect(sim.masters()).toEqual(['B']);
      expect(sim.lastEntered('B', 'MASTER')! - s(10)).toBeLessThanOrEqual(mdi(150));
      sim.crash('B');
      sim.runUntil(s(30));
      expect(sim.masters()).toEqual(['C']);
      expect(sim.transitions('C').map((t) => t.to)).toEqual(['BACKUP', 'MASTER']);
    });

    it('three nodes: an isolated MASTER rejoins and the highest priority wins again', () => {
      const sim = build([
        ['A', '10.0.0.1', { version, priority: 200 }],
        ['B', '10.0.0.2', { version, priority: 150 }],
        ['C', '10.0.0.3', { version, priority: 100 }],
      ]);
      let rejoined = Infinity;
      invariants(sim, () => rejoined + 1_000_000 + 1_000);
      sim.startAll();
      sim.runUntil(s(10));
      sim.net.isolate('A');
      sim.runUntil(s(20));
      expect(sim.masters().sort()).toEqual(['A', 'B']);
      expect(connectedMasters(sim)).toEqual([]); // A cannot hear B: not a violation
      rejoined = sim.clock.now();
      sim.net.rejoin('A');
      sim.runUntil(s(30));
      expect(sim.masters()).toEqual(['A']);
    });

    it('an owner (255) joining takes over at once', () => {
      const sim = build([['A', '10.0.0.1', { version, priority: 100 }], ['B', '10.0.0.2', { version, priority: 255 }]]);
      sim.start('A');
      sim.runUntil(s(10));
      sim.start('B');
      sim.runUntil(micros(s(10) + 10_000));
      expect(sim.masters()).toEqual(['B']);
      expect(sim.lastEntered('B', 'MASTER')).toBe(s(10) + 1);
    });

    it('lossy network (10% drops, seeded): converges to one MASTER once healed', () => {
      for (const seed of [1, 7, 42]) {
        const sim = build([
          ['A', '10.0.0.1', { version, priority: 200 }],
          ['B', '10.0.0.2', { version, priority: 150 }],
          ['C', '10.0.0.3', { version, priority: 100 }],
        ], { seed });
        sim.net.dropRate = 0.1;
        sim.startAll();
        sim.runUntil(s(60));
        sim.net.dropRate = 0;
        sim.runUntil(s(70));
        expect(sim.masters(), `seed ${seed}`).toEqual(['A']);
      }
    });

    it('unicast peers: two nodes elect and fail over', () => {
      const sim = new Sim({ seed: 3 });
      sim.addNode('A', { address: '10.0.0.1', instances: [instanceConfig({ version, priority: 150, peers: ['10.0.0.2'] })] });
      sim.addNode('B', { address: '10.0.0.2', instances: [instanceConfig({ version, priority: 100, peers: ['10.0.0.1'] })] });
      invariants(sim, () => mdi(100) + 1_000_000);
      sim.startAll();
      sim.runUntil(s(10));
      expect(sim.masters()).toEqual(['A']);
      sim.crash('A');
      sim.runUntil(s(20));
      expect(sim.masters()).toEqual(['B']);
    });
  });
}

describe('v3 specifics in simulation', () => {
  it('a BACKUP learns the master\'s faster interval and fails over within that Master_Down_Interval', () => {
    const sim = new Sim({ seed: 5 });
    sim.addNode('A', { address: '10.0.0.1', instances: [instanceConfig({ version: 3, priority: 150, advertInt: s(0.5) })] });
    sim.addNode('B', { address: '10.0.0.2', instances: [instanceConfig({ version: 3, priority: 100, advertInt: s(2) })] });
    sim.startAll();
    sim.runUntil(s(10));
    expect(sim.nodes.get('B')!.core.snapshot().instances[0]!.masterAdverInterval).toBe(500_000);
    sim.crash('A');
    const t = sim.clock.now();
    sim.runUntil(s(20));
    expect(sim.lastEntered('B', 'MASTER')! - t).toBeLessThanOrEqual(masterDownInterval(3, 100, micros(500_000)));
  });
  it('IPv6: two nodes elect over ff02::12', () => {
    const sim = new Sim({ seed: 9 });
    sim.addNode('A', { address: 'fe80::1', instances: [instanceConfig({ version: 3, family: 6, priority: 150, vips: ['fe80::100'] })] });
    sim.addNode('B', { address: 'fe80::2', instances: [instanceConfig({ version: 3, family: 6, priority: 100, vips: ['fe80::100'] })] });
    sim.startAll();
    sim.runUntil(s(10));
    expect(sim.masters()).toEqual(['A']);
    expect(sim.nodes.get('B')!.core.snapshot().instances[0]!.masterAddress).toBe('fe80::1');
  });
});

describe('transcript', () => {
  it('v2 failover transcript: expected effects and keepalived log lines on the BACKUP', () => {
    const sim = build([['A', '10.0.0.1', { priority: 150 }], ['B', '10.0.0.2', { priority: 100 }]]);
    sim.startAll();
    sim.runUntil(s(10));
    sim.crash('A');
    sim.runUntil(s(15));
    const b = sim.transcript.filter((e) => e.node === 'B').map((e) => {
      const f = e.effect;
      switch (f.kind) {
        case 'log':
          return `${e.t} log ${f.msg}`;
        case 'sendAdvert':
          return `${e.t} advert prio=${f.priority}`;
        case 'transition':
          return `${e.t} ${f.from}->${f.to} (${f.reason}) prio=${f.priority}`;
        case 'sendGarp':
          return `${e.t} garp ${f.addresses.join(',')} x${f.repeat}`;
        default:
          return `${e.t} ${f.kind}`;
      }
    });
    // A's last advert was sent at 3414062 + 6 s and reached B 200 µs later.
    const lastHeard = 3_414_062 + 6_000_000 + 200;
    const takeover = lastHeard + 3_609_375;
    expect(b).toEqual([
      '0 removeVips',
      '0 log (VI_1) Entering BACKUP STATE (init)',
      '0 INIT->BACKUP (startup) prio=100',
      `${takeover} log (VI_1) Receive advertisement timeout`,
      `${takeover} advert prio=100`,
      `${takeover} log (VI_1) Entering MASTER STATE`,
      `${takeover} addVips`,
      `${takeover} log (VI_1) setting VIPs.`,
      `${takeover} garp 10.0.0.100 x5`,
      `${takeover} BACKUP->MASTER (master-no-response) prio=100`,
      `${takeover + 1_000_000} advert prio=100`,
    ]);
  });
});
