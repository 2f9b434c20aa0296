// The multi-instance VRRP core the runtime drives (ARCHITECTURE.md §1): `step(now, input)` returns the
// effects in contract order, `nextDeadline()` the one time the shell must wake us. Demultiplexes packets
// (keepalived 2.2.7 `vrrp_dispatcher_read()`), fires timers (`vrrp_dispatcher_read_timeout()`), applies
// trackers and sync groups, starts (`vrrp_init_state()`) and stops (`vrrp_terminate_phase1()`) instances.
// RFC 5798 §6.4, RFC 3768 §6.4.

import type { DaemonConfig, Family } from '../config-parser/types.js';
import { GarpPacer } from '../garp/schedule.js';
import { encodeAdvert } from './packet.js';
import { checkAdvert, classifyForDispatch, packetVrid } from './receive-checks.js';
import type { AdvertCodec, CoreSnapshot, Effect, Input, ReloadMapping, TickWake } from './effects.js';
import { freezeAction, freezeMessage, isFreeze, quickestTakeover, timerExpiredBackupMessage } from './freeze.js';
import { routeTrackedInterfaces } from './route-interfaces.js';
import { VrrpInstance, type InstanceCtx } from './instance.js';
import { effectivePriority, evaluateTracking, type TrackerValues, type TrackingResult } from './priority.js';
import { SyncGroup } from './sync-group.js';
import { applyCommand, settleAdmin } from './commands.js';
import { DropLog } from './drop-log.js';
import { DeadlineHeap } from './deadline-heap.js';
import type { AuthHmacSeam } from './auth-hmac.js';
import type { LogEvent } from '../log-events.js';
import { EDGE_FAULT, EdgeFaults } from './edge-faults.js';
import { planReload } from './reload-plan.js';
import { faultLogMessage, formatFaultReason, hasFault, type FaultReason } from './faults.js';
import type { ReceivedPacket, VrrpState } from './types.js';
import { micros, type Micros } from '../net/units.js';

export interface VrrpCoreOptions {
  /** The packet codec and receive checks; default src/vrrp/packet.ts + receive-checks.ts. */
  readonly codec?: AdvertCodec;
  /** keepalived `-D`: detail log lines, and the v3 Master_Adver_Interval reset on becoming MASTER. */
  readonly detail?: boolean;
  /** HMAC-SHA256, constant-time compare and realtime clock for `auth_hmac` instances (the shell's crypto). */
  readonly authHmac?: AuthHmacSeam;
}

const DEFAULT_CODEC: AdvertCodec = { encodeAdvert, checkAdvert };

/**
 * havipd: at most this many MASTER adverts of one tick keep a shared deadline (see `spreadAdvert`).
 * keepalived's advert timers drift apart (each re-arms from when it ran), so instances that became MASTER
 * together spread over the interval by themselves; havipd's do not drift (the shell steps a tick at its
 * deadline), so 255 of them would send one 3–6 ms burst of adverts every interval, and an advert's place in
 * that burst, which varies with the load, is its jitter (measured at 255 instances: p99 7 ms against
 * keepalived's 0.5 ms). Issue 12 §5.
 */
export const ADVERT_BATCH = 32;
/** How much earlier each further batch of a tick sends its next advert (once), within half an advert interval. */
export const ADVERT_SPREAD = micros(4_000);

export class VrrpCore {
  private instances: VrrpInstance[];
  /** `onSocket`'s index, for the instances and config it was drawn from. */
  private socketIndex: { readonly instances: readonly VrrpInstance[]; readonly config: DaemonConfig; readonly byKey: Map<string, Map<number, VrrpInstance[]>> } | undefined;
  private groups: SyncGroup[];
  private readonly pacer: GarpPacer;
  private readonly scripts = new Map<string, boolean>();
  private readonly links = new Map<string, boolean>();
  private readonly files = new Map<string, number>();
  private readonly processes = new Map<string, boolean>();
  private readonly addrs = new Map<string, string>();
  /** External (edge) fault reasons per instance name: `fault` inputs. */
  private readonly edgeFaults = new EdgeFaults();
  private started = false;
  private stopped = false;
  private delayedStartUntil: Micros | undefined;
  private expirations = 0;
  /** Steps run so far (what `isDownTimer` checks its remembered answer against). */
  private steps = 0;
  /** `nextDeadline`'s last answer and whether a BACKUP's down timer is due then, valid for step `step`. */
  private lastDeadline: { step: number; at: Micros; down: boolean } | undefined;
  /** Every instance's `nextDeadline()`, by slot (its index in `deadlinesOf`), kept as they change. */
  private readonly deadlines = new DeadlineHeap();
  /** The instance list the heap's slots are for; another list (a reload) rebuilds it. */
  private deadlinesOf: readonly VrrpInstance[] | undefined;
  /** Slots whose deadline may have changed since the heap was last brought up to date (the instances push them). */
  private readonly deadlineSink: number[] = [];
  /**
   * An operator command may have left a yield or a takeover priority for `settleAdmin` to end. Only commands
   * set them, so until one comes, and once none is left, the per-step pass over every instance is skipped.
   */
  private adminPending = false;
  private unknownVrid = 0;
  /** Rate limit of the dispatcher's drop log lines (packets no instance owns). */
  private readonly dropLog = new DropLog();

  constructor(
    private config: DaemonConfig,
    private readonly opts: VrrpCoreOptions = {},
  ) {
    this.instances = config.instances.map((c) => this.newInstance(c));
    this.groups = this.buildGroups(config, this.instances);
    this.pacer = new GarpPacer({ garpInterval: config.global.garpInterval, gnaInterval: config.global.gnaInterval });
  }

