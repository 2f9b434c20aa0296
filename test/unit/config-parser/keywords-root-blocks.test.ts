// garp_group, track_group, linkbeat_interfaces and interface_up_down_delays (keepalived 2.2.7 vrrp_parser.c).
import { describe, expect } from 'vitest';
import { inst, kaCases } from './ka-table.js';

describe('garp_group', () => {
  kaCases('garp-group', [
    {
      title: 'intervals and interfaces kept',
      conf: 'garp_group {\n  garp_interval 0.001\n  gna_interval 0.002\n  interface eth0\n}\ngarp_group {\n  garp_interval 0\n  interfaces {\n    eth1\n  }\n}\n',
      rc: 0,
      codes: ['not-acted-on'],
      check: (r) => expect(r.config!.garpGroups).toEqual([
        expect.objectContaining({ garpInterval: 1000, gnaInterval: 2000, interfaces: ['eth0'] }),
        expect.objectContaining({ garpInterval: 0, interfaces: ['eth1'] }),
      ]),
    },
    { title: 'a name after garp_group is ignored', conf: 'garp_group G1 {\n  garp_interval 0\n}\n', rc: 0, check: (r) => expect(r.config!.garpGroups).toHaveLength(1) },
    {
      title: 'missing interface, interface in two groups, group without delay, bad numbers, empty interfaces list',
      conf: 'garp_group {\n  garp_interval 1\n  interface eth0\n}\ngarp_group {\n  garp_interval 2\n  interfaces {\n    eth9\n    eth0\n  }\n}\ngarp_group {\n  interface eth1\n}\ngarp_group {\n  garp_interval -1\n  interfaces {\n  }\n}\n',
      rc: 5,
      codes: ['unknown-interface', 'garp-group-interface-taken', 'garp-group-no-delay', 'invalid-number', 'empty-interfaces'],
      check: (r) => expect(r.config!.garpGroups!.map((g) => g.interfaces)).toEqual([['eth0'], []]),
    },
    { title: 'dynamic_interfaces accepts a missing interface', conf: 'global_defs {\n  dynamic_interfaces\n}\ngarp_group {\n  garp_interval 1\n  interfaces {\n    eth9\n  }\n}\n', rc: 0 },
  ]);
});

describe('track_group', () => {
  kaCases('track-group', [
    {
      title: 'members kept; static address names the group',
      conf: 'track_group TG1 {\n  group {\n    VI_1\n  }\n}\nstatic_ipaddress {\n  192.168.1.1/24 dev eth0 track_group TG1\n}\n' + inst(),
      rc: 0,
      check: (r) => {
        expect(r.config!.trackGroups).toEqual([expect.objectContaining({ name: 'TG1', members: ['VI_1'] })]);
        expect(r.config!.staticAddresses[0]!.trackGroup).toBe('TG1');
      },
    },
    {
      title: 'unknown member is only logged',
      conf: 'track_group TG1 {\n  group {\n    VI_9\n  }\n}\n' + inst(),
      rc: 0,
      codes: ['track-group-unknown-member'],
      check: (r) => expect(r.config!.trackGroups![0]!.members).toEqual([]),
    },
    { title: 'duplicate name', conf: 'track_group TG1 {\n  group { VI_1 }\n}\ntrack_group TG1 {\n  group { VI_1 }\n}\n' + inst(), rc: 5, codes: ['duplicate-block'] },
    { title: 'no name / two names', conf: 'track_group A B {\n  group { VI_1 }\n}\n', rc: 5, codes: ['block-name'] },
    { title: 'empty group block', conf: 'track_group TG3 {\n  group {\n  }\n}\n', rc: 5, codes: ['empty-group'] },
    { title: 'static address naming an unknown group', conf: 'static_ipaddress {\n  192.168.1.1/24 dev eth0 track_group TGX\n}\n', rc: 5, codes: ['unknown-track-group'] },
    { title: 'static route naming an unknown group', conf: 'static_routes {\n  192.168.51.0/24 dev eth0 track_group X\n}\n', rc: 5, codes: ['unknown-track-group'] },
  ]);
});

describe('linkbeat_interfaces', () => {
  kaCases('linkbeat', [
    {
      title: 'interfaces with and without a polling method',
      conf: 'linkbeat_interfaces {\n  eth0\n  eth1 MII\n}\n',
      rc: 0,
      check: (r) => expect(r.config!.linkbeatInterfaces).toEqual([{ interface: 'eth0', type: undefined }, { interface: 'eth1', type: 'MII' }]),
    },
    { title: 'unknown method and extra words', conf: 'linkbeat_interfaces {\n  eth0 FOO\n  eth1 MII extra\n}\n', rc: 5, codes: ['linkbeat-extra'] },
    { title: 'unknown interface is FATAL', conf: 'linkbeat_interfaces {\n  eth9\n}\n', rc: 4, check: (r) => expect(r.diagnostics.find((d) => d.code === 'unknown-interface')?.kaClass).toBe('FATAL') },
  ]);
});

describe('interface_up_down_delays', () => {
  kaCases('up-down', [
    {
      title: 'down and up delays; up is 0 when not given',
      conf: 'interface_up_down_delays {\n  eth0 2\n  eth1 1.5 3\n}\n',
      rc: 0,
      check: (r) => expect(r.config!.interfaceUpDownDelays).toEqual([{ interface: 'eth0', down: 2_000_000, up: 0 }, { interface: 'eth1', down: 1_500_000, up: 3_000_000 }]),
    },
    {
      title: 'no delay and too many values are only logged; range and number errors reported',
      conf: 'interface_up_down_delays {\n  eth0\n  eth1 1 2 3\n  eth1 300 3\n  eth0 abc\n  eth1 1 -2\n}\n',
      rc: 5,
      codes: ['up-down-no-delay', 'up-down-extra', 'number-out-of-range', 'invalid-number'],
      check: (r) => expect(r.config!.interfaceUpDownDelays).toEqual([{ interface: 'eth1', down: 1_000_000, up: 2_000_000 }]),
    },
    { title: 'only the logged problems: exit 0', conf: 'interface_up_down_delays {\n  eth0\n}\n', rc: 0 },
    { title: 'unknown interface is FATAL', conf: 'interface_up_down_delays {\n  eth9 1\n}\n', rc: 4 },
    { title: 'too many decimal places', conf: 'interface_up_down_delays {\n  eth0 1.0000001\n}\n', rc: 5, codes: ['too-many-decimal-places'] },
  ]);
});
