// src/vrrp/sockets.ts: the sockets a configuration needs, which packets a socket passes to the core, and
// keepalived's primary address choice.
import { describe, expect, it } from 'vitest';
import { planSockets, primaryAddress, socketAccepts, vipAddressSet } from '../../../src/vrrp/sockets.js';
import type { ReceivedPacket } from '../../../src/vrrp/types.js';
import { daemonConfig, instanceConfig, vip } from '../../support/config.js';
import { watchedInterfaces } from '../../../src/vrrp/watched-interfaces.js';

const pkt = (dst: string, family: 4 | 6 = 4): ReceivedPacket => ({ family, ifname: 'eth0', src: '10.0.0.2', dst, ttl: 255, data: new Uint8Array(0), hasIpHeader: false });

describe('primaryAddress', () => {
  it('IPv4: the first address; IPv6: the first link-local one; none: undefined', () => {
    expect(primaryAddress([{ address: '10.0.0.1' }, { address: '10.0.0.100' }], 4)).toBe('10.0.0.1');
    expect(primaryAddress([{ address: '2001:db8::1' }, { address: 'fe80::1' }, { address: 'fe80::2' }], 6)).toBe('fe80::1');
    expect(primaryAddress([{ address: '2001:db8::1' }], 6)).toBeUndefined();
    expect(primaryAddress([], 4)).toBeUndefined();
  });

  it('keepalived-compat: a VIP that became the first address is not the source', () => {
    const vips = new Set(['10.0.0.100', '10.0.0.101', 'fe80::100']);
    // After a network restart the VIP is the interface's first address: the next one that is no VIP is chosen.
    expect(primaryAddress([{ address: '10.0.0.100' }, { address: '10.0.0.1' }], 4, vips)).toBe('10.0.0.1');
    expect(primaryAddress([{ address: '10.0.0.100' }, { address: '10.0.0.101' }, { address: '10.0.0.7' }], 4, vips)).toBe('10.0.0.7');
    expect(primaryAddress([{ address: 'fe80::100' }, { address: '2001:db8::1' }, { address: 'fe80::1' }], 6, vips)).toBe('fe80::1');
    // Only VIPs on the interface: no source (the core faults the instance: no-source-ip), never a VIP.
    expect(primaryAddress([{ address: '10.0.0.100' }], 4, vips)).toBeUndefined();
    expect(primaryAddress([{ address: 'fe80::100' }], 6, vips)).toBeUndefined();
    // Addresses are compared canonically.
    expect(primaryAddress([{ address: 'FE80:0::100' }, { address: 'fe80::2' }], 6, vips)).toBe('fe80::2');
    // No VIPs given: the first address, as before.
    expect(primaryAddress([{ address: '10.0.0.100' }, { address: '10.0.0.1' }], 4, new Set())).toBe('10.0.0.100');
  });
});

describe('vipAddressSet', () => {
  it('the VIPs and excluded VIPs of every instance, whatever their interface', () => {
    const config = daemonConfig({
      instances: [
        instanceConfig({ name: 'A', vrid: 1, vips: ['10.0.0.100', vip('10.9.0.1', { dev: 'eth1' })], excludedVips: [vip('10.0.0.200')] }),
        instanceConfig({ name: 'B', vrid: 2, interface: 'eth2', vips: ['2001:db8::100'], family: 6 }),
      ],
    });
    expect([...vipAddressSet(config)].sort()).toEqual(['10.0.0.100', '10.0.0.200', '10.9.0.1', '2001:db8::100']);
  });
});

describe('planSockets', () => {
  it('one multicast socket per (family, interface) with every group; one unicast socket per source', () => {
    const config = daemonConfig({
      instances: [
        instanceConfig({ name: 'A', vrid: 1 }),
        instanceConfig({ name: 'B', vrid: 2, mcastDstIp: '224.0.0.19' }),
        instanceConfig({ name: 'C', vrid: 3, peers: ['10.0.0.2'] }),
        instanceConfig({ name: 'D', vrid: 4, peers: ['10.0.0.3'], unicastSrcIp: '10.0.0.9' }),
      ],
    });
    const plans = planSockets(config, { udp: false, primaryOf: (ifname, family) => (ifname === 'eth0' && family === 4 ? '10.0.0.1' : undefined) });
    expect(plans.map((p) => [p.key, p.groups, p.instances])).toEqual([
      ['4|eth0|m', ['224.0.0.18', '224.0.0.19'], ['A', 'B']],
      ['4|eth0|u:10.0.0.1', [], ['C']],
      ['4|eth0|u:10.0.0.9', [], ['D']],
    ]);
  });
});

describe('socketAccepts', () => {
  const config = daemonConfig({ instances: [instanceConfig({ name: 'A', vrid: 1 }), instanceConfig({ name: 'C', vrid: 3, peers: ['10.0.0.2'], unicastSrcIp: '10.0.0.1' })] });
  const plans = planSockets(config, { udp: false, primaryOf: () => undefined });
  const [mcast, ucast] = plans;
  it('a multicast socket passes multicast packets, and unicast ones only when no unicast socket shares its interface', () => {
    expect(socketAccepts(mcast!, pkt('224.0.0.18'), plans)).toBe(true);
    expect(socketAccepts(mcast!, pkt('10.0.0.1'), plans)).toBe(false);
    expect(socketAccepts(mcast!, pkt('10.0.0.1'), [mcast!])).toBe(true);
  });
  it('a unicast socket passes everything it receives (the core checks the rest)', () => {
    expect(socketAccepts(ucast!, pkt('10.0.0.1'), plans)).toBe(true);
    expect(socketAccepts(ucast!, pkt('224.0.0.18'), plans)).toBe(true);
  });
});

describe('watchedInterfaces', () => {
  it('instance, tracked and route interfaces; VIP interfaces only when VIPs are managed', () => {
    const config = daemonConfig({
      instances: [instanceConfig({ vips: ['10.0.0.100', vip('10.2.0.100', { dev: 'eth2' })], trackInterfaces: [{ name: 'eth3', weight: 0 }] as never, virtualRoutes: ['10.9.0.0/16 dev eth4'] })],
    });
    expect([...watchedInterfaces(config, { managesVips: true, managesRoutes: true })].sort()).toEqual(['eth0', 'eth2', 'eth3', 'eth4']);
    expect([...watchedInterfaces(config, { managesVips: false, managesRoutes: false })].sort()).toEqual(['eth0', 'eth3']);
  });
});
