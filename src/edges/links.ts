// The link edge (ARCHITECTURE.md §5): a live table of the namespace's interfaces (name ↔ ifindex, MAC,
// IFF_UP / IFF_RUNNING, addresses per family) and 'change' events for link up/down and address
// add/remove, from the rtnetlink LINK / IPV4_IFADDR / IPV6_IFADDR multicast groups (netlink@0.3.0,
// reference/platform.md §3), with an `ip -o monitor link address` child process as the fallback.
//
// "Up" is keepalived's: IFF_UP and IFF_RUNNING (reference/keepalived.md §3.9). The kernel deletes IPv6
// addresses on link down (platform.md §7.6): those removals arrive as 'address-removed' events; the
// daemon re-adds its IPv6 VIPs on the following 'up'.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { HavipdError } from '../errors.js';
import type { Family } from '../config-parser/types.js';
import type * as Netlink from 'netlink';
import { requireRtNetlink, type NetlinkModule } from './netlink-module.js';
import { bytesToAddress, netlinkErrno } from './addresses.js';

// ───────────────────────────── the interface ─────────────────────────────

/** One address on a link, as the table keeps it. */
export interface LinkAddress {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
}

export interface LinkInfo {
  readonly name: string;
  readonly index: number;
  /** Hardware address, lower-case `aa:bb:…`; undefined for links without one. */
  readonly mac: string | undefined;
  /** IFF_UP (administratively up). */
  readonly adminUp: boolean;
  /** IFF_RUNNING (operationally up: carrier and RFC 2863 OPER_UP). */
  readonly running: boolean;
  /** keepalived's "up": IFF_UP and IFF_RUNNING (reference §3.9). */
  readonly up: boolean;
  readonly mtu: number | undefined;
  /** Addresses in kernel order, per family. */
  readonly addresses: { readonly 4: readonly LinkAddress[]; readonly 6: readonly LinkAddress[] };
}

export type LinkEvent =
  /** A link appeared (after the initial table was read). */
  | { readonly type: 'link-added'; readonly link: LinkInfo }
  | { readonly type: 'link-removed'; readonly link: LinkInfo }
  /** `up` (IFF_UP && IFF_RUNNING) changed. */
  | { readonly type: 'link-up' | 'link-down'; readonly link: LinkInfo; readonly previous: LinkInfo }
  /** Anything else changed: name, MAC, MTU, or IFF_UP / IFF_RUNNING alone without changing `up`. */
  | { readonly type: 'link-changed'; readonly link: LinkInfo; readonly previous: LinkInfo }
  | { readonly type: 'address-added' | 'address-removed'; readonly link: LinkInfo; readonly address: LinkAddress };

export interface LinkEdge {
  /** The link named `ifname`, or undefined. Synchronous: the table is kept current by events. */
  get(ifname: string): LinkInfo | undefined;
  /** The link with ifindex `index`, or undefined. */
  byIndex(index: number): LinkInfo | undefined;
  /** All links, by ifindex. */
  all(): LinkInfo[];
  /** Events, in kernel order, after the table has been updated. */
  on(event: 'change', listener: (ev: LinkEvent) => void): this;
  /** A watcher failure (socket error, fallback process died); the table may be stale afterwards. */
  on(event: 'error', listener: (err: HavipdError) => void): this;
  off(event: 'change', listener: (ev: LinkEvent) => void): this;
  off(event: 'error', listener: (err: HavipdError) => void): this;
  /** Which mechanism is in use. */
  readonly backend: 'netlink' | 'ip';
  /** Stop watching; no events after this returns. Idempotent. */
  close(): void;
}

export interface LinkEdgeOptions {
  readonly backend?: 'auto' | 'netlink' | 'ip';
  readonly ipPath?: string;
  /** Bound on the initial dump, ms (default 5000). */
  readonly timeoutMs?: number;
}

// ───────────────────────────── pure helpers ─────────────────────────────

/** Build a LinkInfo (computes `up`). */
export function makeLink(p: Omit<LinkInfo, 'up' | 'addresses'> & { addresses?: LinkInfo['addresses'] }): LinkInfo {
  return { ...p, up: p.adminUp && p.running, addresses: p.addresses ?? { 4: [], 6: [] } };
}

const sameAddr = (a: LinkAddress, b: LinkAddress): boolean => a.family === b.family && a.address === b.address && a.prefix === b.prefix;

