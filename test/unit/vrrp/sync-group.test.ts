// vrrp_sync_group behaviour (keepalived 2.2.7 vrrp_sync.c).
import { describe, expect, it } from 'vitest';
import { instanceConfig, syncGroup, track } from '../../support/config.js';
import { Harness, summarize } from '../../support/sim.js';

const MDI100 = 3_609_375;
const two = (o: { a?: Parameters<typeof instanceConfig>[0]; b?: Parameters<typeof instanceConfig>[0]; g?: Parameters<typeof syncGroup>[2] } = {}) =>
  new Harness(
    [instanceConfig({ name: 'VI_1', vrid: 51, ...o.a }), instanceConfig({ name: 'VI_2', vrid: 52, vips: ['10.0.0.200'], ...o.b })],
    { syncGroups: [syncGroup('SG1', ['VI_1', 'VI_2'], o.g)] },
  );

describe('sync groups', () => {
  it('start: the group is announced BACKUP before the members enter BACKUP (init)', () => {
    const h = two();
    const out = summarize(h.start(0));
    expect(out.indexOf('group:SG1:INIT->BACKUP')).toBeLessThan(out.indexOf('log:(VI_1) Entering BACKUP STATE (init)'));
  });
  it('a member whose timer expires first waits until every member wants MASTER, then the group goes MASTER together', () => {
    const h = two({ a: { priority: 150 } });
    h.start(0);
    // VI_1 (150) expires first at 3.414 s but VI_2 does not want MASTER yet: it restarts its timer.
    h.tick(3_414_062);
    expect(h.state('VI_1')).toBe('BACKUP');
    expect(h.snap('VI_1').wantstate).toBe('MASTER');
    const out = h.runUntil(MDI100);
    expect(h.state('VI_1')).toBe('MASTER');
    expect(h.state('VI_2')).toBe('MASTER');
    expect(summarize(out)).toContain('log:VRRP_Group(SG1) Syncing instances to MASTER state');
    expect(summarize(out)).toContain('group:SG1:BACKUP->MASTER');
  });
  it('one member seeing a higher priority pulls the whole group to BACKUP', () => {
    const h = two();
    h.start(0);
    h.runUntil(MDI100);
    h.runUntil(MDI100 + 1);
    expect(h.core.snapshot().groups[0]!.state).toBe('MASTER');
    const out = h.advert(MDI100 + 500_000, { src: '10.0.0.2', priority: 200, vrid: 51 });
    expect(h.state('VI_1')).toBe('BACKUP');
    expect(h.state('VI_2')).toBe('BACKUP');
    expect(summarize(out)).toContain('log:VRRP_Group(SG1) Syncing instances to BACKUP state');
    expect(summarize(out).filter((x) => x === 'removeVips')).toHaveLength(2);
  });
  it('one member entering FAULT pulls the others to FAULT until no member is faulty', () => {
    const h = two({ b: { interface: 'eth1' } });
    h.step(0, { kind: 'interfaceAddress', ifname: 'eth1', family: 4, address: '10.1.0.1' });
    h.start(0);
    h.runUntil(MDI100);
    expect(h.state('VI_2')).toBe('MASTER');
    const out = h.step(MDI100 + 10, { kind: 'link', ifname: 'eth1', up: false });
    expect(h.state('VI_1')).toBe('FAULT');
    expect(h.state('VI_2')).toBe('FAULT');
    expect(summarize(out)).toContain('log:VRRP_Group(SG1) Syncing instances to FAULT state');
    expect(summarize(out)).toContain('group:SG1:MASTER->FAULT');
    h.step(MDI100 + 20, { kind: 'link', ifname: 'eth1', up: true });
    expect(h.state('VI_1')).toBe('BACKUP');
    expect(h.state('VI_2')).toBe('BACKUP');
    expect(h.core.snapshot().groups[0]!.state).toBe('BACKUP');
  });
  it('keepalived-compat: sync group FAULT bodge — a BACKUP member pulled to FAULT logs no "Entering FAULT STATE" but still reports BACKUP->FAULT', () => {
    const h = two({ b: { interface: 'eth1' } });
    h.step(0, { kind: 'interfaceAddress', ifname: 'eth1', family: 4, address: '10.1.0.1' });
    h.start(0);
    const out = summarize(h.step(1_000, { kind: 'link', ifname: 'eth1', up: false }));
    expect(out).toContain('log:(VI_2) Entering FAULT STATE');
    expect(out).not.toContain('log:(VI_1) Entering FAULT STATE');
    expect(out).toContain('transition:VI_1:BACKUP->FAULT');
    expect(out.indexOf('log:VRRP_Group(SG1) Syncing instances to FAULT state')).toBeLessThan(out.indexOf('transition:VI_1:BACKUP->FAULT'));
    expect(h.state('VI_1')).toBe('FAULT');
  });
  it('group trackers apply to every member', () => {
    const h = two({ g: { trackScripts: [track('gchk')] } });
    h.step(0, { kind: 'script', name: 'gchk', ok: true });
    h.start(0);
    h.step(10, { kind: 'script', name: 'gchk', ok: false });
    expect(h.state('VI_1')).toBe('FAULT');
    expect(h.state('VI_2')).toBe('FAULT');
  });
  it('a member already in its group\'s state after notifying does not notify again', () => {
    const h = two();
    h.start(0);
    h.runUntil(MDI100);
    h.runUntil(MDI100 + 1);
    h.advert(MDI100 + 500_000, { src: '10.0.0.2', priority: 200, vrid: 51 });
    const tr = h.effects().filter((e) => e.kind === 'transition' && e.to === 'BACKUP' && e.from === 'MASTER');
    expect(tr.map((e) => (e.kind === 'transition' ? e.notify : undefined))).toEqual([true, true]);
  });
  it('lower-priority GARPs are sent for the other members with garp_lower_prio_repeat too', () => {
    const h = two({ a: { garp: { lowerPrioRepeat: 1, lowerPrioDelay: 0 as never } }, b: { garp: { lowerPrioRepeat: 2, lowerPrioDelay: 0 as never } } });
    h.start(0);
    h.runUntil(MDI100);
    const out = summarize(h.advert(MDI100 + 500_000, { src: '10.0.0.2', priority: 50, vrid: 51 }));
    expect(out).toContain('garp:lower-prio:10.0.0.100x1');
    expect(out).toContain('garp:lower-prio:10.0.0.200x2');
  });
  it('mixed owner / non-owner members all start BACKUP with an error', () => {
    const h = two({ a: { priority: 255 } });
    const out = h.start(0);
    expect(summarize(out).some((x) => x.includes("has some member(s) as address owner and some not"))).toBe(true);
    expect(h.core.nextDeadline()).toBeGreaterThan(1);
  });
  it('stop: STOP for every instance, then for every group', () => {
    const h = two();
    h.start(0);
    h.runUntil(MDI100);
    const out = summarize(h.step(MDI100 + 5, { kind: 'stop' }), { logs: false });
    expect(out).toEqual(['sendAdvert:0', 'removeVips', 'sendAdvert:0', 'removeVips', 'transition:VI_1:MASTER->STOP', 'transition:VI_2:MASTER->STOP', 'group:SG1:MASTER->STOP']);
  });
});
