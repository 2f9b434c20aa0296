// Shared pieces of the VRRP interop scenarios (test/interop/vrrp-*.test.ts): keepalived.conf builders,
// one "node" interface over havipd and the real keepalived 2.2.7 so a scenario runs with either in
// either role, VIP checks through `ip addr`, and capture-row helpers for timing from the wire.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CaptureRow } from './capture.js';
import { startHavipd, type Havipd, type HavipdOptions } from './havipd.js';
import { startKeepalived, type Keepalived } from './keepalived.js';
import { peerBinary, type PeerBinary, type PeerName } from './oracles.js';
import { waitFor, type Netns } from './netns.js';

// ─────────────────────────── configuration text ───────────────────────────

export interface InstanceSpec {
  readonly name?: string;
  /** Omitted for interface-less unicast instances (UDP mode). */
  readonly iface?: string;
  readonly vrid: number;
  readonly priority: number;
  /** Seconds (v3 may be fractional). Default 1. */
  readonly advertInt?: number;
  readonly version?: 2 | 3;
  readonly state?: 'MASTER' | 'BACKUP';
  /** With prefix, e.g. `10.1.2.100/24`; IPv6 ones may carry ` nodad` etc. as extra words. */
  readonly vips: readonly string[];
  readonly unicastSrc?: string;
  readonly unicastPeers?: readonly string[];
  readonly authPass?: string;
  readonly nopreempt?: boolean;
  /** Raw extra lines inside the instance block. */
  readonly extra?: readonly string[];
}

export interface ConfigSpec {
  readonly routerId?: string;
  /** Raw lines inside global_defs. */
  readonly globals?: readonly string[];
  readonly instances: readonly InstanceSpec[];
}

/** keepalived.conf text both daemons accept. */
export function vrrpConfig(spec: ConfigSpec): string {
  const out: string[] = ['global_defs {', `  router_id ${spec.routerId ?? 'hv_interop'}`, ...(spec.globals ?? []).map((l) => `  ${l}`), '}'];
  for (const i of spec.instances) out.push(...instanceBlock(i));
  return out.join('\n') + '\n';
}

/** The lines of one `vrrp_instance` block (as in `vrrpConfig`). */
export function instanceBlock(i: InstanceSpec): string[] {
  const out: string[] = [`vrrp_instance ${i.name ?? 'VI_1'} {`];
  out.push(`  state ${i.state ?? 'BACKUP'}`, ...(i.iface ? [`  interface ${i.iface}`] : []), `  virtual_router_id ${i.vrid}`, `  priority ${i.priority}`);
  out.push(`  advert_int ${i.advertInt ?? 1}`);
  if (i.version) out.push(`  version ${i.version}`);
  if (i.nopreempt) out.push('  nopreempt');
  if (i.authPass !== undefined) out.push('  authentication {', '    auth_type PASS', `    auth_pass ${i.authPass}`, '  }');
  if (i.unicastSrc) out.push(`  unicast_src_ip ${i.unicastSrc}`);
  if (i.unicastPeers) out.push('  unicast_peer {', ...i.unicastPeers.map((p) => `    ${p}`), '  }');
  for (const l of i.extra ?? []) out.push(`  ${l}`);
  out.push('  virtual_ipaddress {', ...i.vips.map((v) => `    ${v}`), '  }', '}');
  return out;
}

// ─────────────────────────── nodes ───────────────────────────

/** `keepalived` is the Debian 2.2.7 on PATH; `keepalived-2.4.3` the built oracle (test/support/oracles.ts). */
export type NodeKind = 'havipd' | 'keepalived' | 'keepalived-2.4.3';

/** The keepalived kinds interop scenarios run against, with the oracle each needs. */
export const PEER_KINDS = [
  { kind: 'keepalived', oracle: 'keepalived-2.2.7' },
  { kind: 'keepalived-2.4.3', oracle: 'keepalived-2.4.3' },
] as const satisfies ReadonlyArray<{ kind: NodeKind; oracle: PeerName }>;

/** havipd against `peer` in both roles: [high/first, low/second]. */
export function pairingsWith(peer: Exclude<NodeKind, 'havipd'>): ReadonlyArray<readonly [NodeKind, NodeKind]> {
  return [
    ['havipd', peer],
    [peer, 'havipd'],
  ];
}

