// The start-up rehearsal of the takeover path (issue 12 §4): a throw-away core, fed the real core's
// inputs, takes every instance through its first down-timer expiry to MASTER and its adverts, and the
// real core it was modelled on is left as it was.
import { describe, expect, it } from 'vitest';
import { rehearseTakeover } from '../../../src/runtime/rehearse.js';
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
});
