// `havipd doctor` (issue 11 §5): the decisions. The shell (src/cli/doctor.ts) gathers facts — capabilities,
// the `-t` verdict, links and their addresses, DMI strings, packet-filter rules, what a passive raw socket
// heard for IP protocol 112 (RFC 5798 §5.1.1.4), the running daemon's states — and these pure functions turn
// them into findings: one per checked thing, ok / warn / fail / skip, with one line of advice per problem.

import type { DaemonConfig, Family, VrrpInstanceConfig } from '../config-parser/types.js';
import { decodeAdvert } from '../vrrp/packet.js';
import { locateVrrpMessage } from '../vrrp/receive-checks.js';
import { primaryAddress, vipAddressSet } from '../vrrp/sockets.js';
import type { ReceivedPacket } from '../vrrp/types.js';
import { canonicalAddress } from '../net/inet.js';
import { evaluateFilter, type Ruleset } from './firewall.js';
import type { Cloud } from './cloud.js';

// ───────────────────────────── findings ─────────────────────────────

export type FindingStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** Stable check names (part of the `--json` schema). */
export const CHECK_IDS = [
  'capabilities',
  'config',
  'cloud',
  'interface',
  'source-address',
  'vip-primary',
  'firewall',
  'peer-adverts',
  'vrid-clash',
  'garp-limit',
  'multicast-on-cloud',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface Finding {
  readonly check: CheckId;
  readonly status: FindingStatus;
  /** What was checked: an instance, an interface, `VI_1 ⇄ 10.0.0.2`, or '' for the host. */
  readonly subject: string;
  readonly message: string;
  /** One line of advice; present on warn and fail. */
  readonly advice?: string;
}

// ───────────────────────────── facts ─────────────────────────────

export interface LinkFacts {
  readonly adminUp: boolean;
  readonly running: boolean;
  /** Addresses in kernel order (the first IPv4 one is the primary of its subnet), without prefixes. */
  readonly addresses: { readonly 4: readonly string[]; readonly 6: readonly string[] };
  /** net.ipv4.conf.IF.promote_secondaries; `undefined` when it could not be read. */
  readonly promoteSecondaries?: boolean;
}

/** One (interface, family, source, VRID) the listen heard, aggregated. */
export interface HeardAdvert {
  readonly ifname: string;
  readonly family: Family;
  readonly src: string;
  readonly dst: string;
  readonly vrid: number;
  readonly priority: number;
  readonly version: number;
  readonly addresses: readonly string[];
  readonly count: number;
}

export type ListenFacts =
  | { readonly done: true; readonly seconds: number; readonly heard: readonly HeardAdvert[]; readonly errors: readonly string[] }
  | { readonly done: false; readonly reason: string };

export interface ConfigVerdict {
  readonly exitCode: number;
  readonly errors: number;
  readonly warnings: number;
  /** The first few diagnostics, formatted as `havipd -t` prints them. */
  readonly first: readonly string[];
  readonly internalError?: string;
}

export interface DoctorFacts {
  readonly configFile: string;
  readonly capabilities: { readonly netRaw: boolean; readonly netAdmin: boolean };
  readonly configVerdict: ConfigVerdict;
  /** The parsed configuration (undefined when it could not be parsed). */
  readonly config: DaemonConfig | undefined;
  /** Every link of the namespace by name; `undefined` when they could not be read. */
  readonly links: ReadonlyMap<string, LinkFacts> | undefined;
  readonly cloud: Cloud | undefined;
  readonly listen: ListenFacts;
  /** Rulesets read (`nft -j list ruleset`, `iptables-save`…) and why a tool could not be read. */
  readonly firewall: { readonly rulesets: readonly Ruleset[]; readonly errors: readonly string[] };
  /** Instance name → state from the running havipd's status; `undefined` when no daemon answered. */
  readonly localStates: ReadonlyMap<string, string> | undefined;
}

// ───────────────────────────── the listen, aggregated ─────────────────────────────

/**
 * What a listen heard: each received packet decoded (IPv4 header and AH skipped, as keepalived does),
 * aggregated per (interface, family, source, VRID); the last advert's priority and addresses are kept.
 * Packets that are no VRRP message are counted in `undecodable`, never thrown on.
 */
export function aggregateHeard(packets: readonly ReceivedPacket[]): { heard: HeardAdvert[]; undecodable: number } {
  const by = new Map<string, { h: HeardAdvert }>();
  let undecodable = 0;
  for (const p of packets) {
    const loc = locateVrrpMessage(p);
    if (!loc.ok) {
      undecodable++;
      continue;
    }
    const d = decodeAdvert(p.data.subarray(loc.layout.vrrpOffset, loc.layout.ip ? Math.min(p.data.length, loc.layout.ip.totalLength) : p.data.length), p.family);
    if (!d.ok) {
      undecodable++;
      continue;
    }
    const src = loc.layout.ip?.src ?? p.src;
    const dst = loc.layout.ip?.dst ?? p.dst;
    const key = `${p.ifname}|${p.family}|${src}|${d.advert.vrid}`;
    const prev = by.get(key);
    by.set(key, {
      h: { ifname: p.ifname, family: p.family, src, dst, vrid: d.advert.vrid, priority: d.advert.priority, version: d.advert.version, addresses: d.advert.addresses, count: (prev?.h.count ?? 0) + 1 },
    });
  }
  return { heard: [...by.values()].map((v) => v.h), undecodable };
}

// ───────────────────────────── helpers ─────────────────────────────

const ifOf = (c: VrrpInstanceConfig, config: DaemonConfig): string => c.interface ?? config.global.defaultInterface;
const canon = (a: string, f: Family): string => canonicalAddress(a, f) ?? a;
const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Where an instance's adverts leave from: `unicast_src_ip` / `mcast_src_ip`, else the interface's primary address that is no VIP. */
export function advertSource(c: VrrpInstanceConfig, config: DaemonConfig, link: LinkFacts | undefined): { address: string | undefined; configured: boolean } {
  const configured = c.unicastPeers.length > 0 ? (c.unicastSrcIp ?? c.mcastSrcIp) : (c.mcastSrcIp ?? c.unicastSrcIp);
  if (configured !== undefined) return { address: configured, configured: true };
  const addrs = link?.addresses[c.family] ?? [];
  return { address: primaryAddress(addrs.map((address) => ({ address })), c.family, vipAddressSet(config)), configured: false };
}

/** The instances that use a VIP address (canonical), for messages. */
function vipOwners(config: DaemonConfig): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const c of config.instances) {
    for (const v of [...c.vips, ...c.excludedVips]) {
      const list = m.get(v.address) ?? [];
      if (!list.includes(c.name)) list.push(c.name);
      m.set(v.address, list);
    }
  }
  return m;
}