  private newInstance(c: DaemonConfig['instances'][number]): VrrpInstance {
    const i = new VrrpInstance(c);
    i.defaultInterface = this.config.global.defaultInterface;
    return i;
  }

  /** Sync groups of `config` over `instances` (an instance belongs to the first group naming it). */
  private buildGroups(config: DaemonConfig, instances: readonly VrrpInstance[]): SyncGroup[] {
    for (const i of instances) i.sync = undefined;
    const groups: SyncGroup[] = [];
    for (const g of config.syncGroups) {
      const sg = new SyncGroup(g);
      for (const name of g.members) {
        const m = instances.find((i) => i.name === name);
        if (m && !m.sync) {
          m.sync = sg;
          sg.members.push(m);
        }
      }
      if (sg.members.length > 0) groups.push(sg);
    }
    return groups;
  }

  private ctx(now: Micros, out: Effect[]): InstanceCtx {
    return {
      now,
      out,
      codec: this.opts.codec ?? DEFAULT_CODEC,
      pacer: this.pacer,
      global: this.config.global,
      detail: this.opts.detail ?? false,
      delayedStartUntil: this.delayedStartUntil,
      ...(this.opts.authHmac ? { authHmac: this.opts.authHmac } : {}),
    };
  }

  /** Instance timers the last step fired: only a tick fires any, at most one per instance. */
  get lastStepExpirations(): number {
    return this.expirations;
  }

  /** Runs one input at `now`; returns the effects in contract order (see `Effect`). */
  step(now: Micros, input: Input): readonly Effect[] {
    const out: Effect[] = [];
    this.expirations = 0;
    this.steps++;
    if (this.delayedStartUntil !== undefined && now >= this.delayedStartUntil) this.delayedStartUntil = undefined;
    const ctx = this.ctx(now, out);
    switch (input.kind) {
      case 'start':
        if (!this.started && !this.stopped) this.start(ctx);
        break;
      case 'tick':
        if (this.started && !this.stopped) this.tick(ctx, input.woke);
        break;
      case 'packet':
        if (this.started && !this.stopped) this.packet(ctx, input.packet);
        break;
      case 'script':
        this.scripts.set(input.name, input.ok);
        this.reevaluate(ctx);
        break;
      case 'link':
        this.links.set(input.ifname, input.up);
        if (input.up || input.added === true) this.retryVipFaults(ctx, input.ifname);
        this.reevaluate(ctx);
        break;
      case 'file':
        this.files.set(input.name, input.value);
        this.reevaluate(ctx);
        break;
      case 'process':
        // keepalived logs quorum changes only once running (the initial /proc scan just sets the state).
        if (this.started && (this.processes.get(input.name) ?? false) !== input.haveQuorum) {
          ctx.out.push({ kind: 'log', level: 'info', event: 'process.quorum', msg: `Quorum ${input.haveQuorum ? 'gained' : 'lost'} for tracked process ${input.name}`, fields: { process: input.name } });
        }
        this.processes.set(input.name, input.haveQuorum);
        this.reevaluate(ctx);
        break;
      case 'interfaceAddress':
        if (input.address === undefined) this.addrs.delete(`${input.family}/${input.ifname}`);
        else this.addrs.set(`${input.family}/${input.ifname}`, input.address);
        this.reevaluate(ctx);
        break;
      case 'fault': {
        if (!this.instances.some((i) => i.name === input.instance)) break;
        // A MASTER that cannot hold its VIPs must not claim them: FAULT until an interface they failed on comes back.
        if (this.edgeFaults.set(input.instance, input.reason, input.active, input.interfaces)) this.reevaluate(ctx);
        break;
      }
      case 'reload':
        if (!this.stopped) this.reloadConfig(ctx, input.config, input.plan ?? planReload(this.config, input.config));
        break;
      case 'stop':
        if (!this.stopped) this.stop(ctx);
        break;
      case 'arp':
        if (this.started && !this.stopped) {
          for (const i of this.instances) if (i.state === 'MASTER' && i.holdsVipOn(input.ifname, input.senderIp)) i.arpClaim(ctx, input.ifname, input.senderIp, input.senderMac);
        }
        break;
      case 'command':
        if (!this.stopped) applyCommand(ctx, input.command, this.instances, this.started, this.groups.map((g) => ({ name: g.name, members: g.members.map((m) => m.name) })));
        this.adminPending = true;
        break;
    }
    if (this.started && !this.stopped && this.adminPending) this.adminPending = settleAdmin(ctx, this.instances);
    return out;
  }

  /** SIGHUP: `step(now, { kind: 'reload', config, plan })`; `plan` defaults to src/vrrp/reload-plan.ts `planReload()`. */
  reload(now: Micros, config: DaemonConfig, plan?: ReloadMapping): readonly Effect[] {
    return this.step(now, { kind: 'reload', config, ...(plan ? { plan } : {}) });
  }

  /**
   * Whether an effect computed earlier is still wanted now, for the runtime to ask just before it performs
   * it: a GARP / NA burst is not sent on loopback or without an interface (no one to tell), nor for an
   * instance whose VIPs could not be added (it is on its way to FAULT), except the one for its own address
   * on leaving FAULT.
   */
  stillWanted(e: Effect): boolean {
    if (e.kind !== 'sendGarp') return true;
    if (e.ifname === 'lo' || e.ifname === '') return false;
    return e.reason === 'leave-fault' || !this.edgeFaults.has(e.instance, EDGE_FAULT.vipAdd);
  }

