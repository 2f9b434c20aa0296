// The chaos soak's fault schedule (issue 14 §1): a pure function of (seed, options), so a failing seed
// replays the same faults in the same order at the same offsets. Faults may overlap (a third of them start
// while the previous one is still on); the others start after a settle period.
import { Rng } from '../fuzz/rng.js';

export type FaultKind = 'kill' | 'freeze' | 'flap' | 'loss' | 'partition' | 'track' | 'reload' | 'hog' | 'flood' | 'hupburst' | 'badconf' | 'trackflap' | 'clockstep';
export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'freeze', 'flap', 'loss', 'partition', 'track', 'reload', 'hog', 'flood', 'hupburst', 'badconf', 'trackflap', 'clockstep'];
/**
 * A node's CLOCK_REALTIME stepped by `offsetS` for the duration, then stepped back (libfaketime, see
 * test/support/faketime.ts): nothing may change, so its window does not suspend the steady-state checks.
 * Drawn from a stream of its own, so a seed keeps every other fault it gave before clock steps existed
 * (the faults a clock step replaces aside).
 */
export const TRANSPARENT_KINDS: ReadonlySet<FaultKind> = new Set(['clockstep']);
/** The clock steps drawn, s. */
export const CLOCK_STEPS_S: readonly number[] = [3600, -3600, 86_400, -86_400];
/**
 * Faults after which nothing may change: a burst of SIGHUPs with the same file, and a reload of a broken
 * file (refused: the daemon keeps the running configuration) then of the fixed one. The masters before
 * such a fault must still be the masters during it and its settle time (when no other fault overlaps).
 */
export const QUIET_KINDS: ReadonlySet<FaultKind> = new Set(['hupburst', 'badconf', 'clockstep']);

export interface Fault {
  /** Index in the schedule. */
  readonly n: number;
  /** ms after the soak's start. */
  readonly at: number;
  readonly kind: FaultKind;
  /** Index of the node it hits. */
  readonly node: number;
  /** How long it lasts, ms (0 for a reload). */
  readonly durationMs: number;
  /** loss: the share of VRRP packets dropped, %. */
  readonly lossPct?: number;
  /** loss: which direction at the node. */
  readonly direction?: 'in' | 'out' | 'both';
  /** reload: the node's new priority. */
  readonly priority?: number;
  /** hupburst: how many SIGHUPs, spread evenly over the duration. */
  readonly count?: number;
  /** trackflap: the track script's result flips every `periodMs`. */
  readonly periodMs?: number;
  /** clockstep: the node's wall clock is set this many seconds off for the duration. */
  readonly offsetS?: number;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly events: number;
  /** Daemon kind per node; `flood` only hits havipd nodes (keepalived has no control socket). */
  readonly nodes: readonly ('havipd' | 'keepalived')[];
  /** The priorities a reload may give each node (no two nodes share one). */
  readonly priorities: readonly (readonly number[])[];
  /** Settle time after a fault (Master_Down_Interval + 2 adverts + margin), ms. */
  readonly settleMs: number;
  /** Kinds to draw from (default all). */
  readonly kinds?: readonly FaultKind[];
}

const DURATION: Record<FaultKind, readonly [number, number]> = {
  kill: [1_000, 5_000],
  freeze: [1_000, 6_000],
  flap: [300, 4_000],
  loss: [3_000, 10_000],
  partition: [2_000, 8_000],
  track: [2_000, 6_000],
  reload: [0, 0],
  hog: [3_000, 8_000],
  flood: [2_000, 5_000],
  hupburst: [1_000, 3_000],
  badconf: [2_000, 6_000],
  trackflap: [4_000, 9_000],
  clockstep: [3_000, 10_000],
};

