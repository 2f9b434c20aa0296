// The address edge (ARCHITECTURE.md §5): add, remove and list the VIPs of `virtual_ipaddress` items
// (reference/keepalived.md §1.9.3) through rtnetlink (`netlink@0.3.0`, RTM_NEWADDR / RTM_DELADDR),
// or through `ip addr` via execFile when the netlink addon cannot be loaded (reference/platform.md §3, §5).
//
// Idempotent by contract: adding an address that is already there (EEXIST) and removing one that is not
// (EADDRNOTAVAIL) are successes, so the daemon can "remove leftover VIPs at start" (reference §3.3) and
// re-add IPv6 VIPs after a link flap without bookkeeping. Every other failure is a
// HavipdError('HAVIPD_ADDRESS') carrying the errno name (ENODEV, EPERM, EINVAL, …); nothing here throws
// anything else for a system failure, and nothing crashes the daemon.

import { execFile } from 'node:child_process';
import { isIPv4, isIPv6 } from 'node:net';
import { constants as osConstants } from 'node:os';
import { HavipdError } from '../errors.js';
import type { Family, VipConfig } from '../config-parser/types.js';
import type * as Netlink from 'netlink';
import type { NativeAddon } from '../native/index.js';
import { requireRtNetlink, type NetlinkModule } from './netlink-module.js';

// ───────────────────────────── the interface ─────────────────────────────

/** One address as the kernel reports it on an interface. */
export interface AddressEntry {
  readonly family: Family;
  /** The interface's own address (IFA_LOCAL), canonical text. */
  readonly address: string;
  readonly prefix: number;
  readonly ifindex: number;
  /** IPv4 label (IFA_LABEL), e.g. `eth0:vip`; undefined for IPv6. */
  readonly label: string | undefined;
  readonly broadcast: string | undefined;
  /** Point-to-point peer (IFA_ADDRESS when it differs from IFA_LOCAL). */
  readonly peer: string | undefined;
  /** rtnetlink scope number: 0 global, 200 site, 253 link, 254 host, 255 nowhere. */
  readonly scope: number;
  /** Kernel address flags by `ip` name: secondary, nodad, tentative, permanent, noprefixroute, … */
  readonly flags: readonly string[];
}

/**
 * Adds and removes VIPs on interfaces of the current network namespace. Calls on one edge are
 * serialised (in call order), so a remove issued after an add is applied after it.
 */
export interface AddressEdge {
  /** Add `vip` on `ifname`. Already present = success. Ignores `vip.dev` (the caller resolved it into `ifname`). */
  add(vip: VipConfig, ifname: string): Promise<void>;
  /** Remove `vip` (address + prefix) from `ifname`. Not present = success. */
  remove(vip: VipConfig, ifname: string): Promise<void>;
  /** Addresses on `ifname`, optionally of one family, in kernel order. */
  list(ifname: string, family?: Family): Promise<AddressEntry[]>;
  /** Which mechanism is in use (after the first call; 'pending' before). */
  backend(): 'netlink' | 'ip' | 'pending';
  /**
   * Build the requests that add and remove `vip` on `ifname` ahead of time, so that a takeover only sends
   * them (issue 12 §4: encoding one on the takeover path cost 0.2–1 ms of first-call work). Optional; a
   * failure is ignored (the same call on the takeover path reports it).
   */
  prepare?(vip: VipConfig, ifname: string): Promise<void>;
  /** Release the netlink socket. Later calls reject with HAVIPD_ADDRESS / EBADF. */
  close(): void;
}