  /** An interface came (back) up: instances whose VIPs failed on it leave that FAULT and may try again. */
  private retryVipFaults(ctx: InstanceCtx, ifname: string): void {
    for (const name of this.edgeFaults.interfaceUp(ifname)) {
      ctx.out.push({ kind: 'log', level: 'info', event: 'vip.retry', msg: `(${name}) ${ifname} is up - clearing the VIP fault`, instance: name, fields: { ifname } });
    }
  }

  /** The configuration in force. */
  get currentConfig(): DaemonConfig {
    return this.config;
  }

  /** The earliest time anything is due (instance timers, delayed GARPs, queued GARPs), or undefined. */
  nextDeadline(): Micros | undefined {
    if (!this.started || this.stopped) return undefined;
    let best = this.pacer.nextDeadline();
    // The instances' earliest comes from the heap, brought up to date with the slots that changed. It also
    // answers whether a BACKUP's down timer is due at that instant, for `isDownTimer(best)` (the shell asks it
    // right after, for every re-arm: at 255 instances a BACKUP re-arms once per advert received).
    let down = false;
    const all = this.instances;
    const m = this.syncDeadlines(all);
    if (m !== undefined && (best === undefined || m <= best)) {
      best = m as Micros;
      down = this.deadlines.someAtMin((slot) => all[slot]!.downTimerAt(m as Micros));
    }
    if (best !== undefined) this.lastDeadline = { step: this.steps, at: best, down };
    return best;
  }

  /** Brings the heap of deadlines up to date for `all` (rebuilt for a new list) and returns its earliest. */
  private syncDeadlines(all: readonly VrrpInstance[]): number | undefined {
    const sink = this.deadlineSink;
    if (this.deadlinesOf !== all) {
      for (const i of this.deadlinesOf ?? []) i.deadlineSink = undefined;
      sink.length = 0;
      const keys = new Array<Micros | undefined>(all.length);
      for (let k = 0; k < all.length; k++) {
        const i = all[k]!;
        i.deadlineSink = sink;
        i.deadlineSlot = k;
        i.deadlineQueued = false;
        keys[k] = i.nextDeadline();
      }
      this.deadlines.reset(keys);
      this.deadlinesOf = all;
    } else if (sink.length > 0) {
      for (let k = 0; k < sink.length; k++) {
        const slot = sink[k]!;
        const i = all[slot];
        if (i === undefined) continue;
        i.deadlineQueued = false;
        this.deadlines.update(slot, i.nextDeadline());
      }
      sink.length = 0;
    }
    return this.deadlines.min();
  }

  /**
   * Whether the deadline `at` is a BACKUP's master-down timer: the shell wakes a little before such a deadline
   * to meet it to the microsecond (a takeover's timing is what clients see); other timers it wakes for on time.
   */
  isDownTimer(at: Micros): boolean {
    if (!this.started || this.stopped) return false;
    const last = this.lastDeadline;
    if (last !== undefined && last.step === this.steps && last.at === at) return last.down;
    const all = this.instances;
    for (let k = 0; k < all.length; k++) if (all[k]!.downTimerAt(at)) return true;
    return false;
  }

  snapshot(): CoreSnapshot {
    return {
      started: this.started,
      stopped: this.stopped,
      instances: this.instances.map((i) => i.snapshot()),
      groups: this.groups.map((g) => ({ name: g.name, state: g.state, members: g.members.map((m) => m.name) })),
      unknownVrid: this.unknownVrid,
    };
  }

  // ───────────────────────────── trackers ─────────────────────────────

  private values(): TrackerValues {
    return { scripts: this.scripts, links: this.links, files: this.files, processes: this.processes };
  }

  private sourceOf(i: VrrpInstance): string | undefined {
    const c = i.config;
    const configured = i.isUnicast ? (c.unicastSrcIp ?? c.mcastSrcIp) : (c.mcastSrcIp ?? c.unicastSrcIp);
    if (configured !== undefined) return configured;
    const ifname = c.interface ?? this.config.global.defaultInterface;
    return this.addrs.get(`${c.family}/${ifname}`);
  }

  /** Current fault reasons of an instance, the total priority and scripts in init. */
  private evaluate(i: VrrpInstance): { faults: FaultReason[]; total: number; init: number; source: string | undefined; files: TrackingResult['files'] } {
    const c = i.config;
    const refSets = i.sync ? [c, i.sync.config] : [c];
    const t = evaluateTracking(i.basePriority, refSets, this.values());
    const faults = [...t.faultReasons];
    const add = (f: FaultReason): void => {
      if (!hasFault(faults, f)) faults.push(f);
    };
    const ifname = c.interface ?? this.config.global.defaultInterface;
    if (!c.dontTrackPrimary && this.links.get(ifname) === false) faults.unshift({ kind: 'interface', ifname });
    for (const v of [...c.vips, ...c.excludedVips]) {
      if (v.dev !== undefined && v.dev !== ifname && !v.noTrack && this.links.get(v.dev) === false) add({ kind: 'interface', ifname: v.dev });
    }
    for (const dev of routeTrackedInterfaces(c.virtualRoutes, c.virtualRules)) {
      // Also the primary interface under dont_track_primary: keepalived tracks it for the route.
      if (this.links.get(dev) === false) add({ kind: 'interface', ifname: dev });
    }
    const source = this.sourceOf(i);
    if (source === undefined) faults.push({ kind: 'no-source-ip' });
    if (c.unicastFaultNoPeer && c.unicastPeers.length === 0) faults.push({ kind: 'config-error' });
    for (const edge of this.edgeFaults.of(i.name)) add({ kind: 'edge', edge });
    return { faults, total: t.totalPriority, init: t.scriptsInInit.length, source, files: t.files };
  }

