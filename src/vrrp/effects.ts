// The VRRP core's inputs and effects (ARCHITECTURE.md §1: `step(now, input): readonly Effect[]`) and the
// codec contract the core runs adverts through (RFC 5798 §5 packets, §6–§7 behaviour; keepalived 2.2.7).

import type { DaemonConfig, Family, VipConfig, VrrpVersion } from '../config-parser/types.js';
import type { GarpSend } from '../garp/schedule.js';
import type { LogEvent } from '../log-events.js';
import type { AdminState, Command } from './commands.js';
import type { AdvertFields, EncodeContext } from './packet.js';
import type { CheckResult, KeepalivedCounter, ReceiveContext } from './receive-checks.js';
import type { DropReason, ReceivedPacket, VrrpState } from './types.js';
import type { EdgeFault } from './faults.js';
import type { Centiseconds, Micros } from '../net/units.js';

// ───────────────────────────── inputs ─────────────────────────────

/**
 * What the runtime feeds the core. Tracker values (`script`, `link`, `file`, `interfaceAddress`) may be fed
 * before `start` to give the initial environment; unknown links count as up, unknown files as 0, scripts
 * with no result as "init" (weight-0 ones hold the instance in FAULT (init) without notifications), and an
 * interface with no reported address as having none (NO_SOURCE_IP fault unless a source is configured).
 */
export type Input =
  /** Start every instance (keepalived `vrrp_complete_init()` + `vrrp_init_state()` + `vrrp_init_sands()`). */
  | { readonly kind: 'start' }
  /** A packet from the transport; the core demultiplexes by VRID / family / interface and runs the receive checks. */
  | { readonly kind: 'packet'; readonly packet: ReceivedPacket }
  /**
   * The clock reached `nextDeadline()` (or later): everything due at `now` fires. `woke`: when the shell's
   * timer actually ran and how late the process ran it (after the adverts already in the sockets were
   * fed); a tick `late` by `FREEZE_THRESHOLD` or more is a freeze (src/vrrp/freeze.ts).
   */
  | { readonly kind: 'tick'; readonly woke?: TickWake }
  /** A vrrp_script's status after rise/fall (`true` = OK). */
  | { readonly kind: 'script'; readonly name: string; readonly ok: boolean }
  /**
   * An interface's link state (IFF_UP and IFF_RUNNING). `added`: the interface (re)appeared; like `up`, it
   * lets an instance whose VIPs failed on it try again.
   */
  | { readonly kind: 'link'; readonly ifname: string; readonly up: boolean; readonly added?: boolean }
  /** A track_file's value. */
  | { readonly kind: 'file'; readonly name: string; readonly value: number }
  /** A vrrp_track_process's quorum (quorum ≤ matching processes ≤ quorum_max, after fork/terminate delays). */
  | { readonly kind: 'process'; readonly name: string; readonly haveQuorum: boolean }
  /** The primary address of an interface for a family, or `undefined` when it has none. */
  | { readonly kind: 'interfaceAddress'; readonly ifname: string; readonly family: Family; readonly address: string | undefined }
  /**
   * An edge failed (or recovered) for one instance: its VIP could not be added, its socket could not be
   * opened or broke. While `active`, `reason` is one of the instance's fault reasons (keepalived's
   * CONFIG_ERROR / NO_SOURCE_IP style), so FAULT entry and exit are the usual ones. Reasons are kept per
   * instance name; an unknown instance is ignored.
   */
  | {
      readonly kind: 'fault';
      readonly instance: string;
      readonly reason: EdgeFault;
      readonly active: boolean;
      /**
       * `vip-add` only: the interfaces on which adding a VIP failed. The core clears that fault when one of
       * them comes (back) up (a `link` input with `up`, or the interface reappearing), so the instance may
       * try again.
       */
      readonly interfaces?: readonly string[];
    }
  /**
   * SIGHUP: swap in a new configuration (reference §3.15; see `Effect` for what each instance does). `plan`
   * defaults to `planReload(current, config)` (src/vrrp/reload-plan.ts).
   */
  | { readonly kind: 'reload'; readonly config: DaemonConfig; readonly plan?: ReloadMapping }
  /** Shutdown (SIGTERM): MASTERs send priority 0 and release their VIPs; STOP notifications. */
  | { readonly kind: 'stop' }
  /** An operator command (switchover, maintenance, GARP burst): src/vrrp/commands.ts. */
  | { readonly kind: 'command'; readonly command: Command }
  /**
   * havipd: an ARP frame on `ifname` from another host (`senderMac` is not this host's) whose sender address
   * is `senderIp` (the claim watch, src/vrrp/healing.ts). The shell passes only frames whose sender address is
   * a VIP of the configuration; a MASTER holding that VIP on that interface watches the claimant.
   */
  | { readonly kind: 'arp'; readonly ifname: string; readonly senderIp: string; readonly senderMac: string };