export interface AddressEdgeOptions {
  /** 'auto' (default): netlink, else `ip`. Tests force one of them. */
  readonly backend?: 'auto' | 'netlink' | 'ip';
  /** Path of the `ip` binary for the fallback (default 'ip' on PATH). */
  readonly ipPath?: string;
  /** Bound on each kernel request or `ip` run, ms (default 5000). */
  readonly timeoutMs?: number;
  /**
   * A local name → ifindex lookup (the addon's if_nametoindex), saving a netlink round trip per address
   * change on the takeover path; it throws an error with `code` ENODEV for a missing interface.
   * Without it the netlink backend asks the kernel with RTM_GETLINK.
   */
  readonly ifIndex?: (ifname: string) => number;
  /**
   * Synchronous rtnetlink requests (the addon's `routeRequest` on a socket of its own) for adding and
   * removing addresses: the kernel acknowledges them inside sendmsg(), so the VIPs are on the interface
   * before the call returns and the first gratuitous ARP can follow at once (issue 12 §4). Without it the
   * netlink backend sends them through netlink@0.3.0 and waits for the answer on the event loop.
   */
  readonly route?: RouteRequester;
}

/** Sends one whole netlink request with NLM_F_ACK and returns 0 or the positive errno the kernel answered. */
export interface RouteRequester {
  request(bytes: Uint8Array): number;
  close(): void;
}

// ───────────────────────────── pure helpers ─────────────────────────────

const SCOPES: Readonly<Record<string, number>> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** `scope` word or number → rtnetlink scope (default global = 0). Unknown words → undefined. */
export function scopeNumber(scope: string | undefined): number | undefined {
  if (scope === undefined) return 0;
  if (/^\d+$/.test(scope)) {
    const n = Number(scope);
    return n <= 255 ? n : undefined;
  }
  return SCOPES[scope];
}

/** rtnetlink scope number → `ip` word (or the number as text). */
export function scopeName(n: number): string {
  return Object.entries(SCOPES).find(([, v]) => v === n)?.[0] ?? String(n);
}

/** IPv4 text → 4 bytes. Does not accept shorthand forms (`10.1`). */
export function ipv4Bytes(s: string): Buffer {
  if (!isIPv4(s)) throw new RangeError(`not an IPv4 address: ${s}`);
  return Buffer.from(s.split('.').map(Number));
}

/** IPv6 text (any valid form, incl. an embedded IPv4 tail) → 16 bytes. */
export function ipv6Bytes(s: string): Buffer {
  if (!isIPv6(s)) throw new RangeError(`not an IPv6 address: ${s}`);
  let text = s.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Address text of the given family → bytes. */
export function addressBytes(family: Family, s: string): Buffer {
  return family === 4 ? ipv4Bytes(s) : ipv6Bytes(s);
}

/** Bytes (4 or 16) → canonical text (IPv6 compressed per RFC 5952, via the WHATWG URL serialiser). */
export function bytesToAddress(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) throw new RangeError(`bad address length ${b.length}`);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/**
 * The IPv4 broadcast to set for `vip`, as `ip` computes it (iproute2 ipaddress.c): `+` sets the host
 * bits, `-` clears them, both only for prefixes ≤ 30; an explicit address is used as given; IPv6 and
 * no `brd` → undefined (the kernel sets none).
 */
export function broadcastFor(vip: Pick<VipConfig, 'family' | 'address' | 'prefix' | 'broadcast' | 'peer'>): string | undefined {
  if (vip.family !== 4 || vip.broadcast === undefined) return undefined;
  if (vip.broadcast !== '+' && vip.broadcast !== '-') return vip.broadcast;
  if (vip.prefix > 30) return undefined;
  const base = ipv4Bytes(vip.peer ?? vip.address).readUInt32BE(0);
  const hostMask = vip.prefix === 0 ? 0xffffffff : (1 << (32 - vip.prefix)) - 1;
  const v = vip.broadcast === '+' ? (base | hostMask) >>> 0 : (base & ~hostMask) >>> 0;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v, 0);
  return bytesToAddress(b);
}

/** The IFA_FLAGS a VIP is added with (IFA_F_NODAD, IFA_F_NOPREFIXROUTE, …), by netlink@0.3.0 name. */
export function vipFlags(vip: VipConfig): { nodad?: true; noprefixroute?: true; homeaddress?: true; managetempaddr?: true; mcautojoin?: true } {
  const f: ReturnType<typeof vipFlags> = {};
  if (vip.family === 6 && vip.nodad) f.nodad = true;
  if (vip.noprefixroute) f.noprefixroute = true;
  if (vip.family === 6 && vip.home) f.homeaddress = true;
  if (vip.family === 6 && vip.mngtmpaddr) f.managetempaddr = true;
  if (vip.autojoin) f.mcautojoin = true;
  return f;
}

