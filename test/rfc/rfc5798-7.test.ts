// RFC 5798 §7 (sending and receiving VRRP packets) as the core applies it: the receive checks run
// before the state machine sees an advert; an invalid advert is discarded and the timer keeps running.
import { describe, expect, it } from 'vitest';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import { centiseconds, micros } from '../../src/net/units.js';
import { instanceConfig } from '../support/config.js';
import { Harness, summarize } from '../support/sim.js';

const v3 = (o: Parameters<typeof instanceConfig>[0] = {}) => instanceConfig({ version: 3, ...o });
const MDI100 = 3_609_375;

function backup(o: Parameters<typeof instanceConfig>[0] = {}): Harness {
  const h = new Harness([v3(o)]);
  h.start(0);
  return h;
}

describe('RFC 5798 §7.1 Receiving VRRP packets', () => {
  it('RFC 5798 §7.1: MUST verify that the IP TTL is 255 — a TTL 254 advert is discarded, timer untouched', () => {
    const h = backup();
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200, ttl: 254 });
    expect(h.snap().sands).toBe(MDI100);
    expect(h.snap().stats.drops.ip_ttl_err).toBe(1);
  });
  it('RFC 5798 §7.1: MUST verify the VRRP version — a v2 advert on a v3 instance is discarded', () => {
    const h = backup();
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200, version: 2 });
    expect(h.snap().sands).toBe(MDI100);
    expect(h.snap().stats.drops.vers_err ?? h.snap().stats.drops.packet_len_err).toBe(1);
  });
  it('RFC 5798 §7.1: MUST verify the complete packet is present — a truncated advert is discarded', () => {
    const h = backup();
    const bytes = encodeAdvert({ version: 3, vrid: 51, priority: 200, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 }, { src: '10.0.0.2', dst: '224.0.0.18', checksumMode: 'pseudo' });
    h.step(1_000_000, { kind: 'packet', packet: { family: 4, ifname: 'eth0', src: '10.0.0.2', dst: '224.0.0.18', ttl: 255, data: bytes.subarray(0, 10), hasIpHeader: false } });
    expect(h.snap().sands).toBe(MDI100);
    expect(h.snap().stats.advert_rcvd).toBe(0);
  });
  it('RFC 5798 §7.1: MUST verify the VRRP checksum — a corrupted checksum is discarded', () => {
    const h = backup();
    const bytes = encodeAdvert({ version: 3, vrid: 51, priority: 200, advertInt: centiseconds(100), addresses: ['10.0.0.100'], family: 4 }, { src: '10.0.0.2', dst: '224.0.0.18', checksumMode: 'pseudo' });
    const bad = new Uint8Array(bytes);
    bad[6] = (bad[6]! ^ 0xff) & 0xff;
    h.step(1_000_000, { kind: 'packet', packet: { family: 4, ifname: 'eth0', src: '10.0.0.2', dst: '224.0.0.18', ttl: 255, data: bad, hasIpHeader: false } });
    expect(h.snap().sands).toBe(MDI100);
    expect(h.snap().stats.drops.chk_err).toBe(1);
  });
  it('RFC 5798 §7.1: MUST verify the VRID is configured on the receiving interface — others are ignored and counted', () => {
    const h = backup();
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200, vrid: 52 });
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200, ifname: 'eth1' });
    expect(h.snap().sands).toBe(MDI100);
    expect(h.core.snapshot().unknownVrid).toBe(2);
  });
  it('RFC 5798 §7.1: the receiver MUST discard an invalid packet and SHOULD log the event', () => {
    const h = backup();
    const out = h.advert(1_000_000, { src: '10.0.0.2', priority: 200, ttl: 1 });
    expect(out.filter((e) => e.kind === 'log' && e.event === 'advert.drop')).toHaveLength(1);
  });
  // keepalived 2.4.3 deliberately differs from 2.2.7 (which rejected the advert, so the timer ran out and two
  // MASTERs could result): RFC 9568 §7.1 — counted in addr_list_err, warned about once, and acted upon.
  it('RFC 9568 §7.1: MAY verify the IP addresses; a differing VIP list is counted and the advert accepted (keepalived 2.4.3)', () => {
    const h = backup();
    const out = h.advert(1_000_000, { src: '10.0.0.2', priority: 200, vips: ['10.0.0.99'] });
    expect(h.snap().sands).toBe(1_000_000 + MDI100);
    expect(h.snap().stats.addr_list_err).toBe(1);
    expect(h.snap().stats.drops.addr_list_err ?? 0).toBe(0);
    expect(out.filter((e) => e.kind === 'log' && e.event === 'advert.warning')).toHaveLength(1);
    // Logged once until the master or the state changes (keepalived's rate-limit flags).
    const again = h.advert(2_000_000, { src: '10.0.0.2', priority: 200, vips: ['10.0.0.99'] });
    expect(again.filter((e) => e.kind === 'log' && e.event === 'advert.warning')).toHaveLength(0);
    expect(h.snap().stats.addr_list_err).toBe(2);
  });
  it('RFC 5798 §7.1: the owner (priority 255) keeps MASTER against a lower-priority advert', () => {
    const h = new Harness([v3({ priority: 255 })]);
    h.start(0);
    h.tick(1);
    h.advert(500_000, { src: '10.0.0.2', priority: 254 });
    expect(h.state()).toBe('MASTER');
  });
  it('RFC 5798 §7.1: adverts are ignored in FAULT (no source address) and counted', () => {
    const h = new Harness([v3()], { addresses: false });
    h.start(0);
    expect(h.state()).toBe('FAULT');
    h.advert(1_000_000, { src: '10.0.0.2', priority: 0 });
    expect(h.snap().stats.drops.instance_not_ready).toBe(1);
  });
});

