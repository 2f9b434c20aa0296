// Instance behaviour through the core: faults, trackers, preempt_delay, GARP schedule, owner rules.
import { describe, expect, it } from 'vitest';
import { masterDownInterval } from '../../../src/vrrp/timers.js';
import { micros } from '../../../src/net/units.js';
import { instanceConfig, s, track } from '../../support/config.js';
import { Harness, summarize } from '../../support/sim.js';

const MDI100 = 3_609_375;
const master = (h: Harness, t = MDI100): void => {
  h.start(0);
  h.runUntil(t);
  expect(h.state()).toBe('MASTER');
};

describe('FAULT entry and exit', () => {
  it('MASTER → FAULT: "Entering FAULT STATE", two priority-0 adverts, then VIPs removed (keepalived-compat)', () => {
    const h = new Harness([instanceConfig()]);
    master(h);
    const out = h.step(MDI100 + 10, { kind: 'link', ifname: 'eth0', up: false });
    expect(summarize(out)).toEqual([
      'log:(VI_1): entering FAULT state (interface eth0 down)',
      'log:(VI_1) Entering FAULT STATE',
      'sendAdvert:0',
      'sendAdvert:0',
      'log:(VI_1) sent 0 priority',
      'removeVips',
      'log:(VI_1) removing VIPs.',
      'transition:VI_1:MASTER->FAULT',
    ]);
    expect(h.snap().stats.pri_zero_sent).toBe(1);
    expect(h.snap().stats.release_master).toBe(1);
    expect(h.snap().sands).toBeUndefined();
    // keepalived-compat: the delayed GARP timer outlives MASTER (garp_master_delay 5 s) but sends nothing.
    expect(h.core.nextDeadline()).toBe(MDI100 + 5_000_000);
    expect(summarize(h.runUntil(MDI100 + 6_000_000))).toEqual([]);
    expect(h.core.nextDeadline()).toBeUndefined();
  });
  it('BACKUP → FAULT sends nothing; FAULT → BACKUP with a full down timer', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    const down = h.step(1_000_000, { kind: 'link', ifname: 'eth0', up: false });
    expect(down.some((e) => e.kind === 'sendAdvert')).toBe(false);
    expect(h.state()).toBe('FAULT');
    const up = h.step(2_000_000, { kind: 'link', ifname: 'eth0', up: true });
    expect(summarize(up)).toEqual(['log:(VI_1) Entering BACKUP STATE', 'transition:VI_1:FAULT->BACKUP']);
    expect(h.snap().sands).toBe(2_000_000 + MDI100);
  });
  it('leaving FAULT a unicast instance sends one GARP for its own source address', () => {
    const h = new Harness([instanceConfig({ peers: ['10.0.0.2'] })]);
    h.start(0);
    h.step(1, { kind: 'link', ifname: 'eth0', up: false });
    const up = h.step(2, { kind: 'link', ifname: 'eth0', up: true });
    expect(summarize(up)).toContain('garp:leave-fault:10.0.0.1x1');
  });
  it('an owner leaving FAULT goes BACKUP (down_instance set wantstate FAULT) and takes over after its own Master_Down_Interval', () => {
    const h = new Harness([instanceConfig({ priority: 255 })]);
    h.start(0);
    h.tick(1);
    h.step(10, { kind: 'link', ifname: 'eth0', up: false });
    h.step(20, { kind: 'link', ifname: 'eth0', up: true });
    expect(h.state()).toBe('BACKUP');
    expect(h.core.nextDeadline()).toBe(20 + 3_003_906);
    h.runUntil(20 + 3_003_906);
    expect(h.state()).toBe('MASTER');
  });
  it('losing the interface address is a NO_SOURCE_IP fault; a configured source avoids it', () => {
    const h = new Harness([instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52, mcastSrcIp: '10.0.0.50' })]);
    h.start(0);
    h.step(5, { kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: undefined });
    expect(h.state('VI_1')).toBe('FAULT');
    expect(h.snap('VI_1').faults).toEqual(['no-source-ip']);
    expect(h.state('VI_2')).toBe('BACKUP');
  });
  it('startup with the interface down: reason line, "entering FAULT state", FAULT notification', () => {
    const h = new Harness([instanceConfig()]);
    h.step(0, { kind: 'link', ifname: 'eth0', up: false });
    const out = h.start(0);
    expect(summarize(out)).toEqual([
      'log:(VI_1): entering FAULT state (interface eth0 down)',
      'log:(VI_1) entering FAULT state',
      'transition:VI_1:INIT->FAULT',
      'removeVips',
    ]);
    expect(out.find((e) => e.kind === 'transition')).toMatchObject({ notify: true });
  });
  it('weight-0 script without a result holds the instance in FAULT (init) without notification; first OK → BACKUP', () => {
    const h = new Harness([instanceConfig({ trackScripts: [track('chk')] })]);
    const out = h.start(0);
    expect(summarize(out)).toContain('log:(VI_1) Entering FAULT STATE (init)');
    expect(out.find((e) => e.kind === 'transition')).toMatchObject({ to: 'FAULT', notify: false });
    const ok = h.step(1_000, { kind: 'script', name: 'chk', ok: true });
    expect(summarize(ok)).toEqual(['log:(VI_1) Entering BACKUP STATE', 'transition:VI_1:FAULT->BACKUP']);
  });
  it('weight-0 script failing puts a MASTER in FAULT; its recovery brings it back to BACKUP', () => {
    const h = new Harness([instanceConfig({ trackScripts: [track('chk')] })]);
    h.step(0, { kind: 'script', name: 'chk', ok: true });
    master(h);
    h.step(MDI100 + 1, { kind: 'script', name: 'chk', ok: false });
    expect(h.state()).toBe('FAULT');
    h.step(MDI100 + 2, { kind: 'script', name: 'chk', ok: true });
    expect(h.state()).toBe('BACKUP');
  });
  it('reverse weight-0 interface: FAULT while the interface is up', () => {
    const h = new Harness([instanceConfig({ trackInterfaces: [track('eth9', 0, true)] })]);
    h.start(0);
    expect(h.state()).toBe('FAULT');
    h.step(1, { kind: 'link', ifname: 'eth9', up: false });
    expect(h.state()).toBe('BACKUP');
  });
  it('track_file weight 0: FAULT for a non-zero value', () => {
    const h = new Harness([instanceConfig({ trackFiles: [track('f')] })]);
    h.start(0);
    h.step(1, { kind: 'file', name: 'f', value: 1 });
    expect(h.state()).toBe('FAULT');
    h.step(2, { kind: 'file', name: 'f', value: 0 });
    expect(h.state()).toBe('BACKUP');
  });
  it('a VIP on another interface is tracked (unless no_track)', () => {
    const h = new Harness([instanceConfig({ vips: ['10.0.0.100', { ...instanceConfig().vips[0]!, address: '10.1.0.100', dev: 'eth1', raw: '10.1.0.100 dev eth1' }] })]);
    h.start(0);
    h.step(1, { kind: 'link', ifname: 'eth1', up: false });
    expect(h.state()).toBe('FAULT');
  });
});