/** The listen time doctor uses by default: three of the longest advert interval, at least 3 s, at most 60 s. */
export function defaultListenSeconds(config: DaemonConfig | undefined): number {
  const longest = Math.max(0, ...(config?.instances ?? []).map((c) => Number(c.advertInt) / 1e6));
  return Math.min(60, Math.max(3, Math.ceil(3 * longest)));
}

// ───────────────────────────── the checks ─────────────────────────────

export function checkCapabilities(f: DoctorFacts): Finding[] {
  const missing = [...(f.capabilities.netRaw ? [] : ['CAP_NET_RAW']), ...(f.capabilities.netAdmin ? [] : ['CAP_NET_ADMIN'])];
  if (missing.length === 0) return [{ check: 'capabilities', status: 'ok', subject: '', message: 'CAP_NET_RAW and CAP_NET_ADMIN are effective' }];
  return [
    {
      check: 'capabilities',
      status: 'fail',
      subject: '',
      message: `${missing.join(' and ')} missing: havipd run like this cannot ${f.capabilities.netRaw ? 'add or remove VIPs' : 'send or receive VRRP'}`,
      advice: 'run havipd (and doctor) as root, or give the unit AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN',
    },
  ];
}

export function checkConfigVerdict(f: DoctorFacts): Finding[] {
  const v = f.configVerdict;
  const subject = f.configFile;
  const first = v.first[0] !== undefined ? `; first: ${v.first[0]}` : '';
  if (v.internalError !== undefined) {
    return [{ check: 'config', status: 'fail', subject, message: `internal error in the config parser: ${v.internalError}`, advice: 'please report this with the config' }];
  }
  if (f.config === undefined || v.errors > 0) {
    return [{ check: 'config', status: 'fail', subject, message: `havipd -t: ${plural(v.errors, 'error')}, exit ${v.exitCode}${first}`, advice: `run havipd -t -f ${f.configFile} and fix the errors` }];
  }
  if (v.exitCode !== 0) {
    return [{ check: 'config', status: 'warn', subject, message: `havipd -t: ${plural(v.warnings, 'warning')}, exit ${v.exitCode}${first}`, advice: `run havipd -t -f ${f.configFile}: keepalived -t fails on warnings too` }];
  }
  return [{ check: 'config', status: 'ok', subject, message: `havipd -t: configuration OK (${plural(f.config.instances.length, 'instance')})` }];
}

