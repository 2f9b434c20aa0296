// VrrpCore: start / stop / startup delay / demultiplexing / deadlines / snapshot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADVERT_BATCH, ADVERT_SPREAD, VrrpCore } from '../../../src/vrrp/core.js';
import type { VrrpInstance } from '../../../src/vrrp/instance.js';
import type { GarpPacer } from '../../../src/garp/schedule.js';
import { micros } from '../../../src/net/units.js';
import { decodeAdvert } from '../../../src/vrrp/packet.js';
import type { Effect } from '../../../src/vrrp/effects.js';
import { daemonConfig, instanceConfig, s, syncGroup } from '../../support/config.js';
import { Harness, summarize } from '../../support/sim.js';

const MDI100 = 3_609_375;

describe('VrrpCore', () => {
  it('does nothing before start: no deadline, packets ignored', () => {
    const h = new Harness([instanceConfig()]);
    expect(h.core.nextDeadline()).toBeUndefined();
    expect(h.advert(10, { src: '10.0.0.2', priority: 200 })).toEqual([]);
    expect(h.tick(10)).toEqual([]);
  });
  it('start is idempotent', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    expect(h.start(5)).toEqual([]);
  });
  it('start removes leftover VIPs first (as an effect) for every non-owner instance', () => {
    const h = new Harness([instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.200'] })]);
    const out = h.start(0);
    const rm = out.filter((e) => e.kind === 'removeVips');
    expect(rm.map((e) => (e.kind === 'removeVips' ? [e.instance, e.reason] : []))).toEqual([['VI_1', 'startup'], ['VI_2', 'startup']]);
  });
  it('vrrp_startup_delay: timers are offset and adverts discarded until it ends', () => {
    const h = new Harness([instanceConfig()], { global: { startupDelay: s(5) } });
    const out = h.start(0);
    expect(summarize(out)).toContain('log:Delaying startup for 5 seconds');
    expect(h.core.nextDeadline()).toBe(5_000_000 + MDI100);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200 });
    expect(h.snap().stats.advert_rcvd).toBe(0);
    h.advert(6_000_000, { src: '10.0.0.2', priority: 200 });
    expect(h.snap().stats.advert_rcvd).toBe(1);
    expect(h.core.nextDeadline()).toBe(6_000_000 + MDI100);
  });
  it('an owner under startup delay takes over 1 µs after the delay', () => {
    const h = new Harness([instanceConfig({ priority: 255 })], { global: { startupDelay: s(2) } });
    h.start(0);
    expect(h.core.nextDeadline()).toBe(2_000_001);
  });
  it('demultiplexes by VRID among several instances on one interface', () => {
    const h = new Harness([instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.200'] })]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200, vrid: 52, vips: ['10.0.0.200'] });
    expect(h.snap('VI_2').masterAddress).toBe('10.0.0.2');
    expect(h.snap('VI_1').masterAddress).toBeUndefined();
  });
  it('unicast instances sharing a VRID are told apart by the peer address', () => {
    const h = new Harness([
      instanceConfig({ peers: ['10.0.0.2'] }),
      instanceConfig({ name: 'VI_2', peers: ['10.0.0.3'], vips: ['10.0.0.200'] }),
    ]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.3', priority: 200, dst: '10.0.0.1', vips: ['10.0.0.200'] });
    expect(h.snap('VI_2').stats.advert_rcvd).toBe(1);
    expect(h.snap('VI_1').stats.advert_rcvd).toBe(0);
  });
  it('log_unknown_vrids logs keepalived\'s line', () => {
    const h = new Harness([instanceConfig()], { global: { logUnknownVrids: true } });
    h.start(0);
    h.advert(1, { src: '10.0.0.2', priority: 200, vrid: 99 });
    expect(h.logs()).toContain('Unknown VRID(99) received on interface(eth0). ignoring...');
  });
  it('nextDeadline is the earliest of all instances and is undefined after stop', () => {
    const h = new Harness([instanceConfig({ priority: 50 }), instanceConfig({ name: 'VI_2', vrid: 52, priority: 200 })]);
    h.start(0);
    expect(h.core.nextDeadline()).toBe(3_000_000 + 218_750); // priority 200: 56/256 s
    h.step(1, { kind: 'stop' });
    expect(h.core.nextDeadline()).toBeUndefined();
    expect(h.core.snapshot().stopped).toBe(true);
  });
  it('snapshot exposes state, priorities, master, timers and counters', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 150 });
    const sn = h.snap();
    expect(sn).toMatchObject({
      name: 'VI_1', vrid: 51, state: 'BACKUP', wantstate: 'BACKUP', basePriority: 100, effectivePriority: 100,
      masterAddress: '10.0.0.2', masterPriority: 150, msDownTimer: MDI100, sands: 1_000_000 + MDI100, sourceAddress: '10.0.0.1',
    });
    expect(sn.stats.advert_rcvd).toBe(1);
  });
  it('the MASTER counts become_master and advert_sent', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.runUntil(MDI100 + 3_000_000);
    expect(h.snap().stats.become_master).toBe(1);
    expect(h.snap().stats.advert_sent).toBe(4);
  });
  it('havipd: a packet that makes a MASTER send nothing leaves its advert timer alone (2.2.7 re-arms it on any packet)', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.runUntil(MDI100);
    h.advert(MDI100 + 400_000, { src: '10.0.0.2', priority: 200, ttl: 1 }); // invalid, ignored
    expect(h.snap().sands).toBe(MDI100 + 1_000_000);
    h.advert(MDI100 + 500_000, { src: '10.0.0.1', priority: 100 }); // equal priority, our own address: warning only
    expect(h.snap().sands).toBe(MDI100 + 1_000_000);
  });
  it('keepalived-compat: after an extra advert (lower priority answered, priority 0 received) the next is advert_int later', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.runUntil(MDI100);
    const lower = h.advert(MDI100 + 400_000, { src: '10.0.0.2', priority: 50 });
    expect(summarize(lower, { logs: false })).toContain('sendAdvert:100');
    expect(h.snap().sands).toBe(MDI100 + 1_400_000);
    const zero = h.advert(MDI100 + 700_000, { src: '10.0.0.2', priority: 0 });
    expect(summarize(zero, { logs: false })).toEqual(['sendAdvert:100']);
    expect(h.snap().sands).toBe(MDI100 + 1_700_000);
  });
  it('keepalived-compat: with lower_prio_no_advert the timer is never re-armed by a packet, even after the priority-0 answer', () => {
    const h = new Harness([instanceConfig({ lowerPrioNoAdvert: true })]);
    h.start(0);
    h.runUntil(MDI100);
    h.advert(MDI100 + 400_000, { src: '10.0.0.2', priority: 50 });
    h.advert(MDI100 + 500_000, { src: '10.0.0.2', priority: 0 });
    expect(h.snap().sands).toBe(MDI100 + 1_000_000);
  });
  it('works with the default (real) codec and no options', () => {
    const core = new VrrpCore(daemonConfig());
    core.step(micros(0), { kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: '10.0.0.1' });
    core.step(micros(0), { kind: 'start' });
    const out = core.step(micros(MDI100), { kind: 'tick' });
    const ad = out.find((e) => e.kind === 'sendAdvert');
    expect(ad?.kind === 'sendAdvert' && ad.destinations[0]!.bytes.length).toBe(20); // v2: 8 + 4 + 8 auth
  });
});

