// The VRRP checksum variants (the RFC 1071 sum itself is src/net/checksum.ts): RFC 3768 §5.3.8 (v2, VRRP message
// only), RFC 5798 §5.2.8 (v3, with the IPv4/IPv6 pseudo-header) and keepalived's compatibility modes
// (reference §2.3: `old_unicast_checksum`, `v3_checksum_as_v2`).

import { IPPROTO_VRRP } from './constants.js';
import { internetChecksum, onesComplementSum } from '../net/checksum.js';

export { internetChecksum, onesComplementSum };
import { addressBytes } from '../net/inet.js';
import type { ChecksumMode, Family, VrrpVersion } from './types.js';

/** IPv4 pseudo-header of RFC 5798 §5.2.8 (RFC 768 style): src(4) dst(4) zero proto=112 length(2). */
export function pseudoHeader4(src: Uint8Array, dst: Uint8Array, length: number): Uint8Array {
  const p = new Uint8Array(12);
  p.set(src.subarray(0, 4), 0);
  p.set(dst.subarray(0, 4), 4);
  p[9] = IPPROTO_VRRP;
  p[10] = (length >>> 8) & 0xff;
  p[11] = length & 0xff;
  return p;
}

/** IPv6 pseudo-header of RFC 2460 §8.1: src(16) dst(16) length(4) zero(3) next header=112. */
export function pseudoHeader6(src: Uint8Array, dst: Uint8Array, length: number): Uint8Array {
  const p = new Uint8Array(40);
  p.set(src.subarray(0, 16), 0);
  p.set(dst.subarray(0, 16), 16);
  p[34] = (length >>> 8) & 0xff;
  p[35] = length & 0xff;
  p[39] = IPPROTO_VRRP;
  return p;
}

/** How to checksum one message. */
export interface ChecksumContext {
  readonly version: VrrpVersion;
  readonly family: Family;
  /** Used only for VRRPv3 over IPv4; v2 is always plain, IPv6 always uses its pseudo-header. */
  readonly mode: ChecksumMode;
  /** Source and destination of the IP packet, canonical text. */
  readonly src: string;
  readonly dst: string;
  /** Group used by `pseudo-mcast` (keepalived uses the global `vrrp_mcast_group4`); default 224.0.0.18. */
  readonly mcastGroup?: string;
}

/**
 * The pseudo-header to prepend for this message, or `undefined` for none. Returns `undefined` also
 * when an address does not parse (the caller then gets a checksum that will not verify).
 */
export function pseudoHeaderFor(ctx: ChecksumContext, length: number): Uint8Array | undefined {
  if (ctx.family === 6) {
    const s = addressBytes(ctx.src, 6);
    const d = addressBytes(ctx.dst, 6);
    return s && d ? pseudoHeader6(s, d, length) : undefined;
  }
  if (ctx.version === 2 || ctx.mode === 'plain') return undefined;
  const s = addressBytes(ctx.src, 4);
  const d = addressBytes(ctx.mode === 'pseudo-mcast' ? (ctx.mcastGroup ?? '224.0.0.18') : ctx.dst, 4);
  return s && d ? pseudoHeader4(s, d, length) : undefined;
}

/**
 * The checksum field value for `msg` (whose checksum bytes 6–7 are ignored, taken as zero).
 * Does not check that the message is well formed.
 */
export function computeVrrpChecksum(msg: Uint8Array, ctx: ChecksumContext): number {
  const zeroed = msg.slice();
  if (zeroed.length >= 8) {
    zeroed[6] = 0;
    zeroed[7] = 0;
  }
  const ph = pseudoHeaderFor(ctx, msg.length);
  return ph ? internetChecksum(ph, zeroed) : internetChecksum(zeroed);
}

/** True when `msg` (checksum field included) verifies under `ctx`: the one's-complement sum is 0xffff. */
export function verifyVrrpChecksum(msg: Uint8Array, ctx: ChecksumContext): boolean {
  const ph = pseudoHeaderFor(ctx, msg.length);
  if (!ph && (ctx.family === 6 || (ctx.version === 3 && ctx.mode !== 'plain'))) return false;
  const sum = onesComplementSum(msg, ph ? onesComplementSum(ph) : 0);
  return sum === 0xffff;
}
