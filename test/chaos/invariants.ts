// The chaos soak's invariants (issue 14 §1), checked after the run from the capture on the bridge (every
// advert with its time, source and priority), the fault windows, the daemons' exits, RSS samples and the
// VIP holders at the end. Pure: the same inputs give the same verdict (unit-tested on made-up timelines).
//
// A node counts as MASTER at time t when its last advert before t had a priority above 0 and is at most
// one advert interval + 0.35 s old. "Steady state" is every instant outside each fault window extended by
// the settle time (Master_Down_Interval + 2 adverts + 1 s).
import type { FaultKind } from './schedule.js';

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
  /** Exits no fault asked for. */
  readonly unexpectedExits: readonly string[];
  /** RSS samples per node (MiB), havipd nodes only. */
  readonly rssMiB: readonly (readonly number[])[];
  /** Nodes holding the VIP at the end. */
  readonly vipHolders: readonly number[];
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
}

export function defaultBounds(advertIntS: number, masterDownS: number): Bounds {
  return {
    dualMasterS: masterDownS + advertIntS,
    noMasterS: masterDownS + advertIntS + 0.5,
    convergeS: masterDownS + 2 * advertIntS + 4,
    periodSlackS: 0.75,
    rssMaxMiB: 200,
    rssGrowthMiB: 40,
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
}

export interface Verdict {
  readonly ok: boolean;
  readonly failures: string[];
  readonly figures: Figures;
}

const STEP = 0.01;
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
  const settle = inp.masterDownS + 2 * inp.advertIntS + 1;
  const steady = (t: number): boolean => !inp.windows.some((w) => t >= w.start && t <= w.end + settle);
  const grid = masterSets(inp);
  let steadyS = 0;
  let dualTotal = 0;
  let dualLongest = 0;
  let noneLongest = 0;
  let dualRun = 0;
  let noneRun = 0;
  for (const g of grid) {
    if (!steady(g.t)) {
      dualRun = 0;
      noneRun = 0;
      continue;
    }
    steadyS += STEP;
    if (g.masters.length >= 2) {
      dualTotal += STEP;
      dualRun += STEP;
      if (dualRun > dualLongest) dualLongest = dualRun;
      if (dualRun > b.dualMasterS && dualRun - STEP <= b.dualMasterS) failures.push(`two masters (${g.masters.map((m) => inp.nodes[m]!.name).join(', ')}) for more than ${b.dualMasterS.toFixed(2)} s in steady state at +${(g.t - inp.startS).toFixed(2)} s, ${nearest(inp.windows, g.t)}`);
    } else dualRun = 0;
    if (g.masters.length === 0) {
      noneRun += STEP;
      if (noneRun > noneLongest) noneLongest = noneRun;
      if (noneRun > b.noMasterS && noneRun - STEP <= b.noMasterS) failures.push(`no master for more than ${b.noMasterS.toFixed(2)} s in steady state at +${(g.t - inp.startS).toFixed(2)} s, ${nearest(inp.windows, g.t)}`);
    } else noneRun = 0;
  }

  // convergence: from the clear, the first instant after which the expected node alone is MASTER to the end
  let convergeAt: number | undefined;
  for (let s = grid.length - 1; s >= 0 && grid[s]!.t >= inp.clearS; s--) {
    const g = grid[s]!;
    if (g.masters.length === 1 && g.masters[0] === inp.expectedMaster) convergeAt = g.t;
    else break;
  }
  const tail = grid.length > 0 ? grid[grid.length - 1]!.t - (convergeAt ?? Infinity) : 0;
  const convergeS = convergeAt !== undefined && tail >= 2 * inp.advertIntS ? convergeAt - inp.clearS : undefined;
  if (convergeS === undefined) {
    const lastSet = grid[grid.length - 1]?.masters.map((m) => inp.nodes[m]!.name).join(', ') || 'none';
    failures.push(`did not converge to exactly one MASTER (${inp.nodes[inp.expectedMaster]!.name}) after the faults; masters at the end: ${lastSet}`);
  } else if (convergeS > b.convergeS) failures.push(`converged ${convergeS.toFixed(2)} s after the last fault was cleared (bound ${b.convergeS.toFixed(2)} s)`);
  if (inp.vipHolders.length !== 1 || inp.vipHolders[0] !== inp.expectedMaster) {
    failures.push(`VIP held by [${inp.vipHolders.map((h) => inp.nodes[h]!.name).join(', ')}] at the end, expected only ${inp.nodes[inp.expectedMaster]!.name}`);
  }

  // the advert period of a sole master (no other node advertising in between), outside its silencing faults
  const period: Figures['period'] = [];
  const sorted = [...inp.adverts].sort((x, y) => x.t - y.t);
  inp.nodes.forEach((node, i) => {
    const gaps: number[] = [];
    let prev: Advert | undefined;
    let other = false;
    for (const a of sorted) {
      if (a.src !== node.ip) {
        if (a.prio > 0) other = true;
        continue;
      }
      if (prev && a.prio > 0 && prev.prio > 0 && !other && prev.t >= inp.startS && a.t <= inp.clearS) {
        const silenced = inp.windows.some((w) => w.node === i && (SILENCING.has(w.kind) || (w.kind === 'loss' && w.direction !== 'in')) && w.start <= a.t && w.end + inp.advertIntS >= prev!.t);
        if (!silenced) {
          const gap = a.t - prev.t;
          gaps.push(gap);
          if (node.kind === 'havipd' && gap > inp.advertIntS + b.periodSlackS) failures.push(`${node.name}: advert gap ${gap.toFixed(3)} s as sole master at +${(prev.t - inp.startS).toFixed(2)} s (interval ${inp.advertIntS} s + ${b.periodSlackS} s), ${nearest(inp.windows, prev.t)}`);
        }
      }
      prev = a;
      other = false;
    }
    const s = [...gaps].sort((x, y) => x - y);
    period.push({ node: node.name, gaps: s.length, maxS: s[s.length - 1] ?? 0, p99S: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0 });
  });

  for (const e of inp.unexpectedExits) failures.push(`unexpected exit: ${e}`);
  const rss: Figures['rss'] = [];
  inp.rssMiB.forEach((xs, i) => {
    if (xs.length === 0) return;
    const first = xs[Math.min(xs.length - 1, 2)]!;
    const max = Math.max(...xs);
    const last = xs[xs.length - 1]!;
    rss.push({ node: inp.nodes[i]!.name, firstMiB: first, maxMiB: max, lastMiB: last });
    if (max > b.rssMaxMiB) failures.push(`${inp.nodes[i]!.name}: RSS ${max.toFixed(1)} MiB > ${b.rssMaxMiB} MiB`);
    if (last - first > b.rssGrowthMiB) failures.push(`${inp.nodes[i]!.name}: RSS grew ${(last - first).toFixed(1)} MiB over the soak (bound ${b.rssGrowthMiB} MiB)`);
  });
  return {
    ok: failures.length === 0,
    failures: failures.slice(0, 50),
    figures: { steadyS, dualMasterTotalS: dualTotal, dualMasterLongestS: dualLongest, noMasterLongestS: noneLongest, convergeS, period, rss },
  };
}
