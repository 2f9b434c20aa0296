// The `garp` operator command (also what a failed verify attempt sends, issue 11 §3): a GARP burst that
// leaves the MASTER's advert timer alone.
import { describe, expect, it } from 'vitest';
import { VrrpCore } from '../../../src/vrrp/core.js';
import { micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig } from '../../support/config.js';

describe('garp command', () => {
  it('sends the burst and does not move the next advert (it used to re-arm the timer a full advert_int later)', () => {
    const core = new VrrpCore(daemonConfig({ instances: [instanceConfig({ priority: 150, garp: { masterDelay: micros(0) } })] }));
    core.step(micros(0), { kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: '10.0.0.1' });
    core.step(micros(0), { kind: 'start' });
    for (let k = 0; k < 10 && core.snapshot().instances[0]!.state !== 'MASTER'; k++) core.step(core.nextDeadline()!, { kind: 'tick' });
    expect(core.snapshot().instances[0]!.state).toBe('MASTER');
    const due = core.snapshot().instances[0]!.sands!;
    const at = micros(due - 400_000);
    const effects = core.step(at, { kind: 'command', command: { type: 'garp', instance: 'VI_1' } });
    expect(effects.filter((e) => e.kind === 'sendGarp').map((e) => e.kind === 'sendGarp' && e.repeat * e.addresses.length)).toEqual([5]);
    expect(core.snapshot().instances[0]!.sands).toBe(due);
    expect(core.nextDeadline()).toBe(due);
  });
});
