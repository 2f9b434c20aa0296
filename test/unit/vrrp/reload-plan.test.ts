// SIGHUP matching (reference §3.15): instances carry over by wire identity, not by name.
import { describe, expect, it } from 'vitest';
import { instanceKey, planReload } from '../../../src/vrrp/reload-plan.js';
import { daemonConfig, instanceConfig } from '../../support/config.js';

const a = instanceConfig({ name: 'VI_1', interface: 'eth0', vrid: 51, priority: 150 });
const b = instanceConfig({ name: 'VI_2', interface: 'eth0', vrid: 52 });

describe('planReload', () => {
  it('keeps an unchanged instance, unchanged', () => {
    const plan = planReload(daemonConfig({ instances: [a, b] }), daemonConfig({ instances: [a, b] }));
    expect(plan).toEqual({ kept: [{ from: 'VI_1', to: 'VI_1', changed: false }, { from: 'VI_2', to: 'VI_2', changed: false }], removed: [], added: [] });
  });
  it('matches a renamed instance by VRID, family and interface (not by name)', () => {
    const renamed = { ...a, name: 'HAVIP' };
    const plan = planReload(daemonConfig({ instances: [a] }), daemonConfig({ instances: [renamed] }));
    expect(plan.kept).toEqual([{ from: 'VI_1', to: 'HAVIP', changed: true }]);
  });
  it('treats a new priority as a change of the same instance', () => {
    const plan = planReload(daemonConfig({ instances: [a] }), daemonConfig({ instances: [{ ...a, priority: 90 }] }));
    expect(plan.kept).toEqual([{ from: 'VI_1', to: 'VI_1', changed: true }]);
  });
  it('a changed VRID is a removed instance and an added one', () => {
    const plan = planReload(daemonConfig({ instances: [a] }), daemonConfig({ instances: [{ ...a, vrid: 60 }] }));
    expect(plan).toEqual({ kept: [], removed: ['VI_1'], added: ['VI_1'] });
  });
  it('unicast and multicast instances with one VRID are different instances', () => {
    const uni = { ...a, unicastSrcIp: '10.0.0.1', unicastPeers: [{ address: '10.0.0.2' }] };
    expect(instanceKey(uni)).not.toBe(instanceKey(a));
    const plan = planReload(daemonConfig({ instances: [a] }), daemonConfig({ instances: [uni] }));
    expect(plan.removed).toEqual(['VI_1']);
    expect(plan.added).toEqual(['VI_1']);
  });
});