describe('priority changes', () => {
  it('verified keepalived sequence 150 → 90 → 60 → 120 with log lines and priorityChange effects', () => {
    const h = new Harness([instanceConfig({ priority: 150, notifyPriorityChanges: true, trackScripts: [track('chk', -60)], trackFiles: [track('f', -10)] })]);
    h.step(0, { kind: 'script', name: 'chk', ok: true });
    h.start(0);
    h.step(1, { kind: 'script', name: 'chk', ok: false });
    h.step(2, { kind: 'file', name: 'f', value: 3 });
    h.step(3, { kind: 'script', name: 'chk', ok: true });
    expect(h.logs().filter((l) => l.includes('Changing'))).toEqual([
      '(VI_1) Changing effective priority from 150 to 90',
      '(VI_1) Changing effective priority from 90 to 60',
      '(VI_1) Changing effective priority from 60 to 120',
    ]);
    expect(h.effects().filter((e) => e.kind === 'priorityChange')).toHaveLength(3);
  });
  it('in BACKUP the running down timer shifts by the difference of the skew times', () => {
    const h = new Harness([instanceConfig({ trackScripts: [track('chk', 50)] })]);
    h.step(0, { kind: 'script', name: 'chk', ok: false });
    h.start(0);
    expect(h.snap().sands).toBe(MDI100);
    h.step(1_000_000, { kind: 'script', name: 'chk', ok: true });
    expect(h.snap().effectivePriority).toBe(150);
    expect(h.snap().sands).toBe(MDI100 - (609_375 - 414_062));
  });
  it('keepalived-compat: after an ignored advert the shift uses the remaining time (ms_down_timer quirk)', () => {
    const h = new Harness([instanceConfig({ trackScripts: [track('chk', 50)] })]);
    h.step(0, { kind: 'script', name: 'chk', ok: false });
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 90 }); // discarded: ms_down_timer := remaining 2_609_375
    h.step(2_000_000, { kind: 'script', name: 'chk', ok: true });
    expect(h.snap().sands).toBe(MDI100 + (masterDownInterval(2, 150, micros(1_000_000)) - 2_609_375));
  });
  it('a weight change does not by itself cause a transition (MASTER keeps advertising its lower priority)', () => {
    const h = new Harness([instanceConfig({ trackScripts: [track('chk', -60)] })]);
    h.step(0, { kind: 'script', name: 'chk', ok: true });
    master(h);
    h.step(MDI100 + 1, { kind: 'script', name: 'chk', ok: false });
    expect(h.state()).toBe('MASTER');
    const out = h.tick(MDI100 + 1_000_000);
    expect(out.find((e) => e.kind === 'sendAdvert')).toMatchObject({ priority: 40 });
  });
});