/** What a scenario needs from either daemon. */
export interface VrrpNode {
  readonly kind: NodeKind;
  readonly ns: Netns;
  readonly dir: string;
  log(): string;
  countLog(re: RegExp): number;
  waitForLog(re: RegExp, opts?: { timeoutMs?: number; after?: number }): Promise<string>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM (orderly) or SIGKILL (the whole process group at once). */
  stop(sig?: 'SIGTERM' | 'SIGKILL'): Promise<number | string>;
  readonly havipd?: Havipd;
  readonly keepalived?: Keepalived;
}

export async function startNode(kind: NodeKind, ns: Netns, config: string, opts: HavipdOptions = {}): Promise<VrrpNode> {
  if (kind === 'havipd') return havipdNode(await startHavipd(ns, config, opts), ns);
  let binary: PeerBinary | undefined;
  if (kind === 'keepalived-2.4.3') {
    const found = peerBinary('keepalived-2.4.3');
    if (!found.binary) throw new Error(found.reason);
    binary = found.binary;
  }
  // keepalived takes the environment only (e.g. a steppable clock, test/support/faketime.ts).
  const k = await startKeepalived(ns, config, { ...(binary ? { binary } : {}), ...(opts.env ? { env: opts.env } : {}) });
  return {
    kind,
    ns,
    dir: k.dir,
    log: k.log,
    countLog: k.countLog,
    waitForLog: k.waitForLog,
    signal: k.signal,
    stop: (sig = 'SIGTERM') => (sig === 'SIGKILL' ? k.process.stop('SIGKILL', 0) : k.stop()),
    keepalived: k,
  };
}

/** A started havipd as a scenario node. */
export function havipdNode(h: Havipd, ns: Netns): VrrpNode {
  return {
    kind: 'havipd',
    ns,
    dir: h.dir,
    log: h.log,
    countLog: h.countLog,
    waitForLog: h.waitForLog,
    signal: h.signal,
    stop: (sig = 'SIGTERM') => h.stop(sig),
    havipd: h,
  };
}

/** A log-line pattern for `(NAME) Entering STATE STATE`. */
export const entering = (state: 'MASTER' | 'BACKUP' | 'FAULT', name = 'VI_1'): RegExp => new RegExp(`\\(${name}\\) Entering ${state} STATE`);

/** Both kinds against each other in both roles, and havipd against itself: [high/first, low/second]. */
export const PAIRINGS: ReadonlyArray<readonly [NodeKind, NodeKind]> = [
  ['havipd', 'keepalived'],
  ['keepalived', 'havipd'],
  ['havipd', 'havipd'],
];

// ─────────────────────────── addresses ───────────────────────────

/** `ip -o addr show dev IF` as `addr/prefix` strings (both families). */
export async function addrsOn(ns: Netns, ifname: string): Promise<string[]> {
  const out = (await ns.ip(['-o', 'addr', 'show', 'dev', ifname])).stdout;
  return [...out.matchAll(/\binet6? (\S+)/g)].map((m) => m[1]!);
}

/** Wait (bounded) until `vip` (with prefix) is present / absent on `ifname` in `ns`. */
export async function waitVip(ns: Netns, ifname: string, vip: string, present: boolean, timeoutMs = 5_000): Promise<void> {
  await waitFor(async () => (await addrsOn(ns, ifname)).includes(vip) === present, {
    timeoutMs,
    what: `${vip} ${present ? 'on' : 'gone from'} ${ns.name}/${ifname}`,
  });
}

// ─────────────────────────── capture rows ───────────────────────────

/** VRRP adverts of `vrid` sent by `src` (optionally only those with priority `prio`). */
export function advertsFrom(rows: readonly CaptureRow[], src: string, vrid?: number, prio?: number): CaptureRow[] {
  return rows.filter(
    (r) => r.proto === 'vrrp' && r.src === src && (vrid === undefined || r.vrrp!.vrid === vrid) && (prio === undefined || r.vrrp!.priority === prio),
  );
}

/** Gratuitous ARPs for `vip` (sender = target = VIP). */
export function garpsFor(rows: readonly CaptureRow[], vip: string): CaptureRow[] {
  return rows.filter((r) => r.proto === 'arp' && r.arp!.senderIp === vip && r.arp!.targetIp === vip);
}

/** Group timestamps into bursts: a new burst starts after a gap longer than `gapS`. */
export function bursts(times: readonly number[], gapS = 0.5): number[][] {
  const out: number[][] = [];
  for (const t of [...times].sort((a, b) => a - b)) {
    const cur = out.at(-1);
    if (cur && t - cur.at(-1)! <= gapS) cur.push(t);
    else out.push([t]);
  }
  return out;
}