describe('drop logging under a flood (ARCHITECTURE.md §4.1)', () => {
  it('counts every bad packet but logs at most one line per reason per second, with the count left out', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    h.start(0);
    const lines: string[] = [];
    for (let k = 0; k < 1000; k++) {
      // TTL 64 on a multicast advert: check 3 (ip_ttl_err), 1000 of them within 0.999 s
      for (const e of h.advert(1_000_000 + k * 999, { src: '10.0.0.2', priority: 200, ttl: 64 })) if (e.kind === 'log' && e.event === 'advert.drop') lines.push(e.msg);
    }
    for (const e of h.advert(2_100_000, { src: '10.0.0.2', priority: 200, ttl: 64 })) if (e.kind === 'log' && e.event === 'advert.drop') lines.push(e.msg);
    expect(h.snap().stats.ip_ttl_err).toBe(1001);
    expect(lines).toEqual(['(VI_1) invalid TTL/HL. Received 64 and expect 255', '(VI_1) invalid TTL/HL. Received 64 and expect 255 (999 more not logged)']);
  });
});

/** The sendAdvert effects of `out`: instance, priority and the bytes of the first copy. */
const adverts = (out: readonly Effect[]) => out.flatMap((e) => (e.kind === 'sendAdvert' ? [{ instance: e.instance, priority: e.priority, bytes: e.destinations[0]!.bytes }] : []));

