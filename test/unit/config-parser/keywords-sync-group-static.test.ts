// vrrp_sync_group and static_* blocks (keepalived 2.2.7 vrrp_parser.c, vrrp_sync.c, vrrp_iproute.c, vrrp_iprule.c).
import { describe, expect } from 'vitest';
import { inst, kaCases } from './ka-table.js';

const two = inst() + inst('', 'VI_2', 52);

describe('vrrp_sync_group', () => {
  kaCases('sync-group', [
    {
      title: 'members, notify and flags kept; may come before its instances',
      conf: 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  notify_priority_changes\n  sync_group_tracking_weight\n}\n' + two,
      rc: 0,
      check: (r) => {
        expect(r.config!.syncGroups[0]).toMatchObject({ name: 'G', members: ['VI_1', 'VI_2'], notifyPriorityChanges: true, syncGroupTrackingWeight: true });
        expect(r.config!.instances.map((i) => i.syncGroup)).toEqual(['G', 'G']);
      },
    },
    { title: 'one member warns', conf: two + 'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n', rc: 5, codes: ['sync-group-one-member'] },
    { title: 'unknown member', conf: two + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n    VI_9\n  }\n}\n', rc: 5, codes: ['sync-group-unknown-member'], check: (r) => expect(r.config!.syncGroups[0]!.members).toEqual(['VI_1', 'VI_2']) },
    { title: 'instance in two groups', conf: two + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\nvrrp_sync_group H {\n  group {\n    VI_1\n    VI_2\n  }\n}\n', rc: 5, codes: ['sync-group-member-twice'] },
    { title: 'global_tracking is deprecated', conf: two + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  global_tracking\n}\n', rc: 5, codes: ['deprecated-keyword'] },
  ]);
});

describe('static_ipaddress / static_routes / static_rules', () => {
  kaCases('static', [
    {
      title: 'items kept',
      conf: 'static_ipaddress {\n  192.168.9.1/24 dev eth0 scope link\n}\nstatic_routes {\n  192.168.50.0/24 via 10.0.0.1 dev eth0\n  192.168.51.0/24 via 10.0.0.1 no_track\n}\nstatic_rules {\n  from 10.1.0.0/16 table 100 preference 100\n}\n',
      rc: 0,
      check: (r) => {
        expect(r.config!.staticAddresses[0]).toMatchObject({ address: '192.168.9.1', prefix: 24, dev: 'eth0', scope: 'link' });
        expect(r.config!.staticRoutes).toEqual(['192.168.50.0/24 via 10.0.0.1 dev eth0', '192.168.51.0/24 via 10.0.0.1 no_track']);
        expect(r.config!.staticRules).toEqual(['from 10.1.0.0/16 table 100 preference 100']);
      },
    },
    // keepalived 2.4.3 deliberately differs from 2.2.7 (rc 5): no longer reported as a config error.
    { title: 'tracked route without dev (dev only in a nexthop): a notice, rc 0 as in 2.4.3', conf: 'static_routes {\n  192.168.51.0/24 via 10.0.0.1 nexthop via 10.0.0.2 dev eth0\n}\n', rc: 0, codes: ['route-not-tracked'] },
    { title: 'gw is deprecated', conf: 'static_routes {\n  192.168.51.0/24 gw 10.0.0.1 dev eth0\n}\n', rc: 5, codes: ['deprecated-keyword'] },
    { title: 'route without a destination dropped', conf: 'static_routes {\n  via 10.0.0.1 dev eth0\n  192.168.50.0/24 dev eth0\n}\n', rc: 5, codes: ['route-no-destination'], check: (r) => expect(r.config!.staticRoutes).toEqual(['192.168.50.0/24 dev eth0']) },
    { title: 'route on a missing interface dropped', conf: 'static_routes {\n  192.168.51.0/24 dev eth9\n}\n', rc: 5, codes: ['unknown-interface'], check: (r) => expect(r.config!.staticRoutes).toEqual([]) },
    { title: 'rule without preference', conf: 'static_rules {\n  from 10.1.0.0/16 table 100\n}\n', rc: 5, codes: ['rule-no-preference'] },
    { title: 'rule with an invalid address dropped', conf: 'static_rules {\n  to 192.168.100./24 table 100 preference 5\n}\n', rc: 5, codes: ['invalid-address'], check: (r) => expect(r.config!.staticRules).toEqual([]) },
    { title: 'invalid static address', conf: 'static_ipaddress {\n  192.168.9.300/24\n}\n', rc: 5, codes: ['invalid-address'], check: (r) => expect(r.config!.staticAddresses).toEqual([]) },
  ]);
});