/** The link named `ifname` in an interface table (by index), if any. */
export function linkByName(table: ReadonlyMap<number, LinkInfo>, ifname: string): LinkInfo | undefined {
  for (const l of table.values()) if (l.name === ifname) return l;
  return undefined;
}

/** The links of an interface table in ifindex order. */
export function linksInOrder(table: ReadonlyMap<number, LinkInfo>): LinkInfo[] {
  return [...table.values()].sort((a, b) => a.index - b.index);
}

/** The events that turn table `prev` into table `next` (both by ifindex). Pure; exported for tests. */
export function diffLinks(prev: ReadonlyMap<number, LinkInfo>, next: ReadonlyMap<number, LinkInfo>): LinkEvent[] {
  const out: LinkEvent[] = [];
  for (const [i, old] of prev) {
    if (!next.has(i)) {
      for (const f of [4, 6] as const) for (const a of old.addresses[f]) out.push({ type: 'address-removed', link: old, address: a });
      out.push({ type: 'link-removed', link: old });
    }
  }
  for (const [i, link] of next) {
    const old = prev.get(i);
    if (!old) {
      out.push({ type: 'link-added', link });
      for (const f of [4, 6] as const) for (const a of link.addresses[f]) out.push({ type: 'address-added', link, address: a });
      continue;
    }
    if (old.up !== link.up) out.push({ type: link.up ? 'link-up' : 'link-down', link, previous: old });
    else if (old.name !== link.name || old.mac !== link.mac || old.mtu !== link.mtu || old.adminUp !== link.adminUp || old.running !== link.running)
      out.push({ type: 'link-changed', link, previous: old });
    for (const f of [4, 6] as const) {
      for (const a of old.addresses[f]) if (!link.addresses[f].some((b) => sameAddr(a, b))) out.push({ type: 'address-removed', link, address: a });
      for (const a of link.addresses[f]) if (!old.addresses[f].some((b) => sameAddr(a, b))) out.push({ type: 'address-added', link, address: a });
    }
  }
  // Link going down first, then its address removals (the kernel's order).
  return out;
}

/** Parse `ip -j addr show` (all links with addr_info) into a table. Exported for unit tests. */
export function parseIpJsonLinks(json: string): Map<number, LinkInfo> {
  const rows = JSON.parse(json) as Array<{
    ifindex: number;
    ifname: string;
    flags?: string[];
    mtu?: number;
    address?: string;
    link_type?: string;
    addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }>;
  }>;
  const table = new Map<number, LinkInfo>();
  for (const r of rows) {
    const flags = r.flags ?? [];
    const addrs = (fam: 'inet' | 'inet6', f: Family): LinkAddress[] =>
      (r.addr_info ?? []).filter((a) => a.family === fam && a.local !== undefined).map((a) => ({ family: f, address: a.local!, prefix: a.prefixlen ?? 0 }));
    table.set(
      r.ifindex,
      makeLink({
        name: r.ifname,
        index: r.ifindex,
        mac: r.address && r.link_type !== 'none' ? r.address.toLowerCase() : undefined,
        adminUp: flags.includes('UP'),
        // `ip` prints IFF_RUNNING as LOWER_UP's companion: the JSON flags list has no RUNNING, so use
        // LOWER_UP (carrier); a dormant/testing link with carrier is rare on the links VRRP runs on.
        running: flags.includes('LOWER_UP'),
        mtu: r.mtu,
        addresses: { 4: addrs('inet', 4), 6: addrs('inet6', 6) },
      }),
    );
  }
  return table;
}

