// VRRP advertisement codec: RFC 3768 §5.1–§5.3 (VRRPv2) and RFC 5798 §5.1–§5.2 (VRRPv3), in the
// exact byte layout keepalived 2.2.7 builds (`vrrp_build_vrrp_v2/v3()`, reference §2.2–§2.3).
// Verbs as in dns-packet: advertLength, encodeAdvert, decodeAdvert. Decoding never throws.

import { MAX_ADDR_COUNT, V3_MAX_ADVER_INT_CS, VRRP_AUTH_LEN, VRRP_HEADER_LEN, VRRP_TYPE_ADVERT } from './constants.js';
import { computeVrrpChecksum } from './checksum.js';
import { addressBytes, formatAddress } from '../net/inet.js';
import type { Advert, ChecksumMode, DropReason, Family, VrrpVersion } from './types.js';
import { centiseconds, type Centiseconds } from '../net/units.js';

/**
 * Length of the VRRP message (no IP header, no AH): 8 + addresses [+ 8 auth bytes for v2 over IPv4].
 * This is keepalived's `expected_vrrp_pkt_len()`: VRRPv2 over IPv6 (non-standard) carries no auth data.
 */
export function advertLength(version: VrrpVersion, family: Family, addrCount: number): number {
  const addr = family === 4 ? 4 : 16;
  return VRRP_HEADER_LEN + addrCount * addr + (version === 2 && family === 4 ? VRRP_AUTH_LEN : 0);
}

/** What the sender puts in an advert. */
export interface AdvertFields {
  readonly version: VrrpVersion;
  readonly vrid: number;
  /** Priority to send: the effective priority, or 0 when stopping. */
  readonly priority: number;
  /** v2: sent as whole seconds (truncated, as keepalived does); v3: centiseconds, 12 bits. */
  readonly advertInt: Centiseconds;
  /** Addresses of `family`, canonical or not, in configuration order. */
  readonly addresses: readonly string[];
  readonly family: Family;
  /** v2 only: 0 none, 1 PASS (password ≤ 8 bytes, zero-padded), 2 AH (the AH header is not built here). */
  readonly auth?: { readonly type: 0 | 1 | 2; readonly password?: string };
  /** Type nibble; default 1 (ADVERTISEMENT). Only tests set another value. */
  readonly type?: number;
}

/** Where the message goes: the checksum of v3 (and of IPv6) depends on it. */
export interface EncodeContext {
  readonly src: string;
  readonly dst: string;
  readonly checksumMode: ChecksumMode;
  /** Group for the `pseudo-mcast` mode (keepalived: the global `vrrp_mcast_group4`); default 224.0.0.18. */
  readonly mcastGroup?: string;
}

/** The 8 auth bytes of a PASS password: its UTF-8 bytes, truncated / zero-padded to 8 (`auth_pass`). */
export function passwordBytes(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_LEN);
  out.set(new TextEncoder().encode(password).subarray(0, VRRP_AUTH_LEN));
  return out;
}

/**
 * Builds the VRRP message with its checksum filled in: v2 = plain RFC 1071 over the message;
 * v3/IPv4 = with the pseudo-header per `checksumMode`; IPv6 = with the IPv6 pseudo-header (what the
 * kernel computes with IPV6_CHECKSUM, so the bytes equal what is on the wire).
 * Does NOT build the IP header (see ipv4.ts) or the AH header.
 * Throws on programming errors (an address that does not parse, > 255 addresses, VRID/priority out
 * of range): the sender's input comes from a validated config.
 */