export function checkCloud(f: DoctorFacts): Finding[] {
  if (f.cloud === undefined) return [{ check: 'cloud', status: 'ok', subject: '', message: 'no public cloud named in the DMI strings' }];
  return [{ check: 'cloud', status: 'ok', subject: '', message: `${f.cloud.name} (${f.cloud.evidence})` }];
}

export function checkInterfaces(f: DoctorFacts): Finding[] {
  const config = f.config;
  if (!config) return [];
  const out: Finding[] = [];
  const seen = new Map<string, string[]>();
  for (const c of config.instances) {
    const ifname = ifOf(c, config);
    seen.set(ifname, [...(seen.get(ifname) ?? []), c.name]);
  }
  for (const [ifname, names] of seen) {
    const who = names.join(', ');
    if (f.links === undefined) {
      out.push({ check: 'interface', status: 'skip', subject: ifname, message: `not checked: the interfaces could not be read (${who})` });
      continue;
    }
    const link = f.links.get(ifname);
    if (!link) {
      out.push({ check: 'interface', status: 'fail', subject: ifname, message: `${ifname} does not exist (used by ${who})`, advice: `fix 'interface' in the config, or create ${ifname}` });
    } else if (!link.adminUp || !link.running) {
      out.push({
        check: 'interface',
        status: 'fail',
        subject: ifname,
        message: `${ifname} is down (${link.adminUp ? 'no carrier' : 'administratively down'}): ${who} would stay in FAULT`,
        advice: link.adminUp ? `check the cable / virtual NIC of ${ifname}` : `bring it up: ip link set ${ifname} up`,
      });
    } else {
      out.push({ check: 'interface', status: 'ok', subject: ifname, message: `${ifname} is up (${who})` });
    }
  }
  return out;
}