export function makeSchedule(o: ScheduleOptions): Fault[] {
  const rng = new Rng(o.seed ^ 0xc4a05);
  // clock steps: one draw per fault from their own stream (chance, offset, duration), so the main stream
  // draws exactly what it drew before clock steps existed
  const clockRng = new Rng(o.seed ^ 0xc10c5);
  const kinds = o.kinds ?? FAULT_KINDS;
  const mainKinds = kinds.filter((k) => k !== 'clockstep');
  const stepChance = !kinds.includes('clockstep') ? 0 : mainKinds.length === 0 ? 1 : 1 / kinds.length;
  const out: Fault[] = [];
  let at = 0;
  let prevEnd = 0;
  for (let n = 0; n < o.events; n++) {
    let kind: FaultKind = rng.pick(mainKinds.length > 0 ? mainKinds : kinds);
    let node = rng.int(o.nodes.length);
    const drawnNode = node;
    // The same draws whatever the fleet, so one seed gives every fleet the same faults at the same times: a
    // flood aimed at a keepalived node (no control socket) goes to a havipd node, or, in an all-keepalived
    // fleet, becomes a CPU hog of the same length on the node drawn.
    const [lo, hi] = DURATION[kind];
    if (kind === 'flood' && o.nodes[node] !== 'havipd') {
      const h = o.nodes.flatMap((k, i) => (k === 'havipd' ? [i] : []));
      if (h.length === 0) kind = 'hog';
      else node = h[node % h.length]!;
    }
    const durationMs = rng.range(lo, hi);
    // overlap the previous fault now and then; otherwise let the pair settle first
    if (n > 0) at = rng.chance(0.3) && prevEnd > at ? at + rng.range(200, Math.max(300, prevEnd - at)) : prevEnd + o.settleMs + rng.range(1_000, 4_000);
    const f: Fault = {
      n, at, kind, node, durationMs,
      ...(kind === 'loss' ? { lossPct: rng.pick([30, 30, 50, 70]), direction: rng.pick(['in', 'out', 'both'] as const) } : {}),
      ...(kind === 'reload' ? { priority: rng.pick(o.priorities[node]!) } : {}),
      ...(kind === 'hupburst' ? { count: rng.range(4, 10) } : {}),
      ...(kind === 'trackflap' ? { periodMs: rng.range(700, 2_000) } : {}),
    };
    const step = clockRng.chance(stepChance);
    const offsetS = clockRng.pick(CLOCK_STEPS_S);
    const stepMs = clockRng.range(...DURATION.clockstep);
    // the fault drawn keeps its place in the timeline (the next faults start where they did without steps);
    // the node as drawn, before a flood's move, so every fleet steps the same node
    out.push(step ? { n, at, kind: 'clockstep', node: drawnNode, durationMs: stepMs, offsetS } : f);
    prevEnd = Math.max(prevEnd, at + durationMs);
  }
  return out;
}

/** One line per fault, for the report. */
export function describeFault(f: Fault, names: readonly string[]): string {
  const extra =
    f.kind === 'loss' ? ` ${f.lossPct}% ${f.direction}` : f.kind === 'reload' ? ` priority ${f.priority}` : f.kind === 'hupburst' ? ` ×${f.count}` : f.kind === 'trackflap' ? ` every ${(f.periodMs! / 1000).toFixed(1)} s` : f.kind === 'clockstep' ? ` ${f.offsetS! > 0 ? '+' : '−'}${Math.abs(f.offsetS!) / 3600} h` : '';
  return `#${f.n} +${(f.at / 1000).toFixed(1)} s ${f.kind} ${names[f.node]}${extra}${f.durationMs > 0 ? ` for ${(f.durationMs / 1000).toFixed(1)} s` : ''}`;
}

/**
 * The faults `from`..`to` of a schedule, for a regression replay of the ones that broke an invariant, with
 * every earlier fault still on when `from` starts (it is part of what happened), moved so the first starts
 * at 0, numbers kept (`#16` is the same fault as in the full run). `priorities` are the nodes' priorities as
 * the reloads before the window left them (a reload sets the node's priority whether its daemon runs or not).
 */
export function scheduleWindow(all: readonly Fault[], from: number, to: number, base: readonly number[]): { faults: Fault[]; priorities: number[] } {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to >= all.length) {
    throw new Error(`fault window ${from}-${to}: the schedule has faults 0-${all.length - 1}`);
  }
  const startAt = all[from]!.at;
  const endAt = Math.max(...all.slice(from, to + 1).map((f) => f.at + f.durationMs));
  const inWindow = (f: Fault): boolean => (f.n >= from && f.n <= to) || (f.n < from && f.at + f.durationMs > startAt && f.at < endAt);
  const picked = all.filter(inWindow);
  const first = Math.min(...picked.map((f) => f.n));
  const priorities = [...base];
  for (const f of all) if (f.n < first && f.kind === 'reload') priorities[f.node] = f.priority!;
  const t0 = Math.min(...picked.map((f) => f.at));
  return { faults: picked.map((f) => ({ ...f, at: f.at - t0 })), priorities };
}
