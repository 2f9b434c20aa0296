// The AF_PACKET edge of the claim watch (src/vrrp/healing.ts "The claim watch"): one ETH_P_ARP socket per
// interface that carries IPv4 VIPs, with a kernel filter that passes only frames another host sent with one
// of those VIPs as sender address, so a busy LAN's ARP traffic costs nothing. Frames are decoded by the
// pure `decodeArp`; a malformed one is counted and dropped.

import { HavipdError } from '../errors.js';
import { decodeArp, formatMac, type ArpFrame } from '../garp/frames.js';
import { parseIpv4 } from '../net/inet.js';
import { loadNative, type NativeAddon } from '../native/index.js';

/** Counters of the edge (status and tests). */
export interface ArpWatchCounters {
  /** Frames passed on (another host, a VIP as sender address). */
  frames: number;
  /** Frames that were not Ethernet/IPv4 ARP. */
  malformed: number;
  /** Frames from this host's own MAC or with a sender address that is not watched. */
  ignored: number;
}

export interface ArpWatchEdge {
  /**
   * Watch exactly the interfaces of `plan` (interface → its IPv4 VIPs): sockets of interfaces no longer in it
   * close, new ones open, one whose VIPs changed reopens. An interface whose socket cannot be opened is
   * reported to `onError` and tried again at the next `update`. Frames go to `onFrame`.
   */
  update(plan: ReadonlyMap<string, readonly string[]>): void;
  /** Drop `ifname`'s socket (the link went away or was recreated); the next `update` reopens it. */
  forget(ifname: string): void;
  readonly counters: Readonly<ArpWatchCounters>;
  close(): void;
}

export interface ArpWatchHandlers {
  readonly onFrame: (ifname: string, arp: ArpFrame) => void;
  readonly onError: (ifname: string, err: HavipdError) => void;
}

/** Frames read per readable event before yielding to the loop (the rest wait for the next one). */
const DRAIN_LIMIT = 64;

interface Watched {
  readonly fd: number;
  readonly key: string;
  readonly vips: ReadonlySet<string>;
  readonly mac: string;
}

class PacketArpWatch implements ArpWatchEdge {
  private readonly sockets = new Map<string, Watched>();
  readonly counters: ArpWatchCounters = { frames: 0, malformed: 0, ignored: 0 };

  constructor(
    private readonly native: NativeAddon,
    private readonly handlers: ArpWatchHandlers,
  ) {}

  update(plan: ReadonlyMap<string, readonly string[]>): void {
    for (const ifname of [...this.sockets.keys()]) if (!plan.has(ifname)) this.forget(ifname);
    for (const [ifname, vips] of plan) {
      const key = [...new Set(vips)].sort().join(',');
      const cur = this.sockets.get(ifname);
      if (cur?.key === key) continue;
      if (cur) this.forget(ifname);
      if (vips.length > 0) this.open(ifname, key, vips);
    }
  }

  private open(ifname: string, key: string, vips: readonly string[]): void {
    const set = new Set(vips);
    const addrs = new Uint8Array(4 * set.size);
    let n = 0;
    for (const v of set) {
      const b = parseIpv4(v);
      if (b) addrs.set(b, 4 * n++);
    }
    try {
      const mac = formatMac(new Uint8Array(this.native.ifMac(ifname)));
      const { fd } = this.native.openArp(ifname, addrs.subarray(0, 4 * n));
      this.sockets.set(ifname, { fd, key, vips: set, mac });
      this.native.watch(fd, (err) => (err ? this.handlers.onError(ifname, HavipdError.fromErrno(`ARP watch on ${ifname}`, err)) : this.drain(ifname)));
    } catch (err) {
      this.handlers.onError(ifname, HavipdError.fromErrno(`open ARP watch on ${ifname}`, err));
    }
  }

  private drain(ifname: string): void {
    const w = this.sockets.get(ifname);
    if (!w) return;
    for (let k = 0; k < DRAIN_LIMIT; k++) {
      let frame: Buffer | null;
      try {
        frame = this.native.recvFrame(w.fd);
      } catch (err) {
        this.handlers.onError(ifname, HavipdError.fromErrno(`ARP watch on ${ifname}`, err));
        return;
      }
      if (frame === null) return;
      const arp = decodeArp(frame);
      if (arp === undefined) {
        this.counters.malformed++;
        continue;
      }
      if (arp.senderMac === w.mac || !w.vips.has(arp.senderIp)) {
        this.counters.ignored++;
        continue;
      }
      this.counters.frames++;
      this.handlers.onFrame(ifname, arp);
    }
  }

  forget(ifname: string): void {
    const w = this.sockets.get(ifname);
    if (!w) return;
    this.sockets.delete(ifname);
    this.native.close(w.fd);
  }

  close(): void {
    for (const ifname of [...this.sockets.keys()]) this.forget(ifname);
  }
}

/** The real ARP watch (needs CAP_NET_RAW). Throws HAVIPD_NATIVE_MISSING if the addon is not built. */
export function createArpWatch(handlers: ArpWatchHandlers): ArpWatchEdge {
  return new PacketArpWatch(loadNative(), handlers);
}
