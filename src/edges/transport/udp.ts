// UDP transport for unprivileged runs (`--transport udp --udp-port N`): the same VRRP messages
// (RFC 5798 §5.2, no IP header) as UDP payloads between routers on loopback, each bound to its own
// `unicast_src_ip` (127.0.0.x, or ::1). The received TTL cannot be read (ttl is undefined, so the
// RFC 5798 §7.1 TTL check is skipped) and nothing needs CAP_NET_RAW.
// IPv4 multicast groups work on `lo` (a second socket bound to group:port with SO_REUSEADDR);
// IPv6 multicast is not offered in this mode (join rejects with EOPNOTSUPP).

import type { RemoteInfo } from 'node:dgram';
import { DgramAsPromised, type SocketAsPromised } from 'dgram-as-promised';
import { HavipdError } from '../../errors.js';
import type { OpenTransport, PacketHandler, SendOptions, Transport, TransportErrorHandler, TransportOpenOptions } from './types.js';

/**
 * At most this many turns of the event loop per `drainPending()`. libuv reads up to 32 datagrams per
 * socket per poll phase, so 16 turns read over 450 queued adverts (5 s of one 0.1 s master is 50).
 */
const DRAIN_TURNS = 16;

import { DEFAULT_UDP_PORT } from './types.js';

export { DEFAULT_UDP_PORT };

export interface UdpTransportOptions {
  /** UDP port every router of the test set uses. */
  readonly port: number;
}


/**
 * A dgram-as-promised socket without its error latch: the wrapper records every 'error' event and
 * rejects the *next* bind/send with it, even when that send would succeed. havipd reports socket
 * errors through `onError` as they happen (and bind/send errors through their own promises), as
 * the plain node:dgram socket did, so the latch is detached (`destroy()` only removes the wrapper's
 * 'close'/'error' listeners; the socket stays open and usable).
 */
function createSocket(opts: { type: 'udp4' | 'udp6'; reuseAddr?: boolean }): SocketAsPromised {
  return DgramAsPromised.createSocket(opts).destroy();
}

/** Closes the socket; resolves also when it was never bound or is already closed. */
async function closeSocket(sock: SocketAsPromised): Promise<void> {
  try {
    await sock.close();
  } catch {
    /* already closed */
  }
}

class UdpTransport implements Transport {
  readonly kind = 'udp' as const;
  readonly ifname: string;
  readonly family: 4 | 6;
  private readonly src: string;
  private readonly mcast = new Map<string, SocketAsPromised>();
  private closed = false;
  /** Datagrams received on any of this transport's sockets (ours looped back included). */
  private received = 0;

  private constructor(
    private readonly port: number,
    private readonly sock: SocketAsPromised,
    opts: TransportOpenOptions & { unicastSrc: string },
    private readonly onPacket: PacketHandler,
    private readonly onError: TransportErrorHandler | undefined,
  ) {
    this.ifname = opts.ifname;
    this.family = opts.family;
    this.src = opts.unicastSrc;
  }

  static async open(
    udp: UdpTransportOptions,
    opts: TransportOpenOptions,
    onPacket: PacketHandler,
    onError: TransportErrorHandler | undefined,
  ): Promise<UdpTransport> {
    const src = opts.unicastSrc;
    if (src === undefined) {
      throw new HavipdError('HAVIPD_SOCKET', `UDP transport on ${opts.ifname} needs unicast_src_ip (each router on its own 127.0.0.x)`, {
        errno: 'EINVAL',
      });
    }
    const sock = createSocket({ type: opts.family === 4 ? 'udp4' : 'udp6' });
    try {
      await sock.bind({ address: src, port: udp.port, exclusive: true });
      sock.setTTL(255);
      if (opts.family === 4) {
        sock.setMulticastTTL(255);
        sock.setMulticastInterface(src);
        // On lo the multicast copy to other local routers *is* the loopback copy.
        sock.setMulticastLoopback(true);
      }
    } catch (err) {
      await closeSocket(sock);
      throw HavipdError.fromErrno(`bind UDP ${src}:${udp.port}`, err);
    }
    const t = new UdpTransport(udp.port, sock, { ...opts, unicastSrc: src }, onPacket, onError);
    sock.socket.on('message', (msg, rinfo) => t.deliver(msg, rinfo, src));
    sock.socket.on('error', (err) => t.onError?.(HavipdError.fromErrno(`UDP socket ${src}:${udp.port}`, err)));
    try {
      for (const g of opts.mcastGroups) await t.join(g);
    } catch (err) {
      await t.close();
      throw err;
    }
    return t;
  }

