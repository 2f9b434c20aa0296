// Gratuitous ARP (RFC 5798 §6.4.2 / RFC 5227 §3 "ARP Announcement") and unsolicited Neighbor
// Advertisement (RFC 5798 §6.4.2, RFC 4861 §4.4 / §7.2.6) Ethernet frames, byte for byte as
// keepalived 2.2.7 sends them (`vrrp_arp.c`, `vrrp_ndisc.c`; reference §2.5; golden captures in
// test/golden/garp/). Pure: builds bytes only.

import { internetChecksum } from '../net/checksum.js';
import { formatIpv4, parseIpv4, parseIpv6 } from '../net/inet.js';

/** A 6-byte MAC as bytes or text (`02:00:00:00:c1:01`, `-` separators accepted). */
export type MacInput = Uint8Array | string;

/** Length of a GARP frame: 14 Ethernet + 28 ARP (keepalived does not pad to 60; the NIC may). */
export const GARP_FRAME_LEN = 42;
/** Length of an unsolicited NA frame: 14 Ethernet + 40 IPv6 + 24 NA + 8 TLLA option. */
export const NA_FRAME_LEN = 86;

const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;
const ICMPV6_NEIGHBOR_ADVERT = 136;
const ND_OPT_TARGET_LINKADDR = 2;
const NA_FLAG_ROUTER = 0x80;
const NA_FLAG_OVERRIDE = 0x20;
/** ff02::1, all-nodes (RFC 4861 §7.2.6: unsolicited NAs go to the all-nodes multicast address). */
const ALL_NODES = parseIpv6('ff02::1')!;

