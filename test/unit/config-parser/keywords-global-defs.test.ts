// global_defs keyword table (keepalived 2.2.7 global_parser.c), values and -t exit codes.
import { describe, expect } from 'vitest';
import { inst, kaCases } from './ka-table.js';

const g = (body: string): string => `global_defs {\n${body}\n}\n${inst()}`;

describe('global_defs', () => {
  kaCases('global-defs', [
    {
      title: 'common keywords kept',
      conf: g('  router_id LVS_1\n  notification_email {\n    a@b.c\n  }\n  notification_email_from x@y.z\n  smtp_server 10.0.0.9 2525\n  smtp_connect_timeout 30\n  vrrp_version 3\n  vrrp_mcast_group4 224.0.0.19\n  vrrp_skip_check_adv_addr\n  vrrp_garp_master_delay 3\n  vrrp_garp_master_repeat 2'),
      rc: 0,
      check: (r) => {
        expect(r.config!.global).toMatchObject({
          routerId: 'LVS_1', notificationEmail: ['a@b.c'], notificationEmailFrom: 'x@y.z', smtpServer: { host: '10.0.0.9', port: 2525 },
          smtpConnectTimeout: 30_000_000, vrrpVersion: 3, vrrpMcastGroup4: '224.0.0.19', skipCheckAdvAddr: true,
        });
        expect(r.config!.global.garp).toMatchObject({ masterDelay: 3_000_000, masterRepeat: 2 });
        expect(r.config!.instances[0]!.version).toBe(3);
      },
    },
    { title: 'vrrp_garp_interval 0 is out of range', conf: g('  vrrp_garp_interval 0'), rc: 5, codes: ['number-out-of-range'], check: (r) => expect(r.config!.global.garpInterval).toBe(0) },
    { title: 'vrrp_garp_interval 0.001 accepted', conf: g('  vrrp_garp_interval 0.001'), rc: 0, check: (r) => expect(r.config!.global.garpInterval).toBe(1000) },
    { title: 'vrrp_version 4 refused', conf: g('  vrrp_version 4'), rc: 5, codes: ['number-out-of-range'], check: (r) => expect(r.config!.global.vrrpVersion).toBe(2) },
    { title: 'vrrp_mcast_group4 not multicast', conf: g('  vrrp_mcast_group4 10.0.0.1'), rc: 5, codes: ['not-multicast'], check: (r) => expect(r.config!.global.vrrpMcastGroup4).toBe('224.0.0.18') },
    { title: 'router_id without a value is an error, not a missing parameter', conf: g('  router_id'), rc: 5, codes: ['missing-value'] },
    { title: 'vrrp_version without a value stops the parse', conf: g('  vrrp_version'), rc: 2, codes: ['missing-parameter'] },
    { title: 'unknown keyword', conf: g('  router_idd x'), rc: 5, codes: ['unknown-keyword'] },
    { title: 'LVS / SNMP keywords accepted and ignored', conf: g('  lvs_flush\n  enable_snmp_vrrp\n  max_auto_priority 10'), rc: 0 },
    { title: 'vrrp_strict applies strict mode to instances', conf: g('  vrrp_strict'), rc: 0, check: (r) => expect(r.config!.instances[0]).toMatchObject({ strict: true, accept: false, lowerPrioNoAdvert: true }) },
    { title: 'deprecated vrrp_vmac_garp_intvl', conf: g('  vrrp_vmac_garp_intvl 10'), rc: 5, codes: ['deprecated-keyword'] },
  ]);
});