/** `preferred_lft` → seconds (0xffffffff = forever), or undefined when not given / not a number. */
export function preferredLftSeconds(p: string | undefined): number | undefined {
  if (p === undefined) return undefined;
  if (p === 'forever') return 0xffffffff;
  return /^\d+$/.test(p) && Number(p) <= 0xffffffff ? Number(p) : undefined;
}

/**
 * argv for the `ip` fallback: `ip -4|-6 addr add|del ADDR[/LEN] [peer P/LEN] dev IF [broadcast B]
 * [scope S] [label L] [flags…] [preferred_lft N]`. Removal names only what identifies the address.
 */
export function ipAddrArgs(op: 'add' | 'del', vip: VipConfig, ifname: string): string[] {
  const a = ['-' + vip.family, 'addr', op];
  if (vip.peer !== undefined) a.push(vip.address, 'peer', `${vip.peer}/${vip.prefix}`);
  else a.push(`${vip.address}/${vip.prefix}`);
  a.push('dev', ifname);
  if (op === 'del') return a;
  const brd = broadcastFor(vip);
  if (brd !== undefined) a.push('broadcast', brd);
  if (vip.scope !== undefined) a.push('scope', vip.scope);
  if (vip.family === 4 && vip.label !== undefined) a.push('label', vip.label);
  const f = vipFlags(vip);
  if (f.nodad) a.push('nodad');
  if (f.noprefixroute) a.push('noprefixroute');
  if (f.homeaddress) a.push('home');
  if (f.managetempaddr) a.push('mngtmpaddr');
  if (f.mcautojoin) a.push('autojoin');
  const lft = preferredLftSeconds(vip.preferredLft);
  if (lft !== undefined) a.push('valid_lft', 'forever', 'preferred_lft', lft === 0xffffffff ? 'forever' : String(lft));
  return a;
}

const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_BROADCAST = 4;
const IFA_CACHEINFO = 6;
const IFA_FLAGS = 8;
/** linux/if_addr.h IFA_F_* bits by the names `vipFlags` uses. */
const IFA_F_BITS: Readonly<Record<keyof ReturnType<typeof vipFlags>, number>> = { nodad: 0x02, homeaddress: 0x10, managetempaddr: 0x100, noprefixroute: 0x200, mcautojoin: 0x400 };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The RTM_NEWADDR (`add`: NLM_F_CREATE | NLM_F_EXCL, as `ip addr add`) or RTM_DELADDR request for a VIP
 * on interface `index`, asking for an acknowledgement: nlmsghdr, ifaddrmsg, then IFA_LOCAL and
 * IFA_ADDRESS (the peer, or the address again), and for `add` IFA_BROADCAST, IFA_LABEL (IPv4), IFA_FLAGS
 * (also in ifa_flags' low byte, as iproute2 sends them) and IFA_CACHEINFO for `preferred_lft`. Netlink
 * integers are in host byte order; addresses in network order. Exported for unit tests.
 */
export function encodeAddressRequest(op: 'add' | 'del', vip: VipConfig, index: number, seq: number): Buffer {
  const attrs: Array<[number, Buffer]> = [];
  const local = addressBytes(vip.family, vip.address);
  attrs.push([IFA_LOCAL, local], [IFA_ADDRESS, vip.peer !== undefined ? addressBytes(vip.family, vip.peer) : local]);
  let flags = 0;
  if (op === 'add') {
    const brd = broadcastFor(vip);
    if (brd !== undefined) attrs.push([IFA_BROADCAST, ipv4Bytes(brd)]);
    if (vip.family === 4 && vip.label !== undefined) attrs.push([IFA_LABEL, Buffer.from(`${vip.label}\0`, 'utf8')]);
    for (const name of Object.keys(vipFlags(vip)) as Array<keyof typeof IFA_F_BITS>) flags |= IFA_F_BITS[name];
    if (flags !== 0) attrs.push([IFA_FLAGS, u32s([flags])]);
    const lft = preferredLftSeconds(vip.preferredLft);
    if (lft !== undefined) attrs.push([IFA_CACHEINFO, u32s([lft, 0xffffffff, 0, 0])]);
  }
  const align = (n: number): number => (n + 3) & ~3;
  const len = 16 + 8 + attrs.reduce((sum, [, data]) => sum + align(4 + data.length), 0);
  const b = Buffer.alloc(len);
  const u16 = (v: number, at: number): number => (LITTLE_ENDIAN ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number): number => (LITTLE_ENDIAN ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  u32(len, 0);
  u16(op === 'add' ? RTM_NEWADDR : RTM_DELADDR, 4);
  u16(NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0), 6);
  u32(seq, 8);
  u32(0, 12);
  b[16] = vip.family === 4 ? 2 : 10;
  b[17] = vip.prefix;
  b[18] = flags & 0xff;
  b[19] = scopeNumber(vip.scope) ?? 0;
  u32(index, 20);
  let at = 24;
  for (const [type, data] of attrs) {
    u16(4 + data.length, at);
    u16(type, at + 2);
    data.copy(b, at + 4);
    at += align(4 + data.length);
  }
  return b;
}

/** 32-bit integers in host byte order (netlink attributes). */
function u32s(values: readonly number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, k) => (LITTLE_ENDIAN ? b.writeUInt32LE(v >>> 0, 4 * k) : b.writeUInt32BE(v >>> 0, 4 * k)));
  return b;
}

