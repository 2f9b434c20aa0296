// The Transport edge (ARCHITECTURE.md §5): carries VRRP messages (RFC 5798 §5) between the runtime
// shell and the network. Real implementations: raw IP protocol 112 (raw.ts, native addon) and UDP
// on loopback for unprivileged runs (udp.ts); test/support has a fake behind the same interface.
//
// One transport per (interface, family[, unicast source]) is shared by every instance on it, as
// keepalived's sockpool does; it does no VRRP checks and no demultiplexing (the core demuxes by VRID).

import type { Family, ReceivedPacket } from '../../vrrp/types.js';
import type { HavipdError } from '../../errors.js';

export type { Family, ReceivedPacket };

/** Default `--udp-port` (here, not in udp.ts, so that reading it does not load `node:dgram`). */
export const DEFAULT_UDP_PORT = 15112;

export interface TransportOpenOptions {
  /** Interface to bind to (SO_BINDTODEVICE). UDP mode ignores it except to label packets. */
  readonly ifname: string;
  readonly family: Family;
  /**
   * `unicast_src_ip`: bind the socket to it (IP_FREEBIND, so it may not be configured yet). A bound
   * raw socket only receives packets addressed to it, so unicast and multicast instances on one
   * interface need separate transports. UDP mode: required, the router's 127.0.0.x / ::1.
   */
  readonly unicastSrc?: string;
  /** Multicast groups to join on open (224.0.0.18, ff02::12, or the configured group). */
  readonly mcastGroups: readonly string[];
}

export interface SendOptions {
  /**
   * Source address. IPv4 raw: written into the IPv4 header (default: the interface's first IPv4
   * address). IPv6 raw: IPV6_PKTINFO (default: the kernel's choice, the link-local address).
   * UDP: must be the bound address or undefined.
   */
  readonly src: string | undefined;
  readonly dst: string;
  /** TTL / hop limit: 255, or `unicast_ttl` for unicast peers. */
  readonly ttl: number;
  /** Must match the transport's own (a mismatch is a bug and throws). */
  readonly ifname: string;
  readonly family: Family;
  /** IPv4 raw only: the IP ID. Default: a per-VRID counter kept by the transport (keepalived's). */
  readonly ipId?: number;
}

export type PacketHandler = (packet: ReceivedPacket) => void;
/** Receive-side failures (recvmsg errors); the transport keeps running. */
export type TransportErrorHandler = (err: HavipdError) => void;

export interface Transport {
  readonly kind: 'raw' | 'udp';
  readonly ifname: string;
  readonly family: Family;
  /**
   * Send one VRRP message (no IP header; the transport adds it). Resolves when handed to the
   * kernel; rejects with `HavipdError('HAVIPD_SOCKET', …)` carrying `errno` (ENETDOWN,
   * ENETUNREACH, EPERM…) — never throws synchronously, never crashes the daemon.
   */
  send(message: Uint8Array, opts: SendOptions): Promise<void>;
  /**
   * `send`, done before returning, for a transport whose send is a synchronous system call (raw sockets):
   * throws what `send` would reject with. The Supervisor sends adverts through it when present, so a tick of
   * many adverts costs no promise per advert.
   */
  sendNow?(message: Uint8Array, opts: SendOptions): void;
  /** Join / leave a multicast group after open. Rejects with HavipdError carrying errno. */
  join(group: string): Promise<void>;
  leave(group: string): Promise<void>;
  /**
   * Hand every datagram already waiting in the socket(s) to `onPacket` now (bounded), before the caller
   * acts on a timer: the event loop runs expired timers before it polls sockets, so after a freeze the
   * adverts that arrived in time would otherwise be read only after the timer was acted on (issue 8 §2).
   * Raw: synchronous non-blocking reads. UDP: lets the loop's poll phase run (`setImmediate`) until a
   * turn brings nothing. Resolves when done; never rejects; does nothing once closed.
   */
  drainPending(): Promise<void>;
  /** Stop receiving and release the socket(s). Idempotent. */
  close(): Promise<void>;
}

/** Opens transports; `onPacket` is called for every datagram received, `onError` for receive failures. */
export type OpenTransport = (
  opts: TransportOpenOptions,
  onPacket: PacketHandler,
  onError?: TransportErrorHandler,
) => Promise<Transport>;
