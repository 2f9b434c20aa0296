// The VRRP HMAC authentication extension of keepalived 2.4 (`auth_hmac`, draft-cassen-vrrp-auth-hmac):
// a 28-byte trailer after the VRRP message carrying a key id, a 64-bit time-based sequence and an
// HMAC-SHA256 truncated to 128 bits over a 20-byte pseudo-header and the message. Same for VRRPv2/v3,
// IPv4/IPv6, unicast/multicast. Pure: the HMAC, the constant-time compare and the wall clock are
// injected (`AuthHmacSeam`); no crypto is written here.
//
// Wire facts (keepalived 2.4.3 `vrrp_auth_hmac.h`, `vrrp_auth_hmac.c`, checked against the built binary by
// test/golden/auth-hmac.test.ts):
//   trailer  = ext_type(1)=1 | key_id(1) | reserved(2)=0 | sec(4) | subsec(2) | ctr(2) | hmac(16)
//   seq      = sec << 32 | subsec << 16 | ctr   (sec: UTC seconds, subsec: 1/65536 s)
//   pseudo   = family(1: 4|6) | version(1) | vrid(1) | 0 | source address (4 or 16) | zero-padded to 20
//   HMAC-SHA256(key, pseudo ‖ message with its checksum field read as 0 ‖ trailer[0..12) ‖ 16 zero bytes)
// The IPv4 VRRP checksum covers the message only; the IPv6 one (written by the kernel, IPV6_CHECKSUM)
// covers the whole payload, trailer included.

import type { AuthHmacConfig, Family, VrrpVersion } from '../config-parser/types.js';
import { computeVrrpChecksum } from './checksum.js';
import { addressBytes } from '../net/inet.js';

export const AUTH_HMAC_TRAILER_LEN = 28;
/** Trailer `ext_type` of HMAC-SHA256-128, the only scheme keepalived 2.4.3 defines. */
export const AUTH_HMAC_TYPE_SHA256 = 1;
export const AUTH_HMAC_LEN = 16;
/** Offset of the HMAC in the trailer (the signed prefix is the 12 bytes before it). */
export const AUTH_HMAC_OFFSET = 12;
export const AUTH_HMAC_PSEUDO_LEN = 20;
export const AUTH_HMAC_KEY_MIN = 32;
export const AUTH_HMAC_KEY_MAX = 64;
export const AUTH_HMAC_WINDOW_MIN = 1;
export const AUTH_HMAC_WINDOW_MAX = 300;
/** Lower bound of the window derived from the advert interval. */
export const AUTH_HMAC_WINDOW_FLOOR = 5;
/** Replay slots per multicast instance (keepalived VRRP_AUTH_HMAC_MCAST_SENDERS). */
export const AUTH_HMAC_MCAST_SENDERS = 4;