/**
 * A `RouteRequester` on the addon: its own NETLINK_ROUTE socket, opened at the first request, and an
 * answer awaited at most `timeoutMs` (the kernel answers address requests within sendmsg(), so the wait
 * is microseconds; the bound only guards against a kernel that never answers).
 */
export function nativeRouteRequester(native: Pick<NativeAddon, 'openRoute' | 'routeRequest' | 'close'>, timeoutMs = 1_000): RouteRequester {
  let fd: number | undefined;
  return {
    request: (bytes) => native.routeRequest((fd ??= native.openRoute()), bytes, timeoutMs),
    close() {
      if (fd !== undefined) native.close(fd);
      fd = undefined;
    },
  };
}

/** errno number → name (`EEXIST`), from Node's table; `E<n>` when unknown. */
export function errnoName(n: number): string {
  return Object.entries(osConstants.errno).find(([, v]) => v === n)?.[0] ?? `E${n}`;
}

/** errno name out of a netlink@0.3.0 rejection (`Request rejected: EEXIST`), or undefined. */
export function netlinkErrno(err: unknown): string | undefined {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
    const m = /\b(E[A-Z0-9]{2,})\b/.exec(String((err as { message?: unknown }).message ?? ''));
    if (m) return m[1];
  }
  return undefined;
}

/**
 * errno name for a failed `ip` run, from its stderr (iproute2 6.1 wording, reference/platform.md §5;
 * exit 1 = bad device / usage, exit 2 = kernel refusal). Undefined when not recognised.
 */
export function ipErrno(stderr: string): string | undefined {
  const rules: ReadonlyArray<readonly [RegExp, string]> = [
    [/Address already assigned|File exists/i, 'EEXIST'],
    [/Address not found|Cannot assign requested address/i, 'EADDRNOTAVAIL'],
    [/Cannot find device|No such device|Device "[^"]*" does not exist/i, 'ENODEV'],
    [/Operation not permitted/i, 'EPERM'],
    [/Permission denied/i, 'EACCES'],
    // The kernel's extack text for an over-long IFA_LABEL (netlink reports ERANGE for it).
    [/Numerical result out of range|Attribute failed policy validation/i, 'ERANGE'],
    [/Invalid argument|Error: (any valid|an inet|argument)|invalid/i, 'EINVAL'],
    [/Network is down/i, 'ENETDOWN'],
  ];
  return rules.find(([re]) => re.test(stderr))?.[1];
}

