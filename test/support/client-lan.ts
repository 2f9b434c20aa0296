// Two VRRP nodes and a client on one L2 segment (issue 11: what clients see): a "switch" namespace with a
// bridge, and one veth from it to each of node A, node B and the client. Helpers to cut IP protocol 112 on
// a node with nftables (both ways), to read the client's neighbour entry for the VIP, and to ping the VIP
// from the client every few ms and measure the longest gap between replies.

import { createNetns, waitFor, type Netns, type Spawned } from './netns.js';
import { macOf } from './scenario.js';

export interface ClientLan {
  readonly a: Netns;
  readonly b: Netns;
  readonly client: Netns;
  readonly sw: Netns;
  /** Interface name in A, B and the client. */
  readonly ifname: string;
  readonly ipA: string;
  readonly ipB: string;
  readonly ipClient: string;
  readonly macA: string;
  readonly macB: string;
  /** `<subnet>.<host>` */
  hostIp(host: number): string;
  destroy(): Promise<void>;
}

let counter = 0;

/** Builds the segment: 10.<x>.<y>.1 (A), .2 (B), .3 (client), /24, all up. */
export async function createClientLan(): Promise<ClientLan> {
  counter += 1;
  const x = 150 + (counter % 40);
  const y = 1 + (process.pid % 250);
  const made: Netns[] = [];
  try {
    const sw = await createNetns();
    made.push(sw);
    await sw.ip(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    await sw.ip(['link', 'set', 'br0', 'up']);
    const ifname = 'eth0';
    const nodes: Netns[] = [];
    for (let n = 1; n <= 3; n++) {
      const ns = await createNetns();
      made.push(ns);
      nodes.push(ns);
      await sw.ip(['link', 'add', `p${n}`, 'type', 'veth', 'peer', 'name', ifname, 'netns', ns.name]);
      await sw.ip(['link', 'set', `p${n}`, 'master', 'br0']);
      await sw.ip(['link', 'set', `p${n}`, 'up']);
      await ns.ip(['addr', 'add', `10.${x}.${y}.${n}/24`, 'dev', ifname]);
      await ns.ip(['link', 'set', ifname, 'up']);
    }
    const [a, b, client] = nodes as [Netns, Netns, Netns];
    for (const ns of nodes) {
      await waitFor(async () => /[<,]LOWER_UP[,>]/.test((await ns.ip(['-o', 'link', 'show', 'dev', ifname])).stdout), { timeoutMs: 10_000, intervalMs: 25, what: `${ns.name} link up` });
    }
    return {
      a,
      b,
      client,
      sw,
      ifname,
      ipA: `10.${x}.${y}.1`,
      ipB: `10.${x}.${y}.2`,
      ipClient: `10.${x}.${y}.3`,
      macA: await macOf(a, ifname),
      macB: await macOf(b, ifname),
      hostIp: (host) => `10.${x}.${y}.${host}`,
      async destroy() {
        for (const ns of made) await ns.destroy();
      },
    };
  } catch (e) {
    for (const ns of made) await ns.destroy();
    throw e;
  }
}

/** Drops IP protocol 112 (VRRP) in and out of `ns` (an nftables table of its own). */
export async function cutVrrp(ns: Netns): Promise<void> {
  await ns.exec(['nft', '-f', '-'], {
    input: 'table inet hvcut {\n chain in { type filter hook input priority 0; ip protocol 112 drop; }\n chain out { type filter hook output priority 0; ip protocol 112 drop; }\n}\n',
  });
}

/** Removes that table: both directions heal in one netlink transaction. */
export async function healVrrp(ns: Netns): Promise<void> {
  await ns.exec(['nft', 'delete', 'table', 'inet', 'hvcut']);
}

/** The client's neighbour entry for `ip`: lower-case MAC and state, or undefined. */
export async function neighbour(client: Netns, ip: string): Promise<{ mac: string; state: string } | undefined> {
  const out = (await client.ip(['neigh', 'show', ip], { check: false })).stdout.trim();
  const m = /lladdr ([0-9a-f:]{17}) .*?([A-Z]+)\s*$/.exec(out);
  return m ? { mac: m[1]!, state: m[2]! } : undefined;
}

/** A running `ping -D` from the client; `stop()` ends it and returns the reply times. */
export interface PingRun {
  readonly proc: Spawned;
  stop(): Promise<PingResult>;
}

export interface PingResult {
  readonly sent: number;
  /** Reply receive times (s, epoch, from `ping -D`) with their sequence numbers, in order. */
  readonly replies: ReadonlyArray<{ readonly seq: number; readonly t: number }>;
  /**
   * Longest time between two consecutive replies, or from the last reply to the end of the run (`stop()`),
   * ms: the client-visible outage at this interval.
   */
  readonly longestGapMs: number;
  /** Where it was (reply before the gap). */
  readonly gapAfterSeq: number | undefined;
}

/** Pings `ip` from `client` every `intervalMs` (bounded: `count` probes), one-second reply timeout. */
export function startPing(client: Netns, ip: string, intervalMs: number, count: number): PingRun {
  const proc = client.spawn(['ping', '-D', '-n', '-i', String(intervalMs / 1000), '-c', String(count), '-W', '1', ip]);
  return {
    proc,
    async stop() {
      const end = Date.now() / 1000;
      await proc.stop('SIGINT', 3_000);
      return parsePing(proc.output(), end);
    },
  };
}

/** `end`: when the run was stopped (s, epoch); silence from the last reply until then counts as a gap. */
export function parsePing(out: string, end?: number): PingResult {
  const replies: Array<{ seq: number; t: number }> = [];
  for (const m of out.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from [^:]+: icmp_seq=(\d+)/gm)) replies.push({ seq: Number(m[2]), t: Number(m[1]) });
  const sent = Number(/(\d+) packets transmitted/.exec(out)?.[1] ?? NaN);
  let longest = 0;
  let after: number | undefined;
  for (let k = 1; k < replies.length; k++) {
    const g = (replies[k]!.t - replies[k - 1]!.t) * 1000;
    if (g > longest) {
      longest = g;
      after = replies[k - 1]!.seq;
    }
  }
  const last = replies.at(-1);
  if (end !== undefined && last && (end - last.t) * 1000 > longest) {
    longest = (end - last.t) * 1000;
    after = last.seq;
  }
  return { sent, replies, longestGapMs: Math.round(longest * 10) / 10, gapAfterSeq: after };
}