describe('issue 12 §5: many instances in one tick', () => {
  it('everything due fires in one tick, earliest deadline first, equal deadlines in configuration order', () => {
    const names = ['VI_A', 'VI_B', 'VI_C', 'VI_D', 'VI_E'];
    // VI_C's shorter advert_int gives it the earliest master-down deadline; the others share one.
    const h = new Harness(names.map((name, k) => instanceConfig({ name, vrid: 10 + k, vips: [`10.0.0.${100 + k}`], ...(name === 'VI_C' ? { advertInt: s(0.5) } : {}) })));
    h.start(0);
    const out = h.tick(10_000_000);
    expect(adverts(out).map((a) => a.instance)).toEqual(['VI_C', 'VI_A', 'VI_B', 'VI_D', 'VI_E']);
    for (const n of names) expect(h.state(n)).toBe('MASTER');
    // Each fired once: the next deadline is advert_int after the tick, not now.
    expect(h.core.nextDeadline()).toBe(10_500_000);
    expect(h.tick(10_500_000).filter((e) => e.kind === 'sendAdvert').map((e) => (e.kind === 'sendAdvert' ? e.instance : ''))).toEqual(['VI_C']);
  });

  it('a sync group that pulls a due member to MASTER: the member is not fired again in the same tick', () => {
    const h = new Harness(
      [instanceConfig({ name: 'VI_1', vrid: 51 }), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.200'] }), instanceConfig({ name: 'VI_3', vrid: 53, vips: ['10.0.0.201'] })],
      { syncGroups: [syncGroup('SG1', ['VI_1', 'VI_2'])] },
    );
    h.start(0);
    const out = h.tick(10_000_000);
    expect(['VI_1', 'VI_2', 'VI_3'].map((n) => h.state(n))).toEqual(['MASTER', 'MASTER', 'MASTER']);
    const sent = adverts(out).map((a) => a.instance);
    expect(sent.filter((n) => n === 'VI_2')).toHaveLength(1);
    expect(sent.filter((n) => n === 'VI_3')).toHaveLength(1);
  });
});

/** Send times (µs) of every MASTER advert `h` recorded, by instance. */
function sendTimes(h: Harness): Map<string, number[]> {
  const by = new Map<string, number[]>();
  for (const { t, effect } of h.all) {
    if (effect.kind !== 'sendAdvert') continue;
    const ts = by.get(effect.instance) ?? [];
    ts.push(t);
    by.set(effect.instance, ts);
  }
  return by;
}

describe('issue 12 §5: advert timers of many MASTERs due together are spread', () => {
  const many = (n: number, o: Partial<Parameters<typeof instanceConfig>[0]> = {}) =>
    Array.from({ length: n }, (_, k) => instanceConfig({ name: `VI_${k + 1}`, vrid: k + 1, vips: [`10.0.${k + 1}.1`], ...o }));

  it('100 instances that became MASTER together settle into batches of at most ADVERT_BATCH, each interval shortened once and never lengthened', () => {
    const n = 100;
    const h = new Harness(many(n));
    h.start(0);
    h.runUntil(20_000_000);
    const times = sendTimes(h);
    expect(times.size).toBe(n);
    const takeover = times.get('VI_1')![0]!;
    for (const [name, ts] of times) {
      const k = Number(name.slice(3)) - 1;
      // All took over in one tick, and all fired together once more as MASTERs: that tick spread them.
      expect(ts[0]).toBe(takeover);
      expect(ts[1]).toBe(takeover + 1_000_000);
      const batch = Math.floor(k / ADVERT_BATCH);
      expect(ts[2]).toBe(takeover + 2_000_000 - batch * ADVERT_SPREAD);
      // From then on exactly advert_int: no drift, no second shift.
      for (let j = 3; j < ts.length; j++) expect(ts[j]! - ts[j - 1]!).toBe(1_000_000);
    }
    // In steady state each deadline is shared by at most ADVERT_BATCH instances, in configuration order.
    const at = new Map<number, string[]>();
    for (const [name, ts] of times) for (const t of ts.slice(3)) at.set(t, [...(at.get(t) ?? []), name]);
    expect(Math.max(...[...at.values()].map((v) => v.length))).toBe(ADVERT_BATCH);
    expect(new Set([...at.keys()].map((t) => t % 1_000_000)).size).toBe(Math.ceil(n / ADVERT_BATCH));
  });

  it('a short advert interval caps the shift at half the interval; periods stay within [interval / 2, interval] and settle', () => {
    const n = 3 * ADVERT_BATCH + 4;
    const h = new Harness(many(n, { version: 3, advertInt: s(0.01) }));
    h.start(0);
    h.runUntil(2_000_000);
    for (const ts of sendTimes(h).values()) {
      const gaps = ts.slice(1).map((t, j) => t - ts[j]!);
      expect(Math.max(...gaps)).toBe(10_000);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5_000);
      // Settled: the last half second is all exact intervals.
      expect(gaps.slice(-50).every((g) => g === 10_000)).toBe(true);
    }
  });

  it('fewer than ADVERT_BATCH due together keep one deadline (1 to 32 instances behave as before)', () => {
    const h = new Harness(many(ADVERT_BATCH));
    h.start(0);
    h.runUntil(10_000_000);
    const times = [...sendTimes(h).values()];
    for (const ts of times) expect(ts).toEqual(times[0]);
  });
});