  private faultLog(ctx: InstanceCtx, i: VrrpInstance, f: FaultReason): void {
    const msg = faultLogMessage(i.name, i.config.family, f);
    ctx.out.push({ kind: 'log', level: 'info', event: 'fault.reason', msg, instance: i.name, fields: { vrid: i.config.vrid, reason: formatFaultReason(f) } });
  }

  /** A keepalived `-D` (LOG_DETAIL) line: logged at info by keepalived, only with `detail`. */
  private detailLog(ctx: InstanceCtx, i: VrrpInstance, event: LogEvent, msg: string, fields: Record<string, string | number>): void {
    if (ctx.detail) ctx.out.push({ kind: 'log', level: 'info', event, msg, instance: i.name, fields: { vrid: i.config.vrid, ...fields } });
  }

  private reevaluate(ctx: InstanceCtx): void {
    if (this.stopped) return;
    for (const i of this.instances) {
      const e = this.evaluate(i);
      i.sourceAddr = e.source;
      const newFaults = e.faults.filter((f) => !hasFault(i.faults, f));
      const clearedFaults = i.faults.filter((f) => !hasFault(e.faults, f));
      // Tracked files entering / leaving FAULT (keepalived `process_update_vrrp_track_file_status()`).
      const fileEntered = this.started ? newFaults.filter((f) => f.kind === 'file') : [];
      const fileLeft = this.started ? clearedFaults.filter((f) => f.kind === 'file') : [];
      const weightedFileLeft = fileLeft.some((f) => e.files.get(f.name)?.weighted === true);
      if (weightedFileLeft) {
        // keepalived-compat: leaving that FAULT sets the effective priority straight from the total (also
        // when the total did not move): "Setting effective priority to N" (detail; only if the file's new
        // status is non-zero), with no priority notification and no shift of a running down timer.
        // Test: test/unit/vrrp/track-file-fault.test.ts "keepalived-compat: leaving a weighted track_file FAULT sets the priority without a notification".
        i.totalPriority = e.total;
        i.effectivePriority = effectivePriority(i.basePriority, e.total);
      } else if (e.total !== i.totalPriority) {
        i.totalPriority = e.total;
        if (!this.started) i.effectivePriority = effectivePriority(i.basePriority, e.total);
        else if (fileEntered.length === 0) i.setEffectivePriority(ctx);
        // keepalived-compat: a weighted track_file reaching status ≤ −254 takes its adjustment out of
        // total_priority but leaves the effective priority as it was (no "Changing effective priority",
        // no priority notification); the FAULT notification carries the old priority.
        // Test: test/unit/vrrp/track-file-fault.test.ts "keepalived-compat: a weighted track_file at −254 keeps the effective priority and notifies FAULT with it".
      }
      for (const f of fileEntered) this.detailLog(ctx, i, 'fault.reason', `(${i.name}): tracked file ${f.name} now FAULT state`, { reason: formatFaultReason(f) });
      for (const f of fileLeft) {
        this.detailLog(ctx, i, 'fault.cleared', `(${i.name}): tracked file ${f.name} leaving FAULT state`, { reason: formatFaultReason(f) });
        const st = e.files.get(f.name);
        if (st?.weighted === true && st.adj !== 0) this.detailLog(ctx, i, 'priority.set', `(${i.name}) Setting effective priority to ${i.effectivePriority}`, { to: i.effectivePriority });
      }
      const wasDown = i.faults.length > 0;
      const wasInit = i.scriptsInInit > 0;
      i.faults = e.faults;
      i.scriptsInInit = e.init;
      if (!this.started) continue;
      if (e.faults.length > 0 && !wasDown) {
        for (const f of newFaults) if (f.kind !== 'file') this.faultLog(ctx, i, f);
        i.becomeFault(ctx, 'fault');
      } else if (e.faults.length === 0 && e.init === 0 && (wasDown || wasInit) && i.state === 'FAULT') {
        i.becomeBackup(ctx, 'fault-cleared');
      }
    }
  }

  // ───────────────────────────── start / stop ─────────────────────────────

  private start(ctx: InstanceCtx): void {
    this.started = true;
    const g = this.config.global;
    if (g.startupDelay > 0) {
      this.delayedStartUntil = micros(ctx.now + g.startupDelay);
      ctx.out.push({ kind: 'log', level: 'info', event: 'startup.delay', msg: `Delaying startup for ${g.startupDelay / 1e6} seconds` });
    }
    const sctx = this.ctx(ctx.now, ctx.out);

    // Phase 1 (vrrp_complete_init / initialise_tracking_priorities): priorities and faults.
    for (const i of this.instances) this.initPriorities(sctx, i);

    // Sync group initial states (vrrp_sync_set_group + the owner/non-owner check in vrrp_complete_init).
    for (const sg of this.groups) {
      const haveBackup = sg.members.some((m) => m.wantstate === 'BACKUP' || !m.isOwner);
      const haveMaster = sg.members.some((m) => m.wantstate === 'MASTER');
      if (haveMaster && haveBackup) {
        for (const m of sg.members) if (m.wantstate === 'MASTER') m.wantstate = 'BACKUP';
        if (sg.members.some((m) => m.isOwner)) {
          ctx.out.push({ kind: 'log', level: 'error', event: 'config.sync-group-owner', msg: `Sync group ${sg.name} has some member(s) as address owner and some not as address owner. This won't work.` });
        }
      }
      let st: VrrpState = 'INIT';
      for (const m of sg.members) if (st !== 'BACKUP') st = m.wantstate === 'MASTER' && m.isOwner ? 'MASTER' : 'BACKUP';
      if (sg.members.some((m) => m.faults.length > 0)) st = 'FAULT';
      else if (sg.initMembers() > 0) st = 'INIT';
      sg.state = st;
    }

    // Members of a FAULT group, and faulty instances: "entering FAULT state" + FAULT notification.
    for (const i of this.instances) this.announceFault(ctx, i);

    for (const sg of this.groups) sg.announceInitial(sctx);

    for (const i of this.instances) this.initState(ctx, i);
    for (const i of this.instances) i.initSands(sctx);
  }

