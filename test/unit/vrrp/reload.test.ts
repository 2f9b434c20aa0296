// SIGHUP reload through the core (reference §3.15; keepalived 2.2.7 `sigreload_vrrp()`, `clear_diff_vrrp()`,
// `restore_vrrp_state()`, `vrrp_init_state()`), the external `fault` input, and FAULT → FAULT notifications.
import { describe, expect, it } from 'vitest';
import type { SyncGroupConfig, VrrpInstanceConfig } from '../../../src/config-parser/types.js';
import { planReload } from '../../../src/vrrp/reload-plan.js';
import type { Effect } from '../../../src/vrrp/effects.js';
import { skewTime } from '../../../src/vrrp/timers.js';
import { micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig, s, syncGroup, track } from '../../support/config.js';
import { Harness, summarize } from '../../support/sim.js';

const MDI100 = 3_609_375;
const master = (h: Harness, t = MDI100, name = 'VI_1'): void => {
  h.start(0);
  h.runUntil(t);
  expect(h.state(name)).toBe('MASTER');
};

/** Reloads `h` with these instances at `t`, the plan computed as the runtime does. */
function reload(h: Harness, t: number, instances: readonly VrrpInstanceConfig[], syncGroups: readonly SyncGroupConfig[] = []): readonly Effect[] {
  const config = daemonConfig({ instances, syncGroups });
  return h.step(t, { kind: 'reload', config, plan: planReload(h.core.currentConfig, config) });
}

const kinds = (out: readonly Effect[]): string[] => summarize(out, { logs: false });