export function encodeAdvert(f: AdvertFields, ctx: EncodeContext): Uint8Array {
  if (f.addresses.length > MAX_ADDR_COUNT) throw new RangeError(`encodeAdvert: ${f.addresses.length} addresses`);
  if (!(f.vrid >= 0 && f.vrid <= 255 && f.priority >= 0 && f.priority <= 255)) {
    throw new RangeError(`encodeAdvert: vrid ${f.vrid} priority ${f.priority}`);
  }
  const len = advertLength(f.version, f.family, f.addresses.length);
  const msg = new Uint8Array(len);
  msg[0] = (f.version << 4) | ((f.type ?? VRRP_TYPE_ADVERT) & 0x0f);
  msg[1] = f.vrid;
  msg[2] = f.priority;
  msg[3] = f.addresses.length;
  if (f.version === 2) {
    msg[4] = f.auth?.type ?? 0;
    // keepalived: hd->v2.adver_int = adver_int / TIMER_HZ (integer seconds, truncated).
    msg[5] = Math.floor(f.advertInt / 100) & 0xff;
  } else {
    const cs = f.advertInt & V3_MAX_ADVER_INT_CS;
    msg[4] = cs >>> 8;
    msg[5] = cs & 0xff;
  }
  const step = f.family === 4 ? 4 : 16;
  f.addresses.forEach((a, i) => {
    const b = addressBytes(a, f.family);
    if (!b) throw new RangeError(`encodeAdvert: not an IPv${f.family} address: ${a}`);
    msg.set(b, VRRP_HEADER_LEN + i * step);
  });
  if (f.version === 2 && f.family === 4 && f.auth?.type === 1 && f.auth.password !== undefined) {
    msg.set(passwordBytes(f.auth.password), len - VRRP_AUTH_LEN);
  }
  const c = computeVrrpChecksum(msg, {
    version: f.version,
    family: f.family,
    mode: f.version === 2 ? 'plain' : ctx.checksumMode,
    src: ctx.src,
    dst: ctx.dst,
    ...(ctx.mcastGroup !== undefined ? { mcastGroup: ctx.mcastGroup } : {}),
  });
  msg[6] = c >>> 8;
  msg[7] = c & 0xff;
  return msg;
}

export type DecodeResult =
  | { readonly ok: true; readonly advert: Advert }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string };

/**
 * Parses a VRRP message (IP header and AH already stripped). Checks only what it needs to parse:
 * at least 8 bytes (`too_short`), version nibble 2 or 3 (`vers_err`), and that the length is exactly
 * `advertLength(version, family, count)` (`packet_len_err`).
 * Does NOT check the type nibble, auth, interval, checksum, TTL or addresses against any config:
 * that is `checkAdvert` (receive-checks.ts), in keepalived's order.
 */
export function decodeAdvert(msg: Uint8Array, family: Family): DecodeResult {
  if (msg.length < VRRP_HEADER_LEN) {
    return { ok: false, reason: 'too_short', detail: `VRRP message of ${msg.length} bytes, need ${VRRP_HEADER_LEN}` };
  }
  const b0 = msg[0]!;
  const version = b0 >>> 4;
  if (version !== 2 && version !== 3) {
    return { ok: false, reason: 'vers_err', detail: `version ${version}` };
  }
  const count = msg[3]!;
  const expect = advertLength(version, family, count);
  if (msg.length !== expect) {
    return {
      ok: false,
      reason: 'packet_len_err',
      detail: `length ${msg.length} and expect ${expect} (${count} address(es))`,
    };
  }
  return { ok: true, advert: parseFields(msg, family, version) };
}

/** Reads the fields of a message whose length is already known to be right. Internal. */
export function parseFields(msg: Uint8Array, family: Family, version: VrrpVersion): Advert {
  const count = msg[3]!;
  const step = family === 4 ? 4 : 16;
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(formatAddress(msg, family, VRRP_HEADER_LEN + i * step));
  const v2 = version === 2;
  const hasAuth = v2 && family === 4;
  return {
    version,
    type: msg[0]! & 0x0f,
    vrid: msg[1]!,
    priority: msg[2]!,
    addrCount: count,
    authType: v2 ? msg[4]! : 0,
    advertInt: centiseconds(v2 ? msg[5]! * 100 : ((msg[4]! << 8) | msg[5]!) & V3_MAX_ADVER_INT_CS),
    checksum: (msg[6]! << 8) | msg[7]!,
    addresses,
    authData: hasAuth ? msg.slice(msg.length - 8) : new Uint8Array(0),
  };
}
