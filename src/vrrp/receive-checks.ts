// Receive-side validation of an advertisement: RFC 3768 §7.1, RFC 5798 §7.1 and RFC 9568 §7.1, in the order and
// with the verdicts, log texts and counters of keepalived `vrrp_check_packet()` (reference §2.6) as of 2.4.3
// (the 2.3.3 RFC 9568 alignment: a VIP-list mismatch is accepted with a warning; unicast source and TTL range
// checked even when the VIP check is skipped; owner_ignore_adverts), plus the dispatcher-level drops of
// `vrrp_dispatcher_read()` / `vrrp_get_header()`. Pure; never throws.

import { AH_HEADER_LEN, IPPROTO_AH, IPPROTO_VRRP, IPV4_HEADER_LEN, VRRP_HEADER_LEN, VRRP_MCAST_GROUP4, VRRP_TTL, VRRP_TYPE_ADVERT } from './constants.js';
import { verifyVrrpChecksum } from './checksum.js';
import { isMulticast, sameAddress } from '../net/inet.js';
import { advertLength, parseFields, passwordBytes } from './packet.js';
import type { Advert, ChecksumMode, DropReason, ReceivedPacket, VrrpState } from './types.js';
import type { VrrpInstanceConfig } from '../config-parser/types.js';
import { AUTH_HMAC_TRAILER_LEN, verifyTrailer, type AuthHmacSeam, type AuthHmacState } from './auth-hmac.js';

// ───────────────────────────── locating the VRRP message ─────────────────────────────

/** Where the VRRP message starts in `pkt.data`, and what the IPv4 header said. */
export interface PacketLayout {
  /** Offset of the VRRP header in `pkt.data`. */
  readonly vrrpOffset: number;
  /** IPv4 with header: IHL × 4; otherwise 0. */
  readonly ipHeaderLength: number;
  /** IPv4 header protocol was 51 (an AH header sits between IP and VRRP). */
  readonly hasAh: boolean;
  /** IPv4 header fields, when the packet carries one. */
  readonly ip?: { readonly totalLength: number; readonly ttl: number; readonly src: string; readonly dst: string; readonly protocol: number };
}