/** Parse `ip -j addr show dev IF` output into entries (exported for unit tests). */
export function parseIpJsonAddresses(json: string, family?: Family): AddressEntry[] {
  const links = JSON.parse(json) as Array<{ ifindex: number; addr_info?: Array<Record<string, unknown>> }>;
  const out: AddressEntry[] = [];
  const names = ['secondary', 'nodad', 'optimistic', 'dadfailed', 'home', 'deprecated', 'tentative', 'permanent', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'stable-privacy'];
  for (const l of links) {
    for (const a of l.addr_info ?? []) {
      const fam: Family = a.family === 'inet6' ? 6 : 4;
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      if (family !== undefined && fam !== family) continue;
      const scope = typeof a.scope === 'number' ? a.scope : (scopeNumber(String(a.scope ?? 'global')) ?? 0);
      const flags = names.filter((n) => a[n] === true);
      if (a.dynamic !== true && a.valid_life_time === 4294967295) flags.push('permanent');
      out.push({
        family: fam,
        address: String(a.local),
        prefix: Number(a.prefixlen),
        ifindex: l.ifindex,
        label: typeof a.label === 'string' ? a.label : undefined,
        broadcast: typeof a.broadcast === 'string' ? a.broadcast : undefined,
        peer: typeof a.address === 'string' && a.address !== a.local ? a.address : undefined,
        scope,
        flags: [...new Set(flags)],
      });
    }
  }
  return out;
}

// ───────────────────────────── backends ─────────────────────────────

interface Backend {
  readonly name: 'netlink' | 'ip';
  prepare?(vip: VipConfig, ifname: string): Promise<void>;
  add(vip: VipConfig, ifname: string): Promise<void>;
  remove(vip: VipConfig, ifname: string): Promise<void>;
  list(ifname: string, family?: Family): Promise<AddressEntry[]>;
  close(): void;
}

/** A system failure with its errno, before it is wrapped for the caller. */
class SysError extends Error {
  constructor(
    message: string,
    readonly errno: string | undefined,
  ) {
    super(message);
  }
}

type RtSocket = ReturnType<NetlinkModule['createRtNetlink']>;

/** Resolve `ifname` → ifindex with RTM_GETLINK (IFLA_IFNAME); ENODEV when there is none. */
export async function netlinkIfindex(rt: RtSocket, ifname: string, timeout: number): Promise<number> {
  try {
    const [m] = await rt.getLink({}, { ifname }, { timeout });
    if (m?.data.index === undefined) throw new SysError(`no link ${ifname}`, 'ENODEV');
    return m.data.index;
  } catch (e) {
    if (e instanceof SysError) throw e;
    throw new SysError(String((e as Error).message), netlinkErrno(e) ?? 'EIO');
  }
}