describe('reload: matched instances keep their state', () => {
  it('an unchanged MASTER: one advert before, VIPs re-set, one advert after; no transition, no GARP, counters kept', () => {
    const h = new Harness([instanceConfig()]);
    master(h);
    const before = h.snap().stats;
    const t = MDI100 + 300_000;
    const out = reload(h, t, [instanceConfig()]);
    expect(summarize(out)).toEqual([
      'sendAdvert:100',
      'addVips',
      'log:(VI_1) setting VIPs.',
      'sendAdvert:100',
    ]);
    expect(h.state()).toBe('MASTER');
    expect(h.snap().stats.become_master).toBe(before.become_master);
    expect(h.snap().stats.advert_sent).toBe(before.advert_sent + 2);
    // reload_master: the advert after the reload restarts the interval.
    expect(h.snap().sands).toBe(t + 1_000_000);
    expect(kinds(h.runUntil(t + 10_000_000)).filter((k) => k !== 'sendAdvert:100')).toEqual(['garp:master-delay:10.0.0.100x5']);
  });
  it('an unchanged BACKUP keeps its running down timer and sends nothing', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200 });
    const sands = h.snap().sands;
    const out = reload(h, 2_000_000, [instanceConfig()]);
    expect(summarize(out)).toEqual([]);
    expect(h.snap().sands).toBe(sands);
    expect(h.snap().masterAddress).toBe('10.0.0.2');
  });
  it('a BACKUP whose priority changes: not logged, and its down timer shifted by the skew difference', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200 });
    const sands = h.snap().sands!;
    const out = reload(h, 2_000_000, [instanceConfig({ priority: 150 })]);
    // keepalived-compat (bug fix): a base-only change is neither logged nor notified (keepalived 2.2.7).
    expect(summarize(out).filter((l) => l.includes('Changing effective priority'))).toEqual([]);
    expect(out.filter((e) => e.kind === 'priorityChange')).toEqual([]);
    expect(h.snap().sands).toBe(sands + skewTime(2, 150, micros(1_000_000)) - skewTime(2, 100, micros(1_000_000)));
    expect(h.snap().basePriority).toBe(150);
  });
  it('keepalived-compat: a reload changing only the base priority logs and notifies nothing', () => {
    // keepalived 2.2.7 in a namespace: priority 150 → 140 by SIGHUP, notify_priority_changes, no trackers:
    // no "Changing effective priority" line and no FIFO MASTER_PRIORITY line.
    const h = new Harness([instanceConfig({ priority: 150, notifyPriorityChanges: true })]);
    master(h, 4_000_000);
    const out = reload(h, 4_100_000, [instanceConfig({ priority: 140, notifyPriorityChanges: true })]);
    expect(summarize(out).filter((l) => l.includes('effective priority'))).toEqual([]);
    expect(out.filter((e) => e.kind === 'priorityChange')).toEqual([]);
    expect(h.snap().effectivePriority).toBe(140);
    expect(out.filter((e) => e.kind === 'sendAdvert').map((e) => (e.kind === 'sendAdvert' ? e.priority : 0))).toEqual([150, 140]);
  });
  it('keepalived-compat: with a tracker the change is logged from the new base priority, notified as from INIT', () => {
    // keepalived 2.2.7: base 150 with `tf weight 10` at −2 (130), reloaded to 140: "from 140 to 120" and
    // FIFO `INSTANCE "VI_1" BACKUP_PRIORITY 120` although MASTER (test/interop/priority-differential.test.ts).
    const cfg = (priority: number): VrrpInstanceConfig => instanceConfig({ priority, notifyPriorityChanges: true, trackFiles: [track('tf', 10)] });
    const h = new Harness([cfg(150)]);
    h.step(0, { kind: 'file', name: 'tf', value: -2 });
    master(h, 4_000_000);
    expect(h.snap().effectivePriority).toBe(130);
    const out = reload(h, 4_100_000, [cfg(140)]);
    expect(summarize(out).filter((l) => l.includes('effective priority'))).toEqual(['log:(VI_1) Changing effective priority from 140 to 120']);
    expect(out.filter((e) => e.kind === 'priorityChange')).toEqual([{ kind: 'priorityChange', instance: 'VI_1', from: 140, to: 120, state: 'INIT', notify: true }]);
    expect(h.state()).toBe('MASTER');
    expect(h.snap().effectivePriority).toBe(120);
  });
  it('a MASTER reloaded from 150 to 90 advertises 90 at once (the pre-reload advert still says 150)', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    master(h, 4_000_000);
    const out = reload(h, 4_100_000, [instanceConfig({ priority: 90 })]);
    expect(kinds(out)).toEqual(['sendAdvert:150', 'addVips', 'sendAdvert:90']);
    expect(h.snap().effectivePriority).toBe(90);
    expect(h.state()).toBe('MASTER');
  });
  it('a MASTER whose VIP list changes: removes the dropped VIPs, re-sets the list, GARPs because one was added', () => {
    const h = new Harness([instanceConfig({ vips: ['10.0.0.100', '10.0.0.101'] })]);
    master(h);
    const out = reload(h, MDI100 + 100, [instanceConfig({ vips: ['10.0.0.101', '10.0.0.102'] })]);
    expect(kinds(out)).toEqual(['sendAdvert:100', 'removeVips', 'addVips', 'garp:master:10.0.0.101,10.0.0.102x5', 'sendAdvert:100']);
    const rm = out.find((e) => e.kind === 'removeVips');
    expect(rm).toMatchObject({ reason: 'reload' });
    expect(rm?.kind === 'removeVips' && rm.vips.map((v) => v.address)).toEqual(['10.0.0.100']);
    const add = out.find((e) => e.kind === 'addVips');
    expect(add?.kind === 'addVips' && add.vips.map((v) => v.address)).toEqual(['10.0.0.101', '10.0.0.102']);
  });
  it('a BACKUP whose VIP list changes does nothing to addresses', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    const out = reload(h, 1_000_000, [instanceConfig({ vips: ['10.0.0.200'] })]);
    expect(kinds(out)).toEqual([]);
  });
  it('a renamed instance with the same VRID keeps its state, counters and timer (matched by wire identity)', () => {
    const h = new Harness([instanceConfig()]);
    master(h);
    const sent = h.snap().stats.advert_sent;
    const out = reload(h, MDI100 + 100, [instanceConfig({ name: 'web' })]);
    expect(out.filter((e) => e.kind === 'transition')).toEqual([]);
    expect(h.core.snapshot().instances.map((i) => i.name)).toEqual(['web']);
    expect(h.state('web')).toBe('MASTER');
    expect(h.snap('web').stats.advert_sent).toBe(sent + 2);
  });
  it('a v3 BACKUP keeps the advert interval it learned; a new advert_int applies to a MASTER at once', () => {
    const h = new Harness([instanceConfig({ version: 3, name: 'A' }), instanceConfig({ version: 3, name: 'B', vrid: 52 })]);
    h.start(0);
    for (let t = 500_000; t <= MDI100; t += 500_000) {
      h.runUntil(t);
      h.advert(t, { src: '10.0.0.2', priority: 200, advertIntCs: 50, version: 3 });
    }
    expect(h.snap('A').masterAdverInterval).toBe(500_000);
    h.runUntil(MDI100 + 1);
    expect(h.state('A')).toBe('BACKUP');
    expect(h.state('B')).toBe('MASTER');
    reload(h, MDI100 + 2, [instanceConfig({ version: 3, name: 'A', advertInt: s(2) }), instanceConfig({ version: 3, name: 'B', vrid: 52, advertInt: s(2) })]);
    expect(h.snap('A').masterAdverInterval).toBe(500_000);
    expect(h.snap('B').masterAdverInterval).toBe(2_000_000);
    expect(h.snap('B').sands).toBe(MDI100 + 2 + 2_000_000);
  });
  it('tracker values are kept by name across a reload (a failed weighted script still lowers the priority)', () => {
    const cfg = instanceConfig({ trackScripts: [track('chk', -30)] });
    const h = new Harness([cfg]);
    h.step(0, { kind: 'script', name: 'chk', ok: false });
    h.start(0);
    expect(h.snap().effectivePriority).toBe(70);
    const out = reload(h, 1_000_000, [instanceConfig({ priority: 110, trackScripts: [track('chk', -30)] })]);
    expect(h.snap().effectivePriority).toBe(80);
    expect(summarize(out)).toContain('log:(VI_1) Changing effective priority from 110 to 80');
  });
  it('a new weight-0 tracker that is down puts a kept MASTER in FAULT through the usual path', () => {
    const h = new Harness([instanceConfig()]);
    master(h);
    h.step(MDI100 + 1, { kind: 'link', ifname: 'eth9', up: false });
    const out = reload(h, MDI100 + 2, [instanceConfig({ trackInterfaces: [track('eth9')] })]);
    expect(kinds(out)).toEqual(['sendAdvert:100', 'addVips', 'sendAdvert:0', 'sendAdvert:0', 'removeVips', 'transition:VI_1:MASTER->FAULT']);
    expect(h.state()).toBe('FAULT');
  });
});