describe('RFC 5798 §7.2 Transmitting VRRP packets', () => {
  it('RFC 5798 §7.2: MUST fill in the fields from the virtual router state (VRID, priority, interval, addresses)', () => {
    const h = backup({ vrid: 7, priority: 120, advertInt: micros(500_000), vips: ['10.0.0.100', '10.0.0.101'] });
    h.runUntil(10_000_000);
    const ad = h.effects().find((e) => e.kind === 'sendAdvert');
    expect(ad).toMatchObject({ vrid: 7, priority: 120, advertInt: 50, version: 3, family: 4 });
  });
  it('RFC 5798 §7.2: the source is the interface primary address; the destination the multicast group with TTL 255', () => {
    const h = backup();
    h.runUntil(MDI100);
    const ad = h.effects().find((e) => e.kind === 'sendAdvert');
    expect(ad).toMatchObject({ src: '10.0.0.1', ifname: 'eth0', destinations: [{ dst: '224.0.0.18', ttl: 255 }] });
  });
  it('RFC 5798 §7.2: the packet carries a correct checksum (decodes and passes the receive checks of a peer)', () => {
    const h = backup();
    h.runUntil(MDI100);
    const ad = h.effects().find((e) => e.kind === 'sendAdvert');
    if (ad?.kind !== 'sendAdvert') throw new Error('no advert');
    const peer = new Harness([v3({ priority: 50 })], { address: '10.0.0.9' });
    peer.start(0);
    peer.step(1_000_000, { kind: 'packet', packet: { family: 4, ifname: 'eth0', src: '10.0.0.1', dst: '224.0.0.18', ttl: 255, data: ad.destinations[0]!.bytes, hasIpHeader: false } });
    expect(peer.snap().stats.advert_rcvd).toBe(1);
    expect(peer.snap().masterAddress).toBe('10.0.0.1');
  });
  it('RFC 5798 §7.2 (keepalived unicast): one copy per unicast peer, from unicast_src_ip, TTL unicast_ttl', () => {
    const h = new Harness([v3({ unicastSrcIp: '192.0.2.1', peers: ['192.0.2.2', '192.0.2.3'], unicastTtl: 64 })]);
    h.start(0);
    h.runUntil(MDI100);
    const ad = h.effects().find((e) => e.kind === 'sendAdvert');
    expect(ad).toMatchObject({ src: '192.0.2.1', destinations: [{ dst: '192.0.2.2', ttl: 64 }, { dst: '192.0.2.3', ttl: 64 }] });
    if (ad?.kind === 'sendAdvert') expect(ad.destinations[0]!.bytes).not.toEqual(ad.destinations[1]!.bytes); // v3 pseudo-header per destination
    expect(h.snap().stats.advert_sent).toBe(1); // one logical advert
  });
  it('RFC 5798 §7.2: IPv6 adverts go to ff02::12 from the link-local address', () => {
    const h = new Harness([v3({ family: 6, vips: ['fe80::100', '2001:db8::100'] })], { address: 'fe80::1' });
    h.start(0);
    h.runUntil(MDI100);
    const ad = h.effects().find((e) => e.kind === 'sendAdvert');
    expect(ad).toMatchObject({ family: 6, src: 'fe80::1', destinations: [{ dst: 'ff02::12', ttl: 255 }] });
    expect(summarize(h.effects(), { logs: false })).toContain('garp:master:fe80::100,2001:db8::100x5');
  });
});