/** When the shell's timer ran (`at`, ≥ the tick's `now`) and how long after its due time (`late`). */
export interface TickWake {
  readonly at: Micros;
  readonly late: Micros;
}

/**
 * Which old instances carry over to the new configuration (src/vrrp/reload-plan.ts `planReload()`,
 * keepalived `vrrp_exist()`: matched by wire identity, not by name). Names: `from` old, `to` new.
 */
export interface ReloadMapping {
  readonly kept: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  readonly removed: readonly string[];
  readonly added: readonly string[];
}

// ───────────────────────────── effects ─────────────────────────────

/** keepalived's notify states: the four states plus STOP (shutdown) and DELETED (removed by a reload, `notify_deleted`). */
export type NotifyState = VrrpState | 'STOP' | 'DELETED';

/** Why a transition happened (carried to notify / FIFO consumers and logs). */
export type TransitionReason =
  | 'startup' // INIT → BACKUP / FAULT at start
  | 'owner-startup' // priority-255 instance taking over at once
  | 'master-no-response' // Master_Down_Interval ran out
  | 'priority-zero' // the master released (priority 0), we took over after Skew_Time
  | 'preempted' // we preempted a lower-priority master
  | 'higher-priority' // MASTER saw a higher priority advert
  | 'higher-address' // MASTER saw an equal priority advert from a higher address
  | 'fault' // a fault reason appeared
  | 'fault-cleared' // every fault reason cleared
  | 'sync-group' // pulled by its sync group
  | 'reload-removed' // the instance is not in the reloaded configuration
  | 'shutdown'
  | 'switchover' // operator switchover (src/vrrp/commands.ts)
  | 'timer-expired-backup' // a MASTER frozen past another router's takeover time (timer_expired_backup)
  | 'maintenance'; // operator maintenance on (src/vrrp/commands.ts)

export interface AdvertDestination {
  /** Multicast group or unicast peer. */
  readonly dst: string;
  readonly ttl: number;
  /** The VRRP message to send (codec output). */
  readonly bytes: Uint8Array;
}

