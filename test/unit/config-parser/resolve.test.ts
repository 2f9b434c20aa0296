// resolve.ts: defaults and keepalived 2.2.7's vrrp_complete_instance decisions.
import { describe, expect } from 'vitest';
import { inst, kaCases } from './ka-table.js';

describe('resolve', () => {
  kaCases('resolve', [
    { title: 'defaults', conf: inst(), rc: 0, check: (r) => expect(r.config!.instances[0]).toMatchObject({ state: 'BACKUP', priority: 100, version: 2, family: 4, accept: true, strict: false, trackProcesses: [] }) },
    { title: 'priority 255 derives MASTER', conf: inst('  priority 255'), rc: 0, check: (r) => expect(r.config!.instances[0]).toMatchObject({ state: 'MASTER', priority: 255 }) },
    { title: 'strict: state MASTER without owner corrected', conf: inst('  state MASTER\n  priority 100\n  strict_mode'), rc: 5, codes: ['strict-state-owner'], check: (r) => expect(r.config!.instances[0]!.state).toBe('BACKUP') },
    { title: 'strict: authentication ignored', conf: inst('  strict_mode\n  authentication {\n    auth_type PASS\n    auth_pass abc\n  }'), rc: 5, codes: ['strict-auth'], check: (r) => expect(r.config!.instances[0]!.auth).toEqual({ type: 'NONE' }) },
    { title: 'owner with nopreempt: nopreempt cleared', conf: inst('  priority 255\n  nopreempt'), rc: 5, codes: ['nopreempt-owner'], check: (r) => expect(r.config!.instances[0]!.nopreempt).toBe(false) },
    {
      title: 'sync group member: weighted track_script dropped',
      conf: 'vrrp_script s {\n  script /bin/true\n  weight 10\n}\n' + inst('  track_script {\n    s\n  }') + inst('', 'VI_2', 52) + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n',
      rc: undefined, // keepalived also reports the script security violation for /bin/true on a real host
      codes: ['tracker-weight-dropped'],
      check: (r) => expect(r.config!.instances[0]!.trackScripts).toEqual([]),
    },
    { title: 'duplicate VRID on one interface', conf: inst() + inst('', 'VI_2', 51).replace('10.0.0.51', '10.0.0.99'), rc: 5, codes: ['duplicate-vrid'] },
    {
      title: 'same VRID with disjoint unicast peers is fine',
      conf: inst('  unicast_src_ip 10.0.0.5\n  unicast_peer {\n    10.0.0.6\n  }') + inst('  unicast_src_ip 10.0.0.5\n  unicast_peer {\n    10.0.0.7\n  }', 'VI_2', 51).replace('10.0.0.51/24\n  }\n  unicast', '10.0.0.52/24\n  }\n  unicast'),
      rc: 0,
    },
    {
      title: 'same VRID with overlapping unicast peers',
      conf: inst('  unicast_src_ip 10.0.0.5\n  unicast_peer {\n    10.0.0.6\n  }') + inst('  unicast_src_ip 10.0.0.5\n  unicast_peer {\n    10.0.0.6\n  }', 'VI_2', 51),
      rc: 5,
      codes: ['duplicate-vrid'],
    },
    {
      title: 'IPv6 VIP implies VRRPv3',
      conf: 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    fe80::10/64\n  }\n}\n',
      rc: 0,
      check: (r) => expect(r.config!.instances[0]).toMatchObject({ family: 6, version: 3 }),
    },
    {
      title: 'more VIPs than one advert carries: the excess become excluded',
      conf: `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n${Array.from({ length: 300 }, (_, i) => `    10.1.${i >> 8}.${i & 255}`).join('\n')}\n  }\n}\n`,
      rc: 5,
      codes: ['too-many-vips'],
      check: (r) => expect(r.config!.instances[0]!.vips.length + r.config!.instances[0]!.excludedVips.length).toBe(300),
    },
    { title: 'missing virtual_router_id', conf: 'vrrp_instance VI_1 {\n  interface eth0\n}\n', rc: 5, codes: ['missing-vrid'], check: (r) => expect(r.config!.instances).toEqual([]) },
  ]);
});