/** Parses a MAC; throws RangeError if it is not 6 bytes (a bug: MACs come from the kernel). */
export function macBytes(mac: MacInput): Uint8Array {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new RangeError(`MAC must be 6 bytes, got ${mac.length}`);
    return mac;
  }
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) throw new RangeError(`bad MAC ${mac}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** `02:00:00:00:c1:01` */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * keepalived's gratuitous ARP for `ipv4` from `mac`: Ethernet broadcast, ARP **request** (op 1),
 * sender MAC = `mac`, sender IP = target IP = `ipv4`, target MAC ff:ff:ff:ff:ff:ff. 42 bytes.
 * Throws RangeError on a bad address or MAC. Does not check that the address is unicast.
 */
export function buildGarp(mac: MacInput, ipv4: string): Uint8Array {
  const m = macBytes(mac);
  const ip = parseIpv4(ipv4);
  if (!ip) throw new RangeError(`buildGarp: bad IPv4 address ${ipv4}`);
  const f = new Uint8Array(GARP_FRAME_LEN);
  f.fill(0xff, 0, 6); // Ethernet destination: broadcast
  f.set(m, 6);
  f[12] = ETHERTYPE_ARP >> 8;
  f[13] = ETHERTYPE_ARP & 0xff;
  // ARP: htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4, op 1 (request)
  f.set([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01], 14);
  f.set(m, 22); // sender hardware address
  f.set(ip, 28); // sender protocol address
  // keepalived-compat: target hardware address ff:ff:ff:ff:ff:ff (RFC 5227 says zero; keepalived sends all-ones).
  // Test: test/golden/garp.test.ts "keepalived-compat: target MAC is ff:ff:ff:ff:ff:ff and op is request".
  f.fill(0xff, 32, 38);
  f.set(ip, 38); // target protocol address
  return f;
}

/**
 * havipd: an ARP probe for `ipv4` (RFC 5227 §2.1.1): Ethernet broadcast, ARP request, sender MAC = `mac`,
 * sender IP 0.0.0.0 (so no host learns a mapping from it), target MAC zero, target IP = `ipv4`. A host that
 * holds `ipv4` answers it (Linux `arp_process()`: the duplicate-address-detection case). 42 bytes. The
 * claim watch (src/vrrp/healing.ts) asks with it whether another host still holds a VIP.
 * Throws RangeError on a bad address or MAC.
 */
export function buildArpProbe(mac: MacInput, ipv4: string): Uint8Array {
  const m = macBytes(mac);
  const ip = parseIpv4(ipv4);
  if (!ip) throw new RangeError(`buildArpProbe: bad IPv4 address ${ipv4}`);
  const f = new Uint8Array(GARP_FRAME_LEN);
  f.fill(0xff, 0, 6);
  f.set(m, 6);
  f[12] = ETHERTYPE_ARP >> 8;
  f[13] = ETHERTYPE_ARP & 0xff;
  f.set([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01], 14);
  f.set(m, 22); // sender hardware address; sender protocol address (28..31) and target MAC (32..37) stay zero
  f.set(ip, 38);
  return f;
}

/** The fields of an Ethernet/IPv4 ARP frame that the claim watch reads. */
export interface ArpFrame {
  /** 1 request, 2 reply. */
  readonly op: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetIp: string;
}

/**
 * Decodes an ARP frame as an AF_PACKET socket delivers it (from the Ethernet header on): undefined unless
 * it is Ethernet type 0x0806 carrying an Ethernet/IPv4 request or reply (htype 1, ptype 0x0800, hlen 6,
 * plen 4, op 1 or 2) at least 42 bytes long. Never throws.
 */
export function decodeArp(frame: Uint8Array): ArpFrame | undefined {
  if (frame.length < GARP_FRAME_LEN) return undefined;
  if (frame[12] !== ETHERTYPE_ARP >> 8 || frame[13] !== (ETHERTYPE_ARP & 0xff)) return undefined;
  if (frame[14] !== 0 || frame[15] !== 1 || frame[16] !== 0x08 || frame[17] !== 0 || frame[18] !== 6 || frame[19] !== 4) return undefined;
  const op = (frame[20]! << 8) | frame[21]!;
  if (op !== 1 && op !== 2) return undefined;
  return { op, senderMac: formatMac(frame.subarray(22, 28)), senderIp: formatIpv4(frame, 28), targetIp: formatIpv4(frame, 38) };
}

/**
 * keepalived's unsolicited Neighbor Advertisement for `ipv6` from `mac`: Ethernet
 * 33:33:00:00:00:01, IPv6 traffic class 0, flow label 0, hop limit 255 (RFC 4861 §7.1.2 "MUST be
 * 255"), source = `ipv6` itself, destination ff02::1; ICMPv6 type 136 with Override set, Router set
 * iff `routerFlag` (keepalived: IPv6 forwarding enabled on the interface), Solicited clear; target
 * = `ipv6`; Target Link-Layer Address option = `mac`. ICMPv6 checksum filled in. 86 bytes.
 * Throws RangeError on a bad address or MAC. Does not check that the address is unicast.
 */
export function buildUnsolicitedNa(mac: MacInput, ipv6: string, routerFlag: boolean): Uint8Array {
  const m = macBytes(mac);
  const ip = parseIpv6(ipv6);
  if (!ip) throw new RangeError(`buildUnsolicitedNa: bad IPv6 address ${ipv6}`);
  const f = new Uint8Array(NA_FRAME_LEN);
  // Ethernet: 33:33 + low 32 bits of ff02::1 (RFC 2464 §7)
  f.set([0x33, 0x33, 0x00, 0x00, 0x00, 0x01], 0);
  f.set(m, 6);
  f[12] = ETHERTYPE_IPV6 >> 8;
  f[13] = ETHERTYPE_IPV6 & 0xff;
  // IPv6 header
  const icmpLen = 32;
  f[14] = 0x60; // version 6, traffic class 0, flow label 0
  f[18] = icmpLen >> 8;
  f[19] = icmpLen & 0xff;
  f[20] = 58; // next header: ICMPv6
  f[21] = 255; // hop limit
  f.set(ip, 22);
  f.set(ALL_NODES, 38);
  // ICMPv6 NA at offset 54
  const icmp = f.subarray(54);
  icmp[0] = ICMPV6_NEIGHBOR_ADVERT;
  icmp[1] = 0;
  icmp[4] = NA_FLAG_OVERRIDE | (routerFlag ? NA_FLAG_ROUTER : 0);
  icmp.set(ip, 8);
  icmp[24] = ND_OPT_TARGET_LINKADDR;
  icmp[25] = 1; // length in units of 8 bytes
  icmp.set(m, 26);
  // RFC 4443 §2.3: checksum over the IPv6 pseudo-header (RFC 8200 §8.1) and the ICMPv6 message.
  const pseudo = new Uint8Array(40);
  pseudo.set(ip, 0);
  pseudo.set(ALL_NODES, 16);
  pseudo[35] = icmpLen;
  pseudo[39] = 58;
  const csum = internetChecksum(pseudo, icmp);
  icmp[2] = csum >> 8;
  icmp[3] = csum & 0xff;
  return f;
}
