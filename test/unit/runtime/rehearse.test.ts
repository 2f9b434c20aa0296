// The start-up rehearsal of the takeover path (issue 12 §4): a throw-away core, fed the real core's
// inputs, takes every instance through its first down-timer expiry to MASTER and its adverts, and the
// real core it was modelled on is left as it was.
import { describe, expect, it } from 'vitest';
import { rehearsalConfig, rehearseTakeover } from '../../../src/runtime/rehearse.js';
import { VrrpCore } from '../../../src/vrrp/core.js';
import type { Input } from '../../../src/vrrp/effects.js';
import type { Micros } from '../../../src/net/units.js';
import { configFromText, instanceText } from '../../support/config-text.js';

const env: Input[] = [
  { kind: 'link', ifname: 'eth0', up: true },
  { kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: '10.0.0.2' },
];

describe('rehearseTakeover', () => {
  it('takes every BACKUP instance (v2 and v3) to MASTER and through its adverts, within the step bound', () => {
    const config = configFromText(
      [
        instanceText({ name: 'VI_1', vrid: 1 }),
        instanceText({ name: 'VI_2', vrid: 2, version: 3, advertInt: 0.1, vips: ['10.0.0.102'] }),
        instanceText({ name: 'VI_3', vrid: 3, priority: 50, vips: ['10.0.0.103'] }),
      ].join('\n'),
    );
    const r = rehearseTakeover(config, {}, env);
    expect(r.masters).toBe(3);
    expect(r.adverts).toBeGreaterThanOrEqual(3);
    expect(r.steps).toBeLessThanOrEqual(64 + 8 * 3);
  });

  it('stops at the step bound when an instance can never become MASTER (its interface is down)', () => {
    const config = configFromText(instanceText({ name: 'VI_1', vrid: 1 }));
    const r = rehearseTakeover(config, {}, [{ kind: 'link', ifname: 'eth0', up: false }], 10);
    expect(r.masters).toBe(0);
    expect(r.steps).toBeLessThanOrEqual(10);
  });

  it('leaves the real core alone: its state and next deadline are those of a core never rehearsed', () => {
    const config = configFromText(instanceText({ name: 'VI_1', vrid: 1 }));
    const real = new VrrpCore(config);
    const twin = new VrrpCore(config);
    for (const c of [real, twin]) {
      for (const i of env) c.step(0 as Micros, i);
      c.step(0 as Micros, { kind: 'start' });
    }
    rehearseTakeover(config, {}, env);
    expect(real.nextDeadline()).toBe(twin.nextDeadline());
    expect(real.snapshot()).toEqual(twin.snapshot());
  });

  it('rehearses one instance of each kind: 40 alike are one, a v3 one is another, a sync group keeps its members', () => {
    const alike = Array.from({ length: 40 }, (_, k) => instanceText({ name: `VI_${k + 1}`, vrid: k + 1, vips: [`10.0.${k}.1`] }));
    const v3 = instanceText({ name: 'V3', vrid: 100, version: 3, advertInt: 0.1, vips: ['10.1.0.1'] });
    expect(rehearsalConfig(configFromText(alike.join('\n'))).instances.map((i) => i.name)).toEqual(['VI_1']);
    expect(rehearsalConfig(configFromText([...alike, v3].join('\n'))).instances.map((i) => i.name)).toEqual(['VI_1', 'V3']);
    const grouped = configFromText([...alike.slice(0, 4), 'vrrp_sync_group G1 {', '  group {', '    VI_2', '    VI_3', '  }', '}', 'vrrp_sync_group G2 {', '  group {', '    VI_4', '  }', '}'].join('\n'));
    const r = rehearsalConfig(grouped);
    expect(r.instances.map((i) => i.name)).toEqual(['VI_1', 'VI_2', 'VI_3']);
    expect(r.syncGroups.map((g) => g.name)).toEqual(['G1']);
    expect(rehearseTakeover(r, {}, env).masters).toBe(3);
  });
});
