// Edge faults in the core (src/vrrp/edge-faults.ts and VrrpCore): a VIP fault holds its instance in FAULT,
// follows a rename at reload, clears when an interface it failed on comes up, and silences the instance's
// GARPs meanwhile (except the one on leaving FAULT).
import { describe, expect, it } from 'vitest';
import { EDGE_FAULT, EdgeFaults } from '../../../src/vrrp/edge-faults.js';
import type { Effect } from '../../../src/vrrp/effects.js';
import { daemonConfig, instanceConfig, vip } from '../../support/config.js';
import { Harness } from '../../support/sim.js';

const garp = (instance: string, reason: 'master' | 'leave-fault'): Effect => ({ kind: 'sendGarp', instance, ifname: 'eth0', family: 4, addresses: ['10.0.0.100'], repeat: 1, reason }) as Effect;

describe('EdgeFaults', () => {
  it('reports changes only, keeps VIP interfaces, clears on interface up, follows renames', () => {
    const f = new EdgeFaults();
    expect(f.set('VI_1', EDGE_FAULT.vipAdd, true, ['eth1'])).toBe(true);
    expect(f.set('VI_1', EDGE_FAULT.vipAdd, true, ['eth1'])).toBe(false);
    expect(f.set('VI_1', EDGE_FAULT.socket, true)).toBe(true);
    expect(f.of('VI_1')).toEqual(['vip-add', 'socket']);
    expect(f.interfaceUp('eth0')).toEqual([]);
    f.reload({ kept: [{ from: 'VI_1', to: 'VI_X' }], removed: [], added: [] });
    expect(f.of('VI_1')).toEqual([]);
    expect(f.interfaceUp('eth1')).toEqual(['VI_X']);
    expect(f.of('VI_X')).toEqual(['socket']);
    f.reload({ kept: [], removed: ['VI_X'], added: [] });
    expect(f.of('VI_X')).toEqual([]);
  });
});

describe('VrrpCore edge faults', () => {
  it('a VIP fault puts the instance in FAULT, a link up on its interface lets it try again', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.step(1, { kind: 'fault', instance: 'VI_1', reason: EDGE_FAULT.vipAdd, active: true, interfaces: ['eth0'] });
    expect(h.state()).toBe('FAULT');
    expect(h.core.stillWanted(garp('VI_1', 'master'))).toBe(false);
    expect(h.core.stillWanted(garp('VI_1', 'leave-fault'))).toBe(true);
    h.step(2, { kind: 'link', ifname: 'eth1', up: true });
    expect(h.state()).toBe('FAULT');
    const out = h.step(3, { kind: 'link', ifname: 'eth0', up: true });
    expect(out.some((e) => e.kind === 'log' && e.event === 'vip.retry' && e.msg === '(VI_1) eth0 is up - clearing the VIP fault')).toBe(true);
    expect(h.state()).toBe('BACKUP');
    expect(h.core.stillWanted(garp('VI_1', 'master'))).toBe(true);
  });
  it('no GARP on loopback or without an interface', () => {
    const h = new Harness([instanceConfig()]);
    expect(h.core.stillWanted({ ...garp('VI_1', 'master'), ifname: 'lo' } as Effect)).toBe(false);
    expect(h.core.stillWanted({ ...garp('VI_1', 'master'), ifname: '' } as Effect)).toBe(false);
    expect(h.core.stillWanted(garp('VI_1', 'master'))).toBe(true);
  });
  it('a renamed instance keeps its VIP fault across a reload', () => {
    const h = new Harness([instanceConfig()]);
    h.start(0);
    h.step(1, { kind: 'fault', instance: 'VI_1', reason: EDGE_FAULT.vipAdd, active: true, interfaces: ['eth0'] });
    h.step(2, { kind: 'reload', config: daemonConfig({ instances: [instanceConfig({ name: 'VI_R' })] }) });
    expect(h.state('VI_R')).toBe('FAULT');
    expect(h.core.stillWanted(garp('VI_R', 'master'))).toBe(false);
    h.step(3, { kind: 'link', ifname: 'eth0', up: false, added: true });
    expect(h.core.stillWanted(garp('VI_R', 'master'))).toBe(true);
  });
  it('adverts carry the IPv4 IP ID (1, 2, …) and VIP effects each VIP interface', () => {
    const h = new Harness([instanceConfig({ vips: ['10.0.0.100', vip('10.1.0.100', { dev: 'eth1' })] })]);
    h.start(0);
    const out = h.runUntil(10_000_000);
    const ids = out.flatMap((e) => (e.kind === 'sendAdvert' ? [e.ipId] : []));
    expect(ids.slice(0, 3)).toEqual([1, 2, 3]);
    const add = out.find((e) => e.kind === 'addVips');
    expect(add?.kind === 'addVips' && add.interfaces).toEqual(['eth0', 'eth1']);
  });
});
