// One VRRP instance's state machine (RFC 5798 §6.4 Initialize / Backup / Master, RFC 3768 §6.4) as
// keepalived 2.2.7 runs it (`vrrp.c`: vrrp_state_backup, vrrp_state_master_rx/tx, vrrp_state_goto_master,
// vrrp_state_become_master, vrrp_state_leave_master, vrrp_state_leave_fault, vrrp_restore_interface;
// `vrrp_scheduler.c`: try_up_instance, vrrp_init_state, vrrp_init_instance_sands; `vrrp_track.c`:
// down_instance, vrrp_set_effective_priority). Pure: effects are appended to `ctx.out`.

import { newAdminState, type AdminState } from './commands.js';
import type { AuthHmacConfig, GlobalDefs, VipConfig, VrrpInstanceConfig } from '../config-parser/types.js';
import { appendTrailer, AuthHmacState, buildTrailer, signs, takeSendSeq, type AuthHmacSeam } from './auth-hmac.js';
import { lowerPrioGarpPlan, masterGarpPlan, refreshDue, type GarpPacer, type GarpReason, type GarpTarget } from '../garp/schedule.js';
import { backupAccepts, compareAddresses, peerLoses, peerWins } from './election.js';
import type { AdvertCodec, AdvertDestination, Effect, InstanceSnapshot, InstanceStats, NotifyState, TransitionReason } from './effects.js';
import { DropLog } from './drop-log.js';
import { formatFaultReason, type FaultReason } from './faults.js';
import { effectivePriority, PRIORITY_OWNER } from './priority.js';
import type { SyncGroup } from './sync-group.js';
import { masterDownInterval, skewTime, skewTimeMin } from './timers.js';
import type { ChecksumMode, DropReason, ReceivedPacket, VrrpState } from './types.js';
import { micros, microsToCentis, type Centiseconds, type Micros } from '../net/units.js';
import { nextIpId } from './ipv4.js';
import { LOG_EVENT, type LogEvent } from '../log-events.js';
import { DEFAULT_HEALING, HANDOVER_GRACE, claimDeadline, claimDue, claimScheduleProbe, claimSeen, followUpDelay, followUpDue, newHealState, otherMaster, sendsStepDownNotice, type HealingSwitches, type HealState, type VipHold } from './healing.js';
import type { RxWarning } from './receive-checks.js';

/** What an instance needs from the core while it handles one input. */
export interface InstanceCtx {
  readonly now: Micros;
  readonly out: Effect[];
  readonly codec: AdvertCodec;
  readonly pacer: GarpPacer;
  readonly global: GlobalDefs;
  /** keepalived `-D`: detail logging, and the v3 Master_Adver_Interval reset on becoming MASTER that 2.2.7 only does then. */
  readonly detail: boolean;
  /** End of `vrrp_startup_delay`, if one is running. */
  readonly delayedStartUntil: Micros | undefined;
  /** The crypto/clock seam of `auth_hmac` (required when an instance has it). */
  readonly authHmac?: AuthHmacSeam;
}

/**
 * How `VrrpInstance.transition` announces a change: keepalived's call sites log and notify differently, and
 * these options name each difference. The state itself is written the same way whatever the options.
 */
export interface TransitionOptions {
  /**
   * The log line, when the state changes: `entering` "Entering MASTER STATE" (fields from, to, reason; the
   * default), `init` "Entering BACKUP STATE (init)" (`vrrp_init_state()`), `startup-fault` "entering FAULT
   * state" (a faulty instance at start), `none`.
   */
  readonly log?: 'entering' | 'init' | 'startup-fault' | 'none';
  /** Whether notify scripts run, before keepalived's sync-group rule is applied (default true). */
  readonly notify?: boolean;
  /**
   * The instance's last word when it leaves for INIT: the `transition` effect reports STOP (shutdown),
   * DELETED or FAULT (removed by a reload), always notified; `none` emits no effect (also a silent start).
   */
  readonly announce?: 'STOP' | 'DELETED' | 'FAULT' | 'none';
  /** Leaving MASTER: the priority-0 advert of `vrrp_restore_interface()` (keepalived `advF`). */
  readonly advF?: boolean;
  /** havipd: leaving MASTER, keep the VIPs until this hold ends (src/vrrp/healing.ts, announce-first hand-over). */
  readonly holdVips?: VipHold;
}

/** Entry actions of one state (FRR `vrrp_change_state_handlers`, holo `change_state`). */
interface EntryActions {
  /** Before the log line (MASTER: keepalived's `vrrp_state_master_tx()` sends the first advert first). */
  readonly before?: (i: VrrpInstance, ctx: InstanceCtx) => void;
  /** After the state is written, before the `transition` effect. */
  readonly enter: (i: VrrpInstance, ctx: InstanceCtx) => void;
}

interface DelayedGarp {
  readonly at: Micros;
  readonly reason: 'master-delay' | 'lower-prio-delay' | 'follow-up';
  readonly repeat: number;
}

function newStats(): InstanceStats {
  return {
    advert_rcvd: 0,
    advert_sent: 0,
    become_master: 0,
    release_master: 0,
    pri_zero_rcvd: 0,
    pri_zero_sent: 0,
    packet_len_err: 0,
    ip_ttl_err: 0,
    invalid_authtype: 0,
    authtype_mismatch: 0,
    auth_failure: 0,
    invalid_type_rcvd: 0,
    addr_list_err: 0,
    vers_err: 0,
    chk_err: 0,
    auth_ext_missing: 0,
    auth_ext_malformed: 0,
    auth_ext_unknown_key: 0,
    auth_ext_invalid_hmac: 0,
    auth_ext_stale: 0,
    auth_ext_replay: 0,
    drops: {},
  };
}

const AUTH_TYPE = { NONE: 0, PASS: 1, AH: 2 } as const;

/** `at`, or 1 µs after `now` if that is not later: a timer armed by a step is always in the future. */
function later(ctx: InstanceCtx, at: Micros): Micros {
  return at > ctx.now ? at : micros(ctx.now + 1);
}

/** The initial checksum mode of an instance (RFC 5798 §5.2.8; keepalived `old_unicast_checksum`, `v3_checksum_as_v2`). */
export function initialChecksumMode(c: VrrpInstanceConfig): ChecksumMode {
  if (c.version === 2) return 'plain';
  if (c.family === 6) return 'pseudo';
  if (c.v3ChecksumAsV2) return 'plain';
  return c.oldUnicastChecksum === 'always' && c.unicastPeers.length > 0 ? 'pseudo-mcast' : 'pseudo';
}