/** What the shell supplies: Node's crypto and the realtime clock. */
export interface AuthHmacSeam {
  /** HMAC-SHA256 of the concatenation of `parts` under `key`: the full 32-byte digest. */
  hmacSha256(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array;
  /** Constant-time comparison of two equal-length byte strings. */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /** Realtime (UTC) clock in nanoseconds since the Unix epoch (CLOCK_REALTIME). */
  realtimeNs(): bigint;
}

/** Outcome of verifying a received advert (keepalived `vrrp_auth_hmac_result_t` plus "missing"). */
export type AuthHmacFailure = 'auth_ext_missing' | 'auth_ext_malformed' | 'auth_ext_unknown_key' | 'auth_ext_invalid_hmac' | 'auth_ext_stale' | 'auth_ext_replay';

export const AUTH_HMAC_FAILURES: readonly AuthHmacFailure[] = [
  'auth_ext_missing',
  'auth_ext_malformed',
  'auth_ext_unknown_key',
  'auth_ext_invalid_hmac',
  'auth_ext_stale',
  'auth_ext_replay',
];

// ───────────────────────────── 64-bit sequence ─────────────────────────────

const U64 = (1n << 64n) - 1n;
const U32 = 0xffff_ffffn;

/** RFC 1982 serial arithmetic on the 64-bit sequence: `a` is after `b`. */
export function seqAfter(a: bigint, b: bigint): boolean {
  const d = (a - b) & U64;
  return d !== 0n && d < 1n << 63n;
}

/** int32 of a uint32 difference (keepalived `(int32_t)((uint32_t)x - (uint32_t)y)`). */
function int32Diff(x: bigint, y: bigint): number {
  return Number(BigInt.asIntN(32, (x & U32) - (y & U32)));
}

/** The sequence of a realtime reading with the counter cleared: sec << 32 | (nsec·2^16/10^9) << 16. */
export function clockSeq(realtimeNs: bigint): bigint {
  const sec = (realtimeNs / 1_000_000_000n) & U32;
  const nsec = realtimeNs % 1_000_000_000n;
  const subsec = (nsec << 16n) / 1_000_000_000n;
  return (sec << 32n) | (subsec << 16n);
}

/**
 * The next sequence to send (keepalived `next_seq()`): the clock when it is after the last one, else the
 * last plus one; in `time` mode a last sequence more than `window` seconds ahead of the clock (a clock
 * stepped back) restarts from the clock.
 */
export function nextSendSeq(last: bigint, clock: bigint, antiReplayTime: boolean, windowS: number): bigint {
  if (seqAfter(clock, last)) return clock;
  const ahead = int32Diff(last >> 32n, clock >> 32n);
  if (antiReplayTime && ahead > windowS) return clock;
  return (last + 1n) & U64;
}

// ───────────────────────────── trailer ─────────────────────────────

export interface Trailer {
  readonly extType: number;
  readonly keyId: number;
  readonly reserved: number;
  readonly seq: bigint;
  readonly hmac: Uint8Array;
}

/** Reads the 28 trailer bytes (the caller has checked the length). */
export function decodeTrailer(t: Uint8Array): Trailer {
  const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const seq = (BigInt(dv.getUint32(4)) << 32n) | (BigInt(dv.getUint16(8)) << 16n) | BigInt(dv.getUint16(10));
  return { extType: t[0]!, keyId: t[1]!, reserved: dv.getUint16(2), seq, hmac: t.slice(AUTH_HMAC_OFFSET, AUTH_HMAC_TRAILER_LEN) };
}

/** The 12-byte signed prefix of a trailer: type, key id, zero, sequence. */
function trailerPrefix(keyId: number, seq: bigint): Uint8Array {
  const p = new Uint8Array(AUTH_HMAC_OFFSET);
  const dv = new DataView(p.buffer);
  p[0] = AUTH_HMAC_TYPE_SHA256;
  p[1] = keyId;
  dv.setUint32(4, Number((seq >> 32n) & U32));
  dv.setUint16(8, Number((seq >> 16n) & 0xffffn));
  dv.setUint16(10, Number(seq & 0xffffn));
  return p;
}

/** The 20-byte pseudo-header bound into the HMAC (keepalived `build_pseudo()`). Throws on a bad address. */
export function pseudoHeader(family: Family, version: VrrpVersion, vrid: number, src: string): Uint8Array {
  const out = new Uint8Array(AUTH_HMAC_PSEUDO_LEN);
  out[0] = family;
  out[1] = version;
  out[2] = vrid;
  const a = addressBytes(src, family);
  if (!a) throw new RangeError(`auth_hmac: not an IPv${family} address: ${src}`);
  out.set(a, 4);
  return out;
}

const ZERO_CSUM = new Uint8Array(2);
const ZERO_HMAC = new Uint8Array(AUTH_HMAC_LEN);

/** The truncated HMAC of a message (checksum read as 0) and a trailer prefix. */
function macOf(seam: AuthHmacSeam, key: Uint8Array, pseudo: Uint8Array, msg: Uint8Array, prefix: Uint8Array): Uint8Array {
  const full = seam.hmacSha256(key, [pseudo, msg.subarray(0, 6), ZERO_CSUM, msg.subarray(8), prefix, ZERO_HMAC]);
  return full.subarray(0, AUTH_HMAC_LEN);
}

export interface SignContext {
  readonly family: Family;
  readonly version: VrrpVersion;
  readonly vrid: number;
  /** The advert's source address (keepalived `vrrp->saddr`). */
  readonly src: string;
}

/**
 * The 28-byte trailer for `msg` (the VRRP message as encoded, any checksum) signed with `key` under
 * `keyId` at sequence `seq` (keepalived `vrrp_auth_hmac_sign()`). The same trailer fits every copy of
 * one advert, whatever its destination.
 */
export function buildTrailer(seam: AuthHmacSeam, msg: Uint8Array, ctx: SignContext, key: Uint8Array, keyId: number, seq: bigint): Uint8Array {
  const prefix = trailerPrefix(keyId, seq);
  const out = new Uint8Array(AUTH_HMAC_TRAILER_LEN);
  out.set(prefix);
  out.set(macOf(seam, key, pseudoHeader(ctx.family, ctx.version, ctx.vrid, ctx.src), msg, prefix), AUTH_HMAC_OFFSET);
  return out;
}

/**
 * The advert payload with its trailer: `msg ‖ trailer`. IPv4 keeps the message's checksum (it covers the
 * message only); IPv6 gets the checksum over the whole payload, as the kernel writes it (IPV6_CHECKSUM).
 */
export function appendTrailer(msg: Uint8Array, trailer: Uint8Array, ctx: { readonly family: Family; readonly version: VrrpVersion; readonly src: string; readonly dst: string }): Uint8Array {
  const out = new Uint8Array(msg.length + trailer.length);
  out.set(msg);
  out.set(trailer, msg.length);
  if (ctx.family === 6) {
    const c = computeVrrpChecksum(out, { version: ctx.version, family: 6, mode: 'pseudo', src: ctx.src, dst: ctx.dst });
    out[6] = c >>> 8;
    out[7] = c & 0xff;
  }
  return out;
}

// ───────────────────────────── receive state ─────────────────────────────

/** A sender's anti-replay high-water mark (keepalived `vrrp_replay_state_t`). */
export interface ReplayState {
  valid: boolean;
  seq: bigint;
}

interface McastSlot {
  addr: string;
  replay: ReplayState;
  /** LRU rank; 0 = empty. */
  lastUsed: number;
}

/**
 * Per-instance mutable state of the extension: the send sequence, one replay mark per unicast peer,
 * and the multicast sender table (4 slots, least recently used evicted).
 */
export class AuthHmacState {
  sendSeq = 0n;
  private readonly peers = new Map<string, ReplayState>();
  private readonly slots: McastSlot[] = Array.from({ length: AUTH_HMAC_MCAST_SENDERS }, () => ({ addr: '', replay: { valid: false, seq: 0n }, lastUsed: 0 }));
  private lru = 0;