/**
 * Everything the core asks the runtime to do, in order. **The order of effects is the contract**
 * (raft's `Ready`); the runtime executes them in array order. Within one `step`:
 *
 * - **Becoming MASTER** (keepalived `vrrp_state_goto_master()` → `vrrp_state_master_tx()` →
 *   `vrrp_state_become_master()`): `sendAdvert` (so the old master drops its VIPs first), `log`
 *   "Entering MASTER STATE", `addVips` (+ `log` "setting VIPs."; VIPs then eVIPs), `addRoutes` (virtual
 *   routes then virtual rules, only when the instance has some), `sendGarp` (garp_master_repeat per VIP),
 *   then `transition` (notify MASTER). A sync group then adds its members' transitions and `groupTransition`.
 * - **MASTER → BACKUP** (higher priority seen): `log` "Master received advert … higher priority",
 *   `log` "Entering BACKUP STATE", `transition`; no priority-0 advert. havipd: `removeRoutes` (if any) and
 *   `removeVips` follow in a later step (announce-first hand-over, below).
 *   Wherever VIPs are removed from a MASTER, its routes and rules go first (keepalived
 *   `vrrp_restore_interface()`: rules, routes, then addresses; the reverse of the order they were added).
 * - **MASTER → FAULT**: `log` "Entering FAULT STATE", `sendAdvert` priority 0, `sendAdvert` priority 0 again
 *   (keepalived-compat: two), `removeRoutes` (if any), `removeVips`, `transition`.
 *   Test: test/unit/vrrp/instance.test.ts "two priority-0 adverts, then VIPs removed (keepalived-compat)"; test/sim/testdata/fault-track-interface.txt.
 * - **FAULT → BACKUP**: `log` "Entering BACKUP STATE", `transition`, then for a unicast instance one
 *   `sendGarp` for its own source address.
 * - **MASTER receives a lower-priority advert**: `log`, `sendAdvert` (unless lower_prio_no_advert),
 *   `sendGarp` (garp_lower_prio_repeat), `masterRxLowerPri`. havipd: when it starts an other-master
 *   episode (src/vrrp/healing.ts), `log` "split brain: …", then this instance's `sendGarp` is the
 *   becoming-MASTER burst (reason `reannounce`) instead of the lower-priority one, and `reannounce`
 *   follows `masterRxLowerPri`.
 * - havipd: **announce-first hand-over** (src/vrrp/healing.ts): a MASTER leaving for a higher-priority
 *   advert, or handing over (switchover, maintenance), emits its `transition` at once but its
 *   `removeRoutes` / `removeVips` later (reason `leave-master`), in a later step: at most HANDOVER_GRACE
 *   after the new master's first advert (bounded by Master_Down_Interval without one). A stop, a FAULT
 *   or a reload removing the instance removes held VIPs first. A MASTER whose mastership began by
 *   `master-no-response` sends one `sendAdvert` at its own priority before stepping down for a higher one.
 * - **stop**: for each MASTER `sendAdvert` priority 0 then `removeRoutes` (if any) and `removeVips`; then a `transition` to STOP for
 *   every instance, then a `groupTransition` to STOP for every group.
 * - **start**: per instance `removeVips` (reason `startup`: leftovers from a previous run) before anything
 *   else of that instance.
 * - **reload** (keepalived `sigreload_vrrp()` → `reload_vrrp_thread()` → `clear_diff_vrrp()` →
 *   `vrrp_init_state()`; the runtime logs "Reloading" / "Reload complete"): every MASTER `sendAdvert` (old config); each removed instance:
 *   if MASTER `sendAdvert` priority 0 then `removeRoutes` and `removeVips` (reason `reload`), then a `transition` to DELETED
 *   (`notify_deleted`) or FAULT (none for an instance already in FAULT without `notify_deleted`); each kept
 *   MASTER: `removeRoutes` of the routes / rules no longer configured (keepalived `clear_diff_vrrp_vrules()`,
 *   `clear_diff_vrrp_vroutes()`), `removeVips` of the VIPs no longer configured, `addVips` of the whole new
 *   list + `log` "setting VIPs." (idempotent; it repairs), `addRoutes` of the whole new route / rule lists
 *   (idempotent; keepalived re-adds them all since the kernel may have dropped some with a VIP), `sendGarp` only if the new list has addresses the old one had
 *   not; then new instances start as at `start`; then fault changes; then each kept MASTER `sendAdvert`
 *   (new priority; its next advert is advert_int later). No `transition` for a kept instance whose state
 *   did not change.
 * - **notify**: a notification without a state change — keepalived calls `send_instance_notifies()` when an
 *   instance held silently in FAULT (weight-0 script in init, or pulled by its sync group) gets its own
 *   first fault (`down_instance()` → `vrrp_state_leave_fault()` with state = wantstate = FAULT). A second
 *   fault reason on a faulty instance emits nothing (`down_instance()` acts only on the first).
 * - A `transition` effect always follows the address changes of that transition; `priorityChange`
 *   follows the log line "Changing effective priority".
 */
