// Edge faults (ARCHITECTURE.md §4.3): the fault reasons the runtime reports for one instance when an edge
// fails for it (its socket cannot be opened, its VIPs cannot be added), kept in the core as the one record
// of them: they follow an instance renamed by a reload, go with a removed one, and a VIP fault clears when
// an interface it failed on comes (back) up, so the instance may try again.

import type { ReloadMapping } from './effects.js';
import type { EdgeFault } from './faults.js';

/** The edge fault reasons the runtime reports (`fault` input). */
export const EDGE_FAULT = { socket: 'socket', vipAdd: 'vip-add' } as const satisfies Record<string, EdgeFault>;

export class EdgeFaults {
  /** Reasons per instance name. */
  private reasons = new Map<string, Set<EdgeFault>>();
  /** For `vip-add`: the interfaces it failed on, per instance name. */
  private vipInterfaces = new Map<string, ReadonlySet<string>>();

  /** The reasons of `instance`, in the order they appeared. */
  of(instance: string): readonly EdgeFault[] {
    return [...(this.reasons.get(instance) ?? [])];
  }

  has(instance: string, reason: EdgeFault): boolean {
    return this.reasons.get(instance)?.has(reason) ?? false;
  }

  /** Sets or clears one reason; true when that changed anything. */
  set(instance: string, reason: EdgeFault, active: boolean, interfaces: readonly string[] = []): boolean {
    const set = this.reasons.get(instance) ?? new Set<EdgeFault>();
    const had = set.has(reason);
    if (active) set.add(reason);
    else set.delete(reason);
    if (set.size > 0) this.reasons.set(instance, set);
    else this.reasons.delete(instance);
    if (reason === EDGE_FAULT.vipAdd) {
      if (active) this.vipInterfaces.set(instance, new Set(interfaces));
      else this.vipInterfaces.delete(instance);
    }
    return had !== active;
  }

  /**
   * `ifname` came (back) up: the instances whose VIPs failed on it, in the order they failed. Their VIP
   * fault is cleared.
   */
  interfaceUp(ifname: string): string[] {
    const cleared: string[] = [];
    for (const [instance, ifs] of [...this.vipInterfaces]) {
      if (!ifs.has(ifname)) continue;
      this.set(instance, EDGE_FAULT.vipAdd, false);
      cleared.push(instance);
    }
    return cleared;
  }

  /** A reload: kept instances keep their faults under their new names; removed ones lose them. */
  reload(plan: ReloadMapping): void {
    const reasons = new Map<string, Set<EdgeFault>>();
    const vipIfs = new Map<string, ReadonlySet<string>>();
    for (const k of plan.kept) {
      const r = this.reasons.get(k.from);
      if (r) reasons.set(k.to, r);
      const v = this.vipInterfaces.get(k.from);
      if (v) vipIfs.set(k.to, v);
    }
    this.reasons = reasons;
    this.vipInterfaces = vipIfs;
  }

  /** Keeps only the instances named (a configuration swapped before start). */
  retain(names: ReadonlySet<string>): void {
    for (const n of [...this.reasons.keys()]) if (!names.has(n)) this.reasons.delete(n);
    for (const n of [...this.vipInterfaces.keys()]) if (!names.has(n)) this.vipInterfaces.delete(n);
  }
}