describe('reload: removed and added instances', () => {
  it('a removed MASTER sends priority 0, removes its VIPs and is notified FAULT (keepalived default)', () => {
    const h = new Harness([instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52 })]);
    master(h);
    const out = reload(h, MDI100 + 100, [instanceConfig()]);
    const vi2 = out.filter((e) => 'instance' in e && e.instance === 'VI_2');
    expect(summarize(vi2)).toEqual(['sendAdvert:100', 'sendAdvert:0', 'log:(VI_2) sent 0 priority', 'removeVips', 'log:(VI_2) removing VIPs.', 'log:(VI_2) removed by reload', 'transition:VI_2:MASTER->FAULT']);
    expect(vi2.find((e) => e.kind === 'removeVips')).toMatchObject({ reason: 'reload' });
    expect(vi2.find((e) => e.kind === 'transition')).toMatchObject({ reason: 'reload-removed', notify: true });
    expect(h.core.snapshot().instances.map((i) => i.name)).toEqual(['VI_1']);
    expect(h.state()).toBe('MASTER');
  });
  it('with notify_deleted the removed instance is notified DELETED', () => {
    const h = new Harness([instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52, notify: { deleted: {} } })]);
    h.start(0);
    const out = reload(h, 100, [instanceConfig()]);
    expect(summarize(out)).toContain('transition:VI_2:BACKUP->DELETED');
  });
  it('a removed instance already in FAULT is not notified again (unless notify_deleted)', () => {
    const h = new Harness([instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52, interface: 'eth1' })]);
    h.step(0, { kind: 'interfaceAddress', ifname: 'eth1', family: 4, address: '10.1.0.1' });
    h.step(0, { kind: 'link', ifname: 'eth1', up: false });
    h.start(0);
    expect(h.state('VI_2')).toBe('FAULT');
    const out = reload(h, 100, [instanceConfig()]);
    expect(out.filter((e) => e.kind === 'transition')).toEqual([]);
  });
  it('a new instance starts as at start-up: leftover VIPs removed, BACKUP (init), full down timer', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.step(0, { kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: '10.0.0.1' });
    const out = reload(h, 1_000_000, [instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.52'] })]);
    expect(summarize(out)).toEqual([
      'removeVips',
      'log:(VI_2) Entering BACKUP STATE (init)',
      'transition:VI_2:INIT->BACKUP',
    ]);
    expect(out.find((e) => e.kind === 'removeVips')).toMatchObject({ instance: 'VI_2', reason: 'startup' });
    expect(h.snap('VI_2').sands).toBe(1_000_000 + MDI100);
  });
  it('a new owner instance takes over at once', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    reload(h, 1_000_000, [instanceConfig(), instanceConfig({ name: 'OWN', vrid: 60, priority: 255 })]);
    h.runUntil(1_000_001);
    expect(h.state('OWN')).toBe('MASTER');
  });
  it('a reload before start simply replaces the configuration', () => {
    const h = new Harness([instanceConfig()]);
    const out = reload(h, 0, [instanceConfig({ name: 'X', vrid: 9 })]);
    expect(out).toEqual([]);
    h.start(0);
    expect(h.core.snapshot().instances.map((i) => i.name)).toEqual(['X']);
  });
  it('sync groups are rebuilt; an unchanged group in the same state is not re-notified', () => {
    const a = instanceConfig({ name: 'A' });
    const b = instanceConfig({ name: 'B', vrid: 52 });
    const g = [syncGroup('G', ['A', 'B'])];
    const h = new Harness([a, b], { syncGroups: g });
    h.start(0);
    h.runUntil(MDI100 + 1);
    expect(h.core.snapshot().groups).toEqual([{ name: 'G', state: 'MASTER', members: ['A', 'B'] }]);
    const out = reload(h, MDI100 + 2, [a, b], g);
    expect(out.filter((e) => e.kind === 'groupTransition' || e.kind === 'transition')).toEqual([]);
    expect(h.core.snapshot().groups).toEqual([{ name: 'G', state: 'MASTER', members: ['A', 'B'] }]);
    // The rebuilt group still moves together: A losing to a higher priority pulls B to BACKUP.
    h.advert(MDI100 + 100_000, { src: '10.0.0.2', priority: 200 });
    expect(h.state('A')).toBe('BACKUP');
    expect(h.state('B')).toBe('BACKUP');
  });
});