/** MAC bytes → `aa:bb:cc:dd:ee:ff`. */
export function macText(b: Uint8Array | undefined): string | undefined {
  if (!b || b.length === 0) return undefined;
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

// ───────────────────────────── netlink watcher ─────────────────────────────

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;

interface Source {
  readonly name: 'netlink' | 'ip';
  /** Start watching; deliver fresh tables (full) or single updates through `apply`. */
  start(apply: (update: (t: Map<number, LinkInfo>) => Map<number, LinkInfo>) => void, fail: (e: HavipdError) => void): Promise<Map<number, LinkInfo>>;
  close(): void;
}

function linkFromMsg(m: Netlink.rt.LinkMessage, old: LinkInfo | undefined): LinkInfo | undefined {
  const index = m.data.index;
  if (index === undefined) return undefined;
  const f = m.data.flags ?? {};
  return makeLink({
    name: m.attrs.ifname ?? old?.name ?? String(index),
    index,
    mac: m.attrs.address ? macText(m.attrs.address) : old?.mac,
    adminUp: f.up === true,
    running: f.running === true,
    mtu: m.attrs.mtu ?? old?.mtu,
    addresses: old?.addresses ?? { 4: [], 6: [] },
  });
}

function addrFromMsg(m: Netlink.rt.AddressMessage): { index: number; addr: LinkAddress } | undefined {
  const fam: Family | undefined = m.data.family === 2 ? 4 : m.data.family === 10 ? 6 : undefined;
  const local = m.attrs.local ?? m.attrs.address;
  if (fam === undefined || !local || m.data.index === undefined) return undefined;
  return { index: m.data.index, addr: { family: fam, address: bytesToAddress(local), prefix: m.data.prefixlen ?? 0 } };
}

function withAddr(l: LinkInfo, a: LinkAddress, add: boolean): LinkInfo {
  const list = l.addresses[a.family].filter((b) => !sameAddr(a, b));
  if (add) list.push(a);
  return { ...l, addresses: { ...l.addresses, [a.family]: list } as LinkInfo['addresses'] };
}

function netlinkSource(nl: NetlinkModule, timeout: number): Source {
  // netlink@0.3.0's typings wrongly require the buffer sizes; `ref` keeps the daemon's loop alive.
  const watch = nl.createRtNetlink({ ref: true } as Parameters<NetlinkModule['createRtNetlink']>[0]);
  const query = nl.createRtNetlink();
  let closed = false;
  return {
    name: 'netlink',
    async start(apply, fail) {
      // Subscribe before the dump so nothing between dump and subscription is lost; queue until dumped.
      const queued: Array<{ type: number; data: Buffer }> = [];
      let dumped = false;
      const handle = (msgs: Array<{ type: number; data: Buffer }>): void => {
        for (const x of msgs) {
          if (x.type !== RTM_NEWLINK && x.type !== RTM_DELLINK && x.type !== RTM_NEWADDR && x.type !== RTM_DELADDR) continue;
          let parsed;
          try {
            parsed = nl.rt.parseMessage(x.type, x.data);
          } catch {
            continue;
          }
          const type = x.type;
          apply((t) => {
            const next = new Map(t);
            if (parsed.kind === 'link') {
              const idx = parsed.data.index;
              if (idx === undefined) return t;
              if (type === RTM_DELLINK) next.delete(idx);
              else {
                const l = linkFromMsg(parsed, t.get(idx));
                if (l) next.set(idx, l);
              }
            } else if (parsed.kind === 'address') {
              const a = addrFromMsg(parsed);
              const l = a && t.get(a.index);
              if (!a || !l) return t;
              next.set(a.index, withAddr(l, a.addr, type === RTM_NEWADDR));
            }
            return next;
          });
        }
      };
      watch.socket.on('message', (msgs) => {
        if (closed) return;
        if (!dumped) queued.push(...msgs);
        else handle(msgs);
      });
      watch.socket.on('error', (e) => {
        if (!closed) fail(new HavipdError('HAVIPD_LINK', `link watcher: ${e.message}`, { cause: e, errno: netlinkErrno(e) }));
      });
      for (const g of ['LINK', 'IPV4_IFADDR', 'IPV6_IFADDR'] as const) watch.addMembership(g);
      const table = new Map<number, LinkInfo>();
      const links = await query.getLinks(undefined, undefined, { timeout });
      for (const m of links) {
        const l = linkFromMsg(m, undefined);
        if (l) table.set(l.index, l);
      }
      const addrs = await query.getAddresses(undefined, undefined, { timeout });
      for (const m of addrs) {
        const a = addrFromMsg(m);
        const l = a && table.get(a.index);
        if (a && l) table.set(a.index, withAddr(l, a.addr, true));
      }
      query.socket.close();
      dumped = true;
      // Replay what arrived during the dump once the caller has installed the table.
      queueMicrotask(() => {
        if (!closed && queued.length > 0) handle(queued.splice(0));
      });
      return table;
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        watch.socket.close();
      } catch {
        /* already closed */
      }
      try {
        query.socket.close();
      } catch {
        /* already closed */
      }
    },
  };
}