/** The core's next deadline by a scan of every instance and the GARP pacer (what its heap of deadlines replaces). */
function scanDeadline(core: VrrpCore): number | undefined {
  const inner = core as unknown as { instances: readonly VrrpInstance[]; pacer: GarpPacer; started: boolean; stopped: boolean };
  if (!inner.started || inner.stopped) return undefined;
  let best: number | undefined = inner.pacer.nextDeadline();
  for (const i of inner.instances) {
    const d = i.nextDeadline();
    if (d !== undefined && (best === undefined || d < best)) best = d;
  }
  return best;
}

/** Six instances VI_1..VI_6, two of each advert interval (1, 0.5, 2 s), so deadlines of a MASTER and a BACKUP can coincide. */
type InstanceConf = (k: number, advertS: number, prio: number) => ReturnType<typeof instanceConfig>;
const sixInstances = (conf: InstanceConf) => Array.from({ length: 6 }, (_, k) => conf(k + 1, [1, 0.5, 2][k % 3]!, 100 + 10 * (k % 3)));

/**
 * One random input of the property tests below, at `t`: kind 0–2 an advert for VI_`inst` with priority `prio`, 3–4 a
 * tick at the next deadline, 5 a switchover or maintenance command, 6 the tracked link eth1 down or up, 7–8 a reload
 * to a subset of the instances (VI_`inst` and those `prio`'s bits name) in a rotated order, 8 with new priorities.
 */
function applyOp(h: Harness, conf: InstanceConf, t: number, [kind, inst, prio]: readonly [number, number, number, number]): void {
  if (kind <= 2) h.advert(t, { src: '10.0.0.2', priority: prio, vrid: 50 + inst, vips: [`10.0.0.${199 + inst}`] });
  else if (kind <= 4) h.tick(Math.max(t, h.core.nextDeadline() ?? t));
  else if (kind === 5) h.step(t, { kind: 'command', command: prio % 2 === 0 ? { type: 'switchover', instance: `VI_${inst}` } : { type: 'maintenance', instance: `VI_${inst}`, on: prio % 3 === 0 } });
  else if (kind === 6) h.step(t, { kind: 'link', ifname: 'eth1', up: prio % 2 === 0 });
  else {
    const keep = Array.from({ length: 6 }, (_, k) => k + 1).filter((k) => k === inst || ((prio >> (k - 1)) & 1) === 1);
    const order = [...keep.slice(prio % keep.length), ...keep.slice(0, prio % keep.length)];
    h.step(t, { kind: 'reload', config: daemonConfig({ instances: order.map((k) => conf(k, [1, 0.5, 2][(k - 1) % 3]!, kind === 7 ? 100 + 10 * ((k - 1) % 3) : 90 + k)) }) });
  }
}

/** Runs `ops` (see `applyOp`) on six instances made by `conf`, calling `check` after each. */
function runOps(conf: InstanceConf, ops: readonly (readonly [number, number, number, number])[], check: (h: Harness) => void): void {
  const h = new Harness(sixInstances(conf));
  h.start(0);
  let t = 0;
  for (const op of ops) {
    t += op[3];
    applyOp(h, conf, t, op);
    check(h);
  }
}

