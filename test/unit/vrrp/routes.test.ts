// virtual_routes / virtual_rules through the core (reference §1.9.3, §3.5–§3.7; keepalived 2.2.7
// `vrrp_state_become_master()`: VIPs, eVIPs, routes, rules; `vrrp_restore_interface()`: rules, routes,
// then VIPs; `clear_diff_vrrp_vroutes()` / `restore_vrrp_state()` on reload).
import { describe, expect, it } from 'vitest';
import type { VrrpInstanceConfig } from '../../../src/config-parser/types.js';
import { planReload } from '../../../src/vrrp/reload-plan.js';
import type { Effect } from '../../../src/vrrp/effects.js';
import { routeTrackedInterfaces } from '../../../src/vrrp/route-interfaces.js';
import { daemonConfig, instanceConfig } from '../../support/config.js';
import { Harness, summarize } from '../../support/sim.js';

const MDI100 = 3_609_375;
const ROUTES = ['192.168.50.0/24 via 10.0.0.254 dev eth0', '192.168.60.0/24 dev eth0 table 100 no_track'];
const RULES = ['from 10.0.0.100 table 100 preference 100'];
const withRoutes = (o: Partial<VrrpInstanceConfig> = {}): VrrpInstanceConfig =>
  instanceConfig({ vips: ['10.0.0.100'], virtualRoutes: ROUTES, virtualRules: RULES, ...o });
const kinds = (out: readonly Effect[]): string[] => summarize(out, { logs: false });
const master = (h: Harness): void => {
  h.start(0);
  h.runUntil(MDI100);
  expect(h.state()).toBe('MASTER');
};
function reload(h: Harness, t: number, instances: readonly VrrpInstanceConfig[]): readonly Effect[] {
  const config = daemonConfig({ instances });
  return h.step(t, { kind: 'reload', config, plan: planReload(h.core.currentConfig, config) });
}
const routeEffects = (out: readonly Effect[]) => out.filter((e) => e.kind === 'addRoutes' || e.kind === 'removeRoutes');