  /** keepalived `vrrp_complete_init()` for one instance: tracking priorities, faults, initial down timer. */
  private initPriorities(ctx: InstanceCtx, i: VrrpInstance): void {
    const e = this.evaluate(i);
    i.sourceAddr = e.source;
    i.faults = e.faults;
    i.scriptsInInit = e.init;
    if (e.total !== i.totalPriority) {
      i.totalPriority = e.total;
      i.setEffectivePriority(ctx);
    }
    i.msDownTimer = i.mdi();
    // A faulty instance enters FAULT in `announceFault`, after its group's state is settled.
    for (const f of e.faults) this.faultLog(ctx, i, f);
  }

  /** A faulty instance, or a member of a FAULT group, at start: "entering FAULT state" + FAULT notification. */
  private announceFault(ctx: InstanceCtx, i: VrrpInstance): void {
    if (i.faults.length > 0 || i.sync?.state === 'FAULT') {
      i.wantstate = 'FAULT';
      i.transition(ctx, 'FAULT', 'startup', { log: 'startup-fault' });
    }
  }

  /** keepalived `vrrp_init_state()` for one instance (timers are set by `initSands` afterwards). */
  private initState(ctx: InstanceCtx, i: VrrpInstance): void {
    const begin = i.state;
    const newState = i.sync ? i.sync.state : i.wantstate;
    const isUp = i.faults.length === 0;
    const noInit = i.scriptsInInit === 0 && (!i.sync || i.sync.initMembers() === 0);
    if (isUp && newState === 'MASTER' && noInit && i.isOwner && i.wantstate === 'MASTER') {
      // The simplest way to become master is to time out from BACKUP very quickly (1 µs): silently.
      i.transition(ctx, 'BACKUP', 'startup', { log: 'none', announce: 'none' });
      i.msDownTimer = micros(1);
      i.nextMasterReason = 'owner-startup';
      return;
    }
    i.msDownTimer = newState === 'BACKUP' && i.wantstate === 'MASTER' ? i.initialDownTimer('BACKUP') : i.mdi();
    const vips = [...i.config.vips, ...i.config.excludedVips];
    if (vips.length > 0) ctx.out.push({ kind: 'removeVips', instance: i.name, vips, interfaces: i.vipInterfaces(vips), reason: 'startup' });
    const to: VrrpState = isUp && newState !== 'FAULT' && noInit ? 'BACKUP' : 'FAULT';
    // FAULT (init) without a fault of its own (a weight-0 script without a result yet): no notification.
    if (begin !== to) i.transition(ctx, to, 'startup', { log: 'init', notify: to !== 'FAULT' || i.faults.length > 0 });
  }

  // ───────────────────────────── reload ─────────────────────────────

