import { describe, expect, it } from 'vitest';
import { GarpPacer, groupTargets, lowerPrioGarpPlan, masterGarpPlan, refreshDue } from '../../../src/garp/schedule.js';
import { micros } from '../../../src/net/units.js';
import { defaultGarp, s } from '../../support/config.js';

const t4 = (address: string, ifname = 'eth0') => ({ ifname, family: 4 as const, address });

describe('masterGarpPlan / lowerPrioGarpPlan', () => {
  it.each([
    [{}, 5, 5_000_000 + 100, undefined],
    [{ masterDelay: micros(0) }, 5, undefined, undefined],
    [{ masterRepeat: 2, masterDelay: s(2), masterRefresh: s(10) }, 2, 2_000_100, 10_000_100],
  ])('%o', (o, repeat, delayedAt, refreshAt) => {
    const p = masterGarpPlan({ ...defaultGarp, ...o }, micros(100));
    expect(p).toEqual({ repeat, delayedAt, refreshAt });
  });
  it('lower prio: repeat 0 = nothing', () => {
    expect(lowerPrioGarpPlan({ ...defaultGarp, lowerPrioRepeat: 0 }, micros(0))).toEqual({ repeat: 0, delayedAt: undefined });
    expect(lowerPrioGarpPlan({ ...defaultGarp, lowerPrioRepeat: 3, lowerPrioDelay: s(1) }, micros(0))).toEqual({ repeat: 3, delayedAt: 1_000_000 });
  });
  it('refreshDue', () => {
    expect(refreshDue(micros(10), undefined)).toBe(false);
    expect(refreshDue(micros(10), micros(10))).toBe(true);
    expect(refreshDue(micros(9), micros(10))).toBe(false);
  });
});

describe('groupTargets', () => {
  it('groups by interface and family in first-seen order', () => {
    expect(groupTargets([t4('1.1.1.1'), t4('2.2.2.2', 'eth1'), t4('3.3.3.3'), { ifname: 'eth0', family: 6, address: 'fe80::1' }])).toEqual([
      { ifname: 'eth0', family: 4, addresses: ['1.1.1.1', '3.3.3.3'] },
      { ifname: 'eth1', family: 4, addresses: ['2.2.2.2'] },
      { ifname: 'eth0', family: 6, addresses: ['fe80::1'] },
    ]);
  });
});

describe('GarpPacer', () => {
  it('without spacing a burst goes out at once, one order per interface', () => {
    const p = new GarpPacer({ garpInterval: micros(0), gnaInterval: micros(0) });
    const out = p.burst(micros(0), 'VI_1', [t4('10.0.0.100'), t4('10.0.0.101')], 5, 'master');
    expect(out).toEqual([{ instance: 'VI_1', ifname: 'eth0', family: 4, addresses: ['10.0.0.100', '10.0.0.101'], repeat: 5, reason: 'master' }]);
    expect(p.nextDeadline()).toBeUndefined();
  });

  it('with vrrp_garp_interval: one packet now, the rest queued as deadlines; repeats of one address collapse (keepalived-compat)', () => {
    const p = new GarpPacer({ garpInterval: micros(10_000), gnaInterval: micros(0) });
    const out = p.burst(micros(0), 'VI_1', [t4('a'), t4('b')], 2, 'master');
    expect(out.map((o) => o.addresses[0])).toEqual(['a']);
    expect(p.queued).toBe(2); // b, a (a's second repeat) — b's second collapses
    expect(p.nextDeadline()).toBe(10_000);
    expect(p.due(micros(10_000), () => true).map((o) => o.addresses[0])).toEqual(['b']);
    expect(p.nextDeadline()).toBe(20_000);
    expect(p.due(micros(15_000), () => true)).toEqual([]);
    expect(p.due(micros(20_000), () => true).map((o) => o.addresses[0])).toEqual(['a']);
    expect(p.queued).toBe(0);
  });

  it('spacing is per interface and per family', () => {
    const p = new GarpPacer({ garpInterval: micros(10_000), gnaInterval: micros(0) });
    const out = p.burst(micros(0), 'VI_1', [t4('a', 'eth0'), t4('b', 'eth1'), { ifname: 'eth0', family: 6, address: 'fe80::1' }], 1, 'master');
    expect(out.map((o) => o.addresses[0])).toEqual(['fe80::1', 'a', 'b']);
  });

  it('an inactive instance loses its queue; cancel forgets it', () => {
    const p = new GarpPacer({ garpInterval: micros(10_000), gnaInterval: micros(0) });
    p.burst(micros(0), 'VI_1', [t4('a'), t4('b')], 1, 'master');
    expect(p.due(micros(10_000), () => false)).toEqual([]);
    expect(p.queued).toBe(0);
    p.burst(micros(20_000), 'VI_1', [t4('a'), t4('b')], 1, 'master');
    p.cancel('VI_1');
    expect(p.nextDeadline()).toBeUndefined();
  });

  it('immediate bypasses the queue but moves the next allowed time', () => {
    const p = new GarpPacer({ garpInterval: micros(10_000), gnaInterval: micros(0) });
    expect(p.immediate(micros(0), 'VI_1', t4('src'), 'leave-fault').repeat).toBe(1);
    expect(p.burst(micros(5_000), 'VI_1', [t4('a')], 1, 'master')).toEqual([]);
    expect(p.nextDeadline()).toBe(10_000);
  });
});