function fmt4(d: Uint8Array, o: number): string {
  return `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
}

/**
 * keepalived's `vrrp_get_header()`: finds the VRRP header and checks that enough bytes arrived for
 * the IPv4 header (20), the AH header if protocol is 51 (24), and the 8-byte VRRP header.
 * Does NOT check the IP version, IHL sanity, total length, nor anything in the VRRP message.
 */
export function locateVrrpMessage(pkt: ReceivedPacket): { ok: true; layout: PacketLayout } | { ok: false; log: string } {
  const off = vrrpOffset(pkt);
  if (typeof off === 'string') return { ok: false, log: off };
  const d = pkt.data;
  if (pkt.family === 4 && pkt.hasIpHeader) {
    const protocol = d[9]!;
    return {
      ok: true,
      layout: {
        vrrpOffset: off,
        ipHeaderLength: (d[0]! & 0x0f) << 2,
        hasAh: protocol === IPPROTO_AH,
        ip: { totalLength: (d[2]! << 8) | d[3]!, ttl: d[8]!, src: fmt4(d, 12), dst: fmt4(d, 16), protocol },
      },
    };
  }
  return { ok: true, layout: { vrrpOffset: 0, ipHeaderLength: 0, hasAh: false } };
}

/**
 * `locateVrrpMessage` without the IPv4 header's fields: the VRRP header's offset, or the log line saying the
 * packet is too short. The dispatcher needs only this, for every packet, so it formats no addresses.
 */
function vrrpOffset(pkt: ReceivedPacket): number | string {
  const d = pkt.data;
  if (pkt.family === 4 && pkt.hasIpHeader) {
    if (d.length < IPV4_HEADER_LEN || d.length < ((d[0]! & 0x0f) << 2) + VRRP_HEADER_LEN) return `IPv4 VRRP packet too short - ${d.length} bytes`;
    const ihl = (d[0]! & 0x0f) << 2;
    const hasAh = d[9] === IPPROTO_AH;
    if (hasAh && d.length < ihl + AH_HEADER_LEN + VRRP_HEADER_LEN) return `IPv4 VRRP packet with AH too short - ${d.length} bytes`;
    return ihl + (hasAh ? AH_HEADER_LEN : 0);
  }
  if (d.length < VRRP_HEADER_LEN) return `IPv${pkt.family} VRRP packet too short - ${d.length} bytes`;
  return 0;
}

// ───────────────────────────── dispatcher ─────────────────────────────

/** What the dispatcher needs to know about one instance bound to the receiving socket. */
export interface DispatchCandidate {
  readonly name: string;
  readonly vrid: number;
  readonly state: VrrpState;
  /** Instance has unicast peers (keepalived's VRRP_FLAG_UNICAST). */
  readonly unicast: boolean;
  readonly unicastPeers: readonly string[];
  /** Source of the last packet handed to this instance (keepalived `pkt_saddr`), if any. */
  readonly lastPacketSrc?: string;
}

export type DispatchResult =
  | { readonly ok: true; readonly index: number; readonly vrid: number }
  | {
      readonly ok: false;
      readonly reason: 'too_short' | 'unknown_vrid' | 'instance_not_ready' | 'family_mismatch';
      readonly vrid: number | undefined;
      readonly index: number | undefined;
      /** keepalived's text. For `unknown_vrid` log only with `log_unknown_vrids`; `family_mismatch` is a detail-level log. */
      readonly log: string;
    };

/** The VRID a packet names (the byte `classifyForDispatch` looks up), or undefined when it is too short to say. */
export function packetVrid(pkt: ReceivedPacket): number | undefined {
  const off = vrrpOffset(pkt);
  return typeof off === 'number' ? pkt.data[off + 1] : undefined;
}

/**
 * keepalived 2.2.7 `vrrp_dispatcher_read()` after recvmsg: too short (`vrrp_get_header`), VRID lookup
 * among `candidates` (the instances on this socket; with duplicate VRIDs — unicast — the one whose
 * last packet came from this source, else the first with this source as a peer), instance in INIT
 * or FAULT, and IPv6 multicast packet on a unicast instance or the reverse.
 * Does NOT check anything else in the packet (that is `checkAdvert`), nor startup delay or MSG_TRUNC
 * (runtime concerns).
 */
export function classifyForDispatch(pkt: ReceivedPacket, candidates: readonly DispatchCandidate[]): DispatchResult {
  const off = vrrpOffset(pkt);
  if (typeof off === 'string') return { ok: false, reason: 'too_short', vrid: undefined, index: undefined, log: off };
  const vrid = pkt.data[off + 1]!;
  const matches: number[] = [];
  for (let i = 0; i < candidates.length; i++) if (candidates[i]!.vrid === vrid) matches.push(i);
  const unknown = (): DispatchResult => ({
    ok: false,
    reason: 'unknown_vrid',
    vrid,
    index: undefined,
    log: `Unknown VRID(${vrid}) received on interface(${pkt.ifname}). ignoring...`,
  });
  if (matches.length === 0) return unknown();
  let index = matches[0]!;
  if (matches.length > 1) {
    const bySrc = matches.find((i) => {
      const last = candidates[i]!.lastPacketSrc;
      return last !== undefined && sameAddress(last, pkt.src, pkt.family);
    });
    const byPeer = bySrc ?? matches.find((i) => candidates[i]!.unicastPeers.some((p) => sameAddress(p, pkt.src, pkt.family)));
    if (byPeer === undefined) {
      return {
        ok: false,
        reason: 'unknown_vrid',
        vrid,
        index: undefined,
        log: `Unknown VRID(${vrid}) received on interface(${pkt.ifname}) from ${pkt.src}. ignoring...`,
      };
    }
    index = byPeer;
  }
  const c = candidates[index]!;
  if (c.state === 'INIT' || c.state === 'FAULT') {
    return { ok: false, reason: 'instance_not_ready', vrid, index, log: `(${c.name}) ignoring packet in ${c.state} state` };
  }
  if (pkt.family === 6) {
    const mc = isMulticast(pkt.dst, 6);
    if (mc === c.unicast) {
      return {
        ok: false,
        reason: 'family_mismatch',
        vrid,
        index,
        log: `(${c.name}) discarding ${mc ? 'mult' : 'un'}icast packet on ${c.unicast ? 'un' : 'mult'}icast instance`,
      };
    }
  }
  return { ok: true, index, vrid };
}

// ───────────────────────────── vrrp_check_packet ─────────────────────────────

/** What the checks need to know about the receiving instance, as plain data. */
export interface ReceiveContext {
  /** version, auth, vips, advertInt, unicastPeers, checkUnicastSrc, skipCheckAdvAddr, oldUnicastChecksum… */
  readonly config: VrrpInstanceConfig;
  readonly global: {
    readonly checkUnicastSrc: boolean;
    readonly skipCheckAdvAddr: boolean;
    /** `vrrp_mcast_group4`: the address of the `pseudo-mcast` checksum; default 224.0.0.18. */
    readonly vrrpMcastGroup4?: string;
  };
  /** MASTER always checks the VIP list (keepalived `vrrp_state_master_rx()`). */
  readonly state: VrrpState;
  /** Source of the last accepted advert from a master (keepalived `master_saddr`). */
  readonly lastMasterAddr: string | undefined;
  /** The checksum mode in use now (may have switched to 'pseudo-mcast' by auto-detection). */
  readonly checksumMode: ChecksumMode;
  /** The instance's effective priority now (owner_ignore_adverts applies at 255); default: the configured one. */
  readonly effectivePriority?: number;
  /** Required when `config.authHmac` is set: the crypto/clock seam and the instance's replay state (mutated). */
  readonly authHmac?: { readonly seam: AuthHmacSeam; readonly state: AuthHmacState };
}

/**
 * Something wrong with an advert that is accepted all the same (keepalived 2.3.3+, RFC 9568 §7.1): logged once
 * per kind until the state or the master changes (keepalived's rate-limit flags), counted as keepalived does.
 */
export interface RxWarning {
  readonly kind: 'vip_count' | 'vip_mismatch' | 'advert_interval';
  readonly log: string;
}

/**
 * keepalived stats counters (reference §2.7) this packet increments, in the order keepalived does:
 * `advert_rcvd`, `pri_zero_rcvd`, `packet_len_err`, `ip_ttl_err`, `invalid_authtype`,
 * `authtype_mismatch`, `auth_failure`, `invalid_type_rcvd`, `addr_list_err`, and the SNMP-build ones
 * `vers_err`, `chk_err`. The per-reason drop counter is the `reason` itself (drop-log.ts).
 */
export type KeepalivedCounter =
  | 'advert_rcvd'
  | 'pri_zero_rcvd'
  | 'packet_len_err'
  | 'ip_ttl_err'
  | 'invalid_authtype'
  | 'authtype_mismatch'
  | 'auth_failure'
  | 'invalid_type_rcvd'
  | 'addr_list_err'
  | 'vers_err'
  | 'chk_err'
  | 'auth_ext_missing'
  | 'auth_ext_malformed'
  | 'auth_ext_unknown_key'
  | 'auth_ext_invalid_hmac'
  | 'auth_ext_stale'
  | 'auth_ext_replay';

export type CheckResult =
  | {
      readonly ok: true;
      readonly advert: Advert;
      /** Set when this packet switched the instance to keepalived's old unicast checksum (auto-detect). */
      readonly switchChecksumMode?: ChecksumMode;
      readonly counters: readonly KeepalivedCounter[];
      /** Informational lines to log (e.g. the checksum switch). */
      readonly notes: readonly string[];
      /** Problems of an accepted advert, to log rate-limited (see `RxWarning`). */
      readonly warnings?: readonly RxWarning[];
    }
  | {
      readonly ok: false;
      readonly reason: DropReason;
      /** KO = invalid, DROP = not relevant; for the state machine both mean "ignore, keep the timer running". */
      readonly verdict: 'KO' | 'DROP';
      /** keepalived 2.2.7's text, e.g. "(VI_1) received an invalid passwd!". Never contains the password. */
      readonly log: string;
      readonly counters: readonly KeepalivedCounter[];
      /** A checksum switch can happen and a later check still reject the packet: apply it anyway. */
      readonly switchChecksumMode?: ChecksumMode;
      readonly notes: readonly string[];
    };

/** keepalived's VRRP_FLAG_UNICAST: the instance has unicast peers. */
export function isUnicastInstance(config: VrrpInstanceConfig): boolean {
  return config.unicastPeers.length > 0;
}

/** keepalived `vrrp_state_backup()`: whether the VIP list is checked (2.2.7 also gated the unicast source check on it). */
export function shouldCheckAddresses(ctx: ReceiveContext, src: string): boolean {
  if (ctx.state === 'MASTER') return true;
  if (!(ctx.config.skipCheckAdvAddr || ctx.global.skipCheckAdvAddr)) return true;
  if (ctx.lastMasterAddr === undefined) return true;
  return !sameAddress(src, ctx.lastMasterAddr, ctx.config.family);
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const AUTH_NUM = { NONE: 0, PASS: 1, AH: 2 } as const;

/**
 * keepalived 2.4.3 `vrrp_check_packet()` on a packet the dispatcher handed to this instance, in its
 * order: (1) AH presence vs auth type, (2) length, (3) TTL 255 for multicast, (4) version,
 * v2: (6) auth type valid, (7) auth type matches, (8) PASS, (9) AH, (10) advert interval (DROP);
 * (11) type, (12) IPv4 total length, v3: (13) Max Adver Int 0 (havipd: KO; keepalived accepts it) and an
 * interval mismatch (warning only), (14) checksum (with old-unicast auto-detection), (15) multicast ⇔
 * multicast instance, (16) owner_ignore_adverts (DROP); then `advert_rcvd`; (17) VIP count and, when
 * addresses are checked, VIP list: a mismatch is counted in `addr_list_err` and warned about, and the advert
 * is ACCEPTED (RFC 9568 §7.1; 2.2.7 rejected it); (18) unicast source / TTL range, always (2.2.7 skipped it
 * with the VIP check); (19) priority 0 counted.
 * TTL checks are skipped when the TTL is unknown (UDP mode).
 * Does NOT: verify IPv6 checksums (the kernel does, IPV6_CHECKSUM); verify AH HMAC-MD5-96 (AH adverts
 * are rejected as `ah_unsupported`); check the VRID (the dispatcher did); look at the priority beyond
 * counting zero (election is the state machine's); rate-limit the warnings (the caller does).
 */
export function checkAdvert(pkt: ReceivedPacket, ctx: ReceiveContext): CheckResult {
  const cfg = ctx.config;
  const vi = `(${cfg.name})`;
  const d = pkt.data;
  const family = pkt.family;
  const counters: KeepalivedCounter[] = [];
  const notes: string[] = [];
  let switchChecksumMode: ChecksumMode | undefined;
  const fail = (reason: DropReason, log: string, counter?: KeepalivedCounter, verdict: 'KO' | 'DROP' = 'KO'): CheckResult => {
    if (counter) counters.push(counter);
    return {
      ok: false,
      reason,
      verdict,
      log,
      counters,
      notes,
      ...(switchChecksumMode !== undefined ? { switchChecksumMode } : {}),
    };
  };

  const loc = locateVrrpMessage(pkt);
  if (!loc.ok) return fail('too_short', loc.log);
  const { layout } = loc;
  const hdOff = layout.vrrpOffset;
  const src = layout.ip?.src ?? pkt.src;
  const dst = layout.ip?.dst ?? pkt.dst;
  const ttl = layout.ip?.ttl ?? pkt.ttl;
  const unicast = isUnicastInstance(cfg);
  const instAuth = cfg.version === 2 ? AUTH_NUM[cfg.auth.type] : 0;
  const buflen = d.length;
  let expected = 0;

  // (1) IPv4: AH header present ⇔ auth type AH.
  if (family === 4) {
    expected = layout.ipHeaderLength;
    if (layout.hasAh !== (instAuth === AUTH_NUM.AH)) {
      return fail(
        'authtype_mismatch',
        layout.hasAh ? `${vi} Received AH header but auth type not AH` : `${vi} No AH header but auth type is AH`,
        'authtype_mismatch',
      );
    }
    if (instAuth === AUTH_NUM.AH) expected += AH_HEADER_LEN;
  }

  // (2) Length: RFC 5798 §7.1 "MUST verify that the received packet contains the complete VRRP packet".
  const b0 = d[hdOff]!;
  const pktVersion = b0 >>> 4;
  const naddr = d[hdOff + 3]!;
  expected += advertLength(pktVersion === 2 ? 2 : 3, family, naddr);
  // auth_hmac: a trailer is recognised by the exact length (keepalived 2.4: padding cannot reach 28 bytes).
  const hmacCfg = cfg.authHmac;
  const trailerLen = hmacCfg && buflen === expected + AUTH_HMAC_TRAILER_LEN ? AUTH_HMAC_TRAILER_LEN : 0;
  expected += trailerLen;
  if (buflen !== expected) {
    return fail(
      'packet_len_err',
      `${vi} vrrp packet too ${buflen > expected ? 'long' : 'short'}, length ${buflen} and expect ${expected}`,
      'packet_len_err',
    );
  }

  // (3) Multicast: TTL / hop limit MUST be 255 (RFC 5798 §7.1); unknown TTL (UDP mode) skips it.
  if (!unicast && ttl !== undefined && ttl !== VRRP_TTL) {
    return fail('ip_ttl_err', `${vi} invalid TTL/HL. Received ${ttl} and expect ${VRRP_TTL}`, 'ip_ttl_err');
  }

  // (4) Version.
  if (pktVersion !== cfg.version) {
    return fail('vers_err', `${vi} wrong version. Received ${pktVersion} and expect ${cfg.version}`, 'vers_err');
  }

  // (5) auth_hmac (keepalived 2.4 `vrrp_auth_ext_verify()`): authenticate before any field is used.
  if (hmacCfg) {
    if (!ctx.authHmac) throw new Error(`checkAdvert: ${cfg.name} has auth_hmac but no seam`);
    if (trailerLen === 0) {
      if (hmacCfg.mode === 'enforce') return fail('auth_ext_missing', `${vi} missing authentication trailer from ${src}`, 'auth_ext_missing');
    } else {
      let replay;
      if (unicast) {
        // A signed unicast advert must come from a configured peer, whose mark anchors the replay state.
        const peer = cfg.unicastPeers.find((p) => sameAddress(p.address, src, family));
        if (!peer) return fail('unicast_src_not_peer', `${vi} unicast source address ${src} not a unicast peer`);
        replay = ctx.authHmac.state.peer(peer.address);
      }
      const v = verifyTrailer(
        ctx.authHmac.seam,
        hmacCfg,
        ctx.authHmac.state,
        { family, version: cfg.version, vrid: cfg.vrid, src, msg: d.subarray(hdOff, buflen - trailerLen), trailer: d.subarray(buflen - trailerLen) },
        replay,
      );
      if (!v.ok) {
        const text: Record<typeof v.reason, string> = {
          auth_ext_malformed: `${vi} malformed authentication trailer from ${src}`,
          auth_ext_unknown_key: `${vi} unknown authentication key id ${v.keyId} from ${src}`,
          auth_ext_invalid_hmac: `${vi} invalid authentication HMAC from ${src}`,
          auth_ext_stale: `${vi} stale authentication trailer from ${src}, clock skew ${v.skewS} sec exceeds window ${hmacCfg.timeWindow} sec`,
          auth_ext_replay: `${vi} replayed authentication trailer from ${src}`,
        };
        return fail(v.reason, text[v.reason], v.reason);
      }
      const half = Math.trunc(hmacCfg.timeWindow / 2);
      if (v.skewS !== undefined && (v.skewS > half || v.skewS < -half)) {
        notes.push(`${vi} authentication clock skew ${v.skewS} sec from ${src} approaching window ${hmacCfg.timeWindow} sec`);
      }
    }
  }

  if (cfg.version === 2) {
    const authType = d[hdOff + 4]!;
    // (6) Auth type must be one we know.
    if (authType !== 0 && authType !== 1 && authType !== 2) {
      return fail('invalid_authtype', `${vi} Invalid auth type: ${authType}`, 'invalid_authtype');
    }
    // (7) RFC 3768 §7.1 "MUST perform authentication specified by Auth Type".
    if (authType !== instAuth) {
      return fail('authtype_mismatch', `${vi} received a ${authType} auth, expecting ${instAuth}!`, 'authtype_mismatch');
    }
    if (cfg.auth.type === 'PASS') {
      // (8) keepalived-compat: 2.2.7 reads the password at ip + tot_len - 8 (tot_len not yet checked).
      // Test: test/unit/vrrp/receive-checks.test.ts "keepalived-compat: the PASS is read at ip tot_len - 8, before the tot_len check".
      const end = layout.ip ? layout.ip.totalLength : buflen;
      const pwOff = end - 8;
      const ok = pwOff >= hdOff && end <= buflen && constantTimeEqual(d.subarray(pwOff, end), passwordBytes(cfg.auth.password));
      if (!ok) return fail('auth_failure', `${vi} received an invalid passwd!`, 'auth_failure');
    } else if (cfg.auth.type === 'AH') {
      // (9) AH: another protocol behind AH is not ours (DROP). havipd does not implement HMAC-MD5-96.
      const next = d[layout.ipHeaderLength]!;
      if (next !== IPPROTO_VRRP) {
        return fail('ah_unsupported', `${vi} AH header for protocol ${next}, not VRRP: ignored`, undefined, 'DROP');
      }
      return fail('ah_unsupported', `${vi} IPSEC-AH : authentication header not supported by havipd. Packet dropped`, 'auth_failure');
    }
    // (10) RFC 3768 §7.1 "MUST verify that the Adver Interval in the packet is the same as the locally
    // configured"; keepalived: DROP, no counter.
    const rcvSec = d[hdOff + 5]!;
    if (cfg.advertInt !== rcvSec * 1_000_000) {
      return fail(
        'advert_interval_mismatch',
        `${vi} advertisement interval mismatch mine=${Math.floor(cfg.advertInt / 1_000_000)} sec rcv'd=${rcvSec} sec`,
        undefined,
        'DROP',
      );
    }
  }

  // (11) Type.
  const type = b0 & 0x0f;
  if (type !== VRRP_TYPE_ADVERT) {
    return fail('invalid_type_rcvd', `${vi} Invalid packet type. ${type} and expect ${VRRP_TYPE_ADVERT}`, 'invalid_type_rcvd');
  }

  const checkAddr = shouldCheckAddresses(ctx, src);
  const warnings: RxWarning[] = [];

  // (12) IPv4 total length = received length.
  if (layout.ip && layout.ip.totalLength !== buflen) {
    return fail(
      'packet_len_err',
      `${vi} ip_tot_len mismatch against received length. ${layout.ip.totalLength} and received ${buflen}`,
      'packet_len_err',
    );
  }

  // (13) v3 Max Adver Int: RFC 5798 §5.2.7, a 12-bit interval in centiseconds, so 1..4095 for a sender
  // that advertises at all (RFC 6527's vrrpv3OperationsAdvInterval is 1..4095).
  // havipd: an interval of 0 is rejected (KO). keepalived 2.2.7 and 2.4.3 accept it (2.4.3
  // logs its rate-limited "advertisement interval mismatch ... rcv'd=0 centi-sec" here, 2.2.7 nothing),
  // and a BACKUP that accepts it adopts 0 as Master_Adver_Interval: its Master_Down_Interval becomes 0
  // and it takes the master for dead at once, over and over (both versions, verified: a busy loop of
  // "Receive advertisement timeout" until the group's other member times out). A MASTER that loses to it
  // would adopt 0 the same way. Ignoring it keeps the down timer running from the last valid advert.
  if (cfg.version === 3 && (d[hdOff + 4]! & 0x0f) === 0 && d[hdOff + 5] === 0) {
    return fail('advert_interval_invalid', `${vi} invalid advertisement interval from ${src}: rcv'd=0 centi-sec, must be 1..4095 - ignoring`);
  }

  const msg = d.subarray(hdOff, buflen - trailerLen);
  // (13) RFC 5798 §7.1 "SHOULD verify that the Adver Interval ... is the same"; keepalived 2.3.3+ logs it once.
  if (cfg.version === 3) {
    const rcvCs = ((d[hdOff + 4]! & 0x0f) << 8) | d[hdOff + 5]!;
    if (cfg.advertInt !== rcvCs * 10_000) {
      warnings.push({ kind: 'advert_interval', log: `${vi} advertisement interval mismatch ours = ${Math.floor(cfg.advertInt / 10_000)} centi-sec rcv'd=${rcvCs} centi-sec` });
    }
  }
  // (14) Checksum (IPv4: over the message only, not the auth_hmac trailer). IPv6: verified by the kernel (IPV6_CHECKSUM), not here.
  if (family === 4) {
    if (cfg.version === 3) {
      const group = ctx.global.vrrpMcastGroup4 ?? VRRP_MCAST_GROUP4;
      const base = { version: 3, family: 4, src, dst, mcastGroup: group } as const;
      if (!verifyVrrpChecksum(msg, { ...base, mode: ctx.checksumMode })) {
        let recovered = false;
        // keepalived-compat: old_unicast_checksum auto-detection (reference §2.3).
        // Test: test/unit/vrrp/receive-checks.test.ts "auto: detected, switched, and the switch survives a later rejection".
        if (unicast && cfg.oldUnicastChecksum === 'auto' && ctx.checksumMode === 'pseudo' && !sameAddress(dst, group, 4)) {
          if (verifyVrrpChecksum(msg, { ...base, mode: 'pseudo-mcast' })) {
            switchChecksumMode = 'pseudo-mcast';
            notes.push(`${vi} Setting unicast VRRPv3 checksum to old version`);
            recovered = true;
          }
        }
        if (!recovered) return fail('chk_err', `${vi} Invalid VRRPv3 checksum`, 'chk_err');
      }
    } else if (!verifyVrrpChecksum(msg, { version: 2, family: 4, mode: 'plain', src, dst })) {
      return fail('chk_err', `${vi} Invalid VRRPv2 checksum`, 'chk_err');
    }
  }

  // (15) Multicast destination ⇔ multicast instance; keepalived counts it in addr_list_err.
  if (isMulticast(dst, family) === unicast) {
    return fail(
      'mcast_unicast_mismatch',
      `${vi} Expected ${unicast ? 'un' : 'mult'}icast packet but received ${unicast ? 'mult' : 'un'}icast packet`,
      'addr_list_err',
    );
  }

  // (16) keepalived 2.3.3+ owner_ignore_adverts: an address owner drops every advert (not counted as received).
  if (cfg.ownerIgnoreAdverts === true && (ctx.effectivePriority ?? cfg.priority) === 255) {
    return fail('owner_ignore_adverts', `${vi} Dropping packet(s) from ${src} since we are address owner`, undefined, 'DROP');
  }

  counters.push('advert_rcvd');
  const advert = parseFields(msg, family, cfg.version);

  // (17) RFC 9568 §7.1 "MAY verify that the IP address(es) associated with the VRID are valid" — and, new in
  // RFC 9568, still accept the advert. havipd: follows keepalived 2.3.3+ (counted, warned once, accepted);
  // 2.2.7 rejected such an advert, which could leave two MASTERs.
  if (naddr !== cfg.vips.length) {
    counters.push('addr_list_err');
    warnings.push({ kind: 'vip_count', log: `${vi} expected ${cfg.vips.length} VIPs but received ${naddr}` });
  } else if (checkAddr) {
    const missing = cfg.vips.find((vip) => !advert.addresses.some((a) => sameAddress(a, vip.address, family)));
    if (missing) {
      counters.push('addr_list_err');
      warnings.push({ kind: 'vip_mismatch', log: `${vi} ip address associated with VRID ${cfg.vrid} not present in advert from ${src}: ${missing.address}` });
    }
  }

  // (18) Unicast source filtering: check_unicast_src (instance or global), or any peer with min/max_ttl.
  // havipd: follows keepalived 2.3.3+, which checks it for every advert; 2.2.7 skipped it whenever it skipped
  // the VIP check (skip_check_adv_addr and the same master as before).
  const peerTtl = cfg.unicastPeers.some((p) => p.minTtl !== undefined || p.maxTtl !== undefined);
  if (unicast && (ctx.global.checkUnicastSrc || cfg.checkUnicastSrc || peerTtl)) {
    const peer = cfg.unicastPeers.find((p) => sameAddress(p.address, src, family));
    if (!peer) return fail('unicast_src_not_peer', `${vi} unicast source address ${src} not a unicast peer`);
    const min = peer.minTtl ?? 0;
    const max = peer.maxTtl ?? 255;
    if (ttl !== undefined && (ttl < min || ttl > max)) {
      return fail('ip_ttl_err', `${vi} TTL/HL ${ttl} from ${src} not in range [${min}, ${max}]`, 'ip_ttl_err', 'DROP');
    }
  }

  // (19) Priority 0: the master is stopping (RFC 5798 §6.4.2).
  if (advert.priority === 0) counters.push('pri_zero_rcvd');
  return { ok: true, advert, counters, notes, warnings, ...(switchChecksumMode !== undefined ? { switchChecksumMode } : {}) };
}