  /**
   * SIGHUP (keepalived 2.2.7 `sigreload_vrrp()` → `send_reload_advert_thread()` → `reload_vrrp_thread()` →
   * `clear_diff_vrrp()` → `vrrp_init_state()`; reference §3.15). Effect order: see `Effect`. Tracker values
   * (scripts, links, files, addresses) are kept by name; edge faults follow a kept instance's rename.
   */
  private reloadConfig(ctx: InstanceCtx, config: DaemonConfig, plan: ReloadMapping): void {
    if (!this.started) {
      // Nothing has been done on the wire yet: the new configuration simply replaces the old one.
      this.config = config;
      this.instances = config.instances.map((c) => this.newInstance(c));
      this.groups = this.buildGroups(config, this.instances);
      this.edgeFaults.retain(new Set(config.instances.map((c) => c.name)));
      return;
    }
    const old = new Map(this.instances.map((i) => [i.name, i]));
    const oldGroups = new Map(this.groups.map((g) => [g.name, g]));
    // send_reload_advert_thread(): every MASTER asserts itself before anything changes.
    for (const i of this.instances) if (i.state === 'MASTER') i.sendAdvert(ctx, i.effectivePriority);

    // clear_diff_vrrp(), first loop: instances that are gone.
    for (const name of plan.removed) {
      const i = old.get(name);
      if (i) this.removeInstance(ctx, i);
    }

    const keptBy = new Map<string, VrrpInstance>();
    for (const k of plan.kept) {
      const i = old.get(k.from);
      if (i) keptBy.set(k.to, i);
    }
    this.edgeFaults.reload(plan);
    this.config = config;
    const kept: VrrpInstance[] = [];
    const keptConfigs: DaemonConfig['instances'][number][] = [];
    const added: VrrpInstance[] = [];
    this.instances = config.instances.map((c) => {
      const i = keptBy.get(c.name);
      if (i) {
        kept.push(i);
        keptConfigs.push(c);
        return i;
      }
      const n = this.newInstance(c);
      added.push(n);
      return n;
    });
    this.groups = this.buildGroups(config, this.instances);

    // clear_diff_vrrp(), second loop: matched instances keep their state (restore_vrrp_state()).
    kept.forEach((i, n) => i.applyReload(ctx, keptConfigs[n]!, (x) => this.evaluate(x).total));

    // New instances: vrrp_complete_init().
    for (const i of added) this.initPriorities(ctx, i);

    // Group states (vrrp_complete_init on reload); notified unless unchanged (`state_same_at_reload`).
    for (const sg of this.groups) {
      let st: VrrpState;
      if (sg.members.some((m) => m.state === 'FAULT' || m.faults.length > 0)) st = 'FAULT';
      else if (sg.members.every((m) => m.state === 'MASTER')) st = 'MASTER';
      else if (sg.initMembers() > 0) st = 'INIT';
      else st = 'BACKUP';
      const before = oldGroups.get(sg.name)?.state;
      sg.state = st === 'FAULT' && sg.members.some((m) => m.state === 'MASTER' || m.state === 'BACKUP') ? (before ?? 'BACKUP') : st;
      if (sg.state !== before && (sg.state === 'BACKUP' || sg.state === 'FAULT')) {
        ctx.out.push({ kind: 'groupTransition', group: sg.name, from: before ?? 'INIT', to: sg.state, members: sg.members.map((m) => m.name) });
      }
    }

    // New instances: vrrp_init_state() and their timers.
    for (const i of added) this.announceFault(ctx, i);
    for (const i of added) this.initState(ctx, i);
    for (const i of added) i.initSands(ctx);

    // Fault reasons that appeared or cleared with the new trackers; groups that must now follow a fault.
    this.reevaluate(ctx);
    for (const sg of this.groups) {
      const faulty = sg.members.find((m) => m.faults.length > 0);
      if (faulty && sg.state !== 'FAULT') sg.syncFault(faulty, ctx);
    }

    // reload_master: a kept MASTER's timer is due at once (vrrp_init_instance_sands): an advert with the new
    // priority now, the next one advert_int later.
    for (const i of kept) {
      if (i.state !== 'MASTER') continue;
      i.sendAdvert(ctx, i.effectivePriority);
      i.initSands(ctx);
    }
  }

  /**
   * An instance that is not in the new configuration (keepalived `clear_diff_vrrp()`): a MASTER sends
   * priority 0 and removes its VIPs; then DELETED (`notify_deleted`) or FAULT is notified — nothing for an
   * instance already in FAULT without `notify_deleted`.
   */
  private removeInstance(ctx: InstanceCtx, i: VrrpInstance): void {
    if (i.state === 'MASTER') i.restoreInterface(ctx, true, 'reload');
    ctx.pacer.cancel(i.name);
    i.delayedGarps = [];
    i.sands = undefined;
    ctx.out.push({ kind: 'log', level: 'info', event: 'reload.removed', msg: `(${i.name}) removed by reload`, instance: i.name, fields: { vrid: i.config.vrid } });
    const deleted = i.config.notify.deleted !== undefined;
    i.transition(ctx, 'INIT', 'reload-removed', { log: 'none', announce: deleted ? 'DELETED' : i.state !== 'FAULT' ? 'FAULT' : 'none' });
  }

  private stop(ctx: InstanceCtx): void {
    this.stopped = true;
    if (!this.started) return;
    for (const i of this.instances) if (i.state === 'MASTER') i.restoreInterface(ctx, true, 'shutdown');
    // RFC 5798 §6.4.2/§6.4.3 Shutdown: "Transition to the {Initialize} state".
    for (const i of this.instances) i.transition(ctx, 'INIT', 'shutdown', { log: 'none', announce: 'STOP' });
    for (const g of this.groups) ctx.out.push({ kind: 'groupTransition', group: g.name, from: g.state, to: 'STOP', members: g.members.map((m) => m.name) });
  }

  // ───────────────────────────── timers ─────────────────────────────

