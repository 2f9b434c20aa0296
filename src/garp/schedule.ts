// Pure gratuitous ARP / unsolicited NA schedule (RFC 5798 §6.4.1/§6.4.2 "broadcast a gratuitous ARP",
// RFC 3768 §6.4.1; keepalived 2.2.7 `vrrp_send_link_update()`, `vrrp_arp.c`, `vrrp_ndisc.c`,
// `vrrp_arp_thread()`; reference §3.12): bursts on becoming MASTER, the delayed second burst, the periodic
// refresh, lower-priority bursts, and the per-interface minimum spacing (`vrrp_garp_interval`,
// `vrrp_gna_interval`) with queued sends as deadlines. No I/O: it says what to send and when.

import type { Family, GarpConfig } from '../config-parser/types.js';
import { micros, type Micros } from '../net/units.js';

/** Why a GARP/NA is sent; carried into the effect and the log. */
export type GarpReason =
  | 'master' // becoming MASTER: garp_master_repeat
  | 'master-delay' // garp_master_delay after becoming MASTER
  | 'master-refresh' // every garp_master_refresh while MASTER
  | 'lower-prio' // MASTER received a lower-priority advert: garp_lower_prio_repeat
  | 'lower-prio-delay' // garp_lower_prio_delay later
  | 'leave-fault' // unicast instance leaving FAULT: one for its own source address
  | 'command' // `havipd garp`: the operator asked for a burst now
  | 'reannounce' // havipd: split-brain healing, a MASTER re-announces (src/vrrp/healing.ts)
  | 'follow-up' // havipd: the becoming-MASTER burst again after another master's advert (src/vrrp/healing.ts)
  | 'claim-released'; // havipd: another host that had claimed a VIP no longer answers for it (src/vrrp/healing.ts)

/** One GARP/NA order: `repeat` rounds over `addresses`, back to back, on one interface. */
export interface GarpSend {
  readonly instance: string;
  readonly ifname: string;
  readonly family: Family;
  readonly addresses: readonly string[];
  readonly repeat: number;
  readonly reason: GarpReason;
}

/** An address to announce, with the interface it lives on. */
export interface GarpTarget {
  readonly ifname: string;
  readonly family: Family;
  readonly address: string;
}

/** What becoming MASTER schedules (keepalived `vrrp_state_become_master()` / `vrrp_state_master_tx()`). */
export interface MasterGarpPlan {
  /** Packets per address now (`garp_master_repeat`). */
  readonly repeat: number;
  /** When the second burst is due (`garp_master_delay` > 0), else undefined. */
  readonly delayedAt: Micros | undefined;
  /**
   * When the first refresh becomes due (`garp_master_refresh` > 0), else undefined. keepalived-compat: in
   * 2.2.7 the refresh is checked when an advert is sent, so it goes out with the first advert at or after
   * this time, then every `garp_master_refresh` counted from that advert.
   * Test: test/unit/vrrp/instance.test.ts "garp_master_refresh: refresh_repeat packets with the first advert at or after the refresh time, then every refresh".
   */
  readonly refreshAt: Micros | undefined;
}

export function masterGarpPlan(cfg: GarpConfig, now: Micros): MasterGarpPlan {
  return {
    repeat: cfg.masterRepeat,
    delayedAt: cfg.masterDelay > 0 ? micros(now + cfg.masterDelay) : undefined,
    refreshAt: cfg.masterRefresh > 0 ? micros(now + cfg.masterRefresh) : undefined,
  };
}

/** What a lower-priority advert received by a MASTER schedules (`garp_lower_prio_repeat` 0 = nothing). */
export function lowerPrioGarpPlan(cfg: GarpConfig, now: Micros): { repeat: number; delayedAt: Micros | undefined } {
  if (cfg.lowerPrioRepeat <= 0) return { repeat: 0, delayedAt: undefined };
  return { repeat: cfg.lowerPrioRepeat, delayedAt: cfg.lowerPrioDelay > 0 ? micros(now + cfg.lowerPrioDelay) : undefined };
}

/** Is the refresh due at an advert sent at `now`? */
export function refreshDue(now: Micros, refreshAt: Micros | undefined): boolean {
  return refreshAt !== undefined && now >= refreshAt;
}

interface Pending {
  readonly instance: string;
  readonly target: GarpTarget;
  readonly reason: GarpReason;
}

