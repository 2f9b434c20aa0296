// The multi-instance VRRP core the runtime drives (ARCHITECTURE.md §1): `step(now, input)` returns the
// effects in contract order, `nextDeadline()` the one time the shell must wake us. Demultiplexes packets
// (keepalived 2.2.7 `vrrp_dispatcher_read()`), fires timers (`vrrp_dispatcher_read_timeout()`), applies
// trackers and sync groups, starts (`vrrp_init_state()`) and stops (`vrrp_terminate_phase1()`) instances.
// RFC 5798 §6.4, RFC 3768 §6.4.

import type { DaemonConfig, Family } from '../config-parser/types.js';
import { GarpPacer } from '../garp/schedule.js';
import { encodeAdvert } from './packet.js';
import { checkAdvert, classifyForDispatch } from './receive-checks.js';
import type { AdvertCodec, CoreSnapshot, Effect, Input } from './effects.js';
import { VrrpInstance, type InstanceCtx } from './instance.js';
import { evaluateTracking, type TrackerValues } from './priority.js';
import { SyncGroup } from './sync-group.js';
import type { ReceivedPacket, VrrpState } from './types.js';
import { micros, type Micros } from './units.js';

export interface VrrpCoreOptions {
  /** The packet codec and receive checks; default src/vrrp/packet.ts + receive-checks.ts. */
  readonly codec?: AdvertCodec;
  /** keepalived `-D`: detail log lines, and the v3 Master_Adver_Interval reset on becoming MASTER. */
  readonly detail?: boolean;
}

const DEFAULT_CODEC: AdvertCodec = { encodeAdvert, checkAdvert };

export class VrrpCore {
  private readonly instances: VrrpInstance[];
  private readonly groups: SyncGroup[];
  private readonly pacer: GarpPacer;
  private readonly scripts = new Map<string, boolean>();
  private readonly links = new Map<string, boolean>();
  private readonly files = new Map<string, number>();
  private readonly addrs = new Map<string, string>();
  private started = false;
  private stopped = false;
  private delayedStartUntil: Micros | undefined;
  private unknownVrid = 0;