  /**
   * Expired timers at `now`, earliest first (keepalived walks its sands rbtree in order). Bounded: each
   * instance's timer fires at most once per tick, and every timer it re-arms lies after `now`
   * (`VrrpInstance.initSands`), so a tick can neither loop nor leave anything due behind it.
   * After a freeze (`woke.late` ≥ FREEZE_THRESHOLD) the tick runs at the wake-up rather than at the
   * deadline the shell steps ticks at to keep advert periods exact, so timers restart from then instead
   * of firing a catch-up burst, and a due BACKUP follows `freezeAction`.
   */
  private tick(tctx: InstanceCtx, woke: TickWake | undefined): void {
    const frozen = woke !== undefined && isFreeze(woke.late);
    const ctx = frozen ? this.ctx(micros(Math.max(tctx.now, woke.at)), tctx.out) : tctx;
    const now = ctx.now;
    if (frozen) ctx.out.push({ kind: 'log', level: 'warn', event: 'timer.frozen', msg: freezeMessage(woke.late), fields: { lateUs: woke.late } });
    if (woke !== undefined) this.revertExpiredMasters(frozen ? ctx : this.ctx(micros(Math.max(tctx.now, woke.at)), tctx.out), woke.late);
    // The due timers, earliest first, ties in configuration order. Only a sync group moves other instances'
    // timers while one fires, so the list is drawn again after a member fires; otherwise it stays right, and a
    // tick that fires n instances costs O(n log n) rather than a scan of every instance per firing (at 255
    // instances all due at once that scan was 65 000 steps per second).
    const fired = new Set<VrrpInstance>();
    let adverts = 0;
    let due = this.dueInstances(now, fired);
    for (let k = 0; k < due.length; k++) {
      const i = due[k]!;
      if (i.sands === undefined || i.sands > now) continue;
      fired.add(i);
      this.expirations++;
      const prev = i.state;
      if (i.state === 'BACKUP' && frozen && this.afterFreeze(i, now) === 'listen') {
        // havipd: see `freezeAction`; the down timer restarts from the wake-up (initSands below).
        i.log(ctx, 'info', 'timer.frozen-listen', 'Receive advertisement timeout after a freeze - staying BACKUP for Master_Down_Interval');
        i.msDownTimer = i.mdi();
        i.nextMasterReason = 'master-no-response';
      } else if (i.state === 'BACKUP') {
        i.log(ctx, 'debug', 'timer.master-down', 'Receive advertisement timeout');
        i.wantstate = 'MASTER';
        i.becomeMaster(ctx, i.nextMasterReason);
      } else if (i.state === 'MASTER') {
        i.masterTx(ctx);
      }
      i.sync?.handle(prev, i, ctx);
      i.initSands(ctx);
      if (prev === 'MASTER' && i.state === 'MASTER') spreadAdvert(i, adverts++, now);
      if (i.sync !== undefined) {
        due = this.dueInstances(now, fired);
        k = -1;
      }
    }
    const all = this.instances;
    for (let k = 0; k < all.length; k++) {
      all[k]!.fireDelayedGarps(ctx);
      all[k]!.checkClaim(ctx);
    }
    // havipd: VIP holds that ran out (src/vrrp/healing.ts).
    for (let k = 0; k < all.length; k++) {
      const i = all[k]!;
      if (i.vipHold !== undefined && i.vipHold.until <= now) i.releaseHold(ctx);
    }
    for (const s of this.pacer.due(now, (name) => this.instances.find((x) => x.name === name)?.vipSet === true)) ctx.out.push({ kind: 'sendGarp', ...s });
  }

  /** Instances not in `fired` whose timer is due at `now`, earliest first, ties in configuration order. */
  private dueInstances(now: Micros, fired: ReadonlySet<VrrpInstance>): VrrpInstance[] {
    const due: VrrpInstance[] = [];
    const all = this.instances;
    for (let k = 0; k < all.length; k++) {
      const x = all[k]!;
      if (x.sands !== undefined && x.sands <= now && !fired.has(x)) due.push(x);
    }
    // Array.prototype.sort is stable: equal deadlines keep configuration order.
    return due.length > 1 ? due.sort((a, b) => a.sands! - b.sands!) : due;
  }

  /**
   * keepalived 2.2.8+ `timer_expired_backup` (2.4.3 `vrrp_thread_timeout_handler()`, called by the scheduler
   * when its earliest timer ran at least the smallest `quickestTakeover` of the configured instances late):
   * each MASTER with the keyword whose last advert is older than `takeoverDelay` goes to BACKUP without a
   * priority-0 advert (another router has probably taken over meanwhile; keepalived "will just revert to
   * backup state rather than sending further adverts"), logging keepalived's line once. `ctx.now` is the
   * wake-up, not the deadline.
   * Test: test/unit/vrrp/freeze.test.ts "timer_expired_backup".
   */
  private revertExpiredMasters(ctx: InstanceCtx, late: Micros): void {
    let min: Micros | undefined;
    for (const i of this.instances) {
      const h = i.config.timerExpiredBackup;
      if (h === undefined) continue;
      const q = quickestTakeover(i.config.version, i.config.advertInt, h);
      if (min === undefined || q < min) min = q;
    }
    if (min === undefined || late < min) return;
    let logged = false;
    for (const i of this.instances) {
      if (i.state !== 'MASTER' || this.afterFreeze(i, ctx.now) !== 'backup') continue;
      if (!logged) {
        ctx.out.push({ kind: 'log', level: 'info', event: 'timer.expired-backup', msg: timerExpiredBackupMessage(late), fields: { lateUs: late } });
        logged = true;
      }
      i.wantstate = 'BACKUP';
      i.leaveMaster(ctx, false, 'timer-expired-backup');
      // havipd: keepalived leaves the instance's sync group as it is here; havipd pulls the group along as
      // for any other MASTER → BACKUP, so its members never stay split.
      i.sync?.handle('MASTER', i, ctx);
    }
  }

  /** `freezeAction` for an instance after a late tick (`timer_expired_backup` facts included). */
  private afterFreeze(i: VrrpInstance, wokeAt: Micros): ReturnType<typeof freezeAction> {
    return freezeAction({
      state: i.state === 'MASTER' ? 'MASTER' : 'BACKUP',
      isOwner: i.isOwner,
      version: i.config.version,
      advertInt: i.config.advertInt,
      nopreempt: i.config.nopreempt,
      highestOtherPriority: i.config.timerExpiredBackup,
      lastAdvertSent: i.lastAdvertSent,
      wokeAt,
    });
  }

  // ───────────────────────────── packets ─────────────────────────────

