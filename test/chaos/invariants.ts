// The chaos soak's invariants (issue 14 §1), checked after the run from the capture on the bridge (every
// advert with its time, source and priority), the fault windows, the daemons' exits, RSS samples and the
// VIP holders at the end. Pure: the same inputs give the same verdict (unit-tested on made-up timelines).
//
// A node counts as MASTER at time t when its last advert before t had a priority above 0 and is at most
// one advert interval + 0.35 s old. "Steady state" is every instant outside each fault window extended by
// the settle time (Master_Down_Interval + 2 adverts + 1 s); a clock step (CLOCK_REALTIME only) is steady state too.
//
// Also checked, when their inputs are given: the master in steady state is the highest-priority node (the
// priorities as reloads left them); a quiet fault (SIGHUP burst, refused broken config) changes nothing;
// each node's notify FIFO says MASTER exactly while its adverts are on the wire (within a margin, outside
// the faults that hide its adverts or stop its process); the client's longest gap between two replies from
// the VIP stays within Master_Down_Interval + 2 adverts + a margin for every fault that overlaps no other.
//
// The host's own stalls: the same client pings each node's own address (`witness`). The node's kernel answers
// those on the same path as the VIP's, with no VRRP daemon involved, so an advert gap or a client gap that a
// silence of that address over the same time explains is the host's (a busy 2-core machine: the client, the
// bridge or the kernel did not run), listed under `host.explained` and not failed; what such a silence does not
// explain is held against the daemon as before.
//
// A failure about keepalived nodes only (or in an all-keepalived fleet) is keepalived's: it goes to
// `keepalivedFailures`, printed beside the others, and does not fail the run.
import { answerRuns, describeRuns } from '../../bench/lib/client-outage.mjs';
import { QUIET_KINDS, TRANSPARENT_KINDS, type FaultKind } from './schedule.js';

export interface Advert {
  /** Seconds (epoch, as the capture gives them). */
  readonly t: number;
  readonly src: string;
  readonly prio: number;
}

export interface FaultWindow {
  readonly start: number;
  readonly end: number;
  readonly kind: FaultKind;
  readonly node: number;
  readonly direction?: 'in' | 'out' | 'both';
  readonly label: string;
}

export interface SoakNode {
  readonly name: string;
  readonly ip: string;
  readonly kind: 'havipd' | 'keepalived';
}

export interface CheckInput {
  readonly nodes: readonly SoakNode[];
  readonly adverts: readonly Advert[];
  readonly windows: readonly FaultWindow[];
  readonly advertIntS: number;
  /** Master_Down_Interval of the lowest-priority node (the longest). */
  readonly masterDownS: number;
  /** Start of the observed period (the pair had settled), end of the capture, when the last fault was cleared. */
  readonly startS: number;
  readonly endS: number;
  readonly clearS: number;
  /** The node that must be MASTER after the faults (highest priority, all healthy). */
  readonly expectedMaster: number;
  /** Exits no fault asked for (with the node, when known, for the attribution). */
  readonly unexpectedExits: readonly (string | { readonly node: number; readonly text: string })[];
  /**
   * Configured priorities over time (each entry from its `t` on, sorted): in steady state the sole master
   * must be the highest. Without it only the end state is checked against `expectedMaster`.
   */
  readonly priorities?: readonly { readonly t: number; readonly prios: readonly number[] }[];
  /**
   * Every instance has `nopreempt`: instead of "the highest priority is master", the master stays put —
   * it does not change within a steady stretch, nor across a reload, a track script failing or flapping, a
   * SIGHUP burst, a broken file or a control-socket flood (when no other fault overlaps); at the end any
   * one master will do.
   */
  readonly nopreempt?: boolean;
  /** Per node: the notify FIFO's state lines as read (time of reading) and when each process ran. */
  readonly notify?: readonly NotifyTrace[];
  /** The client's replies from the VIP (s, epoch) and the node that answered (by name). */
  readonly client?: readonly { readonly t: number; readonly node: string }[];
  /**
   * Per node: when the same client got replies (s, epoch) from that node's own address. No VRRP daemon takes
   * part in those (the node's kernel answers them, on the same path as the VIP's), so a stretch without them
   * is the host's stall (the client, the bridge, the kernel), not a daemon's: an advert gap or a client gap
   * is held against the daemon only for what such a stall over the same time does not explain.
   */
  readonly witness?: readonly (readonly number[])[];
  /**
   * Per node: the advert sender's time waiting for a CPU (runnable but not running: /proc/PID/schedstat's run
   * delay), as increments `d` (s) sampled at `t`. An advert gap, or a notify FIFO saying MASTER with no advert
   * on the wire, that such a wait over the same time explains is the host's (it gave the daemon no CPU), not
   * the daemon's.
   */
  readonly runWait?: readonly (readonly { readonly t: number; readonly d: number }[])[];
  /** RSS samples per node (MiB), havipd nodes only. */
  readonly rssMiB: readonly (readonly number[])[];
  /** Nodes holding the VIP at the end. */
  readonly vipHolders: readonly number[];
  /**
   * Packets the bridge capture lost (tcpdump's "dropped by kernel"; undefined when it did not say). Every
   * invariant on adverts is computed from that capture, so a run that lost any is failed rather than trusted.
   */
  readonly captureDropped?: number;
}