  constructor(
    private config: DaemonConfig,
    private readonly opts: VrrpCoreOptions = {},
  ) {
    this.instances = config.instances.map((c) => {
      const i = new VrrpInstance(c);
      i.defaultInterface = config.global.defaultInterface;
      return i;
    });
    this.groups = [];
    for (const g of config.syncGroups) {
      const sg = new SyncGroup(g);
      for (const name of g.members) {
        const m = this.instances.find((i) => i.name === name);
        if (m && !m.sync) {
          m.sync = sg;
          sg.members.push(m);
        }
      }
      if (sg.members.length > 0) this.groups.push(sg);
    }
    this.pacer = new GarpPacer({ garpInterval: config.global.garpInterval, gnaInterval: config.global.gnaInterval });
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
    };
  }

  /** Runs one input at `now`; returns the effects in contract order (see `Effect`). */
  step(now: Micros, input: Input): readonly Effect[] {
    const out: Effect[] = [];
    if (this.delayedStartUntil !== undefined && now >= this.delayedStartUntil) this.delayedStartUntil = undefined;
    const ctx = this.ctx(now, out);
    switch (input.kind) {
      case 'start':
        if (!this.started && !this.stopped) this.start(ctx);
        break;
      case 'tick':
        if (this.started && !this.stopped) this.tick(ctx);
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
        this.reevaluate(ctx);
        break;
      case 'file':
        this.files.set(input.name, input.value);
        this.reevaluate(ctx);
        break;
      case 'interfaceAddress':
        if (input.address === undefined) this.addrs.delete(`${input.family}/${input.ifname}`);
        else this.addrs.set(`${input.family}/${input.ifname}`, input.address);
        this.reevaluate(ctx);
        break;
      case 'stop':
        if (!this.stopped) this.stop(ctx);
        break;
    }
    return out;
  }

  /** The earliest time anything is due (instance timers, delayed GARPs, queued GARPs), or undefined. */
  nextDeadline(): Micros | undefined {
    if (!this.started || this.stopped) return undefined;
    let best = this.pacer.nextDeadline();
    for (const i of this.instances) {
      const d = i.nextDeadline();
      if (d !== undefined && (best === undefined || d < best)) best = d;
    }
    return best;
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
    return { scripts: this.scripts, links: this.links, files: this.files };
  }

  private sourceOf(i: VrrpInstance): string | undefined {
    const c = i.config;
    const configured = i.isUnicast ? (c.unicastSrcIp ?? c.mcastSrcIp) : (c.mcastSrcIp ?? c.unicastSrcIp);
    if (configured !== undefined) return configured;
    const ifname = c.interface ?? this.config.global.defaultInterface;
    return this.addrs.get(`${c.family}/${ifname}`);
  }

  /** Current fault reasons of an instance, the total priority and scripts in init. */
  private evaluate(i: VrrpInstance): { faults: string[]; total: number; init: number; source: string | undefined } {
    const c = i.config;
    const refSets = i.sync ? [c, i.sync.config] : [c];
    const t = evaluateTracking(i.basePriority, refSets, this.values());
    const faults = [...t.faults];
    const ifname = c.interface ?? this.config.global.defaultInterface;
    if (!c.dontTrackPrimary && this.links.get(ifname) === false) faults.unshift(`interface ${ifname}`);
    for (const v of [...c.vips, ...c.excludedVips]) {
      if (v.dev !== undefined && v.dev !== ifname && !v.noTrack && this.links.get(v.dev) === false && !faults.includes(`interface ${v.dev}`)) faults.push(`interface ${v.dev}`);
    }
    const source = this.sourceOf(i);
    if (source === undefined) faults.push('no-source-ip');
    if (c.unicastFaultNoPeer && c.unicastPeers.length === 0) faults.push('config-error');
    return { faults, total: t.totalPriority, init: t.scriptsInInit.length, source };
  }

  private faultLog(ctx: InstanceCtx, i: VrrpInstance, f: string): void {
    const msg = f === 'no-source-ip'
      ? `(${i.name}) entering FAULT state (no IPv${i.config.family} address for interface)`
      : f.startsWith('interface ')
        ? `(${i.name}): entering FAULT state (interface ${f.slice(10)} down)`
        : f.startsWith('script ')
          ? `(${i.name}): entering FAULT state due to script ${f.slice(7)}`
          : f.startsWith('file ')
            ? `(${i.name}): entering FAULT state (tracked file ${f.slice(5)} has status -254)`
            : `(${i.name}) entering FAULT state (${f})`;
    ctx.out.push({ kind: 'log', level: 'info', event: 'fault.reason', msg, instance: i.name, fields: { vrid: i.config.vrid, reason: f } });
  }

  private reevaluate(ctx: InstanceCtx): void {
    if (this.stopped) return;
    for (const i of this.instances) {
      const e = this.evaluate(i);
      i.sourceAddr = e.source;
      if (e.total !== i.totalPriority) {
        i.totalPriority = e.total;
        if (this.started) i.setEffectivePriority(ctx);
        else i.effectivePriority = i.basePriority === 255 ? 255 : Math.min(254, Math.max(1, e.total));
      }
      const wasDown = i.faults.length > 0;
      const wasInit = i.scriptsInInit > 0;
      const newFaults = e.faults.filter((f) => !i.faults.includes(f));
      i.faults = e.faults;
      i.scriptsInInit = e.init;
      if (!this.started) continue;
      if (e.faults.length > 0 && !wasDown) {
        for (const f of newFaults) this.faultLog(ctx, i, f);
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
    for (const i of this.instances) {
      const e = this.evaluate(i);
      i.sourceAddr = e.source;
      i.faults = e.faults;
      i.scriptsInInit = e.init;
      if (e.total !== i.totalPriority) {
        i.totalPriority = e.total;
        i.setEffectivePriority(sctx);
      }
      i.msDownTimer = i.mdi();
      if (e.faults.length > 0) {
        for (const f of e.faults) this.faultLog(sctx, i, f);
        i.state = 'FAULT';
      }
    }

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
      if (sg.members.some((m) => m.state === 'FAULT')) st = 'FAULT';
      else if (sg.initMembers() > 0) st = 'INIT';
      sg.state = st;
    }

    // Members of a FAULT group, and faulty instances: "entering FAULT state" + FAULT notification.
    for (const i of this.instances) {
      if (i.state === 'FAULT' || i.sync?.state === 'FAULT') {
        i.state = 'FAULT';
        i.wantstate = 'FAULT';
        ctx.out.push({ kind: 'log', level: 'info', event: 'state.transition', msg: `(${i.name}) entering FAULT state`, instance: i.name, fields: { vrid: i.config.vrid, from: 'INIT', to: 'FAULT' } });
        i.lastTransition = ctx.now;
        this.pushTransition(ctx, i, 'INIT', 'startup', true);
      }
    }

    for (const sg of this.groups) sg.announceInitial(sctx);

    // vrrp_init_state
    for (const i of this.instances) {
      const begin = i.state;
      const newState = i.sync ? i.sync.state : i.wantstate;
      const isUp = i.faults.length === 0;
      const noInit = i.scriptsInInit === 0 && (!i.sync || i.sync.initMembers() === 0);
      if (isUp && newState === 'MASTER' && noInit && i.isOwner && i.wantstate === 'MASTER') {
        // The simplest way to become master is to time out from BACKUP very quickly (1 µs).
        i.state = 'BACKUP';
        i.msDownTimer = micros(1);
        i.nextMasterReason = 'owner-startup';
        continue;
      }
      i.msDownTimer = newState === 'BACKUP' && i.wantstate === 'MASTER' ? i.initialDownTimer('BACKUP') : i.mdi();
      const vips = [...i.config.vips, ...i.config.excludedVips];
      if (vips.length > 0) ctx.out.push({ kind: 'removeVips', instance: i.name, vips, reason: 'startup' });
      if (isUp && newState !== 'FAULT' && noInit) {
        if (i.state !== 'BACKUP') {
          ctx.out.push({ kind: 'log', level: 'info', event: 'state.transition', msg: `(${i.name}) Entering BACKUP STATE (init)`, instance: i.name, fields: { vrid: i.config.vrid, from: begin, to: 'BACKUP' } });
          i.state = 'BACKUP';
        }
      } else {
        if (begin !== 'FAULT') ctx.out.push({ kind: 'log', level: 'info', event: 'state.transition', msg: `(${i.name}) Entering FAULT STATE (init)`, instance: i.name, fields: { vrid: i.config.vrid, from: begin, to: 'FAULT' } });
        i.state = 'FAULT';
      }
      if (begin !== i.state) {
        i.lastTransition = ctx.now;
        this.pushTransition(ctx, i, begin, 'startup', i.state !== 'FAULT' || i.faults.length > 0);
      }
    }

    for (const i of this.instances) i.initSands(sctx);
  }

  private pushTransition(ctx: InstanceCtx, i: VrrpInstance, from: VrrpState, reason: 'startup', notify: boolean): void {
    const n = notify && !(i.notifiesSent && i.sync !== undefined && i.state === i.sync.state);
    if (n) i.notifiesSent = true;
    ctx.out.push({ kind: 'transition', instance: i.name, vrid: i.config.vrid, from, to: i.state, reason, priority: i.effectivePriority, group: i.sync?.name, notify: n });
  }

  private stop(ctx: InstanceCtx): void {
    this.stopped = true;
    if (!this.started) return;
    for (const i of this.instances) if (i.state === 'MASTER') i.restoreInterface(ctx, true, 'shutdown');
    for (const i of this.instances) {
      ctx.out.push({ kind: 'transition', instance: i.name, vrid: i.config.vrid, from: i.state, to: 'STOP', reason: 'shutdown', priority: i.effectivePriority, group: i.sync?.name, notify: true });
      // RFC 5798 §6.4.2/§6.4.3 Shutdown: "Transition to the {Initialize} state".
      i.state = 'INIT';
      i.sands = undefined;
      i.delayedGarps = [];
    }
    for (const g of this.groups) ctx.out.push({ kind: 'groupTransition', group: g.name, from: g.state, to: 'STOP', members: g.members.map((m) => m.name) });
  }

  // ───────────────────────────── timers ─────────────────────────────

  private tick(ctx: InstanceCtx): void {
    const now = ctx.now;
    // Instance timers, earliest first (keepalived walks its sands rbtree in order).
    for (;;) {
      const due = this.instances
        .filter((i) => i.sands !== undefined && i.sands <= now)
        .sort((a, b) => (a.sands ?? 0) - (b.sands ?? 0));
      const i = due[0];
      if (!i) break;
      const prev = i.state;
      if (i.state === 'BACKUP') {
        i.log(ctx, 'debug', 'timer.master-down', 'Receive advertisement timeout');
        i.wantstate = 'MASTER';
        i.becomeMaster(ctx, i.nextMasterReason);
      } else if (i.state === 'MASTER') {
        i.masterTx(ctx);
      }
      i.sync?.handle(prev, i, ctx);
      i.initSands(ctx);
    }
    for (const i of this.instances) i.fireDelayedGarps(ctx);
    for (const s of this.pacer.due(now, (name) => this.instances.find((x) => x.name === name)?.vipSet === true)) ctx.out.push({ kind: 'sendGarp', ...s });
  }

  // ───────────────────────────── packets ─────────────────────────────

  private packet(ctx: InstanceCtx, pkt: ReceivedPacket): void {
    // The instances on the receiving "socket": same family and interface (any interface when unknown).
    const onSocket = this.instances.filter(
      (i) => i.config.family === pkt.family && (pkt.ifname === '' || (i.config.interface ?? this.config.global.defaultInterface) === pkt.ifname),
    );
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
          ctx.out.push({ kind: 'log', level: 'info', event: 'advert.drop', msg: d.log, fields: { reason: d.reason, vrid: d.vrid, src: pkt.src } });
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
    if (inst.state === 'BACKUP') inst.backupRx(ctx, pkt);
    else if (inst.state === 'MASTER') {
      const siblings = inst.sync ? inst.sync.members.filter((m) => m !== inst) : [];
      const leave = inst.masterRx(ctx, pkt, siblings);
      if (leave) inst.leaveMaster(ctx, false, leave);
    }
    inst.sync?.handle(prev, inst, ctx);
    // keepalived-compat: the timer is re-armed after any packet that reached the state handler (a MASTER's
    // next advert is then adver_int after this packet), except for a MASTER with lower_prio_no_advert.
    if (inst.state !== 'MASTER' || !inst.config.lowerPrioNoAdvert) inst.initSands(ctx);
  }

  /** The family of an instance by name (for the runtime's demux of sockets). */
  familyOf(name: string): Family | undefined {
    return this.instances.find((i) => i.name === name)?.config.family;
  }
}
