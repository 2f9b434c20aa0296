// Which VRRP sockets the configuration needs and which instances a received packet may reach (RFC 5798
// §5.1.1.4 / §7.1; keepalived 2.2.7 `open_sockpool()` / `vrrp_dispatcher_read()`), and the primary address
// keepalived picks as an interface's source. Pure: the runtime opens the sockets this plans, feeds what each
// receives to the core only when `socketAccepts` says so, and reports interfaces' primary addresses with
// `primaryAddress`.

import type { DaemonConfig, Family, VrrpInstanceConfig } from '../config-parser/types.js';
import { canonicalAddress, isMulticast } from '../net/inet.js';
import type { ReceivedPacket } from './types.js';

/**
 * keepalived's source choice for an interface: its first IPv4 address; for IPv6 its first link-local
 * address. `addresses` in kernel order.
 *
 * Addresses in `vips` (see {@link vipAddressSet}) are never chosen (issue 11 §6): after a network restart
 * a VIP can become the interface's first address, and adverts sent from it are dropped by a peer with
 * `check_unicast_src`, by a cloud's anti-spoofing, and compared wrongly in an election.
 * keepalived-compat: keepalived 2.2.7 ignores its instances' VIPs and eVIPs when it takes an interface
 * address from netlink (`ignore_address_if_ours_or_link_local()`).
 * havipd: the VIPs of every instance are skipped, not only those of the instances on this interface.
 * Test: test/unit/vrrp/sockets.test.ts "keepalived-compat: a VIP that became the first address is not the source".
 */
export function primaryAddress(addresses: readonly { readonly address: string }[], family: Family, vips?: ReadonlySet<string>): string | undefined {
  const usable = (a: { readonly address: string }): boolean => vips === undefined || vips.size === 0 || !vips.has(canonicalAddress(a.address, family) ?? a.address);
  if (family === 4) return addresses.find(usable)?.address;
  return addresses.find((a) => /^fe[89ab]/i.test(a.address) && usable(a))?.address;
}

/** Every address that is a VIP or an excluded VIP of any instance of `config`, canonical (for `primaryAddress`). */
export function vipAddressSet(config: DaemonConfig): ReadonlySet<string> {
  const set = new Set<string>();
  for (const inst of config.instances) for (const v of [...inst.vips, ...inst.excludedVips]) set.add(v.address);
  return set;
}

/** One socket: per (family, interface, unicast source | multicast). */
export interface SocketPlan {
  readonly key: string;
  readonly family: Family;
  /** '' for an interface-less unicast instance. */
  readonly ifname: string;
  /** Unicast: the address it is bound to (undefined when unknown); multicast: undefined (UDP: `mcast_src_ip`). */
  readonly unicastSrc: string | undefined;
  /** Multicast groups to join (none for unicast). */
  readonly groups: readonly string[];
  /** Instances whose adverts go out (and come in) on it, in configuration order. */
  readonly instances: readonly string[];
  readonly unicast: boolean;
}

export interface SocketPlanOptions {
  /** UDP test transport: multicast sockets are bound to `mcast_src_ip`. */
  readonly udp: boolean;
  /** An interface's primary address (see `primaryAddress`), for unicast instances without `unicast_src_ip`. */
  readonly primaryOf: (ifname: string, family: Family) => string | undefined;
}

function unicastSource(inst: VrrpInstanceConfig, opts: SocketPlanOptions): string | undefined {
  if (inst.unicastSrcIp !== undefined) return inst.unicastSrcIp;
  return inst.interface ? opts.primaryOf(inst.interface, inst.family) : undefined;
}

/** The sockets `config` needs, in configuration order of their first instance. */
export function planSockets(config: DaemonConfig, opts: SocketPlanOptions): SocketPlan[] {
  const plans = new Map<string, { key: string; family: Family; ifname: string; unicastSrc: string | undefined; groups: string[]; instances: string[]; unicast: boolean }>();
  for (const inst of config.instances) {
    const unicast = inst.unicastPeers.length > 0;
    const ifname = inst.interface ?? '';
    const unicastSrc = unicast ? unicastSource(inst, opts) : opts.udp ? inst.mcastSrcIp : undefined;
    const key = `${inst.family}|${ifname}|${unicast ? `u:${unicastSrc ?? ''}` : 'm'}`;
    let p = plans.get(key);
    if (!p) {
      p = { key, family: inst.family, ifname, unicastSrc, groups: [], instances: [], unicast };
      plans.set(key, p);
    }
    if (!unicast && !p.groups.includes(inst.mcastDstIp)) p.groups.push(inst.mcastDstIp);
    p.instances.push(inst.name);
  }
  return [...plans.values()];
}

/**
 * Whether a packet received on `socket` goes to the core. keepalived binds its multicast socket to the group
 * and its unicast socket to the source address, so each sees only its own traffic; an unbound raw socket
 * sees both: a multicast socket passes on unicast packets when a unicast socket on the same interface and
 * family takes them.
 */
export function socketAccepts(socket: SocketPlan, packet: ReceivedPacket, all: readonly SocketPlan[]): boolean {
  if (socket.unicastSrc !== undefined || socket.groups.length === 0) return true;
  if (isMulticast(packet.dst, packet.family)) return true;
  return !all.some((s) => s.family === socket.family && s.ifname === socket.ifname && s.unicastSrc !== undefined);
}