export function checkSourceAddresses(f: DoctorFacts): Finding[] {
  const config = f.config;
  if (!config || f.links === undefined) return [];
  const owners = vipOwners(config);
  const out: Finding[] = [];
  for (const c of config.instances) {
    const ifname = ifOf(c, config);
    const link = f.links.get(ifname);
    if (!link) continue; // reported by the interface check
    const src = advertSource(c, config, link);
    const subject = c.name;
    if (src.address === undefined) {
      out.push({ check: 'source-address', status: 'fail', subject, message: `${ifname} has no IPv${c.family} address that is not a VIP: ${c.name} has no advert source and stays in FAULT`, advice: `give ${ifname} the VM's own address${c.unicastPeers.length > 0 ? ', or set unicast_src_ip' : ''}` });
      continue;
    }
    const a = canon(src.address, c.family);
    const vipOf = owners.get(a);
    if (vipOf) {
      out.push({ check: 'source-address', status: 'fail', subject, message: `the advert source ${src.address} is a VIP (of ${vipOf.join(', ')}): the peer sees adverts from the address it may own itself`, advice: `set ${c.unicastPeers.length > 0 ? 'unicast_src_ip' : 'mcast_src_ip'} to the VM's own address on ${ifname}` });
      continue;
    }
    if (src.configured && !link.addresses[c.family].some((x) => canon(x, c.family) === a)) {
      const kw = c.unicastPeers.length > 0 ? 'unicast_src_ip' : 'mcast_src_ip';
      out.push({ check: 'source-address', status: 'fail', subject, message: `${kw} ${src.address} is not an address of ${ifname}: the peer's adverts to it are not delivered here`, advice: `add ${src.address} to ${ifname} or fix ${kw}` });
      continue;
    }
    out.push({ check: 'source-address', status: 'ok', subject, message: `adverts leave from ${src.address} (${src.configured ? (c.unicastPeers.length > 0 ? 'unicast_src_ip' : 'mcast_src_ip') : `${ifname}'s primary address`})` });
  }
  return out;
}

export function checkVipPrimary(f: DoctorFacts): Finding[] {
  const config = f.config;
  if (!config || f.links === undefined) return [];
  const owners = vipOwners(config);
  const out: Finding[] = [];
  const done = new Set<string>();
  for (const c of config.instances) {
    const ifname = ifOf(c, config);
    const key = `${ifname}|${c.family}`;
    const link = f.links.get(ifname);
    if (!link || done.has(key)) continue;
    done.add(key);
    const addrs = link.addresses[c.family];
    // The primary address: the first IPv4 address; for IPv6 the first link-local one.
    const primary = c.family === 4 ? addrs[0] : addrs.find((a) => /^fe[89ab]/i.test(a));
    if (primary === undefined) continue;
    const vipOf = owners.get(canon(primary, c.family));
    if (vipOf) {
      const others = addrs.filter((a) => a !== primary);
      // Deleting a primary IPv4 address deletes its secondaries unless promote_secondaries is on.
      const takes = c.family === 4 && others.length > 0 && link.promoteSecondaries !== true;
      const sysctl = `net.ipv4.conf.${ifname}.promote_secondaries`;
      out.push({
        check: 'vip-primary',
        status: 'fail',
        subject: ifname,
        message:
          `the VIP ${primary} (of ${vipOf.join(', ')}) is ${ifname}'s primary IPv${c.family} address${others.length > 0 ? `; ${others.join(', ')} follow it` : ''}: ` +
          (takes
            ? `removing the VIP (at start-up or on failover) also deletes ${others.join(', ')} (${sysctl} is ${link.promoteSecondaries === false ? 'off' : 'unknown'})`
            : 'the VM sends its own traffic from the VIP, which moves away on failover'),
        advice: `${takes ? `sysctl -w ${sysctl}=1, then ` : ''}put the VM's own address first (ip addr del ${primary} dev ${ifname}; havipd adds it back as MASTER) and keep the VIP out of the network configuration`,
      });
    } else {
      out.push({ check: 'vip-primary', status: 'ok', subject: ifname, message: `${ifname}'s primary IPv${c.family} address ${primary} is no VIP` });
    }
  }
  return out;
}

/** The addresses of this host (any link), canonical. */
function localAddresses(f: DoctorFacts): Set<string> {
  const s = new Set<string>();
  for (const l of f.links?.values() ?? []) {
    for (const a of l.addresses[4]) s.add(canon(a, 4));
    for (const a of l.addresses[6]) s.add(canon(a, 6));
  }
  return s;
}

export function checkFirewall(f: DoctorFacts): Finding[] {
  const config = f.config;
  if (!config) return [];
  const out: Finding[] = [];
  for (const e of f.firewall.errors) out.push({ check: 'firewall', status: 'warn', subject: '', message: e, advice: 'check the packet filter for IP protocol 112 by hand' });
  if (f.firewall.rulesets.length === 0) {
    if (f.firewall.errors.length === 0) out.push({ check: 'firewall', status: 'ok', subject: '', message: 'no nftables or iptables rules on this host' });
    return out;
  }
  const tools = [...new Set(f.firewall.rulesets.map((r) => r.source))].join(', ');
  for (const c of config.instances) {
    const ifname = ifOf(c, config);
    const src = advertSource(c, config, f.links?.get(ifname)).address ?? '';
    const paths =
      c.unicastPeers.length > 0
        ? c.unicastPeers.flatMap((p) => [
            { peer: p.address, pkt: { family: c.family, direction: 'in' as const, src: p.address, dst: src, ifname } },
            { peer: p.address, pkt: { family: c.family, direction: 'out' as const, src, dst: p.address, ifname } },
          ])
        : [
            { peer: c.mcastDstIp, pkt: { family: c.family, direction: 'in' as const, src: '', dst: c.mcastDstIp, ifname } },
            { peer: c.mcastDstIp, pkt: { family: c.family, direction: 'out' as const, src, dst: c.mcastDstIp, ifname } },
          ];
    let problems = 0;
    for (const { peer, pkt } of paths) {
      const r = evaluateFilter(f.firewall.rulesets, pkt);
      if (r.verdict === 'accept') continue;
      problems++;
      const what = pkt.direction === 'in' ? `VRRP from ${peer}` : `VRRP to ${peer}`;
      if (r.verdict === 'drop') {
        out.push({ check: 'firewall', status: 'fail', subject: c.name, message: `${r.where} drops ${what} (IP protocol 112) on ${ifname}`, advice: `accept IP protocol 112 ${pkt.direction === 'in' ? 'from' : 'to'} ${peer} before that rule (nft: ip protocol vrrp accept; iptables: -p vrrp -j ACCEPT)` });
      } else {
        out.push({ check: 'firewall', status: 'warn', subject: c.name, message: `${r.where} may drop ${what} (IP protocol 112) on ${ifname}: a match doctor cannot evaluate`, advice: `make sure IP protocol 112 ${pkt.direction === 'in' ? 'from' : 'to'} ${peer} is accepted` });
      }
    }
    if (problems === 0) out.push({ check: 'firewall', status: 'ok', subject: c.name, message: `${tools} let VRRP through ${c.unicastPeers.length > 0 ? `to and from ${c.unicastPeers.map((p) => p.address).join(', ')}` : `for ${c.mcastDstIp}`}` });
  }
  return out;
}

export function checkPeerAdverts(f: DoctorFacts): Finding[] {
  const config = f.config;
  if (!config) return [];
  const out: Finding[] = [];
  for (const c of config.instances) {
    const ifname = ifOf(c, config);
    if (c.unicastPeers.length === 0) {
      out.push({ check: 'peer-adverts', status: 'skip', subject: c.name, message: 'multicast: not listened for (doctor joins no group: that would send an IGMP report)' });
      continue;
    }
    for (const peer of c.unicastPeers) {
      const subject = `${c.name} ⇄ ${peer.address}`;
      if (!f.listen.done) {
        out.push({ check: 'peer-adverts', status: 'skip', subject, message: `not checked: ${f.listen.reason}` });
        continue;
      }
      const secs = f.listen.seconds;
      const p = canon(peer.address, c.family);
      const fromPeer = f.listen.heard.filter((h) => h.family === c.family && canon(h.src, c.family) === p);
      const same = fromPeer.filter((h) => h.vrid === c.vrid);
      if (same.length > 0) {
        const n = same.reduce((s, h) => s + h.count, 0);
        const last = same[same.length - 1]!;
        out.push({ check: 'peer-adverts', status: 'ok', subject, message: `heard ${plural(n, 'advert')} from ${peer.address} in ${secs} s (VRID ${c.vrid}, priority ${last.priority}${last.ifname !== ifname ? `, on ${last.ifname}` : ''})` });
      } else if (fromPeer.length > 0) {
        const vrids = [...new Set(fromPeer.map((h) => h.vrid))].join(', ');
        out.push({ check: 'peer-adverts', status: 'fail', subject, message: `${peer.address} sends VRID ${vrids}, but ${c.name} uses VRID ${c.vrid}`, advice: 'use the same virtual_router_id on both nodes' });
      } else if (f.localStates?.get(c.name) === 'MASTER') {
        out.push({ check: 'peer-adverts', status: 'warn', subject, message: `no VRRP from ${peer.address} in ${secs} s, but ${c.name} is MASTER here and a healthy BACKUP is silent`, advice: `run havipd doctor on ${peer.address} to check that adverts from here reach it` });
      } else {
        out.push({ check: 'peer-adverts', status: 'fail', subject, message: `no VRRP from ${peer.address} in ${secs} s`, advice: `allow IP protocol 112 from ${peer.address} in the security group / firewall (and check that havipd or keepalived runs there)` });
      }
    }
  }
  return out;
}

export function checkVridClash(f: DoctorFacts): Finding[] {
  const config = f.config;
  if (!config) return [];
  const out: Finding[] = [];
  const mine = localAddresses(f);
  for (const c of config.instances) {
    const ifname = ifOf(c, config);
    const subject = `${c.name} (VRID ${c.vrid})`;
    if (!f.listen.done) {
      out.push({ check: 'vrid-clash', status: 'skip', subject, message: `not checked: ${f.listen.reason}` });
      continue;
    }
    const peers = new Set(c.unicastPeers.map((p) => canon(p.address, c.family)));
    const vips = new Set(c.vips.map((v) => v.address));
    const clashes = f.listen.heard.filter((h) => {
      if (h.family !== c.family || h.vrid !== c.vrid || h.ifname !== ifname) return false;
      const src = canon(h.src, c.family);
      if (mine.has(src)) return false;
      // Unicast: anyone not in unicast_peer. Multicast: a router announcing other addresses.
      if (c.unicastPeers.length > 0) return !peers.has(src);
      return h.addresses.length !== vips.size || h.addresses.some((a) => !vips.has(a));
    });
    if (clashes.length === 0) {
      out.push({ check: 'vrid-clash', status: 'ok', subject, message: `no other router heard using VRID ${c.vrid} on ${ifname} in ${f.listen.seconds} s` });
      continue;
    }
    for (const h of clashes) {
      out.push({
        check: 'vrid-clash',
        status: 'fail',
        subject,
        message: `${h.src} also uses VRID ${c.vrid} on ${ifname} (priority ${h.priority}, addresses ${h.addresses.join(' ') || 'none'})${c.unicastPeers.length > 0 ? ` and is not a unicast_peer of ${c.name}` : ''}`,
        advice: 'VRIDs must be unique in the VPC / LAN: give one of the two another virtual_router_id',
      });
    }
  }
  return out;
}

export function checkGarpLimit(f: DoctorFacts): Finding[] {
  const config = f.config;
  const limit = f.cloud?.vipsPerNic;
  if (!config || !f.cloud || limit === undefined) return [];
  const perNic = new Map<string, Set<string>>();
  for (const c of config.instances) {
    for (const v of [...c.vips, ...c.excludedVips]) {
      if (v.family !== 4) continue;
      const nic = v.dev ?? ifOf(c, config);
      perNic.set(nic, (perNic.get(nic) ?? new Set()).add(v.address));
    }
  }
  const out: Finding[] = [];
  for (const [nic, set] of perNic) {
    if (set.size > limit) {
      out.push({ check: 'garp-limit', status: 'fail', subject: nic, message: `${nic} carries ${plural(set.size, 'VIP')}; ${f.cloud.name} moves at most ${limit} HAVIPs per NIC`, advice: 'spread the VIPs over more NICs (at most the limit each), or set vrrp_garp_master_repeat 1' });
    } else {
      out.push({ check: 'garp-limit', status: 'ok', subject: nic, message: `${nic} carries ${plural(set.size, 'VIP')} (${f.cloud.name}: at most ${limit} per NIC)` });
    }
  }
  return out;
}

export function checkMulticastOnCloud(f: DoctorFacts): Finding[] {
  const config = f.config;
  if (!config || !f.cloud) return [];
  return config.instances
    .filter((c) => c.unicastPeers.length === 0)
    .map((c) => ({
      check: 'multicast-on-cloud' as const,
      status: 'fail' as const,
      subject: c.name,
      message: `${c.name} sends VRRP by multicast (${c.mcastDstIp}), which ${f.cloud!.name}'s VPC does not carry between VMs: every node would become MASTER`,
      advice: 'set unicast_src_ip and unicast_peer { … } on every node',
    }));
}

/** Every check, in the order of the report. */
export function runChecks(f: DoctorFacts): Finding[] {
  return [
    ...checkCapabilities(f),
    ...checkConfigVerdict(f),
    ...checkCloud(f),
    ...checkMulticastOnCloud(f),
    ...checkInterfaces(f),
    ...checkSourceAddresses(f),
    ...checkVipPrimary(f),
    ...checkGarpLimit(f),
    ...checkFirewall(f),
    ...checkPeerAdverts(f),
    ...checkVridClash(f),
  ];
}