function netlinkBackend(nl: NetlinkModule, timeout: number, ifIndex: ((ifname: string) => number) | undefined, route: RouteRequester | undefined): Backend {
  const rt = nl.createRtNetlink();
  const indexOf = async (ifname: string): Promise<number> => {
    if (!ifIndex) return netlinkIfindex(rt, ifname, timeout);
    try {
      return ifIndex(ifname);
    } catch (e) {
      const errno = (e as { code?: unknown }).code;
      throw new SysError(`no link ${ifname}: ${String((e as Error).message)}`, typeof errno === 'string' ? errno : 'ENODEV');
    }
  };
  const req = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      const errno = netlinkErrno(e) ?? (/timed? ?out/i.test(String((e as Error).message)) ? 'ETIMEDOUT' : undefined);
      throw new SysError(String((e as Error).message), errno);
    }
  };
  const spec = (vip: VipConfig, index: number, op: 'add' | 'del') => {
    const local = addressBytes(vip.family, vip.address);
    const data = { family: vip.family === 4 ? 2 : 10, prefixlen: vip.prefix, index, scope: scopeNumber(vip.scope) ?? 0 };
    const attrs: Netlink.rt.AddressAttrs = { local, address: vip.peer !== undefined ? addressBytes(vip.family, vip.peer) : local };
    if (op === 'add') {
      const brd = broadcastFor(vip);
      if (brd !== undefined) attrs.broadcast = ipv4Bytes(brd);
      if (vip.family === 4 && vip.label !== undefined) attrs.label = vip.label;
      const flags = vipFlags(vip);
      if (Object.keys(flags).length > 0) attrs.flags = flags;
      const lft = preferredLftSeconds(vip.preferredLft);
      if (lft !== undefined) attrs.cacheInfo = { ifaPrefered: lft, ifaValid: 0xffffffff, cstamp: 0, tstamp: 0 };
    }
    return { data, attrs };
  };
  let seq = 0;
  /** Requests built by `prepare`, by VIP (the configuration's objects): reused while the ifindex is the same. */
  const prepared = new WeakMap<VipConfig, { readonly index: number; readonly add: Buffer; readonly del: Buffer }>();
  /** One request through `route`, synchronously acknowledged; a refusal throws with its errno name. */
  const direct = (op: 'add' | 'del', vip: VipConfig, index: number, r: RouteRequester): void => {
    seq = (seq + 1) >>> 0;
    const ready = prepared.get(vip);
    let bytes: Buffer;
    if (ready?.index === index) {
      bytes = ready[op];
      // nlmsg_seq, host byte order (the kernel copies the request within the call: reusing the buffer is safe).
      if (LITTLE_ENDIAN) bytes.writeUInt32LE(seq, 8);
      else bytes.writeUInt32BE(seq, 8);
    } else bytes = encodeAddressRequest(op, vip, index, seq);
    const err = r.request(bytes);
    if (err !== 0) {
      const name = errnoName(err);
      throw new SysError(`${op === 'add' ? 'RTM_NEWADDR' : 'RTM_DELADDR'} refused: ${name}`, name);
    }
  };
  return {
    name: 'netlink',
    async prepare(vip, ifname) {
      if (!route) return;
      const index = await indexOf(ifname);
      prepared.set(vip, { index, add: encodeAddressRequest('add', vip, index, 0), del: encodeAddressRequest('del', vip, index, 0) });
    },
    async add(vip, ifname) {
      if (route) return direct('add', vip, await indexOf(ifname), route);
      const index = await indexOf(ifname);
      const { data, attrs } = spec(vip, index, 'add');
      await req(() => rt.newAddress(data, attrs, { timeout, flags: nl.FlagsNew.CREATE | nl.FlagsNew.EXCL }));
    },
    async remove(vip, ifname) {
      if (route) return direct('del', vip, await indexOf(ifname), route);
      const index = await indexOf(ifname);
      const { data, attrs } = spec(vip, index, 'del');
      await req(() => rt.delAddress(data, attrs, { timeout }));
    },
    async list(ifname, family) {
      const index = await indexOf(ifname);
      const msgs = await req(() => rt.getAddresses({ family: family === undefined ? 0 : family === 4 ? 2 : 10 }, {}, { timeout }));
      return msgs.filter((m) => m.data.index === index).flatMap((m) => {
        const fam: Family | undefined = m.data.family === 2 ? 4 : m.data.family === 10 ? 6 : undefined;
        if (fam === undefined || (family !== undefined && fam !== family)) return [];
        const local = m.attrs.local ?? m.attrs.address;
        if (!local) return [];
        const addr = m.attrs.address;
        const flags = { ...m.data.flags, ...m.attrs.flags } as Record<string, unknown>;
        return [
          {
            family: fam,
            address: bytesToAddress(local),
            prefix: m.data.prefixlen ?? 0,
            ifindex: index,
            label: m.attrs.label,
            broadcast: m.attrs.broadcast ? bytesToAddress(m.attrs.broadcast) : undefined,
            peer: addr && !addr.equals(local) ? bytesToAddress(addr) : undefined,
            scope: m.data.scope ?? 0,
            flags: Object.keys(flags)
              .filter((k) => flags[k] === true)
              .map((k) => ({ homeaddress: 'home', managetempaddr: 'mngtmpaddr', mcautojoin: 'autojoin', stablePrivacy: 'stable-privacy' })[k] ?? k),
          },
        ];
      });
    },
    close() {
      rt.socket.close();
      route?.close();
    },
  };
}