/**
 * Per-interface pacing of GARP (IPv4) and NA (IPv6) packets. Without an interval every burst goes out at
 * once. With one, a packet goes out only when the interface's next allowed time has come; otherwise the
 * (instance, address) pair is marked pending — keepalived-compat: a flag, not a counter, so several queued
 * repeats of one address collapse into one (`queue_garp()` sets `garp_gna_pending`).
 * Test: test/unit/garp/schedule.test.ts "with vrrp_garp_interval: one packet now, the rest queued as deadlines; repeats of one address collapse (keepalived-compat)".
 */
export class GarpPacer {
  private readonly next = new Map<string, Micros>();
  private pending: Pending[] = [];

  constructor(private readonly spacing: { readonly garpInterval: Micros; readonly gnaInterval: Micros }) {}

  private interval(family: Family): Micros {
    return family === 4 ? this.spacing.garpInterval : this.spacing.gnaInterval;
  }

  private key(t: GarpTarget): string {
    return `${t.family}/${t.ifname}`;
  }

  /** A burst: `repeat` rounds over `targets`. Returns what goes out now; the rest is queued. */
  burst(now: Micros, instance: string, targets: readonly GarpTarget[], repeat: number, reason: GarpReason): GarpSend[] {
    if (repeat <= 0 || targets.length === 0) return [];
    const paced = targets.filter((t) => this.interval(t.family) > 0);
    const unpaced = targets.filter((t) => this.interval(t.family) <= 0);
    const out: GarpSend[] = groupTargets(unpaced).map((g) => ({ instance, ...g, repeat, reason }));
    for (let j = 0; j < repeat; j++) {
      for (const t of paced) {
        const s = this.trySend(now, instance, t, reason);
        if (s) out.push(s);
      }
    }
    return out;
  }

  /** keepalived `send_gratuitous_arp_immediate()`: bypasses the queue but still moves the interface's next time. */
  immediate(now: Micros, instance: string, t: GarpTarget, reason: GarpReason): GarpSend {
    const iv = this.interval(t.family);
    if (iv > 0) this.next.set(this.key(t), micros(now + iv));
    return { instance, ifname: t.ifname, family: t.family, addresses: [t.address], repeat: 1, reason };
  }

  private trySend(now: Micros, instance: string, t: GarpTarget, reason: GarpReason): GarpSend | undefined {
    const k = this.key(t);
    const nx = this.next.get(k);
    if (nx !== undefined && now < nx) {
      if (!this.pending.some((p) => p.instance === instance && p.target.address === t.address && this.key(p.target) === k)) {
        this.pending.push({ instance, target: t, reason });
      }
      return undefined;
    }
    this.next.set(k, micros(now + this.interval(t.family)));
    return { instance, ifname: t.ifname, family: t.family, addresses: [t.address], repeat: 1, reason };
  }

  /** Sends whatever queued packets are due. `active(instance)` false drops that instance's queue (no longer MASTER). */
  due(now: Micros, active: (instance: string) => boolean): GarpSend[] {
    const out: GarpSend[] = [];
    const keep: Pending[] = [];
    for (const p of this.pending) {
      if (!active(p.instance)) continue;
      const k = this.key(p.target);
      const nx = this.next.get(k);
      if (nx !== undefined && now < nx) {
        keep.push(p);
        continue;
      }
      this.next.set(k, micros(now + this.interval(p.target.family)));
      out.push({ instance: p.instance, ifname: p.target.ifname, family: p.target.family, addresses: [p.target.address], repeat: 1, reason: p.reason });
    }
    this.pending = keep;
    return out;
  }

  /** keepalived `vrrp_remove_delayed_arp()`: forget an instance's queued packets. */
  cancel(instance: string): void {
    this.pending = this.pending.filter((p) => p.instance !== instance);
  }

  /** Earliest time a queued packet may go out. */
  nextDeadline(): Micros | undefined {
    let best: Micros | undefined;
    for (const p of this.pending) {
      const nx = this.next.get(this.key(p.target));
      if (nx !== undefined && (best === undefined || nx < best)) best = nx;
    }
    return best;
  }

  /** Number of queued (instance, address) pairs. */
  get queued(): number {
    return this.pending.length;
  }
}

/** Groups targets by (interface, family), keeping first-seen order. */
export function groupTargets(targets: readonly GarpTarget[]): { ifname: string; family: Family; addresses: string[] }[] {
  const groups: { ifname: string; family: Family; addresses: string[] }[] = [];
  for (const t of targets) {
    let g = groups.find((x) => x.ifname === t.ifname && x.family === t.family);
    if (!g) {
      g = { ifname: t.ifname, family: t.family, addresses: [] };
      groups.push(g);
    }
    g.addresses.push(t.address);
  }
  return groups;
}