describe('virtual routes and rules', () => {
  it('becoming MASTER: VIPs, then routes and rules, then GARP and the transition; -D logs the keepalived lines', () => {
    const h = new Harness([withRoutes()]);
    h.start(0);
    const out = h.runUntil(MDI100);
    expect(kinds(out)).toEqual(['sendAdvert:100', 'addVips', 'addRoutes', 'garp:master:10.0.0.100x5', 'transition:VI_1:BACKUP->MASTER']);
    expect(routeEffects(out)).toEqual([{ kind: 'addRoutes', instance: 'VI_1', routes: ROUTES, rules: RULES }]);
    expect(summarize(out)).toContain('log:(VI_1) setting Virtual Routes');
    expect(summarize(out)).toContain('log:(VI_1) setting Virtual Rules');
  });
  it('an instance without routes or rules emits no route effect; start removes no routes', () => {
    const h = new Harness([instanceConfig({ vips: ['10.0.0.100'] })]);
    const start = h.start(0);
    master(h);
    expect(routeEffects(h.effects())).toEqual([]);
    expect(routeEffects(start)).toEqual([]);
  });
  it('routes only (no VIPs) are still added', () => {
    const h = new Harness([instanceConfig({ vips: [], virtualRoutes: ROUTES })]);
    master(h);
    expect(routeEffects(h.effects())).toEqual([{ kind: 'addRoutes', instance: 'VI_1', routes: ROUTES, rules: [] }]);
  });
  it('MASTER → BACKUP: routes and rules removed before the VIPs', () => {
    // Healing off (src/vrrp/healing.ts): no step-down notice advert in the way of the order under test.
    const h = new Harness([withRoutes({ healing: { reannounce: false, rerunNotifyMaster: false } })]);
    master(h);
    const out = h.advert(MDI100 + 10, { src: '10.0.0.2', priority: 200 });
    expect(kinds(out)).toEqual(['removeRoutes', 'removeVips', 'transition:VI_1:MASTER->BACKUP']);
    expect(routeEffects(out)).toEqual([{ kind: 'removeRoutes', instance: 'VI_1', routes: ROUTES, rules: RULES, reason: 'leave-master' }]);
    const logs = summarize(out).filter((l) => l.includes('Virtual'));
    expect(logs).toEqual(['log:(VI_1) removing Virtual Rules', 'log:(VI_1) removing Virtual Routes']);
  });
  it('MASTER → FAULT: priority-0 adverts, routes removed, VIPs removed', () => {
    const h = new Harness([withRoutes()]);
    master(h);
    const out = h.step(MDI100 + 10, { kind: 'link', ifname: 'eth0', up: false });
    expect(kinds(out)).toEqual(['sendAdvert:0', 'sendAdvert:0', 'removeRoutes', 'removeVips', 'transition:VI_1:MASTER->FAULT']);
  });
  it('a BACKUP leaving for FAULT removes nothing', () => {
    const h = new Harness([withRoutes()]);
    h.start(0);
    const out = h.step(10, { kind: 'link', ifname: 'eth0', up: false });
    expect(routeEffects(out)).toEqual([]);
  });
  it('stop: priority 0, routes, VIPs, STOP', () => {
    const h = new Harness([withRoutes()]);
    master(h);
    const out = h.step(MDI100 + 10, { kind: 'stop' });
    expect(kinds(out)).toEqual(['sendAdvert:0', 'removeRoutes', 'removeVips', 'transition:VI_1:MASTER->STOP']);
    expect(routeEffects(out)[0]).toMatchObject({ reason: 'shutdown' });
  });
  it('reload of a kept MASTER: the gone items removed first, then the VIPs, then every new item added', () => {
    const h = new Harness([withRoutes()]);
    master(h);
    const newRoutes = [ROUTES[0]!, '192.168.70.0/24 dev eth0'];
    const out = reload(h, MDI100 + 10, [withRoutes({ virtualRoutes: newRoutes, virtualRules: [] })]);
    expect(kinds(out)).toEqual(['sendAdvert:100', 'removeRoutes', 'addVips', 'addRoutes', 'sendAdvert:100']);
    expect(routeEffects(out)).toEqual([
      { kind: 'removeRoutes', instance: 'VI_1', routes: [ROUTES[1]], rules: RULES, reason: 'reload' },
      { kind: 'addRoutes', instance: 'VI_1', routes: newRoutes, rules: [] },
    ]);
  });
  it('reload of a kept MASTER with the same items re-adds them (idempotent repair) and removes nothing', () => {
    const h = new Harness([withRoutes()]);
    master(h);
    const out = reload(h, MDI100 + 10, [withRoutes()]);
    expect(routeEffects(out).map((e) => e.kind)).toEqual(['addRoutes']);
  });
  it('a removed MASTER releases its routes; a kept MASTER whose items are all gone removes them all', () => {
    const h = new Harness([withRoutes(), withRoutes({ name: 'VI_2', vrid: 52, priority: 50, virtualRoutes: ['10.9.0.0/16 dev eth0'] })]);
    h.start(0);
    h.runUntil(MDI100 + 4_000_000);
    expect(h.state('VI_1')).toBe('MASTER');
    // VI_2 (priority 50) is MASTER too: no peer on the simulated wire.
    expect(h.state('VI_2')).toBe('MASTER');
    const out = reload(h, MDI100 + 5_000_000, [withRoutes({ virtualRoutes: [], virtualRules: [] })]);
    const removed = routeEffects(out).find((e) => e.kind === 'removeRoutes' && e.instance === 'VI_2');
    expect(removed).toMatchObject({ routes: ['10.9.0.0/16 dev eth0'], reason: 'reload' });
    const kept = routeEffects(out).filter((e) => e.instance === 'VI_1');
    expect(kept).toEqual([{ kind: 'removeRoutes', instance: 'VI_1', routes: ROUTES, rules: RULES, reason: 'reload' }]);
  });
});

describe('route and rule interfaces are tracked (reference §3.9)', () => {
  it('routeTrackedInterfaces: dev / oif before nexthop, rule dev / iif / oif, not no_track', () => {
    expect(routeTrackedInterfaces(
      ['10.1.0.0/16 dev eth1', '10.2.0.0/16 via 10.0.0.1 oif eth2', '10.3.0.0/16 dev eth3 no_track', '10.4.0.0/16 nexthop via 10.0.0.1 dev eth4', 'blackhole 10.5.0.0/16'],
      ['from 10.0.0.100 iif eth5 table 1', 'to 10.6.0.0/16 oif eth6 table 1', 'from all dev eth7 table 1 no_track'],
    )).toEqual(['eth1', 'eth2', 'eth5', 'eth6']);
  });
  it('a route interface going down faults a MASTER (routes removed); up again: back to BACKUP', () => {
    const h = new Harness([withRoutes({ virtualRoutes: ['192.168.50.0/24 dev eth1', '10.9.0.0/16 dev eth2 no_track'] })]);
    master(h);
    expect(routeEffects(h.step(MDI100 + 10, { kind: 'link', ifname: 'eth2', up: false }))).toEqual([]);
    expect(h.state()).toBe('MASTER');
    const out = h.step(MDI100 + 20, { kind: 'link', ifname: 'eth1', up: false });
    expect(h.state()).toBe('FAULT');
    expect(summarize(out)[0]).toBe('log:(VI_1): entering FAULT state (interface eth1 down)');
    expect(kinds(out)).toContain('removeRoutes');
    h.step(MDI100 + 30, { kind: 'link', ifname: 'eth1', up: true });
    expect(h.state()).toBe('BACKUP');
  });
});