describe('preempt_delay', () => {
  it('the first lower-priority advert starts the delay; takeover ≈ preempt_delay + Master_Down_Interval later', () => {
    const h = new Harness([instanceConfig({ priority: 150, preemptDelay: s(2) })]);
    h.start(0);
    let t = 500_000;
    for (; t < 30_000_000 && h.state() === 'BACKUP'; t += 1_000_000) {
      h.runUntil(t - 1);
      if (h.state() !== 'BACKUP') break;
      h.advert(t, { src: '10.0.0.2', priority: 100 });
    }
    expect(h.state()).toBe('MASTER');
    const became = h.all.find((x) => x.effect.kind === 'transition' && x.effect.to === 'MASTER')!.t;
    // The delay runs from 0.5 s to 2.5 s: adverts at 0.5 s and 1.5 s are accepted, from 2.5 s on they are
    // discarded, so the down timer expires Master_Down_Interval after 1.5 s.
    expect(became).toBe(1_500_000 + masterDownInterval(2, 150, micros(1_000_000)));
  });
  it('an advert with priority ≥ ours cancels the running delay', () => {
    const h = new Harness([instanceConfig({ priority: 150, preemptDelay: s(2) })]);
    h.start(0);
    h.advert(500_000, { src: '10.0.0.2', priority: 100 });
    expect(h.snap().preemptTime).toBe(2_500_000);
    h.advert(1_500_000, { src: '10.0.0.3', priority: 200 });
    expect(h.snap().preemptTime).toBeUndefined();
  });
});

