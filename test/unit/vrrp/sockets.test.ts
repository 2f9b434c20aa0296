// src/vrrp/sockets.ts: the sockets a configuration needs, which packets a socket passes to the core, and
// keepalived's primary address choice.
import { describe, expect, it } from 'vitest';
import { planSockets, primaryAddress, socketAccepts } from '../../../src/vrrp/sockets.js';
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