describe('external fault input', () => {
  it('puts a BACKUP in FAULT (reason logged and listed) and clears it with a full down timer', () => {
    const h = new Harness([instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52 })]);
    h.start(0);
    const out = h.step(1_000, { kind: 'fault', instance: 'VI_1', reason: 'vip-add', active: true });
    expect(summarize(out)).toEqual(['log:(VI_1) entering FAULT state (vip-add)', 'log:(VI_1) Entering FAULT STATE', 'transition:VI_1:BACKUP->FAULT']);
    expect(h.snap().faults).toEqual(['vip-add']);
    expect(h.state('VI_2')).toBe('BACKUP');
    const clear = h.step(2_000, { kind: 'fault', instance: 'VI_1', reason: 'vip-add', active: false });
    expect(summarize(clear)).toEqual(['log:(VI_1) Entering BACKUP STATE', 'transition:VI_1:FAULT->BACKUP']);
    expect(h.snap().sands).toBe(2_000 + MDI100);
  });
  it('a MASTER in FAULT by an edge sends priority 0 twice and removes its VIPs', () => {
    const h = new Harness([instanceConfig()]);
    master(h);
    const out = h.step(MDI100 + 10, { kind: 'fault', instance: 'VI_1', reason: 'socket', active: true });
    expect(kinds(out)).toEqual(['sendAdvert:0', 'sendAdvert:0', 'removeVips', 'transition:VI_1:MASTER->FAULT']);
  });
  it('a second reason adds nothing; the instance comes up only when every reason has cleared', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.step(1, { kind: 'fault', instance: 'VI_1', reason: 'socket', active: true });
    expect(h.step(2, { kind: 'fault', instance: 'VI_1', reason: 'vip-add', active: true })).toEqual([]);
    expect(h.step(3, { kind: 'link', ifname: 'eth0', up: false })).toEqual([]);
    expect(h.snap().faults).toEqual(['interface eth0', 'socket', 'vip-add']);
    expect(h.step(4, { kind: 'fault', instance: 'VI_1', reason: 'socket', active: false })).toEqual([]);
    h.step(5, { kind: 'link', ifname: 'eth0', up: true });
    expect(h.state()).toBe('FAULT');
    h.step(6, { kind: 'fault', instance: 'VI_1', reason: 'vip-add', active: false });
    expect(h.state()).toBe('BACKUP');
  });
  it('before start it makes the instance start in FAULT; unknown instances are ignored', () => {
    const h = new Harness([instanceConfig()]);
    expect(h.step(0, { kind: 'fault', instance: 'nope', reason: 'socket', active: true })).toEqual([]);
    h.step(0, { kind: 'fault', instance: 'VI_1', reason: 'socket', active: true });
    const out = h.start(0);
    expect(summarize(out)).toContain('log:(VI_1) entering FAULT state (socket)');
    expect(out.find((e) => e.kind === 'transition')).toMatchObject({ from: 'INIT', to: 'FAULT', notify: true });
  });
  it('follows a renamed instance across a reload and is dropped with a removed one', () => {
    const h = new Harness([instanceConfig(), instanceConfig({ name: 'VI_2', vrid: 52 })]);
    h.start(0);
    h.step(1, { kind: 'fault', instance: 'VI_1', reason: 'socket', active: true });
    h.step(1, { kind: 'fault', instance: 'VI_2', reason: 'socket', active: true });
    reload(h, 2, [instanceConfig({ name: 'renamed' })]);
    expect(h.snap('renamed').faults).toEqual(['socket']);
    expect(h.state('renamed')).toBe('FAULT');
    reload(h, 3, [instanceConfig({ name: 'renamed' }), instanceConfig({ name: 'VI_2', vrid: 52 })]);
    expect(h.state('VI_2')).toBe('BACKUP');
  });
});