export class VrrpInstance {
  /** The configuration in force; replaced on reload (state below is kept). */
  config: VrrpInstanceConfig;
  /** Written only by `transition()`. */
  #state: VrrpState = 'INIT';
  wantstate: VrrpState;
  basePriority: number;
  totalPriority: number;
  effectivePriority: number;
  /** Master_Adver_Interval (RFC 5798 §6.1): v3 learns it from the master. */
  masterAdverInterval: Micros;
  /** keepalived `ms_down_timer`: the value the next `initSands()` adds in BACKUP. */
  msDownTimer: Micros;
  /** Next expiry (keepalived `sands`): down timer in BACKUP, advert timer in MASTER. */
  get sands(): Micros | undefined {
    return this.#sands;
  }
  set sands(at: Micros | undefined) {
    if (at !== this.#sands) this.deadlineChanged();
    this.#sands = at;
  }
  #sands: Micros | undefined;
  preemptTime: Micros | undefined;
  masterAddr: string | undefined;
  /** Source of the last packet handed to this instance (keepalived `pkt_saddr`). */
  lastPacketSrc: string | undefined;
  masterPriority: number | undefined;
  vipSet = false;
  garpRefreshAt: Micros | undefined;
  /** GARP bursts due later (`garp_master_delay`, `garp_lower_prio_delay`); replaced, never changed in place. */
  get delayedGarps(): readonly DelayedGarp[] {
    return this.#delayedGarps;
  }
  set delayedGarps(list: readonly DelayedGarp[]) {
    if (list.length > 0 || this.#delayedGarps.length > 0) this.deadlineChanged();
    this.#delayedGarps = list;
  }
  #delayedGarps: readonly DelayedGarp[] = [];
  /** Current fault reasons (tracker, interface, source address, edges); FAULT while non-empty. */
  faults: readonly FaultReason[] = [];
  /** Weight-0 scripts without a first result. */
  scriptsInInit = 0;
  notifiesSent = false;
  checksumMode: ChecksumMode;
  sourceAddr: string | undefined;
  lastTransition: Micros | undefined;
  /** When the last advert (any priority) was sent (keepalived `last_advert_sent`, set in `vrrp_send_adv()`). */
  lastAdvertSent: Micros | undefined;
  /** The last advert encoded without auth_hmac, and what it was encoded from (`sendAdvert`). */
  private advertMemo:
    | {
        readonly config: VrrpInstanceConfig;
        readonly codec: AdvertCodec;
        readonly priority: number;
        readonly src: string;
        readonly checksumMode: ChecksumMode;
        readonly advertInt: Centiseconds;
        readonly destinations: readonly AdvertDestination[];
      }
    | undefined;
  readonly stats: InstanceStats = newStats();
  /** auth_hmac send sequence and per-sender replay marks. */
  readonly authState = new AuthHmacState();
  /** Rate limit of the drop log lines (ARCHITECTURE.md §4.1). */
  readonly dropLog = new DropLog();
  sync: SyncGroup | undefined;
  /** global `default_interface`, for VIPs and instances without one. */
  defaultInterface = '';
  /** The operator's hold (maintenance, yield after a handover, takeover priority): src/vrrp/commands.ts. */
  readonly admin: AdminState = newAdminState();
  /** havipd: split-brain healing state (src/vrrp/healing.ts). */
  readonly heal: HealState = newHealState();
  /** havipd: this becoming-MASTER sends its GARP/NA before its first advert (a switchover takeover). */
  private garpFirst = false;
  /** havipd: VIPs kept after leaving MASTER (announce-first hand-over), with the config they were set by. */
  get vipHold(): (VipHold & { readonly config: VrrpInstanceConfig }) | undefined {
    return this.#vipHold;
  }
  set vipHold(hold: (VipHold & { readonly config: VrrpInstanceConfig }) | undefined) {
    if (hold !== this.#vipHold) this.deadlineChanged();
    this.#vipHold = hold;
  }
  #vipHold: (VipHold & { readonly config: VrrpInstanceConfig }) | undefined;
  /**
   * Where to report that `nextDeadline()` may have changed: the core's heap of deadlines (src/vrrp/deadline-heap.ts)
   * gives this instance slot `deadlineSlot` and collects changed slots in `deadlineSink` (each once until read).
   * The three setters above are the only inputs of `nextDeadline()`.
   */
  deadlineSink: number[] | undefined;
  deadlineSlot = -1;
  deadlineQueued = false;
  /** The IPv4 Identification of the last advert sent (keepalived: one counter per instance). */
  private lastIpId = 0;

  constructor(config: VrrpInstanceConfig) {
    this.config = config;
    this.basePriority = config.priority;
    this.totalPriority = config.priority;
    this.effectivePriority = config.priority;
    this.wantstate = config.state;
    this.masterAdverInterval = config.advertInt;
    this.checksumMode = initialChecksumMode(config);
    this.msDownTimer = this.mdi();
  }

  get name(): string {
    return this.config.name;
  }
  get state(): VrrpState {
    return this.#state;
  }
  get isOwner(): boolean {
    return this.basePriority === PRIORITY_OWNER;
  }
  get isUnicast(): boolean {
    return this.config.unicastPeers.length > 0;
  }
  /** The healing switches in force (the settings file's `[healing]`, default on). */
  get healing(): HealingSwitches {
    return this.config.healing ?? DEFAULT_HEALING;
  }

  /** keepalived `VRRP_MS_DOWN_TIMER`. */
  mdi(): Micros {
    return masterDownInterval(this.config.version, this.effectivePriority, this.masterAdverInterval, this.config.downTimerAdverts);
  }
  skew(): Micros {
    return skewTime(this.config.version, this.effectivePriority, this.masterAdverInterval);
  }
  skewMin(): Micros {
    return skewTimeMin(this.config.version, this.masterAdverInterval);
  }

  // ───────────────────────────── output helpers ─────────────────────────────

  log(ctx: InstanceCtx, level: 'debug' | 'info' | 'warn' | 'error', event: LogEvent, msg: string, fields?: Record<string, string | number | boolean | undefined>): void {
    if (level === 'debug' && !ctx.detail) return;
    ctx.out.push({ kind: 'log', level, event, msg: `(${this.name}) ${msg}`, instance: this.name, fields: { vrid: this.config.vrid, ...fields } });
  }

  /** keepalived `send_instance_notifies()` as data. */
  private announce(ctx: InstanceCtx, from: VrrpState, reason: TransitionReason, wanted: boolean): void {
    const notify = wanted && !(this.notifiesSent && this.sync !== undefined && this.state === this.sync.state);
    if (notify) this.notifiesSent = true;
    if (from === this.state) {
      // Not a transition (FAULT → FAULT: a silently held instance's first own fault). keepalived still runs
      // send_instance_notifies(), subject to the sync-group rule above: say exactly that, or nothing.
      if (notify) {
        ctx.out.push({ kind: 'notify', instance: this.name, vrid: this.config.vrid, state: this.state, reason, priority: this.effectivePriority, group: this.sync?.name });
      }
      return;
    }
    ctx.out.push({
      kind: 'transition',
      instance: this.name,
      vrid: this.config.vrid,
      from,
      to: this.state,
      reason,
      priority: this.effectivePriority,
      group: this.sync?.name,
      notify,
    });
  }

  /** keepalived `vrrp_send_adv()`: one logical advert, bytes per destination. */
  sendAdvert(ctx: InstanceCtx, priority: number): void {
    const c = this.config;
    this.lastAdvertSent = ctx.now;
    const src = this.sourceAddr ?? '';
    // Without auth_hmac an advert is the same bytes every advert_int until the priority, the source, the
    // checksum mode or the config changes: encode once and send the same copies (the shell never writes to
    // them). A MASTER's steady state then allocates one effect per advert, not a fresh encoding.
    const m = this.advertMemo;
    if (!signs(c.authHmac) && m !== undefined && m.config === c && m.codec === ctx.codec && m.priority === priority && m.src === src && m.checksumMode === this.checksumMode) {
      this.pushAdvert(ctx, src, priority, m.advertInt, m.destinations);
      return;
    }
    const fields = {
      version: c.version,
      vrid: c.vrid,
      priority,
      advertInt: microsToCentis(c.advertInt),
      addresses: c.vips.filter((v) => v.family === c.family).map((v) => v.address),
      family: c.family,
      auth: c.auth.type === 'NONE' ? { type: 0 as const } : { type: AUTH_TYPE[c.auth.type], password: c.auth.password },
    };
    const dests = this.isUnicast
      ? c.unicastPeers.map((p) => ({ dst: p.address, ttl: c.unicastTtl ?? 255 }))
      : [{ dst: c.mcastDstIp, ttl: 255 }];
    const encode = (dst: string): Uint8Array => ctx.codec.encodeAdvert(fields, { src, dst, checksumMode: this.checksumMode, mcastGroup: c.mcastDstIp });
    // auth_hmac: sign once per advert (keepalived `vrrp_auth_hmac_sign()`); every copy carries the same trailer.
    const signer = signs(c.authHmac) ? this.signer(ctx, c.authHmac, src) : undefined;
    const destinations = dests.map((d) => ({
      ...d,
      bytes: signer ? signer(encode(d.dst), d.dst) : encode(d.dst),
    }));
    this.advertMemo = signer ? undefined : { config: c, codec: ctx.codec, priority, src, checksumMode: this.checksumMode, advertInt: fields.advertInt, destinations };
    this.pushAdvert(ctx, src, priority, fields.advertInt, destinations);
  }

  private pushAdvert(ctx: InstanceCtx, src: string, priority: number, advertInt: Centiseconds, destinations: readonly AdvertDestination[]): void {
    const c = this.config;
    ctx.out.push({
      kind: 'sendAdvert',
      instance: this.name,
      vrid: c.vrid,
      version: c.version,
      family: c.family,
      ifname: c.interface,
      src,
      priority,
      advertInt,
      ...(c.family === 4 ? { ipId: this.nextIpId() } : {}),
      destinations,
    });
    this.stats.advert_sent++;
  }

  /** Signs messages of one advert: appends the trailer (same sequence for every copy); IPv6 re-checksums. */
  private signer(ctx: InstanceCtx, h: AuthHmacConfig, src: string): (msg: Uint8Array, dst: string) => Uint8Array {
    if (!ctx.authHmac) throw new Error(`(${this.name}) auth_hmac configured but no crypto seam`);
    const seam = ctx.authHmac;
    const c = this.config;
    const key = h.keys.find((k) => k.id === h.activeKey)!.secret;
    const seq = takeSendSeq(this.authState, h, seam.realtimeNs());
    let trailer: Uint8Array | undefined;
    return (msg, dst) => {
      trailer ??= buildTrailer(seam, msg, { family: c.family, version: c.version, vrid: c.vrid, src }, key, h.activeKey, seq);
      return appendTrailer(msg, trailer, { family: c.family, version: c.version, src, dst });
    };
  }

  private allVips(): VipConfig[] {
    return [...this.config.vips, ...this.config.excludedVips];
  }

  /** Where each VIP goes: its `dev`, else the instance's interface, else `default_interface`. */
  vipInterfaces(vips: readonly VipConfig[]): string[] {
    return vips.map((v) => v.dev ?? this.config.interface ?? this.defaultInterface);
  }

  /** keepalived's IPv4 IP ID: 1 the first time, then +1, wrapping from 0xffff to 1 (ipv4.ts `nextIpId`). */
  private nextIpId(): number {
    this.lastIpId = nextIpId(this.lastIpId);
    return this.lastIpId;
  }

  garpTargets(): GarpTarget[] {
    const vips = this.allVips();
    const ifnames = this.vipInterfaces(vips);
    return vips.map((v, n) => ({ ifname: ifnames[n]!, family: v.family, address: v.address }));
  }

  /** keepalived `vrrp_handle_iproutes()` then `vrrp_handle_iprules()` (IPROUTE_ADD): after the VIPs. */
  private addRoutes(ctx: InstanceCtx): void {
    const { virtualRoutes: routes, virtualRules: rules } = this.config;
    if (routes.length === 0 && rules.length === 0) return;
    ctx.out.push({ kind: 'addRoutes', instance: this.name, routes, rules });
    // keepalived logs these with -D only.
    if (routes.length > 0) this.log(ctx, 'debug', 'route.set', 'setting Virtual Routes');
    if (rules.length > 0) this.log(ctx, 'debug', 'route.set', 'setting Virtual Rules');
  }

  /** keepalived `vrrp_send_link_update()`: only while the VIPs are set. */
  sendLinkUpdate(ctx: InstanceCtx, repeat: number, reason: GarpReason): void {
    if (!this.vipSet || repeat <= 0) return;
    for (const s of ctx.pacer.burst(ctx.now, this.name, this.garpTargets(), repeat, reason)) ctx.out.push({ kind: 'sendGarp', ...s });
  }

  /**
   * keepalived `vrrp_init_instance_sands()`. havipd: a timer is never armed at or before `now` (at least 1 µs
   * later), so a step always leaves the next deadline in the future and a zero down timer (an ignored advert
   * at the very deadline) cannot make the timer loop spin; keepalived would run it on its next loop turn.
   */
  initSands(ctx: InstanceCtx): void {
    if (this.state === 'MASTER') this.sands = later(ctx, micros(ctx.now + this.config.advertInt));
    else if (this.state === 'BACKUP') {
      const base = ctx.delayedStartUntil !== undefined && ctx.now < ctx.delayedStartUntil ? ctx.delayedStartUntil : ctx.now;
      this.sands = later(ctx, micros(base + this.msDownTimer));
    } else this.sands = undefined;
  }

  /** keepalived's "restart the down timer" (`ms_down_timer = VRRP_MS_DOWN_TIMER; vrrp_init_instance_sands()`). */
  restartDownTimer(ctx: InstanceCtx): void {
    this.msDownTimer = this.mdi();
    this.initSands(ctx);
  }

  // ───────────────────────────── priority ─────────────────────────────

  /**
   * keepalived `vrrp_set_effective_priority()`: clamp, log, and in BACKUP shift the running down timer by
   * the change of `ms_down_timer`. keepalived-compat: the old value is the stored `ms_down_timer`, which
   * after an ignored advert is the remaining time, not the full interval — the shift is then larger.
   * Test: test/unit/vrrp/instance.test.ts "keepalived-compat: after an ignored advert the shift uses the remaining time (ms_down_timer quirk)".
   */
  setEffectivePriority(ctx: InstanceCtx): void {
    const tracked = effectivePriority(this.basePriority, this.totalPriority);
    const np = this.admin.boost === undefined ? tracked : Math.max(tracked, this.admin.boost);
    if (np === this.effectivePriority) return;
    const old = this.effectivePriority;
    this.log(ctx, 'info', 'priority.change', `Changing effective priority from ${old} to ${np}`, { from: old, to: np });
    this.effectivePriority = np;
    const oldDown = this.msDownTimer;
    this.msDownTimer = this.mdi();
    // havipd: a running timer that the shift moves into the past fires 1 µs from now (see `initSands`).
    if (this.state === 'BACKUP' && this.sands !== undefined) this.sands = later(ctx, micros(this.sands + (this.msDownTimer - oldDown)));
    ctx.out.push({ kind: 'priorityChange', instance: this.name, from: old, to: np, state: this.state, notify: this.config.notifyPriorityChanges });
  }

  // ───────────────────────────── reload ─────────────────────────────

  /**
   * SIGHUP for an instance matched in the new configuration (keepalived `restore_vrrp_state()`,
   * `clear_diff_vrrp_vip()`; reference §3.15): the new config is swapped in; state, timers, VIPs, counters,
   * the learned master and delayed GARPs are kept. The new priority takes effect at once (`totalPriority`
   * from the caller, trackers included). A MASTER drops the VIPs no longer configured, re-adds the new
   * list ("setting VIPs.") and sends a GARP burst only if an address was added. Emits no transition.
   */
  applyReload(ctx: InstanceCtx, config: VrrpInstanceConfig, total: (i: VrrpInstance) => number): void {
    const old = this.config;
    const oldMdi = this.mdi();
    const oldVips = this.allVips();
    if (old.name !== config.name) ctx.pacer.cancel(old.name);
    // havipd: keepalived's reload cancels every thread (`thread_cleanup_master()`), pending delayed GARP
    // bursts included; a matched instance keeps them here — they are its timers, and harmless while the
    // VIPs are set.
    this.config = config;
    this.basePriority = config.priority;
    // havipd: a claim watch ends when healing is switched off or its VIP is no longer this instance's there.
    const claim = this.heal.claim;
    if (claim !== undefined && (!this.healing.reannounce || !this.holdsVipOn(claim.ifname, claim.vip))) {
      this.heal.claim = undefined;
      this.deadlineChanged();
    }
    if (old.version !== config.version || old.oldUnicastChecksum !== config.oldUnicastChecksum || old.v3ChecksumAsV2 !== config.v3ChecksumAsV2 || old.unicastPeers.length !== config.unicastPeers.length) {
      this.checksumMode = initialChecksumMode(config);
    }
    // A v3 BACKUP keeps the interval it learned from the master; otherwise the configured one applies.
    if (config.version === 2 || (this.state !== 'BACKUP' && old.advertInt !== config.advertInt)) this.masterAdverInterval = config.advertInt;
    this.totalPriority = total(this);
    // keepalived-compat: the reloaded instance starts from its new base priority (a new `vrrp_t`, state
    // still INIT), so a change is logged from the new base, and only when trackers move the priority off
    // it ("Changing effective priority from 140 to 120"), notified as from INIT (FIFO BACKUP_PRIORITY even
    // for a MASTER); a base-only change is neither logged nor notified (keepalived 2.2.7,
    // test/interop/priority-differential.test.ts).
    // Test: test/unit/vrrp/reload.test.ts "keepalived-compat: a reload changing only the base priority logs and notifies nothing".
    const fresh = effectivePriority(this.basePriority, this.basePriority);
    const np = effectivePriority(this.basePriority, this.totalPriority);
    this.effectivePriority = np;
    if (np !== fresh) {
      this.log(ctx, 'info', 'priority.change', `Changing effective priority from ${fresh} to ${np}`, { from: fresh, to: np });
      ctx.out.push({ kind: 'priorityChange', instance: this.name, from: fresh, to: np, state: 'INIT', notify: config.notifyPriorityChanges });
    }
    const delta = this.mdi() - oldMdi;
    if (this.state === 'BACKUP') {
      // havipd: keepalived 2.2.7 restarts a matched BACKUP's down timer with a full Master_Down_Interval
      // (`vrrp_init_state()` → `vrrp_init_sands()` on the new instance), so SIGHUPs repeated faster than
      // that keep a BACKUP from ever taking over from a dead master. We keep the running timer and shift
      // it by the change of Master_Down_Interval, as a priority change does.
      if (delta !== 0 && this.sands !== undefined) {
        this.sands = later(ctx, micros(this.sands + delta));
        this.msDownTimer = micros(Math.max(0, this.msDownTimer + delta));
      }
    } else {
      this.msDownTimer = this.mdi();
    }
    if (!this.vipSet) return;
    const goneRoutes = old.virtualRoutes.filter((r) => !config.virtualRoutes.includes(r));
    const goneRules = old.virtualRules.filter((r) => !config.virtualRules.includes(r));
    if (goneRoutes.length > 0 || goneRules.length > 0) {
      ctx.out.push({ kind: 'removeRoutes', instance: this.name, routes: goneRoutes, rules: goneRules, reason: 'reload' });
      this.log(ctx, 'info', 'route.remove', `removing virtual routes / rules no longer configured: ${[...goneRoutes, ...goneRules].join(', ')}`);
    }
    const key = (v: VipConfig): string => `${v.family}|${v.address}|${v.prefix}|${v.dev ?? ''}`;
    const newVips = this.allVips();
    const newKeys = new Set(newVips.map(key));
    const oldKeys = new Set(oldVips.map(key));
    const gone = oldVips.filter((v) => !newKeys.has(key(v)));
    const added = newVips.filter((v) => !oldKeys.has(key(v)));
    if (gone.length > 0) {
      ctx.out.push({ kind: 'removeVips', instance: this.name, vips: gone, interfaces: this.vipInterfaces(gone), reason: 'reload' });
      this.log(ctx, 'info', 'vip.remove', `removing VIPs no longer configured: ${gone.map((v) => v.address).join(', ')}`);
    }
    if (newVips.length > 0) {
      ctx.out.push({ kind: 'addVips', instance: this.name, vips: newVips, interfaces: this.vipInterfaces(newVips) });
      this.log(ctx, 'info', 'vip.set', 'setting VIPs.');
    }
    this.addRoutes(ctx);
    if (added.length > 0) {
      // keepalived: "a bit over the top since it will send GARPs/GNAs for all the addresses".
      this.sendLinkUpdate(ctx, config.garp.masterRepeat, 'master');
      if (config.garp.masterRefresh > 0) this.garpRefreshAt = micros(ctx.now + config.garp.masterRefresh);
    }
  }

  // ───────────────────────────── transitions (the choke points) ─────────────────────────────

  /**
   * The one place an instance's state changes (FRR `vrrp_change_state()`, holo `change_state()`): the
   * log line, leaving MASTER (`vrrp_state_leave_master()` / `vrrp_restore_interface()`), the state, the
   * transition counters, the entry actions of the new state (`ENTRY`), then the `transition` effect (or,
   * for FAULT → FAULT, keepalived's `notify` without a change). Effect order as documented on `Effect`.
   * Timers that depend on the path (learned interval, down timer) are set by the caller afterwards.
   */
  transition(ctx: InstanceCtx, to: VrrpState, reason: TransitionReason, opts: TransitionOptions = {}): void {
    const from = this.#state;
    // FAULT → FAULT is keepalived's notify without a change (a silently held instance's first own fault).
    if (from === to && to !== 'FAULT') throw new Error(`(${this.name}) transition ${from} → ${to}`);
    // havipd: FAULT, a stop or a removal ends a VIP hold at once (src/vrrp/healing.ts).
    if (to === 'FAULT' || to === 'INIT') this.releaseHold(ctx);
    const entry = VrrpInstance.ENTRY[to];
    this.garpFirst = to === 'MASTER' && reason === 'switchover';
    if (from !== to) entry.before?.(this, ctx);
    const log = opts.log ?? 'entering';
    if (from !== to && log !== 'none') {
      if (log === 'entering') this.log(ctx, 'info', 'state.transition', `Entering ${to} STATE`, { from, to, reason });
      else if (log === 'init') this.log(ctx, 'info', 'state.transition', `Entering ${to} STATE (init)`, { from, to });
      else this.log(ctx, 'info', 'state.transition', `entering ${to} state`, { from, to });
    }
    const leavesMaster = from === 'MASTER' && (to === 'BACKUP' || to === 'FAULT');
    if (leavesMaster) {
      if (to === 'FAULT') this.sendAdvert(ctx, 0);
      this.restoreInterface(ctx, opts.advF ?? false, 'leave-master', opts.holdVips);
      this.heal.masterSince = undefined;
      this.heal.masterReason = undefined;
    }
    if (from === 'MASTER' || to === 'MASTER') this.heal.claim = undefined;
    if (to === 'MASTER') {
      this.heal.masterSince = ctx.now;
      this.heal.masterReason = reason;
      this.heal.tookOverFrom = this.masterAddr;
      this.heal.lastOtherMaster = undefined;
    }
    this.#state = to;
    // A stopped or removed instance keeps the time of its last real transition.
    if (to !== 'INIT') this.lastTransition = ctx.now;
    if (to === 'MASTER') this.stats.become_master++;
    if (leavesMaster) this.stats.release_master++;
    entry.enter(this, ctx);
    const announce = opts.announce;
    if (announce === undefined) this.announce(ctx, from, reason, opts.notify ?? true);
    else if (announce !== 'none') {
      const to: NotifyState = announce;
      ctx.out.push({ kind: 'transition', instance: this.name, vrid: this.config.vrid, from, to, reason, priority: this.effectivePriority, group: this.sync?.name, notify: true });
    }
  }

  /** Entry actions per state (see `transition`). */
  private static readonly ENTRY: { readonly [S in VrrpState]: EntryActions } = {
    INIT: {
      enter: (i) => {
        i.sands = undefined;
        i.delayedGarps = [];
      },
    },
    BACKUP: {
      enter: (i) => {
        i.preemptTime = undefined;
      },
    },
    FAULT: { enter: () => {} },
    MASTER: {
      before: (i, ctx) => {
        if (!i.garpFirst) i.sendAdvert(ctx, i.effectivePriority);
      },
      enter: (i, ctx) => i.enterMaster(ctx),
    },
  };

  /**
   * keepalived `vrrp_state_goto_master()`: become MASTER unless the sync group forbids it (then wantstate
   * MASTER and the down timer restarts, keepalived `vrrp_sync_can_goto_master()`'s restart made explicit).
   * Returns whether the instance is now MASTER.
   */
  becomeMaster(ctx: InstanceCtx, reason: TransitionReason): boolean {
    if (this.state === 'MASTER') throw new Error(`(${this.name}) becomeMaster while MASTER`);
    if (this.admin.maintenance) {
      // havipd: under maintenance (src/vrrp/commands.ts) the instance never becomes MASTER; BACKUP instead.
      this.wantstate = 'BACKUP';
      if (this.state !== 'BACKUP') this.transition(ctx, 'BACKUP', reason);
      this.restartDownTimer(ctx);
      return false;
    }
    if (this.sync && !this.sync.canGotoMaster(this)) {
      this.wantstate = 'MASTER';
      this.restartDownTimer(ctx);
      return false;
    }
    this.transition(ctx, 'MASTER', reason);
    return true;
  }

  /** keepalived `vrrp_state_master_tx()` in MASTER: the periodic advert and the GARP refresh. */
  masterTx(ctx: InstanceCtx): void {
    this.sendAdvert(ctx, this.effectivePriority);
    if (claimScheduleProbe(this.heal, ctx.now, this.config.advertInt)) this.deadlineChanged();
    if (refreshDue(ctx.now, this.garpRefreshAt)) {
      this.sendLinkUpdate(ctx, this.config.garp.masterRefreshRepeat, 'master-refresh');
      this.garpRefreshAt = micros(ctx.now + this.config.garp.masterRefresh);
    }
  }

  /** keepalived `vrrp_state_become_master()`: the entry actions of MASTER (after its first advert and log line). */
  private enterMaster(ctx: InstanceCtx): void {
    // havipd: VIPs still held from the last MASTER period are simply set again (the add is idempotent).
    this.vipHold = undefined;
    this.initSands(ctx);
    if (this.config.version === 3 && ctx.detail && this.masterAdverInterval !== this.config.advertInt) {
      // keepalived-compat: 2.2.7 resets the learned interval only inside its -D logging branch.
      // Test: test/unit/vrrp/instance.test.ts "v3 Master_Adver_Interval and the -D quirk".
      this.log(ctx, 'debug', 'timer.adver-int', `changing advert interval from ${this.masterAdverInterval / 1000}ms to locally configured ${this.config.advertInt / 1000}ms`);
      this.masterAdverInterval = this.config.advertInt;
    }
    const vips = this.allVips();
    if (vips.length > 0) {
      ctx.out.push({ kind: 'addVips', instance: this.name, vips, interfaces: this.vipInterfaces(vips) });
      this.log(ctx, 'info', 'vip.set', 'setting VIPs.');
    }
    this.vipSet = true;
    this.addRoutes(ctx);
    const plan = masterGarpPlan(this.config.garp, ctx.now);
    this.sendLinkUpdate(ctx, plan.repeat, 'master');
    if (this.garpFirst) {
      // havipd: a takeover by `havipd switchover` announces the VIPs (GARP/NA) before its first advert, so
      // the old master, which removes them on that advert, does so only once clients have been moved
      // (announce-first, src/vrrp/healing.ts). RFC 5798 §6.4.1 lists the advert first; every other way of
      // becoming MASTER keeps that order.
      this.sendAdvert(ctx, this.effectivePriority);
      this.garpFirst = false;
    }
    this.garpRefreshAt = plan.refreshAt;
    if (plan.delayedAt !== undefined) this.delayedGarps = [...this.delayedGarps, { at: plan.delayedAt, reason: 'master-delay', repeat: this.config.garp.masterRepeat }];
  }

  /** keepalived `vrrp_restore_interface()`: optional priority-0 advert, forget queued GARPs, remove VIPs. */
  restoreInterface(ctx: InstanceCtx, advF: boolean, reason: 'leave-master' | 'shutdown' | 'reload', hold?: VipHold): void {
    if (advF) {
      this.sendAdvert(ctx, 0);
      this.stats.pri_zero_sent++;
      this.log(ctx, 'debug', 'advert.priority-zero', 'sent 0 priority');
    }
    ctx.pacer.cancel(this.name);
    // keepalived-compat: the delayed-GARP timers (garp_master_delay, garp_lower_prio_delay) are threads that
    // outlive the MASTER state; they send nothing while the VIPs are unset (`vrrp_send_link_update()`), but
    // one still pending when the instance is MASTER again fires then. `fireDelayedGarps` checks `vipSet`.
    // Test: test/unit/vrrp/reload.test.ts "a burst still pending when the instance is MASTER again is sent".
    if (this.vipSet && hold !== undefined && this.allVips().length + this.config.virtualRoutes.length + this.config.virtualRules.length > 0) {
      // havipd: announce-first hand-over (src/vrrp/healing.ts): the VIPs stay until the new master has
      // announced itself; `vipSet` is false at once, so nothing is announced for them meanwhile.
      this.vipHold = { ...hold, config: this.config };
      this.vipSet = false;
      this.log(ctx, 'info', LOG_EVENT.vipHold, hold.awaitingAdvert ? 'keeping VIPs until the new master has announced itself' : 'keeping VIPs while the new master announces itself', { holdUs: hold.until - ctx.now });
      return;
    }
    this.removeVipsNow(ctx, this.config, reason);
  }

  /** Removes the VIPs (and virtual routes / rules) `config` set, if they are set. */
  private removeVipsNow(ctx: InstanceCtx, config: VrrpInstanceConfig, reason: 'leave-master' | 'shutdown' | 'reload'): void {
    if (this.vipSet) {
      const { virtualRoutes: routes, virtualRules: rules } = config;
      if (routes.length > 0 || rules.length > 0) {
        ctx.out.push({ kind: 'removeRoutes', instance: this.name, routes, rules, reason });
        if (rules.length > 0) this.log(ctx, 'debug', 'route.remove', 'removing Virtual Rules');
        if (routes.length > 0) this.log(ctx, 'debug', 'route.remove', 'removing Virtual Routes');
      }
      const vips = [...config.vips, ...config.excludedVips];
      if (vips.length > 0) {
        ctx.out.push({ kind: 'removeVips', instance: this.name, vips, interfaces: this.vipInterfaces(vips), reason });
        this.log(ctx, 'info', 'vip.remove', 'removing VIPs.');
      }
      this.vipSet = false;
    }
  }

  /**
   * havipd: ends a VIP hold (src/vrrp/healing.ts): removes the held VIPs, routes and rules now. Nothing
   * when there is no hold.
   */
  releaseHold(ctx: InstanceCtx): void {
    const h = this.vipHold;
    if (!h) return;
    this.vipHold = undefined;
    this.vipSet = true;
    this.removeVipsNow(ctx, h.config, 'leave-master');
  }

  /** havipd: the new master's first advert arrived: the hold ends at most HANDOVER_GRACE from now. */
  private newMasterHeard(ctx: InstanceCtx): void {
    const h = this.vipHold;
    if (!h || !h.awaitingAdvert) return;
    const until = micros(Math.min(h.until, ctx.now + HANDOVER_GRACE));
    this.vipHold = { ...h, until: later(ctx, until), awaitingAdvert: false };
  }

  /**
   * keepalived `vrrp_state_leave_master()`: to `wantstate` (BACKUP or FAULT; FAULT sends a priority-0
   * advert first, and `advF` another one with the VIPs' removal — keepalived-compat: two).
   * Test: test/unit/vrrp/instance.test.ts "MASTER → FAULT: \"Entering FAULT STATE\", two priority-0 adverts, then VIPs removed".
   */
  leaveMaster(ctx: InstanceCtx, advF: boolean, reason: TransitionReason, holdVips?: VipHold): void {
    if (this.wantstate !== 'BACKUP' && this.wantstate !== 'FAULT') {
      throw new Error(`(${this.name}) leaveMaster with wantstate ${this.wantstate}`);
    }
    this.transition(ctx, this.wantstate, reason, { advF, ...(holdVips && this.wantstate === 'BACKUP' ? { holdVips } : {}) });
    this.restartDownTimer(ctx);
  }

  /**
   * keepalived `vrrp_state_leave_fault()`: to `wantstate`; also used to force BACKUP/FAULT from a sync group.
   * `opts`: the sync group's quirks (`log: 'none'` for its FAULT "bodge"), `notify: false` for a silent hold.
   */
  leaveFault(ctx: InstanceCtx, reason: TransitionReason, opts: Pick<TransitionOptions, 'log' | 'notify'> = {}): void {
    if (this.wantstate === 'MASTER') this.becomeMaster(ctx, reason);
    else this.transition(ctx, this.wantstate, reason, opts);
    this.masterAdverInterval = this.config.advertInt;
    this.restartDownTimer(ctx);
    this.lastTransition = ctx.now;
  }

  /** The fault-entry choke point (keepalived `down_instance()`). */
  becomeFault(ctx: InstanceCtx, reason: TransitionReason): void {
    this.wantstate = 'FAULT';
    if (this.state === 'MASTER') this.leaveMaster(ctx, true, reason);
    else this.leaveFault(ctx, reason);
    if (this.sync && this.sync.faultyMembers() === 1) this.sync.syncFault(this, ctx);
  }

  /**
   * The fault-exit choke point (keepalived `try_up_instance()`): BACKUP with a full down timer (an owner
   * that wants MASTER goes MASTER), unless the sync group still has a faulty member; a unicast instance
   * then sends one GARP/NA for its own source address.
   */
  becomeBackup(ctx: InstanceCtx, reason: TransitionReason): void {
    const ownerMaster = this.wantstate === 'MASTER' && this.isOwner;
    if (!ownerMaster) this.wantstate = 'BACKUP';
    this.masterAdverInterval = this.config.advertInt;
    this.msDownTimer = ownerMaster ? micros(this.masterAdverInterval + this.skew()) : this.mdi();
    if (this.sync && (this.sync.faultyMembers() > 0 || this.sync.initMembers() > 0)) return;
    const want = this.wantstate;
    if (this.sync && this.wantstate === 'MASTER' && !this.sync.canGotoMaster(this)) this.wantstate = 'BACKUP';
    this.leaveFault(ctx, reason);
    if (this.isUnicast && this.config.interface !== undefined && this.sourceAddr !== undefined) {
      this.log(ctx, 'debug', 'garp.leave-fault', `sending gratuitous ${this.config.family === 4 ? 'ARP' : 'NA'} for ${this.sourceAddr}`);
      const s = ctx.pacer.immediate(ctx.now, this.name, { ifname: this.config.interface, family: this.config.family, address: this.sourceAddr }, 'leave-fault');
      ctx.out.push({ kind: 'sendGarp', ...s });
    }
    this.initSands(ctx);
    this.wantstate = want;
    if (this.sync) {
      if (this.state === 'MASTER') this.sync.syncMaster(this, ctx);
      else this.sync.syncBackup(this, ctx);
    }
  }

  // ───────────────────────────── receive ─────────────────────────────

  private check(ctx: InstanceCtx, pkt: ReceivedPacket) {
    const r = ctx.codec.checkAdvert(pkt, {
      config: this.config,
      global: { checkUnicastSrc: ctx.global.checkUnicastSrc, skipCheckAdvAddr: ctx.global.skipCheckAdvAddr, vrrpMcastGroup4: ctx.global.vrrpMcastGroup4 },
      state: this.state,
      lastMasterAddr: this.masterAddr,
      checksumMode: this.checksumMode,
      effectivePriority: this.effectivePriority,
      ...(this.config.authHmac && ctx.authHmac ? { authHmac: { seam: ctx.authHmac, state: this.authState } } : {}),
    });
    if (r.switchChecksumMode) this.checksumMode = r.switchChecksumMode;
    for (const k of r.counters) this.stats[k]++;
    for (const n of r.notes) ctx.out.push({ kind: 'log', level: 'info', event: 'advert.note', msg: n, instance: this.name, fields: { vrid: this.config.vrid, src: pkt.src } });
    if (r.ok && r.warnings) this.rxWarn(ctx, pkt, r.warnings);
    if (!r.ok) {
      this.countDrop(r.reason);
      // havipd: at most one line per reason per second, with the count left out (keepalived 2.2.7 logs
      // every bad packet, so a flood of them floods the log; the counters still count every one).
      const d = this.dropLog.record(r.reason, ctx.now);
      if (d.log) {
        const msg = d.suppressed > 0 ? `${r.log} (${d.suppressed} more not logged)` : r.log;
        ctx.out.push({ kind: 'log', level: 'info', event: 'advert.drop', msg, instance: this.name, fields: { vrid: this.config.vrid, reason: r.reason, verdict: r.verdict, src: pkt.src, suppressed: d.suppressed } });
      }
    }
    return r;
  }

  /** Warning kinds logged since the state or the master last changed (keepalived 2.3.3+ `rlflags`). */
  private rxWarned = new Set<RxWarning['kind']>();
  private rxWarnKey = '';

  /** keepalived-compat: each warning about an accepted advert is logged once until the state or master changes. */
  // Test: test/rfc/rfc5798-7.test.ts "RFC 9568 §7.1: MAY verify the IP addresses; a differing VIP list is counted and the advert accepted (keepalived 2.4.3)".
  private rxWarn(ctx: InstanceCtx, pkt: ReceivedPacket, warnings: readonly RxWarning[]): void {
    const key = `${this.state} ${pkt.src}`;
    if (key !== this.rxWarnKey) {
      this.rxWarnKey = key;
      this.rxWarned.clear();
    }
    for (const w of warnings) {
      if (this.rxWarned.has(w.kind)) continue;
      this.rxWarned.add(w.kind);
      ctx.out.push({ kind: 'log', level: 'info', event: 'advert.warning', msg: w.log, instance: this.name, fields: { vrid: this.config.vrid, warning: w.kind, src: pkt.src } });
    }
  }

  countDrop(reason: DropReason): void {
    this.stats.drops[reason] = (this.stats.drops[reason] ?? 0) + 1;
  }

  /** keepalived `vrrp_state_backup()` (RFC 5798 §6.4.2). */
  backupRx(ctx: InstanceCtx, pkt: ReceivedPacket): void {
    const r = this.check(ctx, pkt);
    let ignore = false;
    if (!r.ok) ignore = true;
    else if (r.advert.priority === 0) {
      this.log(ctx, 'debug', 'advert.priority-zero', 'Backup received priority 0 advertisement', { src: pkt.src });
      this.msDownTimer = this.skew();
      this.nextMasterReason = 'priority-zero';
    } else {
      const a = r.advert;
      const verdict = backupAccepts({
        advertPriority: a.priority,
        ourPriority: this.effectivePriority,
        nopreempt: this.config.nopreempt || this.admin.maintenance || this.admin.yielding,
        preemptDelay: this.config.preemptDelay,
        preemptTime: this.preemptTime,
        now: ctx.now,
      });
      if (verdict === 'accept') {
        if (this.config.version === 3) {
          const mai = micros((a.advertInt & 0x0fff) * 10_000);
          if (this.masterAdverInterval !== mai) {
            this.log(ctx, 'debug', 'timer.adver-int', `advertisement interval updated from ${this.masterAdverInterval / 1000}ms to ${mai / 1000}ms by master`);
            this.masterAdverInterval = mai;
          }
        }
        this.msDownTimer = this.mdi();
        this.masterAddr = pkt.src;
        this.masterPriority = a.priority;
        this.nextMasterReason = 'master-no-response';
        this.newMasterHeard(ctx);
        if (this.config.preemptDelay > 0) {
          if (a.priority >= this.effectivePriority) {
            if (this.preemptTime !== undefined) this.log(ctx, 'debug', 'preempt.stop', 'stop preempt delay');
            this.preemptTime = undefined;
          } else if (this.preemptTime === undefined) {
            this.log(ctx, 'debug', 'preempt.start', `start preempt delay (${(this.config.preemptDelay / 1e6).toFixed(6)})`);
            this.preemptTime = micros(ctx.now + this.config.preemptDelay);
          }
        }
        this.wantstate = 'BACKUP';
      } else {
        this.log(ctx, 'info', 'advert.lower-priority', `received lower priority (${a.priority}) advert from ${pkt.src} - discarding`, { src: pkt.src, priority: a.priority });
        ignore = true;
        this.nextMasterReason = 'preempted';
        this.masterAddr = pkt.src;
      }
    }
    if (ignore) {
      // The down timer keeps running from the last accepted advert.
      this.msDownTimer = micros(Math.max(0, (this.sands ?? ctx.now) - ctx.now));
    }
  }

  /** Why the next BACKUP → MASTER happens (keepalived's SNMP `next_master_reason`). */
  nextMasterReason: TransitionReason = 'master-no-response';

  /**
   * keepalived `vrrp_state_master_rx()` (RFC 5798 §6.4.3). Returns true when the instance must leave
   * MASTER for BACKUP (the caller runs `leaveMaster`).
   */
  masterRx(ctx: InstanceCtx, pkt: ReceivedPacket, siblings: readonly VrrpInstance[]): TransitionReason | undefined {
    const r = this.check(ctx, pkt);
    if (!r.ok) return undefined;
    const a = r.advert;
    const addrCmp = this.sourceAddr === undefined ? 0 : compareAddresses(pkt.src, this.sourceAddr);
    const ours = this.effectivePriority;
    // havipd: a MASTER that became one because its master went silent sends one last advert at its own
    // priority when it steps down (keepalived's higher_prio_send_advert, on for that case): the winner may
    // not have heard it yet and learns of the split brain from it (src/vrrp/healing.ts).
    const notice = this.config.higherPrioSendAdvert || sendsStepDownNotice(this.heal, this.healing);
    if (a.priority === 0 || (notice && peerWins(a.priority, ours, addrCmp))) {
      this.sendAdvert(ctx, this.effectivePriority);
      if (a.priority === 0) {
        this.log(ctx, 'debug', 'advert.priority-zero', 'Master received priority 0 message', { src: pkt.src });
        return undefined;
      }
    }
    if (a.priority === this.effectivePriority) {
      if (addrCmp === 0) {
        this.log(ctx, 'warn', 'advert.same-address', 'WARNING - equal priority advert received from remote host with our IP address.', { src: pkt.src });
      } else if (this.effectivePriority === PRIORITY_OWNER) {
        // keepalived-compat (2.2.7): both owners; the local one drops to 254 (and so loses below).
        // Test: test/unit/vrrp/instance.test.ts "owner vs owner (2.2.7): the local owner reduces itself to 254 and, with a lower address, yields".
        this.log(ctx, 'error', 'config.owner-conflict', 'CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority', { src: pkt.src });
        this.effectivePriority = PRIORITY_OWNER - 1;
        this.basePriority = PRIORITY_OWNER - 1;
      }
    }
    if (peerLoses(a.priority, this.effectivePriority, addrCmp)) {
      const lpna = this.config.lowerPrioNoAdvert;
      this.log(ctx, 'info', 'advert.lower-priority', `Received advert from ${pkt.src} with lower priority ${a.priority}, ours ${this.effectivePriority}${lpna ? '' : ', forcing new election'}`, { src: pkt.src, priority: a.priority, ours: this.effectivePriority });
      if (!lpna) this.sendAdvert(ctx, this.effectivePriority);
      const verdict = otherMaster(this.heal, pkt.src, ctx.now, this.mdi(), this.healing);
      const heal = verdict === 'heal';
      if (heal) this.reannounce(ctx, pkt.src, a.priority);
      if (followUpDue(this.heal, verdict)) this.followUp(ctx);
      for (const inst of [this, ...siblings]) inst.lowerPrioGarp(ctx);
      ctx.out.push({ kind: 'masterRxLowerPri', instance: this.name, priority: this.effectivePriority });
      if (heal) {
        ctx.out.push({ kind: 'reannounce', instance: this.name, vrid: this.config.vrid, peer: pkt.src, peerPriority: a.priority, priority: this.effectivePriority, group: this.sync?.name, rerunNotifyMaster: this.healing.rerunNotifyMaster });
      }
      return undefined;
    }
    if (peerWins(a.priority, this.effectivePriority, addrCmp)) {
      const higher = a.priority > this.effectivePriority;
      if (higher) this.log(ctx, 'info', 'advert.higher-priority', `Master received advert from ${pkt.src} with higher priority ${a.priority}, ours ${this.effectivePriority}`, { src: pkt.src, priority: a.priority, ours: this.effectivePriority });
      else this.log(ctx, 'info', 'advert.higher-address', `Master received advert from ${pkt.src} with same priority ${a.priority} but higher IP address than ours`, { src: pkt.src, priority: a.priority });
      if (this.config.version === 3) {
        const mai = micros((a.advertInt & 0x0fff) * 10_000);
        if (this.masterAdverInterval !== mai) this.masterAdverInterval = mai;
      }
      this.msDownTimer = this.mdi();
      this.masterPriority = a.priority;
      this.masterAddr = pkt.src;
      this.wantstate = 'BACKUP';
      return higher ? 'higher-priority' : 'higher-address';
    }
    return undefined;
  }

  /**
   * havipd: split-brain healing (src/vrrp/healing.ts): count it and log it (one `split-brain.heal` line).
   * The GARP/NA burst is keepalived's lower-priority one that follows (garp_lower_prio_repeat, which
   * defaults to garp_master_repeat), so the wire is keepalived's; only when that is 0 (vrrp_strict, or set
   * so) is the becoming-MASTER burst sent here instead (at least one round).
   */
  private reannounce(ctx: InstanceCtx, peer: string, peerPriority: number): void {
    this.heal.heals++;
    this.heal.last = { at: ctx.now, peer, peerPriority };
    this.log(ctx, 'warn', LOG_EVENT.splitBrainHeal, `split brain: ${peer} was MASTER too (priority ${peerPriority}, ours ${this.effectivePriority}) - re-announcing the VIPs`, { peer, peerPriority, ours: this.effectivePriority, heals: this.heal.heals });
    if (this.config.garp.lowerPrioRepeat > 0) return;
    this.sendLinkUpdate(ctx, Math.max(1, masterGarpPlan(this.config.garp, ctx.now).repeat), 'reannounce');
  }

  /** The follow-up burst (src/vrrp/healing.ts "The follow-up"): undoes a GARP the other master sent after ours. */
  private followUp(ctx: InstanceCtx): void {
    const repeat = Math.max(1, masterGarpPlan(this.config.garp, ctx.now).repeat);
    this.delayedGarps = [...this.delayedGarps, { at: micros(ctx.now + followUpDelay(this.config.advertInt)), reason: 'follow-up', repeat }];
  }

  /** Whether `address` is one of this instance's IPv4 VIPs and goes on `ifname`. */
  holdsVipOn(ifname: string, address: string): boolean {
    const vips = this.allVips();
    for (let k = 0; k < vips.length; k++) {
      const v = vips[k]!;
      if (v.family === 4 && v.address === address && this.vipInterfaces([v])[0] === ifname) return true;
    }
    return false;
  }

  /**
   * havipd: the claim watch (src/vrrp/healing.ts): another host (`mac`) sent an ARP frame with `vip`, one of
   * this instance's VIPs on `ifname`, as sender address. Watched only while MASTER with the VIPs set.
   */
  arpClaim(ctx: InstanceCtx, ifname: string, vip: string, mac: string): void {
    if (this.state !== 'MASTER' || !this.vipSet) return;
    if (claimSeen(this.heal, ifname, vip, mac, ctx.now, this.healing)) {
      this.log(ctx, 'warn', LOG_EVENT.vipClaim, `${mac} claims VIP ${vip} on ${ifname} - probing it with each advert until it lets go`, { mac, vip, ifname, claims: this.heal.claims });
    }
  }

  /** The claim watch's probe or verdict is due: a claimant that no longer answers for the VIP brings the becoming-MASTER burst. */
  checkClaim(ctx: InstanceCtx): void {
    const at = claimDeadline(this.heal);
    if (at === undefined || at > ctx.now) return;
    const r = claimDue(this.heal, ctx.now, this.config.advertInt);
    this.deadlineChanged();
    if (r === undefined || this.state !== 'MASTER' || !this.vipSet) return;
    if (r.kind === 'probe') {
      ctx.out.push({ kind: 'sendArpProbe', instance: this.name, ifname: r.claim.ifname, address: r.claim.vip });
      return;
    }
    if (r.kind !== 'released') return;
    this.log(ctx, 'warn', LOG_EVENT.vipClaimReleased, `${r.claim.mac} no longer answers for VIP ${r.claim.vip} - re-announcing the VIPs`, { mac: r.claim.mac, vip: r.claim.vip, ifname: r.claim.ifname, releases: this.heal.claimReleases });
    this.sendLinkUpdate(ctx, Math.max(1, masterGarpPlan(this.config.garp, ctx.now).repeat), 'claim-released');
  }

  /** garp_lower_prio_repeat now and again after garp_lower_prio_delay. */
  lowerPrioGarp(ctx: InstanceCtx): void {
    const plan = lowerPrioGarpPlan(this.config.garp, ctx.now);
    if (plan.repeat <= 0) return;
    this.sendLinkUpdate(ctx, plan.repeat, 'lower-prio');
    if (plan.delayedAt !== undefined) this.delayedGarps = [...this.delayedGarps, { at: plan.delayedAt, reason: 'lower-prio-delay', repeat: plan.repeat }];
  }

  /** Fires delayed GARP bursts that are due (sent only while the VIPs are set, as keepalived's threads do). */
  fireDelayedGarps(ctx: InstanceCtx): void {
    // Called for every instance on every tick: nothing is allocated unless a burst is due.
    let anyDue = false;
    for (let k = 0; k < this.delayedGarps.length && !anyDue; k++) anyDue = this.delayedGarps[k]!.at <= ctx.now;
    if (!anyDue) return;
    const due = this.delayedGarps.filter((d) => d.at <= ctx.now);
    this.delayedGarps = this.delayedGarps.filter((d) => d.at > ctx.now);
    for (const d of due) this.sendLinkUpdate(ctx, d.repeat, d.reason);
  }

  /** Whether `at` is when this BACKUP's master-down timer expires (a takeover, unless an advert comes first). */
  downTimerAt(at: Micros): boolean {
    return this.state === 'BACKUP' && this.sands === at;
  }

  /** One of `nextDeadline()`'s inputs changed: tell the core's heap (once until it has read this slot again). */
  private deadlineChanged(): void {
    const sink = this.deadlineSink;
    if (sink === undefined || this.deadlineQueued) return;
    this.deadlineQueued = true;
    sink.push(this.deadlineSlot);
  }

  nextDeadline(): Micros | undefined {
    let best = this.sands;
    if (this.vipHold && (best === undefined || this.vipHold.until < best)) best = this.vipHold.until;
    const delayed = this.delayedGarps;
    for (let k = 0; k < delayed.length; k++) if (best === undefined || delayed[k]!.at < best) best = delayed[k]!.at;
    const claim = claimDeadline(this.heal);
    if (claim !== undefined && (best === undefined || claim < best)) best = claim;
    return best;
  }

  snapshot(): InstanceSnapshot {
    return {
      name: this.name,
      vrid: this.config.vrid,
      family: this.config.family,
      version: this.config.version,
      interface: this.config.interface,
      state: this.state,
      wantstate: this.wantstate,
      basePriority: this.basePriority,
      totalPriority: this.totalPriority,
      effectivePriority: this.effectivePriority,
      sourceAddress: this.sourceAddr,
      masterAddress: this.masterAddr,
      masterPriority: this.masterPriority,
      advertInt: this.config.advertInt,
      masterAdverInterval: this.masterAdverInterval,
      msDownTimer: this.msDownTimer,
      sands: this.sands,
      preemptTime: this.preemptTime,
      faults: this.faults.map(formatFaultReason),
      vipSet: this.vipSet,
      lastTransition: this.lastTransition,
      admin: { ...this.admin },
      healing: {
        heals: this.heal.heals,
        last: this.heal.last,
        claims: this.heal.claims,
        claimReleases: this.heal.claimReleases,
        watching: this.heal.claim ? { mac: this.heal.claim.mac, vip: this.heal.claim.vip, since: this.heal.claim.since } : undefined,
      },
      vipHoldUntil: this.vipHold?.until,
      stats: { ...this.stats, drops: { ...this.stats.drops } },
    };
  }

  /** Startup wait helpers (keepalived `vrrp_init_state()`). */
  initialDownTimer(groupState: VrrpState | undefined): Micros {
    if (groupState === 'BACKUP' && this.wantstate === 'MASTER') return micros(this.masterAdverInterval + this.skewMin());
    return this.mdi();
  }
}
