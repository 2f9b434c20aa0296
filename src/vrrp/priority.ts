// Effective priority from the configured priority and the trackers (keepalived `vrrp_track.c`,
// reference §3.9): weights, `reverse`, weight-0 faults, track_file arithmetic, the 1..254 clamp and the
// address owner (RFC 5798 §6.1 Priority: 255 is reserved for the owner, which trackers cannot change).

import type { TrackRef } from '../config-parser/types.js';
import { formatFaultReason, type FaultReason } from './faults.js';

export const PRIORITY_OWNER = 255;

/** keepalived `vrrp_set_effective_priority()`: an owner keeps 255; anyone else is held in 1..254. */
export function effectivePriority(basePriority: number, totalPriority: number): number {
  if (basePriority === PRIORITY_OWNER) return PRIORITY_OWNER;
  if (totalPriority < 1) return 1;
  if (totalPriority >= PRIORITY_OWNER) return PRIORITY_OWNER - 1;
  return totalPriority;
}

export interface Adjustment {
  /** Added to total_priority. */
  readonly adj: number;
  /** True when this tracker puts the instance in FAULT. */
  readonly fault: boolean;
}

/**
 * A two-valued tracker (script, interface, process, BFD) with `weight W` and `reverse` (m = −1):
 * W = 0: FAULT while bad (reverse: while good); W > 0: +W·m while good; W < 0: W·m (= −|W|·m) while bad.
 */
export function trackAdjustment(weight: number, reverse: boolean, good: boolean): Adjustment {
  const m = reverse ? -1 : 1;
  if (weight === 0) return { adj: 0, fault: good === reverse };
  if (weight > 0) return { adj: good ? weight * m : 0, fault: false };
  return { adj: good ? 0 : weight * m, fault: false };
}

/**
 * track_file (keepalived `initialise_vrrp_file_tracking_priorities()` / `update_track_file_status()`):
 * W = 0: FAULT if the value is non-zero (reverse: if zero); else status = value × W × m, status ≤ −254 ⇒
 * FAULT, otherwise the priority moves by min(status, 253).
 */
export function fileAdjustment(weight: number, reverse: boolean, value: number): Adjustment {
  const m = reverse ? -1 : 1;
  if (weight === 0) return { adj: 0, fault: (value !== 0) === !reverse };
  const status = value * weight * m;
  if (status <= -254) return { adj: 0, fault: true };
  return { adj: Math.min(status, 253), fault: false };
}

/** The trackers' current values as the runtime reported them. */
export interface TrackerValues {
  /** Script name → OK (true) / KO (false); absent = no result yet (init). */
  readonly scripts: ReadonlyMap<string, boolean>;
  /** Interface name → up (IFF_UP and IFF_RUNNING); absent = up. */
  readonly links: ReadonlyMap<string, boolean>;
  /** track_file name → value; absent = 0. */
  readonly files: ReadonlyMap<string, number>;
  /** vrrp_track_process name → quorum held; absent = no quorum (keepalived scans /proc before starting). */
  readonly processes?: ReadonlyMap<string, boolean>;
}

export interface TrackerRefs {
  readonly trackScripts: readonly TrackRef[];
  readonly trackInterfaces: readonly TrackRef[];
  readonly trackFiles: readonly TrackRef[];
  readonly trackProcesses?: readonly TrackRef[];
}

export interface TrackingResult {
  /** base + all adjustments (before the clamp). */
  readonly totalPriority: number;
  /** Trackers currently putting the instance in FAULT. */
  readonly faultReasons: readonly FaultReason[];
  /** The same, formatted (`script chk`, `interface eth1`, `file f`: `formatFaultReason`). */
  readonly faults: readonly string[];
  /** Weight-0 scripts with no result yet: the instance is held in FAULT (init) without notifications. */
  readonly scriptsInInit: readonly string[];
  /** Each tracked file's current status for this instance: weighted or not, its adjustment, FAULT or not. */
  readonly files: ReadonlyMap<string, FileStatus>;
}

export interface FileStatus {
  /** A non-zero weight: its status moves `total_priority` (keepalived `top->weight`). */
  readonly weighted: boolean;
  readonly adj: number;
  readonly fault: boolean;
}

/**
 * Evaluates every tracker of an instance (and of its sync group, passed as a second ref set) against the
 * reported values. Weighted trackers of an owner do not move its priority (keepalived drops them);
 * weight-0 trackers can still fault it. A weighted script with no result yet adjusts nothing.
 */
export function evaluateTracking(basePriority: number, refSets: readonly TrackerRefs[], v: TrackerValues): TrackingResult {
  let total = basePriority;
  const faults: FaultReason[] = [];
  const init: string[] = [];
  const files = new Map<string, FileStatus>();
  const owner = basePriority === PRIORITY_OWNER;
  const apply = (reason: FaultReason, a: Adjustment): void => {
    if (a.fault) faults.push(reason);
    else if (!owner) total += a.adj;
  };
  for (const refs of refSets) {
    for (const r of refs.trackScripts) {
      const ok = v.scripts.get(r.name);
      if (ok === undefined) {
        if (r.weight === 0) init.push(r.name);
        continue;
      }
      apply({ kind: 'script', name: r.name }, trackAdjustment(r.weight, r.reverse, ok));
    }
    for (const r of refs.trackInterfaces) apply({ kind: 'interface', ifname: r.name }, trackAdjustment(r.weight, r.reverse, v.links.get(r.name) ?? true));
    for (const r of refs.trackFiles) {
      const a = fileAdjustment(r.weight, r.reverse, v.files.get(r.name) ?? 0);
      files.set(r.name, { weighted: r.weight !== 0 && !owner, adj: owner ? 0 : a.adj, fault: a.fault });
      apply({ kind: 'file', name: r.name }, a);
    }
    // keepalived vrrp_track.c process_update_track_process_status(): a two-valued tracker like a script.
    for (const r of refs.trackProcesses ?? []) apply({ kind: 'process', name: r.name }, trackAdjustment(r.weight, r.reverse, v.processes?.get(r.name) ?? false));
  }
  return { totalPriority: total, faultReasons: faults, faults: faults.map(formatFaultReason), scriptsInInit: init, files };
}
