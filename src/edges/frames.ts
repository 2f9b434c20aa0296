// The AF_PACKET edge for gratuitous ARP and unsolicited NA (RFC 5798 §6.4.2, RFC 4861 §7.2.6):
// builds frames with the pure builders in frames.ts and sends them through the native addon on a
// protocol-0 AF_PACKET socket bound to the interface (one per interface, opened on first use).

import { readFileSync } from 'node:fs';
import { HavipdError, errnoOf } from '../errors.js';
import { loadNative, type NativeAddon } from '../native/index.js';
import { buildArpProbe, buildGarp, buildUnsolicitedNa } from '../garp/frames.js';

/** What the runtime shell needs to announce VIPs (the test fake records the frames instead). */
export interface FrameSender {
  /** Send one gratuitous ARP for `ipv4` from `ifname`'s MAC. */
  sendGarp(ifname: string, ipv4: string): Promise<void>;
  /**
   * Send one unsolicited NA for `ipv6` from `ifname`'s MAC. `routerFlag` defaults to keepalived's
   * rule: set iff IPv6 forwarding is enabled on the interface.
   */
  sendNa(ifname: string, ipv6: string, routerFlag?: boolean): Promise<void>;
  /** Send one ARP probe for `ipv4` (sender address 0.0.0.0) from `ifname`'s MAC: the claim watch (src/vrrp/healing.ts). */
  sendArpProbe(ifname: string, ipv4: string): Promise<void>;
  /**
   * Open the interface's socket and read its MAC now, so the first GARP after a takeover does not pay
   * for it. Throws a HavipdError (ENODEV…) like a send would; optional for fakes.
   */
  prepare?(ifname: string): void;
  /** Drop the cached socket and MAC of `ifname` (after the link was deleted / recreated / re-addressed). */
  forget(ifname: string): void;
  close(): Promise<void>;
}

/** keepalived sets the NA Router flag iff `net.ipv6.conf.IF.forwarding` is on. false if unreadable. */
export function ipv6Forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() !== '0';
  } catch {
    return false;
  }
}

interface IfSocket {
  readonly fd: number;
  readonly mac: Uint8Array;
}


class PacketFrameSender implements FrameSender {
  private readonly sockets = new Map<string, IfSocket>();

  constructor(private readonly native: NativeAddon) {}

  private socketFor(ifname: string): IfSocket {
    let s = this.sockets.get(ifname);
    if (!s) {
      const mac = new Uint8Array(this.native.ifMac(ifname));
      const { fd } = this.native.openPacket(ifname);
      s = { fd, mac };
      this.sockets.set(ifname, s);
    }
    return s;
  }

  private send(ifname: string, what: string, build: (mac: Uint8Array) => Uint8Array): Promise<void> {
    try {
      const s = this.socketFor(ifname);
      this.native.sendFrame(s.fd, build(s.mac));
      return Promise.resolve();
    } catch (err) {
      // ENODEV / ENXIO: the interface went away; reopen (and re-read the MAC) next time.
      if (errnoOf(err) === 'ENODEV' || errnoOf(err) === 'ENXIO') this.forget(ifname);
      return Promise.reject(HavipdError.fromErrno(`${what} on ${ifname}`, err));
    }
  }

  sendGarp(ifname: string, ipv4: string): Promise<void> {
    return this.send(ifname, `gratuitous ARP for ${ipv4}`, (mac) => buildGarp(mac, ipv4));
  }

  sendNa(ifname: string, ipv6: string, routerFlag?: boolean): Promise<void> {
    const router = routerFlag ?? ipv6Forwarding(ifname);
    return this.send(ifname, `unsolicited NA for ${ipv6}`, (mac) => buildUnsolicitedNa(mac, ipv6, router));
  }

  sendArpProbe(ifname: string, ipv4: string): Promise<void> {
    return this.send(ifname, `ARP probe for ${ipv4}`, (mac) => buildArpProbe(mac, ipv4));
  }

  prepare(ifname: string): void {
    try {
      this.socketFor(ifname);
    } catch (err) {
      throw HavipdError.fromErrno(`open packet socket on ${ifname}`, err);
    }
  }

  forget(ifname: string): void {
    const s = this.sockets.get(ifname);
    if (s) {
      this.sockets.delete(ifname);
      this.native.close(s.fd);
    }
  }

  close(): Promise<void> {
    for (const ifname of [...this.sockets.keys()]) this.forget(ifname);
    return Promise.resolve();
  }
}

/** The real frame sender (needs CAP_NET_RAW). Throws HAVIPD_NATIVE_MISSING if the addon is not built. */
export function createFrameSender(): FrameSender {
  return new PacketFrameSender(loadNative());
}
