// SIGHUP reload planning (reference §3.15): which running instances carry over to the new config.
// keepalived matches old and new instances by what identifies them on the wire — VRID, family,
// interface, unicast or multicast, unicast source and multicast group — never by name, so an
// instance renamed in the file keeps its state, and one whose VRID changed is a new instance.

import type { DaemonConfig, VrrpInstanceConfig } from '../config-parser/types.js';

/** The identity keepalived's `vrrp_exist()` compares (VMAC flags are not modelled by havipd). */
export function instanceKey(i: VrrpInstanceConfig): string {
  const unicast = i.unicastPeers.length > 0;
  return [
    i.vrid,
    i.family,
    i.interface ?? '',
    unicast ? 'unicast' : 'multicast',
    unicast ? (i.unicastSrcIp ?? '') : i.mcastDstIp,
  ].join('|');
}

export interface ReloadPlan {
  /** Pairs of (old name, new name) that keep their state, VIPs and timers. */
  readonly kept: ReadonlyArray<{ readonly from: string; readonly to: string; readonly changed: boolean }>;
  /** Old instances with no match: notified FAULT (or DELETED), their VIPs removed. */
  readonly removed: readonly string[];
  /** New instances: started from INIT like at start-up. */
  readonly added: readonly string[];
}

export function planReload(oldConfig: DaemonConfig, newConfig: DaemonConfig): ReloadPlan {
  const byKey = new Map<string, VrrpInstanceConfig>();
  for (const i of oldConfig.instances) byKey.set(instanceKey(i), i);
  const kept: Array<{ from: string; to: string; changed: boolean }> = [];
  const added: string[] = [];
  const matched = new Set<string>();
  for (const n of newConfig.instances) {
    const o = byKey.get(instanceKey(n));
    if (o && !matched.has(o.name)) {
      matched.add(o.name);
      kept.push({ from: o.name, to: n.name, changed: !sameInstance(o, n) });
    } else {
      added.push(n.name);
    }
  }
  const removed = oldConfig.instances.filter((o) => !matched.has(o.name)).map((o) => o.name);
  return { kept, removed, added };
}

/** Structural equality of two instance configs, ignoring source positions. */
export function sameInstance(a: VrrpInstanceConfig, b: VrrpInstanceConfig): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (key, value: unknown) => {
    if (key === 'pos') return undefined;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    return value;
  });
}
