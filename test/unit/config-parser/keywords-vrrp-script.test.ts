// vrrp_script keyword table (keepalived 2.2.7 vrrp_parser.c vrrp_vscript_*).
import { describe, expect } from 'vitest';
import { inst, kaCases } from './ka-table.js';

const s = (body: string): string => `vrrp_script chk {\n${body}\n}\n${inst('  track_script {\n    chk\n  }')}`;

describe('vrrp_script', () => {
  kaCases('vrrp-script', [
    {
      title: 'script with all keywords',
      conf: s('  script "/nonexistent/chk.sh arg1"\n  interval 2\n  timeout 3\n  weight -20 reverse\n  rise 2\n  fall 3\n  init_fail'),
      // keepalived -t exits 5 here only because /nonexistent/chk.sh is missing: script files are checked after
      // parsing by the CLI's host check (src/tracking/trackers.ts), not by the pure parser.
      rc: undefined,
      check: (r) => {
        expect(r.config!.scripts[0]).toMatchObject({ name: 'chk', interval: 2_000_000, timeout: 3_000_000, weight: -20, reverse: true, rise: 2, fall: 3, initFail: true });
        expect(r.config!.scripts[0]!.command.argv).toEqual(['/nonexistent/chk.sh', 'arg1']);
        expect(r.config!.instances[0]!.trackScripts).toEqual([{ name: 'chk', weight: -20, reverse: false }]);
      },
    },
    { title: 'timeout defaults to interval', conf: s('  script /nonexistent/x\n  interval 5'), rc: undefined, check: (r) => expect(r.config!.scripts[0]!.timeout).toBe(5_000_000) },
    // keepalived 2.4.3 deliberately differs from 2.2.7 (which refused fractions with -t exit 5): decimal seconds, ms resolution.
    { title: 'fractional interval accepted as in 2.4.3', conf: s('  script /nonexistent/x\n  interval 1.5\n  timeout 0.25'), rc: 0, check: (r) => { expect(r.config!.scripts[0]!.interval).toBe(1_500_000); expect(r.config!.scripts[0]!.timeout).toBe(250_000); } },
    { title: 'interval with more than 3 decimal places is reported and rounded', conf: s('  script /nonexistent/x\n  interval 1.0005'), rc: 5, codes: ['too-many-decimal-places'], check: (r) => expect(r.config!.scripts[0]!.interval).toBe(1_001_000) },
    { title: 'interval 0 set to 1', conf: s('  script /nonexistent/x\n  interval 0'), rc: 5, codes: ['interval-zero'], check: (r) => expect(r.config!.scripts[0]!.interval).toBe(1_000_000) },
    { title: 'weight 254 out of range', conf: s('  script /nonexistent/x\n  weight 254'), rc: 5, codes: ['weight-out-of-range'], check: (r) => expect(r.config!.scripts[0]!.weight).toBe(0) },
    { title: 'rise 0 refused', conf: s('  script /nonexistent/x\n  rise 0'), rc: 5, check: (r) => expect(r.config!.scripts[0]!.rise).toBe(1) },
    { title: 'no script: block removed, tracking it fails', conf: s('  interval 2'), rc: 5, codes: ['script-no-command', 'unknown-track-script'], check: (r) => expect(r.config!.scripts).toEqual([]) },
    { title: 'script keyword without a value is not fatal', conf: s('  script'), rc: 5, codes: ['script-no-command'] },
    { title: 'interval without a value stops the parse', conf: s('  script /nonexistent/x\n  interval'), rc: 2, codes: ['missing-parameter'] },
    {
      title: 'unused script is reported and dropped',
      conf: `vrrp_script other {\n  script /nonexistent/x\n}\n${inst()}`,
      rc: 5, codes: ['script-unused'], check: (r) => expect(r.config!.scripts).toEqual([]),
    },
  ]);
});
