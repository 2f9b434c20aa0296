// Rate-limited drop logging (ARCHITECTURE.md §4.1): counters per reason, bounded logging.
import { describe, expect, it } from 'vitest';
import { DropLog, DROP_REASONS } from '../../../src/vrrp/drop-log.js';
import { micros } from '../../../src/net/units.js';

describe('DropLog', () => {
  it('counts every drop, logs the first and then once per interval with the suppressed count', () => {
    const d = new DropLog(1_000_000);
    expect(d.record('chk_err', micros(0))).toEqual({ log: true, suppressed: 0 });
    expect(d.record('chk_err', micros(10))).toEqual({ log: false, suppressed: 0 });
    expect(d.record('chk_err', micros(20))).toEqual({ log: false, suppressed: 0 });
    expect(d.record('vers_err', micros(30))).toEqual({ log: true, suppressed: 0 });
    expect(d.record('chk_err', micros(1_000_000))).toEqual({ log: true, suppressed: 2 });
    expect(d.count('chk_err')).toBe(4);
    d.resetLogLimit();
    expect(d.record('chk_err', micros(1_000_001)).log).toBe(true);
  });
  it('snapshot has every reason; a flood of a million drops stays a counter', () => {
    const d = new DropLog();
    let logged = 0;
    for (let i = 0; i < 1_000_000; i++) if (d.record('too_short', micros(i)).log) logged++;
    expect(logged).toBe(1);
    const s = d.snapshot();
    expect(Object.keys(s)).toEqual([...DROP_REASONS]);
    expect(s.too_short).toBe(1_000_000);
  });
});