export interface NotifyTrace {
  readonly lines: readonly { readonly t: number; readonly state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' }[];
  /** Process lifetimes (s, epoch); `end` undefined while it still runs. */
  readonly lives: readonly { readonly start: number; readonly end?: number }[];
}

export interface Bounds {
  /** Longest dual-master episode allowed in steady state, s. */
  readonly dualMasterS: number;
  /** Longest no-master gap allowed in steady state, s. */
  readonly noMasterS: number;
  /** Longest time from the last fault cleared to exactly the expected MASTER, s. */
  readonly convergeS: number;
  /** A sole master's advert gap may exceed the interval by this much (havipd nodes, when not frozen), s. */
  readonly periodSlackS: number;
  readonly rssMaxMiB: number;
  readonly rssGrowthMiB: number;
  /** How long the notify FIFO may disagree with the wire, s. */
  readonly notifyS: number;
  /** The longest client-visible gap for a fault overlapping no other (and in steady state), s. */
  readonly clientGapS: number;
  /** How long a quiet fault's masters may differ from those before it, s. */
  readonly quietS: number;
}

export function defaultBounds(advertIntS: number, masterDownS: number): Bounds {
  return {
    dualMasterS: masterDownS + advertIntS,
    noMasterS: masterDownS + advertIntS + 0.5,
    convergeS: masterDownS + 2 * advertIntS + 4,
    periodSlackS: 0.75,
    rssMaxMiB: 200,
    rssGrowthMiB: 40,
    notifyS: 2 * advertIntS + 1,
    clientGapS: masterDownS + 2 * advertIntS + 1.5,
    quietS: advertIntS + 0.5,
  };
}

export interface Figures {
  steadyS: number;
  dualMasterTotalS: number;
  dualMasterLongestS: number;
  noMasterLongestS: number;
  convergeS: number | undefined;
  /** Per node: sole-master advert gaps counted, the longest and the 99th percentile, s. */
  period: { node: string; gaps: number; maxS: number; p99S: number }[];
  rss: { node: string; firstMiB: number; maxMiB: number; lastMiB: number }[];
  /** Steady-state time with one master that was not the highest priority, s. */
  wrongMasterS: number;
  /** Per node: FIFO MASTER lines, master runs on the wire, longest disagreement counted, s. */
  notify: { node: string; masterLines: number; wireRuns: number; longestS: number }[];
  client?: ClientFigures;
  /** From the witnesses (the client's pings to each node's own address), when given. */
  host?: HostFigures;
}

export interface HostFigures {
  /** Longest stretch without a reply from a node's own address (outside its link flaps), s, and where. */
  longestS: number;
  longestAt: string;
  /** Advert gaps and client gaps over the bound that a host stall over the same time explains (not failures). */
  explained: string[];
  /** Per node (with run-queue samples): the most its advert sender waited for a CPU within any 2 s, s. */
  cpuWait: { node: string; max2sS: number }[];
}

export interface ClientFigures {
  replies: number;
  byNode: Record<string, number>;
  /** Longest gap between two replies over the whole observed period, s, and where. */
  longestS: number;
  longestAt: string;
  /** Longest gap with both ends in steady state, s. */
  steadyLongestS: number;
  /** The same less the host's own stall over it (witnesses; equal to `steadyLongestS` without them), s. */
  steadyResidualS: number;
  /** Per fault: the longest gap within it and its settle time, who answered, whether it overlapped another. */
  perFault: { label: string; gapS: number; isolated: boolean; answers: string }[];
}

export interface Verdict {
  /** No failure other than keepalived's. */
  readonly ok: boolean;
  readonly failures: string[];
  /** Invariants broken by keepalived nodes alone (or in an all-keepalived fleet): reported, not hidden. */
  readonly keepalivedFailures: string[];
  readonly figures: Figures;
}

const STEP = 0.01;
/** Under `nopreempt`, faults after which the master stays put as well (a lower or higher priority is not a takeover). */
const STAY_PUT_KINDS: ReadonlySet<FaultKind> = new Set(['reload', 'track', 'trackflap', 'flood']);
/** Kinds under which a node's own adverts may be missing from the bridge capture or late by design. */
const SILENCING: ReadonlySet<FaultKind> = new Set(['kill', 'freeze', 'flap', 'partition']);

/** The window that covers t (for the failure message), if any. */
function nearest(ws: readonly FaultWindow[], t: number): string {
  let best: FaultWindow | undefined;
  for (const w of ws) if (w.start <= t && (!best || w.start > best.start)) best = w;
  return best ? `after fault ${best.label} (ended ${(t - best.end).toFixed(2)} s before)` : 'before any fault';
}

export function masterSets(inp: CheckInput): { t: number; masters: number[] }[] {
  const idx = new Map(inp.nodes.map((n, i) => [n.ip, i] as const));
  const ads = [...inp.adverts].filter((a) => idx.has(a.src)).sort((a, b) => a.t - b.t);
  const last: (Advert | undefined)[] = inp.nodes.map(() => undefined);
  const out: { t: number; masters: number[] }[] = [];
  let k = 0;
  const fresh = inp.advertIntS + 0.35;
  const steps = Math.max(0, Math.floor((inp.endS - inp.startS) / STEP));
  for (let s = 0; s <= steps; s++) {
    const t = inp.startS + s * STEP;
    while (k < ads.length && ads[k]!.t <= t) {
      last[idx.get(ads[k]!.src)!] = ads[k]!;
      k++;
    }
    const masters: number[] = [];
    last.forEach((a, i) => {
      if (a && a.prio > 0 && t - a.t <= fresh) masters.push(i);
    });
    out.push({ t, masters });
  }
  return out;
}

export function checkSoak(inp: CheckInput, b: Bounds): Verdict {
  const failures: string[] = [];
  const kaFailures: string[] = [];
  const allKeepalived = inp.nodes.every((n) => n.kind === 'keepalived');
  /** Records a failure; keepalived's when every node it involves is a keepalived (or all are). */
  const fail = (msg: string, involved: readonly number[]): void => {
    const ka = allKeepalived || (involved.length > 0 && involved.every((i) => inp.nodes[i]?.kind === 'keepalived'));
    (ka ? kaFailures : failures).push(ka && !allKeepalived ? `keepalived: ${msg}` : msg);
  };
  const settle = inp.masterDownS + 2 * inp.advertIntS + 1;
  // a clock step suspends nothing: VRRP runs on CLOCK_MONOTONIC, so the steady-state checks hold through it
  const steady = (t: number): boolean => !inp.windows.some((w) => !TRANSPARENT_KINDS.has(w.kind) && t >= w.start && t <= w.end + settle);
  const grid = masterSets(inp);
  const prios = [...(inp.priorities ?? [])].sort((x, y) => x.t - y.t);
  // a node whose daemon is not running (its exits are failures of their own) is not a candidate
  const alive = (i: number, t: number): boolean => inp.notify?.[i]?.lives.some((l) => l.start <= t && (l.end === undefined || t < l.end)) ?? true;
  const expectedAt = (t: number): number | undefined => {
    let cur: readonly number[] | undefined;
    for (const p of prios) if (p.t <= t) cur = p.prios.map((x, i) => (alive(i, t) ? x : -1));
    if (!cur) return undefined;
    const max = Math.max(...cur);
    return cur.filter((x) => x === max).length === 1 ? cur.indexOf(max) : undefined;
  };
  let steadyS = 0;
  let dualTotal = 0;
  let dualLongest = 0;
  let noneLongest = 0;
  let wrongS = 0;
  let dualRun = 0;
  let noneRun = 0;
  let wrongRun = 0;
  let stretchMaster: number | undefined;
  let movedReported = false;
  for (const g of grid) {
    if (!steady(g.t)) {
      dualRun = 0;
      noneRun = 0;
      wrongRun = 0;
      stretchMaster = undefined;
      movedReported = false;
      continue;
    }
    steadyS += STEP;
    if (g.masters.length >= 2) {
      dualTotal += STEP;
      dualRun += STEP;
      if (dualRun > dualLongest) dualLongest = dualRun;
      if (dualRun > b.dualMasterS && dualRun - STEP <= b.dualMasterS) fail(`two masters (${g.masters.map((m) => inp.nodes[m]!.name).join(', ')}) for more than ${b.dualMasterS.toFixed(2)} s in steady state at +${(g.t - inp.startS).toFixed(2)} s, ${nearest(inp.windows, g.t)}`, g.masters);
    } else dualRun = 0;
    const want = inp.nopreempt ? (stretchMaster ??= g.masters.length === 1 ? g.masters[0] : undefined) : expectedAt(g.t);
    if (g.masters.length === 0) {
      noneRun += STEP;
      if (noneRun > noneLongest) noneLongest = noneRun;
      if (noneRun > b.noMasterS && noneRun - STEP <= b.noMasterS) fail(`no master for more than ${b.noMasterS.toFixed(2)} s in steady state at +${(g.t - inp.startS).toFixed(2)} s, ${nearest(inp.windows, g.t)}`, want !== undefined ? [want] : []);
    } else noneRun = 0;
    if (g.masters.length === 1 && want !== undefined && g.masters[0] !== want) {
      wrongS += STEP;
      wrongRun += STEP;
      if (inp.nopreempt && wrongRun > b.dualMasterS && !movedReported) {
        movedReported = true;
        fail(`nopreempt: the master moved from ${inp.nodes[want]!.name} to ${inp.nodes[g.masters[0]!]!.name} in steady state at +${(g.t - inp.startS).toFixed(2)} s, ${nearest(inp.windows, g.t)}`, [g.masters[0]!, want]);
      } else if (!inp.nopreempt && wrongRun > b.dualMasterS && wrongRun - STEP <= b.dualMasterS) fail(`${inp.nodes[g.masters[0]!]!.name} MASTER in steady state for more than ${b.dualMasterS.toFixed(2)} s at +${(g.t - inp.startS).toFixed(2)} s while ${inp.nodes[want]!.name} has the highest priority, ${nearest(inp.windows, g.t)}`, [g.masters[0]!, want]);
    } else wrongRun = 0;
  }

  // quiet faults: the masters before them stay the masters through them and their settle time
  for (const w of inp.windows) {
    if (!QUIET_KINDS.has(w.kind) && !(inp.nopreempt && STAY_PUT_KINDS.has(w.kind))) continue;
    const to = w.end + settle;
    if (inp.windows.some((o) => o !== w && o.start <= to && o.end + settle >= w.start)) continue;
    const before = grid.filter((g) => g.t < w.start).at(-1);
    if (!before) continue;
    const key = before.masters.join(',');
    let run = 0;
    for (const g of grid) {
      if (g.t < w.start || g.t > to) continue;
      run = g.masters.join(',') === key ? 0 : run + STEP;
      if (run > b.quietS) {
        fail(`${w.label}: the masters changed from [${before.masters.map((m) => inp.nodes[m]!.name).join(', ')}] to [${g.masters.map((m) => inp.nodes[m]!.name).join(', ')}] at +${(g.t - inp.startS).toFixed(2)} s (for more than ${b.quietS.toFixed(2)} s)`, [w.node]);
        break;
      }
    }
  }

  // nopreempt: a master that comes back from a kill or a link flap does not take its place back — the node
  // that took over (or the master that stayed, when another node was hit) is still the only master once the
  // fault has settled (faults overlapping no other). Without nopreempt the returning higher priority would.
  if (inp.nopreempt) {
    for (const w of inp.windows) {
      if (w.kind !== 'kill' && w.kind !== 'flap') continue;
      const to = w.end + settle;
      if (to > inp.clearS || inp.windows.some((o) => o !== w && o.start <= to && o.end + settle >= w.start)) continue;
      // the holder: the master before the fault when another node was hit; else the last node other than the
      // one hit that was sole master during it (its restart or link-up comes at the window's end, and a
      // preempting daemon may take over within the time its restart takes)
      const before = grid.filter((g) => g.t < w.start).at(-1);
      if (!before || before.masters.length !== 1) continue;
      const during = grid.filter((g) => g.t > w.start && g.t <= w.end && g.masters.length === 1 && g.masters[0] !== w.node).at(-1);
      const holder = before.masters[0] !== w.node ? before.masters[0]! : during?.masters[0];
      const after = grid.filter((g) => g.t <= to).at(-1);
      if (holder === undefined || !after) continue;
      if (after.masters.length !== 1 || after.masters[0] !== holder) {
        fail(`nopreempt: ${w.label}: ${inp.nodes[holder]!.name} held the master role through it, but [${after.masters.map((m) => inp.nodes[m]!.name).join(', ')}] once it settled (+${(to - inp.startS).toFixed(2)} s)`, [holder, ...after.masters]);
      }
    }
  }

  // convergence: from the clear, the first instant after which the expected node alone is MASTER to the end
  // (under nopreempt: whichever node is the sole master at the end)
  const endSet = grid[grid.length - 1]?.masters ?? [];
  const expectedMaster = inp.nopreempt && endSet.length === 1 ? endSet[0]! : inp.expectedMaster;
  let convergeAt: number | undefined;
  for (let s = grid.length - 1; s >= 0 && grid[s]!.t >= inp.clearS; s--) {
    const g = grid[s]!;
    if (g.masters.length === 1 && g.masters[0] === expectedMaster) convergeAt = g.t;
    else break;
  }
  const tail = grid.length > 0 ? grid[grid.length - 1]!.t - (convergeAt ?? Infinity) : 0;
  const convergeS = convergeAt !== undefined && tail >= 2 * inp.advertIntS ? convergeAt - inp.clearS : undefined;
  const lastMasters = grid[grid.length - 1]?.masters ?? [];
  if (convergeS === undefined) {
    fail(`did not converge to exactly one MASTER (${inp.nodes[expectedMaster]!.name}) after the faults; masters at the end: ${lastMasters.map((m) => inp.nodes[m]!.name).join(', ') || 'none'}`, [expectedMaster, ...lastMasters]);
  } else if (convergeS > b.convergeS) fail(`converged ${convergeS.toFixed(2)} s after the last fault was cleared (bound ${b.convergeS.toFixed(2)} s)`, [expectedMaster]);
  if (inp.vipHolders.length !== 1 || inp.vipHolders[0] !== expectedMaster) {
    fail(`VIP held by [${inp.vipHolders.map((h) => inp.nodes[h]!.name).join(', ')}] at the end, expected only ${inp.nodes[expectedMaster]!.name}`, [expectedMaster, ...inp.vipHolders]);
  }

  // the advert period of a sole master (no other node advertising in between), outside its silencing faults
  const period: Figures['period'] = [];
  const sorted = [...inp.adverts].sort((x, y) => x.t - y.t);
  const witness = inp.witness?.map((ts) => [...ts].sort((x, y) => x - y));
  /** How long node i's own address went unanswered within [from, to] (0 without witnesses). */
  const hostStall = (i: number, from: number, to: number): number => (witness?.[i] ? silenceWithin(witness[i]!, from, to) : 0);
  const explained: string[] = [];
  /** How long node i's advert sender waited for a CPU within [from, to] (samples up to one step after `to`). */
  const cpuWait = (i: number, from: number, to: number): number => {
    let sum = 0;
    for (const w of inp.runWait?.[i] ?? []) if (w.t > from && w.t <= to + 0.25) sum += w.d;
    return sum;
  };
  inp.nodes.forEach((node, i) => {
    const gaps: number[] = [];
    let prev: Advert | undefined;
    let other = false;
    let otherT = -Infinity;
    for (const a of sorted) {
      if (a.src !== node.ip) {
        if (a.prio > 0) {
          other = true;
          otherT = a.t;
        }
        continue;
      }
      // not a sole master when another master's advert came just before its own (it had not read it yet when
      // it sent: it steps down after this advert, and its next one is a takeover, not a late advert)
      const raced = otherT >= (prev?.t ?? -Infinity) - inp.advertIntS / 2;
      if (prev && a.prio > 0 && prev.prio > 0 && !other && !raced && prev.t >= inp.startS && a.t <= inp.clearS) {
        const silenced = inp.windows.some((w) => w.node === i && (SILENCING.has(w.kind) || (w.kind === 'loss' && w.direction !== 'in')) && w.start <= a.t && w.end + inp.advertIntS >= prev!.t);
        if (!silenced) {
          const gap = a.t - prev.t;
          gaps.push(gap);
          const stall = hostStall(i, prev.t, a.t);
          const cpu = cpuWait(i, prev.t, a.t);
          if (gap > inp.advertIntS + b.periodSlackS && gap - Math.max(stall, cpu) <= inp.advertIntS + b.periodSlackS) {
            explained.push(`${node.name}: advert gap ${gap.toFixed(3)} s at +${(prev.t - inp.startS).toFixed(2)} s; ${stall >= cpu ? `${node.name}'s own address did not answer for ${stall.toFixed(2)} s of it` : `${node.name} waited ${cpu.toFixed(2)} s of it for a CPU (runnable, not running)`}`);
          } else if (gap > inp.advertIntS + b.periodSlackS) fail(`${node.name}: advert gap ${gap.toFixed(3)} s as sole master at +${(prev.t - inp.startS).toFixed(2)} s (interval ${inp.advertIntS} s + ${b.periodSlackS} s), ${nearest(inp.windows, prev.t)}${clientSilence(inp.client, prev.t, a.t)}`, [i]);
        }
      }
      prev = a;
      other = false;
    }
    const s = [...gaps].sort((x, y) => x - y);
    period.push({ node: node.name, gaps: s.length, maxS: s[s.length - 1] ?? 0, p99S: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0 });
  });

  if (inp.captureDropped !== undefined && inp.captureDropped > 0) {
    fail(`the bridge capture lost ${inp.captureDropped} packet(s) (tcpdump: dropped by kernel): the adverts on the wire are not all known, so no verdict on them holds`, []);
  }
  for (const e of inp.unexpectedExits) {
    if (typeof e === 'string') fail(`unexpected exit: ${e}`, []);
    else fail(`unexpected exit: ${e.text}`, [e.node]);
  }
  const rss: Figures['rss'] = [];
  inp.rssMiB.forEach((xs, i) => {
    if (xs.length === 0) return;
    const first = xs[Math.min(xs.length - 1, 2)]!;
    const max = Math.max(...xs);
    const last = xs[xs.length - 1]!;
    rss.push({ node: inp.nodes[i]!.name, firstMiB: first, maxMiB: max, lastMiB: last });
    if (max > b.rssMaxMiB) fail(`${inp.nodes[i]!.name}: RSS ${max.toFixed(1)} MiB > ${b.rssMaxMiB} MiB`, [i]);
    if (last - first > b.rssGrowthMiB) fail(`${inp.nodes[i]!.name}: RSS grew ${(last - first).toFixed(1)} MiB over the soak (bound ${b.rssGrowthMiB} MiB)`, [i]);
  });
  const notify = inp.notify ? checkNotify(inp, grid, b, fail, cpuWait, explained) : [];
  const client = inp.client ? checkClient(inp, settle, b, fail, hostStall, explained) : undefined;
  const host = witness ? hostFigures(inp, witness, explained) : undefined;
  return {
    ok: failures.length === 0,
    failures: failures.slice(0, 50),
    keepalivedFailures: kaFailures.slice(0, 50),
    figures: { steadyS, dualMasterTotalS: dualTotal, dualMasterLongestS: dualLongest, noMasterLongestS: noneLongest, convergeS, period, rss, wrongMasterS: wrongS, notify, ...(client ? { client } : {}), ...(host ? { host } : {}) },
  };
}

type Fail = (msg: string, involved: readonly number[]) => void;

/**
 * A note for an advert gap: the longest stretch of [from, to] in which the client got no reply from the VIP
 * at all (the VIP holder's kernel answers those, not the daemon), when it covers most of the gap — then the
 * host's network path was stalled too, not only the daemon.
 */
function clientSilence(client: CheckInput['client'], from: number, to: number): string {
  if (!client || client.length === 0) return '';
  let last = -Infinity;
  let longest = 0;
  for (const r of [...client].sort((x, y) => x.t - y.t)) {
    if (r.t > from && last < to) longest = Math.max(longest, Math.min(r.t, to) - Math.max(last, from));
    last = r.t;
    if (r.t >= to) break;
  }
  return longest >= 0.8 * (to - from) ? `; the client got no reply from the VIP for ${longest.toFixed(2)} s of it either (the kernel did not answer: the host's network path stalled, not only the daemon)` : '';
}

/**
 * Each node's notify FIFO against the wire: while its process runs and outside the faults that hide its
 * adverts from the bridge or stop it (kill, freeze, link flap, partition, outbound loss), "the FIFO's last
 * state line is MASTER" and "its adverts with a priority above 0 are on the wire" must agree, except for at
 * most `notifyS` around each change (an advert interval of freshness + the reader's latency on a busy
 * machine). A restarted process starts with no state line (not MASTER) until it writes one.
 */
function checkNotify(inp: CheckInput, grid: readonly { t: number; masters: number[] }[], b: Bounds, fail: Fail, cpuWait: (i: number, from: number, to: number) => number, explained: string[]): Figures['notify'] {
  const out: Figures['notify'] = [];
  inp.nodes.forEach((node, i) => {
    const tr = inp.notify![i];
    if (!tr) return;
    const lines = [...tr.lines].sort((x, y) => x.t - y.t);
    const hidden = (t: number): boolean =>
      inp.windows.some((w) => w.node === i && (SILENCING.has(w.kind) || (w.kind === 'loss' && w.direction !== 'in')) && t >= w.start - inp.advertIntS && t <= w.end + b.notifyS);
    let run = 0;
    let longest = 0;
    let runStart = 0;
    let reported = 0;
    let k = 0;
    let state: string | undefined;
    let wireRuns = 0;
    let wasMaster = grid[0]?.masters.includes(i) ?? false;
    for (const g of grid) {
      const life = tr.lives.find((l) => l.start <= g.t && (l.end === undefined || g.t < l.end));
      while (k < lines.length && lines[k]!.t <= g.t) state = lines[k++]!.state;
      // a line read before this life started belongs to the previous process
      const fifoMaster = life !== undefined && state === 'MASTER' && lines[k - 1] !== undefined && lines[k - 1]!.t >= life.start;
      const wire = g.masters.includes(i);
      if (wire && !wasMaster) wireRuns++;
      wasMaster = wire;
      if (!life || hidden(g.t) || fifoMaster === wire) {
        run = 0;
        continue;
      }
      if (run === 0) runStart = g.t;
      run += STEP;
      if (run > longest) longest = run;
      // the FIFO says MASTER, its adverts stopped, and the daemon waited for a CPU most of that time: the host's
      const starved = fifoMaster && !wire ? cpuWait(i, runStart - inp.advertIntS - 0.35, g.t) : 0;
      if (run > b.notifyS && run - STEP <= b.notifyS && reported < 10 && starved >= run) {
        reported++;
        explained.push(`${node.name}: notify FIFO says MASTER with no advert of it on the wire for more than ${b.notifyS.toFixed(2)} s from +${(runStart - inp.startS).toFixed(2)} s; ${node.name} waited ${starved.toFixed(2)} s for a CPU over it`);
      } else if (run > b.notifyS && run - STEP <= b.notifyS && reported < 10) {
        reported++;
        fail(`${node.name}: notify FIFO says ${fifoMaster ? 'MASTER' : state ?? 'nothing yet'} but ${wire ? 'its adverts are on the wire as MASTER' : 'no advert of it as MASTER is on the wire'} for more than ${b.notifyS.toFixed(2)} s from +${(runStart - inp.startS).toFixed(2)} s, ${nearest(inp.windows, runStart)}`, [i]);
      }
    }
    out.push({ node: node.name, masterLines: lines.filter((l) => l.state === 'MASTER' && l.t >= inp.startS && l.t <= inp.endS).length, wireRuns, longestS: longest });
  });
  return out;
}

/**
 * The client's view: every gap between two consecutive replies from the VIP (the last one runs to the end)
 * belongs to the fault in whose window or settle time it starts (from a quarter second before the fault,
 * so the reply just before a kill counts), or else to steady state. Figures: the longest gap overall, in
 * steady state and per fault, with who answered. A gap in steady state, or in a fault that overlaps no other
 * fault (nor another's settle time), must stay within `clientGapS` (Master_Down_Interval + 2 adverts + a
 * margin). A long gap is keepalived's when the node the client was left on (the last to answer, unless the
 * fault killed it or took its link down: then the node that took over) is a keepalived.
 */
function checkClient(inp: CheckInput, settle: number, b: Bounds, fail: Fail, hostStall: (i: number, from: number, to: number) => number, explained: string[]): ClientFigures {
  const replies = [...inp.client!].filter((r) => r.t >= inp.startS && r.t <= inp.endS).sort((x, y) => x.t - y.t);
  const ms = replies.map((r) => ({ t: r.t * 1000, node: r.node }));
  const byNode: Record<string, number> = {};
  for (const r of replies) byNode[r.node] = (byNode[r.node] ?? 0) + 1;
  const idx = (name: string | undefined): number[] => {
    const i = inp.nodes.findIndex((n) => n.name === name);
    return i >= 0 ? [i] : [];
  };
  const LEAD = 0.25;
  const owner = (t: number): FaultWindow | undefined => {
    let best: FaultWindow | undefined;
    for (const w of inp.windows) if (t >= w.start - LEAD && t <= w.end + settle && (!best || w.start > best.start)) best = w;
    return best;
  };
  const isolated = (w: FaultWindow): boolean => !inp.windows.some((x) => x !== w && x.start <= w.end + settle && x.end + settle >= w.start);
  const gaps: { from: number; to: number; before: string | undefined; after: string | undefined; w: FaultWindow | undefined }[] = [];
  const pts = [{ t: inp.startS, node: undefined as string | undefined }, ...replies, { t: inp.endS, node: undefined }];
  for (let k = 1; k < pts.length; k++) gaps.push({ from: pts[k - 1]!.t, to: pts[k]!.t, before: pts[k - 1]!.node, after: pts[k]!.node, w: owner(pts[k - 1]!.t) });
  const blame = (g: (typeof gaps)[number]): number[] => {
    const left = g.w && (g.w.kind === 'kill' || g.w.kind === 'flap') && idx(g.before)[0] === g.w.node;
    return left ? idx(g.after) : idx(g.before);
  };
  let longest = gaps[0]!;
  for (const g of gaps) if (g.to - g.from > longest.to - longest.from) longest = g;
  /** The gap less the host's stall over it: the stall of the address the client was sending to (the last to answer; else any node's). */
  const residual = (g: (typeof gaps)[number]): number => {
    const at = idx(g.before);
    const stall = at.length > 0 ? hostStall(at[0]!, g.from, g.to) : Math.max(0, ...inp.nodes.map((_, i) => hostStall(i, g.from, g.to)));
    return g.to - g.from - stall;
  };
  const heldAgainst = (g: (typeof gaps)[number], where: string): boolean => {
    if (g.to - g.from <= b.clientGapS) return false;
    const r = residual(g);
    if (r <= b.clientGapS) {
      explained.push(`client: no reply from the VIP for ${(g.to - g.from).toFixed(2)} s ${where} from +${(g.from - inp.startS).toFixed(2)} s; ${(g.to - g.from - r).toFixed(2)} s of it ${g.before ?? 'no node'}'s own address did not answer either`);
      return false;
    }
    return true;
  };
  let steadyLongest = 0;
  let steadyResidual = 0;
  for (const g of gaps) {
    if (g.w) continue;
    steadyLongest = Math.max(steadyLongest, g.to - g.from);
    steadyResidual = Math.max(steadyResidual, residual(g));
    if (heldAgainst(g, 'in steady state')) fail(`client: no reply from the VIP for ${(g.to - g.from).toFixed(2)} s in steady state from +${(g.from - inp.startS).toFixed(2)} s (bound ${b.clientGapS.toFixed(2)} s; last answer ${g.before ?? 'none'}, next ${g.after ?? 'none'}), ${nearest(inp.windows, g.from)}`, blame(g));
  }
  const perFault: ClientFigures['perFault'] = [];
  for (const w of inp.windows) {
    const mine = gaps.filter((g) => g.w === w);
    const worst = mine.reduce<(typeof gaps)[number] | undefined>((m, g) => (!m || g.to - g.from > m.to - m.from ? g : m), undefined);
    const gapS = worst ? worst.to - worst.from : 0;
    const answers = describeRuns(ms.filter((r) => r.t <= (w.end + settle) * 1000 || (worst && r.t <= worst.to * 1000)), w.start * 1000, w.start * 1000 - 1_000);
    const iso = isolated(w);
    perFault.push({ label: w.label, gapS, isolated: iso, answers });
    if (iso && worst && heldAgainst(worst, `during ${w.label}`)) {
      fail(`client: no reply from the VIP for ${gapS.toFixed(2)} s during ${w.label} (from +${(worst.from - inp.startS).toFixed(2)} s; bound ${b.clientGapS.toFixed(2)} s; last answer ${worst.before ?? 'none'}, next ${worst.after ?? 'none'}); answers ${answers}`, blame(worst));
    }
  }
  return {
    replies: replies.length,
    byNode,
    longestS: longest.to - longest.from,
    longestAt: `+${(longest.from - inp.startS).toFixed(2)} s, ${nearest(inp.windows, longest.from)}`,
    steadyLongestS: steadyLongest,
    steadyResidualS: steadyResidual,
    perFault,
  };
}

/** Who answered the client, as runs (for the report). */
export function clientRuns(replies: readonly { t: number; node: string }[]): string {
  const runs = answerRuns(replies.map((r) => ({ t: r.t * 1000, node: r.node })));
  const shown = runs.slice(0, 40).map((r) => `${r.node}×${r.n}`).join(' → ');
  return runs.length > 40 ? `${shown} → … (${runs.length} runs)` : shown || 'none';
}

/** The longest stretch of [from, to] containing none of `sorted` (ascending times). */
export function silenceWithin(sorted: readonly number[], from: number, to: number): number {
  let last = from;
  let longest = 0;
  for (const t of sorted) {
    if (t <= from) continue;
    if (t >= to) break;
    longest = Math.max(longest, t - last);
    last = t;
  }
  return Math.max(longest, to - last);
}

/** The witnesses' longest silence per node over the observed period, outside that node's own link flaps. */
function hostFigures(inp: CheckInput, witness: readonly (readonly number[])[], explained: string[]): HostFigures {
  let longestS = 0;
  let longestAt = 'none';
  witness.forEach((ts, i) => {
    const pts = [inp.startS, ...ts.filter((t) => t > inp.startS && t < inp.endS), inp.endS];
    for (let k = 1; k < pts.length; k++) {
      const from = pts[k - 1]!;
      const to = pts[k]!;
      if (to - from <= longestS) continue;
      if (inp.windows.some((w) => w.node === i && w.kind === 'flap' && w.start <= to && w.end + 1 >= from)) continue;
      longestS = to - from;
      longestAt = `${inp.nodes[i]!.name}, +${(from - inp.startS).toFixed(2)} s, ${nearest(inp.windows, from)}`;
    }
  });
  const cpuWait = (inp.runWait ?? []).map((ws, i) => {
    let max = 0;
    for (const w of ws) {
      if (w.t < inp.startS || w.t > inp.endS) continue;
      let sum = 0;
      for (const x of ws) if (x.t > w.t - 2 && x.t <= w.t) sum += x.d;
      max = Math.max(max, sum);
    }
    return { node: inp.nodes[i]!.name, max2sS: max };
  });
  return { longestS, longestAt, explained: explained.slice(0, 50), cpuWait };
}
