// keepalived 2.2.7 parser behaviours marked `keepalived-compat` in src/config-parser that no other test
// showed: defined-before-use of vrrp_script, a bad VIP prefix length, and weighted process tracking on a
// sync group with an address-owner member.
import { describe, expect, it } from 'vitest';
import { parseText } from '../../support/parse-text.js';

const inst = (extra: string, name = 'VI_1', vrid = 51, priority = 100): string =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${priority}\n${extra}\n  virtual_ipaddress {\n    10.0.0.${vrid}\n  }\n}\n`;
const script = 'vrrp_script chk {\n  script "/usr/local/bin/chk"\n  weight -20\n}\n';

describe('keepalived-compat in the parser', () => {
  it('a vrrp_script defined after the instance that tracks it is not found: reported, not tracked', () => {
    const after = parseText(inst('  track_script {\n    chk\n  }') + script);
    expect(after.diagnostics.map((d) => d.code)).toContain('unknown-track-script');
    expect(after.config!.instances[0]!.trackScripts).toEqual([]);
    const before = parseText(script + inst('  track_script {\n    chk\n  }'));
    expect(before.diagnostics.map((d) => d.code)).not.toContain('unknown-track-script');
    expect(before.config!.instances[0]!.trackScripts).toEqual([{ name: 'chk', weight: -20, reverse: false }]);
  });

  it('a VIP with a bad prefix length is reported and gets the full length', () => {
    const r = parseText('vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    10.0.0.100/99\n  }\n}\n');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['invalid-prefix']);
    expect(r.config!.instances[0]!.vips.map((v) => `${v.address}/${v.prefix}`)).toEqual(['10.0.0.100/32']);
  });

  it('weighted track_process on a sync group with an address-owner member is dropped with an error', () => {
    const proc = 'vrrp_track_process P1 {\n  process nginx\n  weight 10\n}\n';
    const group = 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  track_process {\n    P1\n  }\n}\n';
    const owner = parseText(proc + inst('', 'VI_1', 51, 255) + inst('', 'VI_2', 52) + group);
    expect(owner.diagnostics.map((d) => d.code)).toContain('tracker-weight-dropped');
    const plain = parseText(proc + inst('', 'VI_1', 51) + inst('', 'VI_2', 52) + group);
    expect(plain.diagnostics.map((d) => d.code)).not.toContain('tracker-weight-dropped');
  });
});
