// The IPv4 header fields the receive checks need (RFC 791 §3.1), and keepalived's own IPv4 header
// for IP_HDRINCL sends (reference §2.1: TOS 0xc0, TTL 255 or unicast_ttl, per-instance ID, no DF,
// protocol 112, or 51 with AH). Pure; decoding never throws.

import { IPPROTO_VRRP, IPV4_HEADER_LEN, VRRP_TOS, VRRP_TTL } from './constants.js';
import { internetChecksum } from './checksum.js';
import { formatIpv4, parseIpv4 } from '../net/inet.js';

export interface Ipv4Header {
  readonly version: number;
  /** Header length in bytes (IHL × 4), as the header says — may be < 20 in a malformed packet. */
  readonly headerLength: number;
  readonly tos: number;
  readonly totalLength: number;
  readonly id: number;
  /** Flags and fragment offset, the raw 16 bits. */
  readonly fragOff: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: string;
  readonly dst: string;
}

/**
 * Reads the fixed 20-byte IPv4 header. Checks only that 20 bytes are there; does NOT check the
 * version nibble, IHL, total length, or the header checksum (the kernel verified it).
 */
export function decodeIpv4Header(data: Uint8Array): { ok: true; header: Ipv4Header } | { ok: false; detail: string } {
  if (data.length < IPV4_HEADER_LEN) return { ok: false, detail: `IPv4 header needs 20 bytes, got ${data.length}` };
  const b0 = data[0]!;
  return {
    ok: true,
    header: {
      version: b0 >>> 4,
      headerLength: (b0 & 0x0f) << 2,
      tos: data[1]!,
      totalLength: (data[2]! << 8) | data[3]!,
      id: (data[4]! << 8) | data[5]!,
      fragOff: (data[6]! << 8) | data[7]!,
      ttl: data[8]!,
      protocol: data[9]!,
      checksum: (data[10]! << 8) | data[11]!,
      src: formatIpv4(data, 12),
      dst: formatIpv4(data, 16),
    },
  };
}

export interface Ipv4HeaderFields {
  readonly src: string;
  readonly dst: string;
  /** Length of what follows the header (AH + VRRP message). */
  readonly payloadLength: number;
  /** keepalived: 255, or `unicast_ttl` for unicast peers. */
  readonly ttl?: number;
  /** keepalived: per-instance counter from 1, never 0. */
  readonly id: number;
  /** 112, or 51 when an AH header follows. */
  readonly protocol?: number;
  readonly tos?: number;
}

/**
 * Builds keepalived's 20-byte IPv4 header (`vrrp_build_ip4()`): version 4, IHL 5, TOS 0xc0,
 * frag_off 0 (no DF), TTL, protocol. The header checksum is left 0 (the kernel fills it with
 * IP_HDRINCL) unless `fillChecksum` is set (tests comparing with captures). Throws on a bad address
 * (a bug: addresses come from the validated config).
 */
export function encodeIpv4Header(f: Ipv4HeaderFields, opts: { fillChecksum?: boolean } = {}): Uint8Array {
  const src = parseIpv4(f.src);
  const dst = parseIpv4(f.dst);
  if (!src || !dst) throw new RangeError(`encodeIpv4Header: bad address ${f.src} -> ${f.dst}`);
  const h = new Uint8Array(IPV4_HEADER_LEN);
  const total = IPV4_HEADER_LEN + f.payloadLength;
  h[0] = 0x45;
  h[1] = f.tos ?? VRRP_TOS;
  h[2] = (total >>> 8) & 0xff;
  h[3] = total & 0xff;
  h[4] = (f.id >>> 8) & 0xff;
  h[5] = f.id & 0xff;
  h[8] = f.ttl ?? VRRP_TTL;
  h[9] = f.protocol ?? IPPROTO_VRRP;
  h.set(src, 12);
  h.set(dst, 16);
  if (opts.fillChecksum) {
    const c = internetChecksum(h);
    h[10] = c >>> 8;
    h[11] = c & 0xff;
  }
  return h;
}

/**
 * Writes `id` into the IPv4 header at the start of `packet` and fills its header checksum again (keepalived
 * `vrrp_update_pkt()` does the same per advert). In place, nothing allocated. Assumes a 20-byte header.
 */
export function setIpv4Id(packet: Uint8Array, id: number): void {
  packet[4] = (id >>> 8) & 0xff;
  packet[5] = id & 0xff;
  packet[10] = 0;
  packet[11] = 0;
  let sum = 0;
  for (let i = 0; i < IPV4_HEADER_LEN; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  packet[10] = c >>> 8;
  packet[11] = c & 0xff;
}

/** keepalived's next IP ID: increments, wraps 0xffff → 1 (never 0). */
export function nextIpId(id: number): number {
  return id >= 0xffff ? 1 : id + 1;
}