  /**
   * The instances on a receiving "socket" (same family and interface; any interface for `ifname` ''), by VRID,
   * in configuration order. Drawn again when the instances or the config change (start, reload).
   */
  private onSocket(family: Family, ifname: string, vrid: number): readonly VrrpInstance[] {
    let idx = this.socketIndex;
    if (idx === undefined || idx.instances !== this.instances || idx.config !== this.config) {
      idx = this.socketIndex = { instances: this.instances, config: this.config, byKey: new Map() };
    }
    const key = `${family}/${ifname}`;
    let byVrid = idx.byKey.get(key);
    if (byVrid === undefined) {
      byVrid = new Map();
      for (const i of this.instances) {
        if (i.config.family !== family || (ifname !== '' && (i.config.interface ?? this.config.global.defaultInterface) !== ifname)) continue;
        const list = byVrid.get(i.config.vrid);
        if (list) list.push(i);
        else byVrid.set(i.config.vrid, [i]);
      }
      // Bounded: a packet names its interface from the socket, but a fuzzer or a bug could name many.
      if (idx.byKey.size < 64) idx.byKey.set(key, byVrid);
    }
    return byVrid.get(vrid) ?? [];
  }

  private packet(ctx: InstanceCtx, pkt: ReceivedPacket): void {
    // The instances on the receiving socket with the packet's VRID: `classifyForDispatch` only ever picks among
    // those, so the others need not be described to it (at 255 instances that was 255 objects per packet).
    const vrid = packetVrid(pkt);
    const onSocket = vrid === undefined ? [] : this.onSocket(pkt.family, pkt.ifname, vrid);
    const d = classifyForDispatch(
      pkt,
      onSocket.map((i) => ({
        name: i.name,
        vrid: i.config.vrid,
        state: i.state,
        unicast: i.isUnicast,
        unicastPeers: i.config.unicastPeers.map((p) => p.address),
        ...(i.lastPacketSrc !== undefined ? { lastPacketSrc: i.lastPacketSrc } : {}),
      })),
    );
    const inst = d.index !== undefined ? onSocket[d.index] : undefined;
    if (!d.ok) {
      if (d.reason === 'unknown_vrid' || d.reason === 'too_short' || !inst) {
        if (d.reason === 'unknown_vrid') this.unknownVrid++;
        if (d.reason === 'too_short' || this.config.global.logUnknownVrids) {
          const r = this.dropLog.record(d.reason, ctx.now);
          const msg = r.suppressed > 0 ? `${d.log} (${r.suppressed} more not logged)` : d.log;
          if (r.log) ctx.out.push({ kind: 'log', level: 'info', event: 'advert.drop', msg, fields: { reason: d.reason, vrid: d.vrid, src: pkt.src, suppressed: r.suppressed } });
        }
        return;
      }
      if (this.delayedStartUntil !== undefined) return;
      inst.countDrop(d.reason);
      if (d.reason === 'family_mismatch') inst.log(ctx, 'debug', 'advert.drop', d.log.replace(`(${inst.name}) `, ''));
      return;
    }
    if (!inst) return;
    if (this.delayedStartUntil !== undefined) return; // vrrp_startup_delay: everything is discarded
    inst.lastPacketSrc = pkt.src;
    const prev = inst.state;
    const sentBefore = inst.stats.advert_sent;
    if (inst.state === 'BACKUP') inst.backupRx(ctx, pkt);
    else if (inst.state === 'MASTER') {
      const siblings = inst.sync ? inst.sync.members.filter((m) => m !== inst) : [];
      const leave = inst.masterRx(ctx, pkt, siblings);
      if (leave) inst.leaveMaster(ctx, false, leave);
    }
    inst.sync?.handle(prev, inst, ctx);
    if (inst.state !== 'MASTER') inst.initSands(ctx);
    else if (prev === 'MASTER' && inst.stats.advert_sent !== sentBefore && !inst.config.lowerPrioNoAdvert) {
      // keepalived-compat: after an extra advert (priority 0 received, lower-priority advert answered,
      // higher_prio_send_advert) 2.2.7 re-arms the timer ("If we have sent an advert, reset the timer"),
      // so the next advert is advert_int after the extra one — except with lower_prio_no_advert.
      // Test: test/unit/vrrp/core.test.ts "keepalived-compat: with lower_prio_no_advert the timer is never re-armed by a packet, even after the priority-0 answer"; test/sim/testdata/priority0-received-master.txt.
      inst.initSands(ctx);
    }
    // havipd: 2.2.7 re-arms a MASTER's advert timer after *any* packet that reached vrrp_state_master_rx(),
    // invalid ones included, so a stream of bad packets faster than advert_int silences a MASTER and its
    // backups take over. A peer flooding adverts must cost counters, not the timer's accuracy: without an
    // extra advert the MASTER's next advert stays due advert_int after its previous one.
  }

  /** The family of an instance by name (for the runtime's demux of sockets). */
  familyOf(name: string): Family | undefined {
    return this.instances.find((i) => i.name === name)?.config.family;
  }
}

/**
 * havipd: the `k`-th MASTER advert timer a tick re-armed (0-based) runs ⌊k / ADVERT_BATCH⌋ × ADVERT_SPREAD
 * short, at most half its advert interval, so that at most ADVERT_BATCH instances keep sharing a deadline.
 * The interval is shortened, never lengthened, and only once: a batch that has its own deadline fires alone
 * (k < ADVERT_BATCH) from then on. An early advert is harmless to a peer (its down timer just restarts).
 * Test: test/unit/vrrp/core.test.ts "advert timers of many MASTERs due together are spread".
 */
function spreadAdvert(i: VrrpInstance, k: number, now: Micros): void {
  const batch = Math.floor(k / ADVERT_BATCH);
  if (batch === 0 || i.sands === undefined) return;
  const shift = Math.min(batch * ADVERT_SPREAD, Math.floor((i.sands - now) / 2));
  i.sands = micros(i.sands - shift);
}