describe('GARP schedule while MASTER', () => {
  it('garp_master_delay: a second burst after the delay (verified: repeat 2 / delay 2)', () => {
    const h = new Harness([instanceConfig({ garp: { masterRepeat: 2, masterDelay: s(2) } })]);
    h.start(0);
    const now = summarize(h.runUntil(MDI100), { logs: false });
    expect(now).toContain('garp:master:10.0.0.100x2');
    const later = summarize(h.runUntil(MDI100 + 2_000_000), { logs: false });
    expect(later).toContain('garp:master-delay:10.0.0.100x2');
  });
  it('the delayed burst is not sent if the instance left MASTER meanwhile', () => {
    const h = new Harness([instanceConfig({ garp: { masterDelay: s(2) } })]);
    master(h);
    h.advert(MDI100 + 500_000, { src: '10.0.0.2', priority: 200 });
    const later = summarize(h.runUntil(MDI100 + 3_000_000), { logs: false });
    expect(later.filter((x) => x.startsWith('garp'))).toEqual([]);
  });
  it('garp_master_refresh: refresh_repeat packets with the first advert at or after the refresh time, then every refresh', () => {
    const h = new Harness([instanceConfig({ garp: { masterDelay: micros(0), masterRefresh: s(3), masterRefreshRepeat: 2 } })]);
    h.start(0);
    h.runUntil(MDI100);
    const refreshes = summarize(h.runUntil(MDI100 + 10_000_000), { logs: false }).filter((x) => x.startsWith('garp:master-refresh'));
    expect(refreshes).toEqual(['garp:master-refresh:10.0.0.100x2', 'garp:master-refresh:10.0.0.100x2', 'garp:master-refresh:10.0.0.100x2']);
  });
  it('vrrp_garp_interval spaces GARPs on an interface as deadlines', () => {
    const h = new Harness([instanceConfig({ vips: ['10.0.0.100', '10.0.0.101'], garp: { masterRepeat: 1, masterDelay: micros(0) } })], { global: { garpInterval: micros(50_000) } });
    h.start(0);
    const first = summarize(h.runUntil(MDI100), { logs: false }).filter((x) => x.startsWith('garp'));
    expect(first).toEqual(['garp:master:10.0.0.100x1']);
    expect(h.core.nextDeadline()).toBe(MDI100 + 50_000);
    const second = summarize(h.tick(MDI100 + 50_000), { logs: false });
    expect(second).toEqual(['garp:master:10.0.0.101x1']);
  });
});

describe('owner rules', () => {
  it('owner vs owner (2.2.7): the local owner reduces itself to 254 and, with a lower address, yields', () => {
    const h = new Harness([instanceConfig({ priority: 255 })]);
    h.start(0);
    h.tick(1);
    const out = h.advert(500_000, { src: '10.0.0.2', priority: 255 });
    expect(h.logs()).toContain('(VI_1) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority');
    expect(h.snap().basePriority).toBe(254);
    expect(h.state()).toBe('BACKUP');
    expect(summarize(out)).toContain('transition:VI_1:MASTER->BACKUP');
  });
  it('owner vs owner (2.2.7): even with a higher local address it reduces to 254 and so yields to the 255 advert', () => {
    const h = new Harness([instanceConfig({ priority: 255 })], { address: '10.0.0.9' });
    h.start(0);
    h.tick(1);
    h.advert(500_000, { src: '10.0.0.2', priority: 255 });
    expect(h.snap().effectivePriority).toBe(254);
    expect(h.state()).toBe('BACKUP');
  });
  it('a MASTER receiving its own address at equal priority warns and stays', () => {
    const h = new Harness([instanceConfig()]);
    master(h);
    h.advert(MDI100 + 1, { src: '10.0.0.1', priority: 100 });
    expect(h.logs()).toContain('(VI_1) WARNING - equal priority advert received from remote host with our IP address.');
    expect(h.state()).toBe('MASTER');
  });
});

describe('v3 Master_Adver_Interval and the -D quirk', () => {
  it('without -D the learned interval is kept after becoming MASTER (keepalived-compat)', () => {
    const h = new Harness([instanceConfig({ version: 3 })], { detail: false });
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 0, advertIntCs: 50 });
    h.advert(1_000_000, { src: '10.0.0.3', priority: 150, advertIntCs: 50 });
    h.runUntil(10_000_000);
    expect(h.state()).toBe('MASTER');
    expect(h.snap().masterAdverInterval).toBe(500_000);
  });
  it('with -D it is reset to the local interval and logged', () => {
    const h = new Harness([instanceConfig({ version: 3 })], { detail: true });
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.3', priority: 150, advertIntCs: 50 });
    h.runUntil(10_000_000);
    expect(h.snap().masterAdverInterval).toBe(1_000_000);
    expect(h.logs()).toContain('(VI_1) changing advert interval from 500ms to locally configured 1000ms');
  });
});