export type Effect =
  | {
      readonly kind: 'sendAdvert';
      readonly instance: string;
      readonly vrid: number;
      readonly version: VrrpVersion;
      readonly family: Family;
      /** Interface to send on (undefined only for an interface-less unicast instance). */
      readonly ifname: string | undefined;
      readonly src: string;
      readonly priority: number;
      readonly advertInt: Centiseconds;
      readonly destinations: readonly AdvertDestination[];
      /**
       * IPv4 only: the IP header's Identification for every copy of this advert (keepalived: one counter
       * per instance, 1 the first time, wrapping after 0xffff; the same ID on each unicast copy).
       */
      readonly ipId?: number;
    }
  /** `interfaces[n]` is where `vips[n]` goes (its `dev`, else the instance's interface, else `default_interface`). */
  | { readonly kind: 'addVips'; readonly instance: string; readonly vips: readonly VipConfig[]; readonly interfaces: readonly string[] }
  | {
      readonly kind: 'removeVips';
      readonly instance: string;
      readonly vips: readonly VipConfig[];
      readonly reason: 'startup' | 'leave-master' | 'shutdown' | 'reload';
      /** As on `addVips`. */
      readonly interfaces: readonly string[];
    }
  /**
   * Install an instance's `virtual_routes` then its `virtual_rules` (items as configured, `ip route` /
   * `ip rule` syntax; keepalived `vrrp_handle_iproutes()` then `vrrp_handle_iprules()`). Idempotent.
   */
  | { readonly kind: 'addRoutes'; readonly instance: string; readonly routes: readonly string[]; readonly rules: readonly string[] }
  /** Remove them: the rules first, then the routes (keepalived `vrrp_restore_interface()`). Idempotent. */
  | { readonly kind: 'removeRoutes'; readonly instance: string; readonly routes: readonly string[]; readonly rules: readonly string[]; readonly reason: 'leave-master' | 'shutdown' | 'reload' }
  | ({ readonly kind: 'sendGarp' } & GarpSend)
  | {
      readonly kind: 'transition';
      readonly instance: string;
      readonly vrid: number;
      readonly from: VrrpState;
      readonly to: NotifyState;
      readonly reason: TransitionReason;
      /** Effective priority (keepalived's notify and FIFO carry it). */
      readonly priority: number;
      /** The sync group, if any. */
      readonly group: string | undefined;
      /**
       * Whether notify scripts / FIFO / SMTP should run (keepalived `send_instance_notifies()`: not when the
       * member already notified and is now in its group's state; not for the silent FAULT (init) hold).
       */
      readonly notify: boolean;
    }
  /** Notify scripts / FIFO for `state` although the instance's state did not change (see above). */
  | {
      readonly kind: 'notify';
      readonly instance: string;
      readonly vrid: number;
      readonly state: NotifyState;
      readonly reason: TransitionReason;
      readonly priority: number;
      readonly group: string | undefined;
    }
  | { readonly kind: 'groupTransition'; readonly group: string; readonly from: VrrpState; readonly to: NotifyState; readonly members: readonly string[] }
  /**
   * havipd: split-brain healing (src/vrrp/healing.ts): this MASTER learnt that `peer` was MASTER too and
   * re-announced (its GARP/NA burst precedes this effect). The shell counts it, records it for `events`
   * and, with `rerunNotifyMaster`, re-runs notify_master and the generic notify script with
   * HAVIPD_REANNOUNCE=1 (no FIFO line: the state did not change).
   */
  | { readonly kind: 'reannounce'; readonly instance: string; readonly vrid: number; readonly peer: string; readonly peerPriority: number; readonly priority: number; readonly group: string | undefined; readonly rerunNotifyMaster: boolean }
  /**
   * havipd: the claim watch (src/vrrp/healing.ts): send one ARP probe for `address` (an IPv4 VIP) on
   * `ifname` (sender address 0.0.0.0); a host that still holds the address answers it with an `arp` input.
   */
  | { readonly kind: 'sendArpProbe'; readonly instance: string; readonly ifname: string; readonly address: string }
  /** keepalived's FIFO `MASTER_RX_LOWER_PRI` event and `notify_master_rx_lower_pri`. */
  | { readonly kind: 'masterRxLowerPri'; readonly instance: string; readonly priority: number }
  /** Effective priority changed; `notify` = notify_priority_changes (FIFO MASTER_PRIORITY / BACKUP_PRIORITY). */
  | { readonly kind: 'priorityChange'; readonly instance: string; readonly from: number; readonly to: number; readonly state: VrrpState; readonly notify: boolean }
  | {
      readonly kind: 'log';
      readonly level: 'debug' | 'info' | 'warn' | 'error';
      /** Stable event name from the catalogue (src/log-events.ts): `state.transition`, `advert.drop`, … */
      readonly event: LogEvent;
      /** keepalived-phrased message (`(VI_1) Entering MASTER STATE`). */
      readonly msg: string;
      readonly instance?: string;
      readonly fields?: Readonly<Record<string, string | number | boolean | undefined>>;
    };