  /** The replay mark of a configured unicast peer (by canonical address). */
  peer(addr: string): ReplayState {
    let s = this.peers.get(addr);
    if (!s) {
      s = { valid: false, seq: 0n };
      this.peers.set(addr, s);
    }
    return s;
  }

  /** keepalived `mcast_state()`: the slot of `addr`, or the least recently used one, reset. */
  mcast(addr: string): ReplayState {
    let victim: McastSlot | undefined;
    for (const s of this.slots) {
      if (s.lastUsed !== 0 && s.addr === addr) {
        s.lastUsed = this.nextLru();
        return s.replay;
      }
      if (!victim || s.lastUsed < victim.lastUsed) victim = s;
    }
    victim!.addr = addr;
    victim!.replay = { valid: false, seq: 0n };
    victim!.lastUsed = this.nextLru();
    return victim!.replay;
  }

  private nextLru(): number {
    this.lru = (this.lru + 1) >>> 0 || 1;
    return this.lru;
  }
}

/** The next sequence to send for `cfg` at realtime `nowNs`; advances `state.sendSeq`. */
export function takeSendSeq(state: AuthHmacState, cfg: AuthHmacConfig, nowNs: bigint): bigint {
  state.sendSeq = nextSendSeq(state.sendSeq, clockSeq(nowNs), cfg.antiReplay === 'time', cfg.timeWindow);
  return state.sendSeq;
}

export interface VerifyInput {
  readonly family: Family;
  readonly version: VrrpVersion;
  readonly vrid: number;
  /** Source address of the packet (keepalived `pkt_saddr`). */
  readonly src: string;
  /** The VRRP message without the trailer. */
  readonly msg: Uint8Array;
  /** The 28 trailer bytes. */
  readonly trailer: Uint8Array;
}

export type VerifyResult =
  | { readonly ok: true; readonly skewS: number | undefined }
  | { readonly ok: false; readonly reason: Exclude<AuthHmacFailure, 'auth_ext_missing'>; readonly skewS: number | undefined; readonly keyId: number };

/**
 * keepalived `vrrp_auth_hmac_check()`: type and reserved field (malformed), then in `time` mode the
 * window on the (not yet authenticated) timestamp (stale), the key id (unknown key), the HMAC
 * (constant-time), and last the replay mark, which moves only on an authenticated advert.
 * `replay` is the sender's mark: a unicast peer's, or undefined for multicast (the LRU table of `state`
 * is consulted after the HMAC, so forged sources cannot churn it).
 */
export function verifyTrailer(seam: AuthHmacSeam, cfg: AuthHmacConfig, state: AuthHmacState, input: VerifyInput, replay: ReplayState | undefined): VerifyResult {
  const t = decodeTrailer(input.trailer);
  if (t.extType !== AUTH_HMAC_TYPE_SHA256 || t.reserved !== 0) return { ok: false, reason: 'auth_ext_malformed', skewS: undefined, keyId: t.keyId };
  const timeMode = cfg.antiReplay === 'time';
  let skewS: number | undefined;
  let nowSec = 0n;
  if (timeMode) {
    nowSec = seam.realtimeNs() / 1_000_000_000n;
    skewS = int32Diff(nowSec, t.seq >> 32n);
    if (skewS > cfg.timeWindow || skewS < -cfg.timeWindow) return { ok: false, reason: 'auth_ext_stale', skewS, keyId: t.keyId };
  }
  const key = cfg.keys.find((k) => k.id === t.keyId);
  if (!key) return { ok: false, reason: 'auth_ext_unknown_key', skewS, keyId: t.keyId };
  const mac = macOf(seam, key.secret, pseudoHeader(input.family, input.version, input.vrid, input.src), input.msg, input.trailer.subarray(0, AUTH_HMAC_OFFSET));
  if (!seam.timingSafeEqual(mac, t.hmac)) return { ok: false, reason: 'auth_ext_invalid_hmac', skewS, keyId: t.keyId };
  const mark = replay ?? state.mcast(input.src);
  // keepalived `replay_ok()`: a mark older than the window is forgotten (a sender reset after a clock step).
  if (mark.valid && timeMode) {
    const age = int32Diff(nowSec, mark.seq >> 32n);
    if (age > cfg.timeWindow || age < -cfg.timeWindow) mark.valid = false;
  }
  if (mark.valid && !seqAfter(t.seq, mark.seq)) return { ok: false, reason: 'auth_ext_replay', skewS, keyId: t.keyId };
  mark.valid = true;
  mark.seq = t.seq;
  return { ok: true, skewS };
}

/** Whether an instance with `cfg` signs its adverts (every mode but receive-only). */
export function signs(cfg: AuthHmacConfig | undefined): cfg is AuthHmacConfig {
  return cfg !== undefined && cfg.mode !== 'receive-only';
}

/** keepalived: the freshness window derived from the advert interval when unset: 3 × whole seconds, in [5, 300]. */
export function defaultTimeWindow(advertIntMicros: number): number {
  const w = 3 * Math.floor(advertIntMicros / 1_000_000);
  return Math.min(AUTH_HMAC_WINDOW_MAX, Math.max(AUTH_HMAC_WINDOW_FLOOR, w));
}