  private deliver(msg: Buffer, rinfo: RemoteInfo, dst: string): void {
    if (this.closed) return;
    this.received++;
    // Our own multicast, looped back: keepalived never sees its own adverts (IP_MULTICAST_LOOP 0).
    if (rinfo.address === this.src && rinfo.port === this.port) return;
    this.onPacket({
      family: this.family,
      ifname: this.ifname,
      src: rinfo.address,
      dst,
      ttl: undefined,
      data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
      hasIpHeader: false,
    });
  }

  /**
   * node:dgram has no synchronous read, so this lets the loop's poll phase run: a pending immediate makes
   * libuv poll without blocking, and the check phase that runs it comes after the poll phase, which reads
   * up to 32 datagrams per socket. Called from a timer that is one `setImmediate`; called from an I/O
   * callback (or its microtasks) the first immediate runs in the same iteration's check phase, before any
   * poll (measured: 0 of 100 queued datagrams), so the first turn never ends the drain. Then repeat while
   * a turn brought datagrams (bounded by DRAIN_TURNS).
   */
  async drainPending(): Promise<void> {
    for (let turn = 0; turn < DRAIN_TURNS && !this.closed; turn++) {
      const before = this.received;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (turn > 0 && this.received === before) return;
    }
  }

  send(message: Uint8Array, opts: SendOptions): Promise<void> {
    if (opts.ifname !== this.ifname || opts.family !== this.family) {
      throw new Error(`bug: send for ${opts.ifname}/IPv${opts.family} on transport ${this.ifname}/IPv${this.family}`);
    }
    if (opts.src !== undefined && opts.src !== this.src) {
      return Promise.reject(new HavipdError('HAVIPD_SOCKET', `UDP transport bound to ${this.src} cannot send from ${opts.src}`, { errno: 'EADDRNOTAVAIL' }));
    }
    if (this.closed) return Promise.reject(new HavipdError('HAVIPD_SOCKET', `send on closed UDP transport ${this.src}`, { errno: 'EBADF' }));
    // dgram-as-promised turns a synchronous throw of dgram's send (bad address, closed socket) into a
    // rejection too, as the hand-written wrapper did.
    return this.sock.send(message, this.port, opts.dst).then(
      () => undefined,
      (err: unknown) => {
        throw HavipdError.fromErrno(`send to ${opts.dst}:${this.port}`, err);
      },
    );
  }

  async join(group: string): Promise<void> {
    if (this.mcast.has(group)) return;
    if (this.family === 6) {
      throw new HavipdError('HAVIPD_SOCKET', `UDP transport: IPv6 multicast (${group}) is not supported; use unicast peers`, { errno: 'EOPNOTSUPP' });
    }
    const m = createSocket({ type: 'udp4', reuseAddr: true });
    try {
      await m.bind({ address: group, port: this.port });
      m.addMembership(group, this.src);
    } catch (err) {
      await closeSocket(m);
      throw HavipdError.fromErrno(`join ${group} on ${this.src}`, err);
    }
    m.socket.on('message', (msg, rinfo) => this.deliver(msg, rinfo, group));
    m.socket.on('error', (err) => this.onError?.(HavipdError.fromErrno(`UDP multicast socket ${group}:${this.port}`, err)));
    this.mcast.set(group, m);
  }

  async leave(group: string): Promise<void> {
    const m = this.mcast.get(group);
    if (!m) return;
    this.mcast.delete(group);
    try {
      m.dropMembership(group, this.src);
    } catch {
      /* closing drops it anyway */
    }
    await closeSocket(m);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [this.sock, ...this.mcast.values()];
    this.mcast.clear();
    await Promise.all(all.map(closeSocket));
  }
}

/** An opener for UDP transports on `port` (`--transport udp --udp-port N`). */
export function udpTransportOpener(udp: UdpTransportOptions = { port: DEFAULT_UDP_PORT }): OpenTransport {
  return (opts, onPacket, onError) => UdpTransport.open(udp, opts, onPacket, onError);
}