describe('issue 12 §5: the re-arm asks nextDeadline and isDownTimer once per step', () => {
  it('nextDeadline() agrees with a scan of every instance over adverts, ticks, commands, a tracked link going down and up, and reloads that add, drop and reorder instances', () => {
    const conf: InstanceConf = (k, advertS, prio) =>
      instanceConfig({
        name: `VI_${k}`,
        vrid: 50 + k,
        priority: prio,
        advertInt: s(advertS),
        vips: [`10.0.0.${199 + k}`],
        trackInterfaces: [{ name: 'eth1', weight: -20, reverse: false }],
        // Delayed GARPs due before the next advert, so that they are an instance's earliest deadline.
        garp: { masterDelay: s(0.3), lowerPrioDelay: s(0.2), lowerPrioRepeat: 2 },
      });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 254 }), fc.integer({ min: 1, max: 700_000 })), { minLength: 1, maxLength: 80 }),
        (ops) => runOps(conf, ops, (h) => expect(h.core.nextDeadline()).toBe(scanDeadline(h.core))),
      ),
      { seed: 1204, numRuns: 300 },
    );
  });

  it('isDownTimer(nextDeadline()) agrees with a scan of every instance, over random adverts, ticks and commands', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 254 }), fc.integer({ min: 1, max: 400_000 })), { minLength: 1, maxLength: 60 }),
        (ops) => {
          const conf: InstanceConf = (k, advertS, prio) => instanceConfig({ name: `VI_${k}`, vrid: 50 + k, priority: prio, advertInt: s(advertS), vips: [`10.0.0.${199 + k}`] });
          runOps(conf, ops, (h) => {
            const at = h.core.nextDeadline();
            expect(at).toBe(scanDeadline(h.core));
            if (at === undefined) return;
            const scan = h.core.snapshot().instances.some((i) => i.state === 'BACKUP' && i.sands === at);
            expect(h.core.isDownTimer(at)).toBe(scan);
            // Asked about another instant (no step since), it scans again.
            expect(h.core.isDownTimer((at + 1) as typeof at)).toBe(h.core.snapshot().instances.some((i) => i.state === 'BACKUP' && i.sands === at + 1));
          });
        },
      ),
      { seed: 1202, numRuns: 300 },
    );
  });
});

describe('issue 12 §5: packets are dispatched through an index by socket and VRID', () => {
  it('a reload that moves an instance to another interface dispatches its packets there, not on the old one', () => {
    const h = new Harness([instanceConfig({ vrid: 51 }), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.200'] })]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200, vrid: 52, vips: ['10.0.0.200'] });
    expect(h.snap('VI_2').stats.advert_rcvd).toBe(1);
    h.step(1_050_000, { kind: 'interfaceAddress', ifname: 'eth1', family: 4, address: '10.1.0.1' });
    h.step(1_100_000, { kind: 'reload', config: daemonConfig({ instances: [instanceConfig({ vrid: 51 }), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.200'], interface: 'eth1' })] }) });
    // The moved instance starts afresh (keepalived: another interface is another instance).
    const r0 = h.snap('VI_2').stats.advert_rcvd;
    h.advert(1_200_000, { src: '10.0.0.2', priority: 200, vrid: 52, vips: ['10.0.0.200'] });
    expect(h.snap('VI_2').stats.advert_rcvd).toBe(r0);
    expect(h.core.snapshot().unknownVrid).toBe(1);
    h.advert(1_300_000, { src: '10.1.0.2', priority: 200, vrid: 52, vips: ['10.0.0.200'], ifname: 'eth1' });
    expect(h.snap('VI_2').stats.advert_rcvd).toBe(r0 + 1);
    // A packet from an unknown interface ('') is matched on any interface, by VRID.
    h.advert(1_400_000, { src: '10.1.0.2', priority: 200, vrid: 52, vips: ['10.0.0.200'], ifname: '' });
    expect(h.snap('VI_2').stats.advert_rcvd).toBe(r0 + 2);
  });
});

describe('issue 12 §5: a MASTER encodes its advert once', () => {
  it('steady adverts carry the same bytes; a new priority or a reload encodes again, and decodes to what changed', () => {
    const h = new Harness([instanceConfig({ priority: 150, trackInterfaces: [{ name: 'eth1', weight: -20, reverse: false }] })]);
    h.start(0);
    h.runUntil(4_000_000);
    expect(h.state('VI_1')).toBe('MASTER');
    const a1 = adverts(h.runUntil(5_000_000));
    const a2 = adverts(h.runUntil(6_000_000));
    expect(a1).toHaveLength(1);
    expect(a2[0]!.bytes).toBe(a1[0]!.bytes);
    // eth1 down: priority 130, a fresh encoding.
    h.step(6_100_000, { kind: 'link', ifname: 'eth1', up: false });
    const a3 = adverts(h.runUntil(7_500_000));
    expect(a3.at(-1)!.priority).toBe(130);
    expect(a3.at(-1)!.bytes).not.toBe(a1[0]!.bytes);
    const d3 = decodeAdvert(a3.at(-1)!.bytes, 4);
    expect(d3.ok && d3.advert.priority).toBe(130);
    // A reload with another VIP list: encoded from the new config.
    h.step(7_600_000, { kind: 'reload', config: daemonConfig({ instances: [instanceConfig({ priority: 130, vips: ['10.0.0.100', '10.0.0.150'] })] }) });
    const a4 = adverts(h.runUntil(9_000_000));
    const d4 = decodeAdvert(a4.at(-1)!.bytes, 4);
    expect(d4.ok && d4.advert.addresses).toEqual(['10.0.0.100', '10.0.0.150']);
  });
});