function ipBackend(ipPath: string, timeout: number): Backend {
  const ip = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(ipPath, args, { timeout, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const errno = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'ENOENT' : err.killed ? 'ETIMEDOUT' : (ipErrno(stderr) ?? 'EIO');
        reject(new SysError(`${ipPath} ${args.join(' ')}: ${stderr.trim() || err.message}`, errno));
      });
    });
  return {
    name: 'ip',
    add: async (vip, ifname) => void (await ip(ipAddrArgs('add', vip, ifname))),
    remove: async (vip, ifname) => void (await ip(ipAddrArgs('del', vip, ifname))),
    async list(ifname, family) {
      return parseIpJsonAddresses(await ip(['-j', ...(family ? ['-' + family] : []), 'addr', 'show', 'dev', ifname]), family);
    },
    close() {},
  };
}

// ───────────────────────────── the real edge ─────────────────────────────

/** Load netlink@0.3.0; undefined when the addon cannot be loaded (then the `ip` fallback is used). */
async function loadNetlink(): Promise<NetlinkModule | undefined> {
  try {
    return requireRtNetlink();
  } catch {
    return undefined;
  }
}

const describeVip = (vip: VipConfig, ifname: string): string => `${vip.address}/${vip.prefix} dev ${ifname}`;

/** The real address edge. See `AddressEdge` for the contract. */
export function createAddressEdge(opts: AddressEdgeOptions = {}): AddressEdge {
  const timeout = opts.timeoutMs ?? 5_000;
  const want = opts.backend ?? 'auto';
  let backend: Backend | undefined;
  let closed = false;
  let chain: Promise<unknown> = Promise.resolve();

  const getBackend = async (): Promise<Backend> => {
    if (backend) return backend;
    if (want !== 'ip') {
      const nl = await loadNetlink();
      if (nl) backend = netlinkBackend(nl, timeout, opts.ifIndex, opts.route);
      else if (want === 'netlink') throw new SysError('the netlink addon could not be loaded', 'ENOSYS');
    }
    backend ??= ipBackend(opts.ipPath ?? 'ip', timeout);
    if (closed) backend.close();
    return backend;
  };

  /** Run `op` after every earlier call, wrap failures, let `ok` errnos count as success. */
  const serial = <T>(what: string, ok: readonly string[], fallback: T, op: (b: Backend) => Promise<T>): Promise<T> => {
    const p = chain.then(async () => {
      if (closed) throw new HavipdError('HAVIPD_ADDRESS', `${what}: address edge closed`, { errno: 'EBADF' });
      try {
        return await op(await getBackend());
      } catch (e) {
        if (e instanceof SysError && e.errno !== undefined && ok.includes(e.errno)) return fallback;
        if (e instanceof HavipdError) throw e;
        const errno = e instanceof SysError ? e.errno : undefined;
        throw new HavipdError('HAVIPD_ADDRESS', `${what}: ${errno ?? ''}${errno ? ' ' : ''}(${(e as Error).message})`, { cause: e, errno });
      }
    });
    chain = p.catch(() => undefined);
    return p;
  };

  return {
    add: (vip, ifname) => serial(`add ${describeVip(vip, ifname)}`, ['EEXIST'], undefined, (b) => b.add(vip, ifname)),
    remove: (vip, ifname) => serial(`remove ${describeVip(vip, ifname)}`, ['EADDRNOTAVAIL'], undefined, (b) => b.remove(vip, ifname)),
    list: (ifname, family) => serial(`list addresses of ${ifname}`, [], [], (b) => b.list(ifname, family)),
    prepare: (vip, ifname) => serial(`prepare ${describeVip(vip, ifname)}`, [], undefined, async (b) => b.prepare?.(vip, ifname)),
    backend: () => backend?.name ?? 'pending',
    close() {
      if (closed) return;
      closed = true;
      backend?.close();
    },
  };
}
