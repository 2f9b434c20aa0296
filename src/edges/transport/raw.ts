// Raw IP protocol 112 transport (RFC 5798 §5.1: TTL / hop limit 255, IPv4 via keepalived's own
// header with IP_HDRINCL, IPv6 with the kernel's header and checksum) through the native addon.
// One socket per (interface, family[, unicast source]); see types.ts.

import { networkInterfaces } from 'node:os';
import { HavipdError } from '../../errors.js';
import { primaryAddress } from '../../vrrp/sockets.js';
import { loadNative, type NativeAddon } from '../../native/index.js';
import { IpIdCounters, Ipv4Framer } from './ipv4-header.js';
import type { OpenTransport, PacketHandler, SendOptions, Transport, TransportErrorHandler, TransportOpenOptions } from './types.js';


/**
 * The source of an IPv4 send that names none (only direct users of the transport: the Supervisor always
 * passes the core's source): keepalived's primary address of `ifname` (src/vrrp/sockets.ts).
 */
function primaryIpv4(ifname: string): string | undefined {
  return primaryAddress((networkInterfaces()[ifname] ?? []).filter((a) => a.family === 'IPv4'), 4);
}

class RawTransport implements Transport {
  readonly kind = 'raw' as const;
  readonly ifname: string;
  readonly family: 4 | 6;
  private readonly fd: number;
  private readonly ifindex: number;
  private readonly watchId: number;
  private readonly ids = new IpIdCounters();
  private readonly framer = new Ipv4Framer();
  private closed = false;
  /** The kernel's count of datagrams dropped on a full receive queue, as last reported (SO_RXQ_OVFL). */
  private dropped = 0;

  constructor(
    private readonly native: NativeAddon,
    opts: TransportOpenOptions,
    private readonly onPacket: PacketHandler,
    private readonly onError: TransportErrorHandler | undefined,
  ) {
    this.ifname = opts.ifname;
    this.family = opts.family;
    let opened;
    try {
      opened = native.openRaw(opts.family, opts.ifname, opts.unicastSrc ?? null);
    } catch (err) {
      throw HavipdError.fromErrno(`open raw IPv${opts.family} socket on ${opts.ifname}`, err);
    }
    this.fd = opened.fd;
    this.ifindex = opened.ifindex;
    try {
      for (const g of opts.mcastGroups) native.membership(this.fd, this.family, g, this.ifindex, true);
      this.watchId = native.watch(this.fd, (err) => this.drain(err));
    } catch (err) {
      native.close(this.fd);
      throw HavipdError.fromErrno(`set up raw IPv${opts.family} socket on ${opts.ifname}`, err);
    }
  }

  /** Read every waiting datagram (bounded: at most 1024 per wake-up, the rest on the next one). */
  private drain(pollErr?: Error): void {
    if (this.closed) return;
    if (pollErr) this.onError?.(HavipdError.fromErrno(`poll on ${this.ifname}`, pollErr));
    for (let i = 0; i < 1024; i++) {
      let d;
      try {
        d = this.native.recvRaw(this.fd, this.family);
      } catch (err) {
        this.onError?.(HavipdError.fromErrno(`recvmsg on ${this.ifname}`, err));
        return;
      }
      if (d === null) return;
      if (d.dropped !== undefined && d.dropped > this.dropped) {
        // A lost advert counts towards a down timer: say so (once per batch of losses), with the count.
        const lost = d.dropped - this.dropped;
        this.dropped = d.dropped;
        this.onError?.(new HavipdError('HAVIPD_SOCKET', `the kernel dropped ${lost} datagram(s) on ${this.ifname} (receive queue full; ${d.dropped} since the socket was opened)`, { errno: 'ENOBUFS' }));
      }
      this.onPacket({
        family: this.family,
        ifname: this.ifname,
        src: d.src,
        dst: d.dst,
        ttl: d.ttl,
        data: new Uint8Array(d.data.buffer, d.data.byteOffset, d.data.byteLength),
        hasIpHeader: this.family === 4,
        ...(d.ageMicros !== undefined ? { ageMicros: d.ageMicros } : {}),
      });
      if (this.closed) return;
    }
  }

  drainPending(): Promise<void> {
    this.drain();
    return Promise.resolve();
  }

  send(message: Uint8Array, opts: SendOptions): Promise<void> {
    try {
      this.sendNow(message, opts);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  sendNow(message: Uint8Array, opts: SendOptions): void {
    if (opts.ifname !== this.ifname || opts.family !== this.family) {
      throw new Error(`bug: send for ${opts.ifname}/IPv${opts.family} on transport ${this.ifname}/IPv${this.family}`);
    }
    if (this.closed) throw new HavipdError('HAVIPD_SOCKET', `send on closed transport ${this.ifname}`, { errno: 'EBADF' });
    let src: string | undefined;
    if (this.family === 4) {
      src = opts.src ?? primaryIpv4(this.ifname);
      if (src === undefined) throw new HavipdError('HAVIPD_SOCKET', `no IPv4 source address on ${this.ifname}`, { errno: 'EADDRNOTAVAIL' });
    }
    try {
      if (src !== undefined) {
        const id = opts.ipId ?? this.ids.next(message[1] ?? 0);
        const packet = this.framer.frame(message, { src, dst: opts.dst, ttl: opts.ttl, id });
        this.native.sendRaw(this.fd, 4, packet, opts.dst, null, this.ifindex, opts.ttl);
      } else {
        this.native.sendRaw(this.fd, 6, message, opts.dst, opts.src ?? null, this.ifindex, opts.ttl);
      }
    } catch (err) {
      throw HavipdError.fromErrno(`send to ${opts.dst} on ${this.ifname}`, err);
    }
  }

  private membership(group: string, join: boolean): Promise<void> {
    try {
      this.native.membership(this.fd, this.family, group, this.ifindex, join);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(HavipdError.fromErrno(`${join ? 'join' : 'leave'} ${group} on ${this.ifname}`, err));
    }
  }

  join(group: string): Promise<void> {
    return this.membership(group, true);
  }

  leave(group: string): Promise<void> {
    return this.membership(group, false);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.native.unwatch(this.watchId);
      this.native.close(this.fd);
    }
    return Promise.resolve();
  }
}

/**
 * Open a raw transport (needs CAP_NET_RAW). Rejects with HavipdError: `HAVIPD_NATIVE_MISSING` when
 * the addon is not built, `HAVIPD_INTERFACE` (errno ENODEV) for a missing interface,
 * `HAVIPD_NO_PRIVILEGE` (EPERM) without CAP_NET_RAW, `HAVIPD_SOCKET` otherwise.
 */
export const openRawTransport: OpenTransport = (opts, onPacket, onError) => {
  try {
    return Promise.resolve(new RawTransport(loadNative(), opts, onPacket, onError));
  } catch (err) {
    return Promise.reject(err);
  }
};