describe('FAULT → FAULT is not a transition (keepalived down_instance())', () => {
  it('a silently held instance (weight-0 script in init) gets a FAULT notification, not a transition, on its first KO', () => {
    const h = new Harness([instanceConfig({ trackScripts: [track('chk')] })]);
    h.start(0);
    const out = h.step(1_000, { kind: 'script', name: 'chk', ok: false });
    expect(out.filter((e) => e.kind === 'transition')).toEqual([]);
    expect(out.filter((e) => e.kind === 'notify')).toEqual([
      { kind: 'notify', instance: 'VI_1', vrid: 51, state: 'FAULT', reason: 'fault', priority: 100, group: undefined },
    ]);
    // A later recovery is a real transition.
    expect(summarize(h.step(2_000, { kind: 'script', name: 'chk', ok: true }))).toEqual(['log:(VI_1) Entering BACKUP STATE', 'transition:VI_1:FAULT->BACKUP']);
  });
  it('a member pulled into FAULT by its group and then faulty itself: only the reason line (already notified in its group state)', () => {
    const a = instanceConfig({ name: 'A' });
    const b = instanceConfig({ name: 'B', vrid: 52, trackScripts: [track('chk')] });
    const h = new Harness([a, b], { syncGroups: [syncGroup('G', ['A', 'B'])] });
    h.step(0, { kind: 'script', name: 'chk', ok: true });
    h.start(0);
    h.step(1, { kind: 'fault', instance: 'A', reason: 'socket', active: true });
    expect(h.state('B')).toBe('FAULT');
    const out = h.step(2, { kind: 'script', name: 'chk', ok: false });
    expect(summarize(out)).toEqual(['log:(B): entering FAULT state due to script chk']);
  });
});

describe('delayed GARP after leaving MASTER (keepalived-compat: the timer is kept)', () => {
  it('a burst still pending when the instance is MASTER again is sent', () => {
    const h = new Harness([instanceConfig({ garp: { masterDelay: s(2) } })]);
    master(h);
    h.advert(MDI100 + 100_000, { src: '10.0.0.2', priority: 200 });
    expect(h.state()).toBe('BACKUP');
    h.advert(MDI100 + 200_000, { src: '10.0.0.2', priority: 0 });
    h.runUntil(MDI100 + 1_000_000);
    expect(h.state()).toBe('MASTER');
    const again = h.all.filter((x) => x.effect.kind === 'transition' && x.effect.to === 'MASTER').map((x) => x.t).pop()!;
    expect(again).toBeGreaterThan(MDI100 + 200_000);
    const garps = h.all.filter((x) => x.t > again && x.effect.kind === 'sendGarp' && x.effect.reason === 'master-delay').map((x) => x.t);
    h.runUntil(again + 3_000_000);
    const after = h.all.filter((x) => x.t > again && x.effect.kind === 'sendGarp' && x.effect.reason === 'master-delay').map((x) => x.t);
    expect(garps).toEqual([]);
    expect(after).toEqual([MDI100 + 2_000_000, again + 2_000_000]);
  });
});
