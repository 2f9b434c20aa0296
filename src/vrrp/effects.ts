// The VRRP core's inputs and effects (ARCHITECTURE.md §1: `step(now, input): readonly Effect[]`) and the
// codec contract the core runs adverts through (RFC 5798 §5 packets, §6–§7 behaviour; keepalived 2.2.7).

import type { Family, VipConfig, VrrpVersion } from '../config-parser/types.js';
import type { GarpSend } from '../garp/schedule.js';
import type { AdvertFields, EncodeContext } from './packet.js';
import type { CheckResult, KeepalivedCounter, ReceiveContext } from './receive-checks.js';
import type { DropReason, ReceivedPacket, VrrpState } from './types.js';
import type { Centiseconds, Micros } from './units.js';

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
  /** The clock reached `nextDeadline()` (or later): everything due at `now` fires. */
  | { readonly kind: 'tick' }
  /** A vrrp_script's status after rise/fall (`true` = OK). */
  | { readonly kind: 'script'; readonly name: string; readonly ok: boolean }
  /** An interface's link state (IFF_UP and IFF_RUNNING). */
  | { readonly kind: 'link'; readonly ifname: string; readonly up: boolean }
  /** A track_file's value. */
  | { readonly kind: 'file'; readonly name: string; readonly value: number }
  /** The primary address of an interface for a family, or `undefined` when it has none. */
  | { readonly kind: 'interfaceAddress'; readonly ifname: string; readonly family: Family; readonly address: string | undefined }
  /** Shutdown (SIGTERM): MASTERs send priority 0 and release their VIPs; STOP notifications. */
  | { readonly kind: 'stop' };

// ───────────────────────────── effects ─────────────────────────────

export type NotifyState = VrrpState | 'STOP';

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
  | 'shutdown';

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
 *   "Entering MASTER STATE", `addVips` (+ `log` "setting VIPs."), `sendGarp` (garp_master_repeat per VIP),
 *   then `transition` (notify MASTER). A sync group then adds its members' transitions and `groupTransition`.
 * - **MASTER → BACKUP** (higher priority seen): `log` "Master received advert … higher priority",
 *   `log` "Entering BACKUP STATE", `removeVips`, `transition`. No priority-0 advert.
 * - **MASTER → FAULT**: `log` "Entering FAULT STATE", `sendAdvert` priority 0, `sendAdvert` priority 0 again
 *   (keepalived-compat: two), `removeVips`, `transition`.
 * - **FAULT → BACKUP**: `log` "Entering BACKUP STATE", `transition`, then for a unicast instance one
 *   `sendGarp` for its own source address.
 * - **MASTER receives a lower-priority advert**: `log`, `sendAdvert` (unless lower_prio_no_advert),
 *   `sendGarp` (garp_lower_prio_repeat), `masterRxLowerPri`.
 * - **stop**: for each MASTER `sendAdvert` priority 0 then `removeVips`; then a `transition` to STOP for
 *   every instance, then a `groupTransition` to STOP for every group.
 * - **start**: per instance `removeVips` (reason `startup`: leftovers from a previous run) before anything
 *   else of that instance.
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
    }
  | { readonly kind: 'addVips'; readonly instance: string; readonly vips: readonly VipConfig[] }
  | { readonly kind: 'removeVips'; readonly instance: string; readonly vips: readonly VipConfig[]; readonly reason: 'startup' | 'leave-master' | 'shutdown' }
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
  | { readonly kind: 'groupTransition'; readonly group: string; readonly from: VrrpState; readonly to: NotifyState; readonly members: readonly string[] }
  /** keepalived's FIFO `MASTER_RX_LOWER_PRI` event and `notify_master_rx_lower_pri`. */
  | { readonly kind: 'masterRxLowerPri'; readonly instance: string; readonly priority: number }
  /** Effective priority changed; `notify` = notify_priority_changes (FIFO MASTER_PRIORITY / BACKUP_PRIORITY). */
  | { readonly kind: 'priorityChange'; readonly instance: string; readonly from: number; readonly to: number; readonly state: VrrpState; readonly notify: boolean }
  | {
      readonly kind: 'log';
      readonly level: 'debug' | 'info' | 'warn' | 'error';
      /** Stable event name: `state.transition`, `advert.drop`, `advert.lower-priority`, `priority.change`, … */
      readonly event: string;
      /** keepalived-phrased message (`(VI_1) Entering MASTER STATE`). */
      readonly msg: string;
      readonly instance?: string;
      readonly fields?: Readonly<Record<string, string | number | boolean | undefined>>;
    };

export type EffectKind = Effect['kind'];

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