/** A compact textual form of capture rows for failure messages. */
export function describeRows(rows: readonly CaptureRow[], t0 = rows[0]?.time ?? 0): string {
  return rows
    .map((r) => {
      const t = (r.time - t0).toFixed(3).padStart(8);
      if (r.vrrp) return `${t} vrrp v${r.vrrp.version} ${r.src}>${r.dst} vrid ${r.vrrp.vrid} prio ${r.vrrp.priority} int ${r.vrrp.adverInt}`;
      if (r.arp) return `${t} arp op ${r.arp.op} ${r.arp.senderIp}(${r.arp.senderMac}) -> ${r.arp.targetIp} eth ${r.ethSrc}>${r.ethDst}`;
      if (r.icmpv6) return `${t} icmpv6 ${r.icmpv6.type} ${r.src}>${r.dst} target ${r.icmpv6.target}`;
      return `${t} ${r.proto} ${r.src}>${r.dst}`;
    })
    .join('\n');
}

/** The MAC address of `ifname` in `ns`. */
export async function macOf(ns: Netns, ifname: string): Promise<string> {
  const out = (await ns.ip(['-o', 'link', 'show', 'dev', ifname])).stdout;
  const m = /link\/ether ([0-9a-f:]{17})/.exec(out);
  if (!m) throw new Error(`no MAC on ${ns.name}/${ifname}: ${out}`);
  return m[1]!;
}

/** VIP address `.host` in the /24 of `ip` (e.g. vipIn('10.2.3.1', 100) = '10.2.3.100'). */
export function vipIn(ip: string, host: number): string {
  return ip.replace(/\.\d+$/, `.${host}`);
}

/** A stats-dump counter of `VRRP Instance: VI_1` by its indented label path, e.g. ['Authentication Errors', 'Failure']. */
export function statsCounter(stats: string, path: readonly string[]): number | undefined {
  const lines = stats.split('\n');
  let i = 0;
  for (const [depth, label] of path.entries()) {
    const indent = ' '.repeat(2 + 2 * depth);
    const j = lines.findIndex((l, k) => k >= i && l.startsWith(`${indent}${label}:`));
    if (j < 0) return undefined;
    if (depth === path.length - 1) return Number(lines[j]!.slice(indent.length + label.length + 1).trim());
    i = j + 1;
  }
  return undefined;
}

/**
 * SIGUSR1 / SIGUSR2 dump of either daemon (`keepalived.data` / `keepalived.stats` in its TMPDIR),
 * once a fresh complete one has been written (bounded, 5 s).
 */
export async function readDump(node: VrrpNode, kind: 'data' | 'stats'): Promise<string> {
  if (node.havipd) return node.havipd.dump(kind);
  const path = join(node.dir, `keepalived.${kind}`);
  rmSync(path, { force: true });
  node.signal(kind === 'data' ? 'SIGUSR1' : 'SIGUSR2');
  const complete = kind === 'stats' ? /Priority Zero:\n\s+Received: \d+\n\s+Sent: \d+/ : /------< Interfaces >------/;
  return waitFor(
    () => {
      if (!existsSync(path)) return undefined;
      const text = readFileSync(path, 'utf8');
      return complete.test(text) ? text : undefined;
    },
    { timeoutMs: 5_000, intervalMs: 20, what: `keepalived.${kind} of ${node.kind} in ${node.dir}` },
  );
}

/**
 * Run `body`; on failure, append the tail of every node's log (and anything else `extra` returns) to
 * the error message, so a failing interop scenario says what the daemons said.
 */
export async function explainFailure<T>(nodes: () => readonly (VrrpNode | undefined)[], body: () => Promise<T>, extra?: () => Promise<string> | string): Promise<T> {
  try {
    return await body();
  } catch (e) {
    const parts: string[] = [];
    for (const n of nodes()) {
      if (!n) continue;
      const tail = n.log().split('\n').slice(-60).join('\n');
      parts.push(`--- ${n.kind} in ${n.ns.name} (last lines) ---\n${tail}`);
    }
    if (extra) {
      try {
        parts.push(await extra());
      } catch {
        /* best effort */
      }
    }
    if (e instanceof Error) e.message += `\n${parts.join('\n')}`;
    throw e;
  }
}
