// Data types shared by the VRRP codec, the receive checks and the state machine (RFC 3768 §5,
// RFC 5798 §5). The state machine's own Input / Effect types live in instance.ts beside it.

import type { Centiseconds } from '../net/units.js';
import type { Family, VrrpVersion } from '../config-parser/types.js';

export type { Family, VrrpVersion };

/** keepalived's instance states (RFC 9568 says "Active" for MASTER; operators and scripts expect MASTER). */
export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/**
 * How the VRRPv3-over-IPv4 checksum is computed (reference §2.3).
 * - `pseudo`: RFC 5798 §5.2.8, pseudo-header with the packet's real destination (default).
 * - `pseudo-mcast`: keepalived ≤ 1.3.6 unicast bug: pseudo-header with the multicast group (`old_unicast_checksum`).
 * - `plain`: no pseudo-header, as VRRPv2 (`v3_checksum_as_v2`).
 * VRRPv2 is always `plain`; IPv6 is always `pseudo` (the kernel computes it with IPV6_CHECKSUM).
 */
export type ChecksumMode = 'pseudo' | 'pseudo-mcast' | 'plain';

/** A decoded advertisement (the VRRP message, IP header already stripped). */
export interface Advert {
  readonly version: VrrpVersion;
  /** Type nibble; 1 = ADVERTISEMENT. Decoding keeps other values so the receive checks can count them. */
  readonly type: number;
  readonly vrid: number;
  readonly priority: number;
  /** Count IP Addrs field as received. */
  readonly addrCount: number;
  /** v2: Auth Type; v3: always 0. */
  readonly authType: number;
  /** v2: Adver Int in whole seconds ×100; v3: Max Adver Int (12 bits). Both in centiseconds. */
  readonly advertInt: Centiseconds;
  readonly checksum: number;
  /** The addresses carried, canonical text, in packet order. */
  readonly addresses: readonly string[];
  /** v2: the 8 authentication bytes (zeros unless PASS). v3: empty. */
  readonly authData: Uint8Array;
}

/**
 * A VRRP packet as the transport hands it to the core. The transport does no VRRP checks at all.
 */
export interface ReceivedPacket {
  readonly family: Family;
  /** Receiving interface name ('' when unknown, e.g. UDP mode). */
  readonly ifname: string;
  /** Source and destination address, canonical text. */
  readonly src: string;
  readonly dst: string;
  /** TTL / hop limit as received; `undefined` when the transport cannot read it (UDP mode): TTL checks are skipped. */
  readonly ttl: number | undefined;
  /**
   * IPv4 raw socket: the whole datagram from the IPv4 header on (the AH header, when present, follows it).
   * IPv6 raw socket and UDP mode: the VRRP message only (`hasIpHeader` false).
   */
  readonly data: Uint8Array;
  readonly hasIpHeader: boolean;
  /**
   * How long before it was read the kernel received the packet, µs (raw sockets); undefined when unknown.
   * The shell steps the core at the receive time, so a BACKUP's down timer counts from the advert's arrival
   * rather than from when the event loop got to it.
   */
  readonly ageMicros?: number;
}

/**
 * Why a packet was not accepted: a closed union, one counter each (keepalived's stats names where
 * they exist, reference §2.7). `DROP`-class reasons are "not relevant" rather than invalid; for the
 * state machine both mean the advert is ignored and the BACKUP down timer keeps running.
 */
export type DropReason =
  | 'too_short' // dispatcher: shorter than IP header [+AH] + 8
  | 'unknown_vrid' // dispatcher: no instance with that VRID on this socket
  | 'instance_not_ready' // dispatcher: instance in INIT or FAULT
  | 'family_mismatch' // dispatcher: IPv6 multicast on a unicast instance or the reverse
  | 'authtype_mismatch' // check 1 (AH presence) and check 7
  | 'packet_len_err' // checks 2 and 12
  | 'ip_ttl_err' // check 3, and check 18's TTL range
  | 'vers_err' // check 4
  | 'invalid_authtype' // check 6
  | 'auth_failure' // checks 8, 9
  | 'ah_unsupported' // check 9: havipd recognises AH but does not implement HMAC-MD5-96
  | 'advert_interval_mismatch' // check 10 (v2), a DROP with no keepalived counter
  | 'invalid_type_rcvd' // check 11
  | 'advert_interval_invalid' // check 13 (v3): Max Adver Int 0 (RFC 5798 §5.2.7 allows 1..4095 cs); havipd only
  | 'chk_err' // check 14
  | 'mcast_unicast_mismatch' // check 15 (keepalived counts it in addr_list_err)
  | 'addr_list_err' // no longer a drop since keepalived 2.3.3 (counted, warned, accepted); kept for the counters' shape
  | 'unicast_src_not_peer' // check 18 (and auth_hmac: a signed unicast advert from a non-peer)
  // auth_hmac (keepalived 2.4 `vrrp_auth_ext_verify()`), after the version check:
  | 'auth_ext_missing' // enforce mode, no trailer
  | 'auth_ext_malformed' // ext_type not HMAC-SHA256 or reserved not 0
  | 'auth_ext_unknown_key' // key id not configured
  | 'auth_ext_invalid_hmac' // HMAC mismatch
  | 'auth_ext_stale' // time mode: timestamp outside the window
  | 'auth_ext_replay' // sequence not after the sender's last
  | 'owner_ignore_adverts'; // check 16 (keepalived 2.3.3+): an address owner ignores adverts