// ───────────────────────────── codec contract ─────────────────────────────

export type { AdvertFields, EncodeContext } from './packet.js';
export type { CheckResult, KeepalivedCounter, ReceiveContext } from './receive-checks.js';

/** The packet codec and receive checks (src/vrrp/packet.ts, src/vrrp/receive-checks.ts), injected. */
export interface AdvertCodec {
  encodeAdvert(fields: AdvertFields, ctx: EncodeContext): Uint8Array;
  checkAdvert(pkt: ReceivedPacket, ctx: ReceiveContext): CheckResult;
}

/** Per-instance counters, keepalived's `vrrp_stats` names (reference §2.7). */
export interface InstanceStats extends Record<KeepalivedCounter, number> {
  advert_sent: number;
  become_master: number;
  release_master: number;
  pri_zero_sent: number;
  /** Drops by reason (keepalived's error counters map onto these). */
  drops: Partial<Record<DropReason, number>>;
}

/** Read-only view for dumps and status (`snapshot()`). */
export interface InstanceSnapshot {
  readonly name: string;
  readonly vrid: number;
  readonly family: Family;
  readonly version: VrrpVersion;
  readonly interface: string | undefined;
  readonly state: VrrpState;
  readonly wantstate: VrrpState;
  readonly basePriority: number;
  readonly totalPriority: number;
  readonly effectivePriority: number;
  readonly sourceAddress: string | undefined;
  readonly masterAddress: string | undefined;
  readonly masterPriority: number | undefined;
  readonly advertInt: Micros;
  readonly masterAdverInterval: Micros;
  readonly msDownTimer: Micros;
  /** Next expiry of the instance timer (down timer in BACKUP, advert timer in MASTER). */
  readonly sands: Micros | undefined;
  readonly preemptTime: Micros | undefined;
  readonly faults: readonly string[];
  readonly vipSet: boolean;
  readonly lastTransition: Micros | undefined;
  /** The operator's hold: maintenance, yield after a handover, takeover priority (src/vrrp/commands.ts). */
  readonly admin: Readonly<AdminState>;
  /** havipd: split-brain re-announcements so far and the last one (src/vrrp/healing.ts). */
  readonly healing: {
    readonly heals: number;
    readonly last: { readonly at: Micros; readonly peer: string; readonly peerPriority: number } | undefined;
    /** The claim watch: claims seen, bursts sent on a release, and the claimant being watched now. */
    readonly claims: number;
    readonly claimReleases: number;
    readonly watching: { readonly mac: string; readonly vip: string; readonly since: Micros } | undefined;
  };
  /** havipd: VIPs still held after leaving MASTER, until this time (announce-first hand-over). */
  readonly vipHoldUntil: Micros | undefined;
  readonly stats: Readonly<InstanceStats>;
}

export interface GroupSnapshot {
  readonly name: string;
  readonly state: VrrpState;
  readonly members: readonly string[];
}

export interface CoreSnapshot {
  readonly started: boolean;
  readonly stopped: boolean;
  readonly instances: readonly InstanceSnapshot[];
  readonly groups: readonly GroupSnapshot[];
  readonly unknownVrid: number;
}