// ───────────────────────────── `ip monitor` fallback ─────────────────────────────

function ipSource(ipPath: string, timeout: number): Source {
  let mon: ChildProcess | undefined;
  let closed = false;
  const dump = (): Promise<Map<number, LinkInfo>> =>
    new Promise((resolve, reject) => {
      execFile(ipPath, ['-j', 'addr', 'show'], { timeout, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new HavipdError('HAVIPD_LINK', `ip -j addr show: ${stderr.trim() || err.message}`, { cause: err, errno: 'EIO' }));
        else {
          try {
            resolve(parseIpJsonLinks(stdout));
          } catch (e) {
            reject(new HavipdError('HAVIPD_LINK', `ip -j addr show: unparsable output`, { cause: e }));
          }
        }
      });
    });
  return {
    name: 'ip',
    async start(apply, fail) {
      // Each monitor line only says "something changed": re-read the whole table (one exec, ~2 ms) and
      // let diffLinks derive the events. Re-reads are serialised and coalesced.
      let running = false;
      let again = false;
      const refresh = async (): Promise<void> => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            const t = await dump();
            if (!closed) apply(() => t);
          } while (again && !closed);
        } catch (e) {
          if (!closed) fail(e as HavipdError);
        } finally {
          running = false;
        }
      };
      mon = spawn(ipPath, ['-o', 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      mon.stdout?.on('data', () => void refresh());
      mon.on('exit', (code, sig) => {
        if (!closed) fail(new HavipdError('HAVIPD_LINK', `ip monitor exited (${code ?? sig})`, { errno: 'EPIPE' }));
      });
      mon.on('error', (e) => {
        if (!closed) fail(new HavipdError('HAVIPD_LINK', `ip monitor: ${e.message}`, { cause: e }));
      });
      const t = await dump();
      // A change between spawn and dump is caught by a refresh right after.
      queueMicrotask(() => void refresh());
      return t;
    },
    close() {
      closed = true;
      mon?.kill('SIGKILL');
    },
  };
}

// ───────────────────────────── the real edge ─────────────────────────────

class LinkTable extends EventEmitter implements LinkEdge {
  private table = new Map<number, LinkInfo>();
  private closed = false;
  readonly backend: 'netlink' | 'ip';
  constructor(private readonly source: Source) {
    super();
    this.backend = source.name;
  }
  async start(): Promise<void> {
    this.table = await this.source.start(
      (update) => {
        if (this.closed) return;
        const next = update(this.table);
        if (next === this.table) return;
        const events = diffLinks(this.table, next);
        this.table = next;
        for (const ev of events) this.emit('change', ev);
      },
      (err) => {
        if (!this.closed && this.listenerCount('error') > 0) this.emit('error', err);
      },
    );
  }
  get(ifname: string): LinkInfo | undefined {
    return linkByName(this.table, ifname);
  }
  byIndex(index: number): LinkInfo | undefined {
    return this.table.get(index);
  }
  all(): LinkInfo[] {
    return linksInOrder(this.table);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.close();
    this.removeAllListeners('change');
  }
}

/**
 * Read the interface table and start watching. Resolves once the table is complete; rejects with
 * HavipdError('HAVIPD_LINK') when neither netlink nor `ip` can be used.
 */
export async function createLinkEdge(opts: LinkEdgeOptions = {}): Promise<LinkEdge> {
  const timeout = opts.timeoutMs ?? 5_000;
  const want = opts.backend ?? 'auto';
  let nl: NetlinkModule | undefined;
  if (want !== 'ip') {
    try {
      nl = requireRtNetlink();
    } catch {
      nl = undefined;
    }
    if (!nl && want === 'netlink') throw new HavipdError('HAVIPD_LINK', 'the netlink addon could not be loaded', { errno: 'ENOSYS' });
  }
  const edge = new LinkTable(nl ? netlinkSource(nl, timeout) : ipSource(opts.ipPath ?? 'ip', timeout));
  try {
    await edge.start();
  } catch (e) {
    edge.close();
    if (e instanceof HavipdError) throw e;
    throw new HavipdError('HAVIPD_LINK', `reading links: ${(e as Error).message}`, { cause: e, errno: netlinkErrno(e) });
  }
  return edge;
}
