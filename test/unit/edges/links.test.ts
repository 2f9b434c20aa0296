// Pure helpers of the link edge (src/edges/links.ts): table diffs into events (keepalived's "up" =
// IFF_UP && IFF_RUNNING, reference §3.9), `ip -j addr show` parsing; and the fake link edge.

import { describe, expect, it } from 'vitest';
import { diffLinks, macText, makeLink, parseIpJsonLinks, type LinkInfo } from '../../../src/edges/links.js';
import { FakeLinkEdge } from '../../support/fake-links.js';

const eth0 = (o: Partial<LinkInfo> = {}): LinkInfo =>
  makeLink({ name: 'eth0', index: 2, mac: '02:00:00:00:00:02', adminUp: true, running: true, mtu: 1500, ...o });
const t = (...ls: LinkInfo[]): Map<number, LinkInfo> => new Map(ls.map((l) => [l.index, l]));

describe('diffLinks', () => {
  it('up requires IFF_UP and IFF_RUNNING', () => {
    expect(eth0().up).toBe(true);
    expect(eth0({ running: false }).up).toBe(false);
    expect(makeLink({ name: 'x', index: 1, mac: undefined, adminUp: false, running: true, mtu: undefined }).up).toBe(false);
  });
  it('carrier loss is link-down, carrier back is link-up', () => {
    const a = eth0();
    const b = makeLink({ ...a, running: false });
    expect(diffLinks(t(a), t(b)).map((e) => e.type)).toEqual(['link-down']);
    expect(diffLinks(t(b), t(a)).map((e) => e.type)).toEqual(['link-up']);
  });
  it('IFF_UP alone while not running is link-changed, not up', () => {
    const a = makeLink({ ...eth0(), adminUp: false, running: false });
    const b = makeLink({ ...a, adminUp: true });
    expect(diffLinks(t(a), t(b)).map((e) => e.type)).toEqual(['link-changed']);
  });
  it('link down with IPv6 addresses dropped: link-down first, then address-removed', () => {
    const a = eth0({ addresses: { 4: [{ family: 4, address: '10.0.0.1', prefix: 24 }], 6: [{ family: 6, address: 'fd00::1', prefix: 64 }] } });
    const b = makeLink({ ...a, adminUp: false, running: false, addresses: { 4: a.addresses[4], 6: [] } });
    const ev = diffLinks(t(a), t(b));
    expect(ev.map((e) => e.type)).toEqual(['link-down', 'address-removed']);
    expect(ev[1]).toMatchObject({ address: { address: 'fd00::1', prefix: 64 } });
  });
  it('links added and removed, with their addresses', () => {
    const a = eth0({ addresses: { 4: [{ family: 4, address: '10.0.0.1', prefix: 24 }], 6: [] } });
    expect(diffLinks(t(), t(a)).map((e) => e.type)).toEqual(['link-added', 'address-added']);
    expect(diffLinks(t(a), t()).map((e) => e.type)).toEqual(['address-removed', 'link-removed']);
  });
  it('same address with another prefix is a remove and an add; no change is no event', () => {
    const a = eth0({ addresses: { 4: [{ family: 4, address: '10.0.0.1', prefix: 24 }], 6: [] } });
    const b = eth0({ addresses: { 4: [{ family: 4, address: '10.0.0.1', prefix: 32 }], 6: [] } });
    expect(diffLinks(t(a), t(b)).map((e) => e.type)).toEqual(['address-removed', 'address-added']);
    expect(diffLinks(t(a), t(eth0({ addresses: a.addresses })))).toEqual([]);
  });
});

describe('parseIpJsonLinks', () => {
  it('reads name, index, MAC, flags and addresses', () => {
    const json = JSON.stringify([
      { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, link_type: 'loopback', address: '00:00:00:00:00:00', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
      { ifindex: 5, ifname: 'veth0', flags: ['BROADCAST', 'MULTICAST', 'UP'], mtu: 1500, link_type: 'ether', address: 'AA:BB:CC:00:11:22', addr_info: [{ family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
    ]);
    const m = parseIpJsonLinks(json);
    expect(m.get(1)).toMatchObject({ name: 'lo', up: true, addresses: { 4: [{ family: 4, address: '127.0.0.1', prefix: 8 }], 6: [] } });
    expect(m.get(5)).toMatchObject({ name: 'veth0', mac: 'aa:bb:cc:00:11:22', adminUp: true, running: false, up: false, mtu: 1500 });
  });
  it('macText', () => {
    expect(macText(Buffer.from([2, 0, 0xab, 0, 0, 1]))).toBe('02:00:ab:00:00:01');
    expect(macText(undefined)).toBeUndefined();
  });
});

describe('FakeLinkEdge', () => {
  it('updates the table before emitting, in order, with the real edge events', () => {
    const f = new FakeLinkEdge(['eth0']);
    const seen: string[] = [];
    f.on('change', (ev) => seen.push(`${ev.type} ${ev.link.name} up=${f.get(ev.link.name)?.up ?? '-'}`));
    f.addAddress('eth0', 'fd00::1', 64);
    f.setUp('eth0', false);
    f.setUp('eth0', true);
    f.setRunning('eth0', false);
    f.addLink('eth1');
    f.removeLink('eth1');
    expect(seen).toEqual([
      'address-added eth0 up=true',
      'link-down eth0 up=false',
      'address-removed eth0 up=false',
      'link-up eth0 up=true',
      'link-down eth0 up=false',
      'link-added eth1 up=true',
      'link-removed eth1 up=-',
    ]);
    expect(f.emitted).toHaveLength(7);
    expect(f.all().map((l) => l.name)).toEqual(['lo', 'eth0']);
    f.close();
    f.setRunning('eth0', true);
    expect(seen).toHaveLength(7);
  });
});
