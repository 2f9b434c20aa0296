// The runtime shell (ARCHITECTURE.md §1): feeds the pure VRRP core its inputs (packets, the clock, link
// and address events) and performs the effects it returns, in order, on the real edges (transport,
// addresses, GARP frames, logs). One timer for the earliest deadline of all instances. Every edge
// failure is logged and contained: it never takes the daemon down.

import type { DaemonConfig, Family, VipConfig, VrrpInstanceConfig } from '../config-parser/types.js';
import { VrrpCore } from '../vrrp/core.js';
import type { CoreSnapshot, Effect, Input } from '../vrrp/effects.js';
import type { ReceivedPacket } from '../vrrp/types.js';
import type { Micros } from '../vrrp/units.js';
import type { Logger } from '../log.js';
import { HavipdError } from '../errors.js';
import type { Clock } from './clock.js';
import type { AddressEdge } from './addresses.js';
import { defaultRulePreferences, type RouteEdge } from './routes.js';
import type { LinkEdge, LinkEvent, LinkInfo } from './links.js';
import type { FrameSender } from '../garp/sender.js';
import type { OpenTransport, Transport } from './transport/types.js';
import type { DumpInput, InstanceRuntimeView } from './dumps.js';
import { planReload } from './reload-plan.js';
import { routeTrackedInterfaces } from '../vrrp/route-interfaces.js';
import { isMulticast } from '../vrrp/inet.js';

/** Fault reasons the daemon feeds the core (`fault` input) when an edge fails for one instance. */
export const EDGE_FAULT = { socket: 'socket', vipAdd: 'vip-add' } as const;

export interface DaemonEdges {
  readonly openTransport: OpenTransport;
  readonly transportKind: 'raw' | 'udp';
  /** Absent when the process may not change addresses (UDP mode without CAP_NET_ADMIN). */
  readonly addresses: AddressEdge | undefined;
  /**
   * Installs virtual / static routes and rules. Absent (or `addresses` absent: no CAP_NET_ADMIN) = they
   * are not installed, with one warning.
   */
  readonly routes?: RouteEdge | undefined;
  /** Absent when link state cannot be watched; links then count as up. */
  readonly links: LinkEdge | undefined;
  /** Absent when the process may not send frames (UDP mode without CAP_NET_RAW). */
  readonly frames: FrameSender | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface DaemonOptions {
  /** `-D`: detail logs. */
  readonly detail: boolean;
  /** Hooks for notifications (notify scripts, FIFO): called after the effect's address changes. */
  readonly onEffect?: (effect: Effect) => void;
  /** Every packet a transport hands over, before the core sees it (the operations plane's peer ages). */
  readonly onPacket?: (packet: ReceivedPacket) => void;
}

/** Which transport an instance's adverts use: one per (family, interface, unicast source | multicast). */
interface TransportSlot {
  readonly key: string;
  readonly family: Family;
  readonly ifname: string;
  readonly unicastSrc: string | undefined;
  readonly groups: Set<string>;
  readonly instances: string[];
  transport: Transport | undefined;
  /** Why it could not be opened (the instances on it are in FAULT). */
  error: HavipdError | undefined;
  /** Multicast groups the kept transport had joined before a reload. */
  previousGroups: string[];
}

/** Items of `a` that `b` does not have, compared by `key`. */
function minus<T>(a: readonly T[], b: readonly T[], key: (x: T) => string = String): T[] {
  const keep = new Set(b.map(key));
  return a.filter((x) => !keep.has(key(x)));
}

const staticKey = (v: VipConfig): string => `${v.address}/${v.prefix}|${v.dev ?? ''}|${v.label ?? ''}|${v.scope ?? ''}`;

export class Daemon {
  private core: VrrpCore;
  private config: DaemonConfig;
  private readonly slots = new Map<string, TransportSlot>();
  private readonly slotOf = new Map<string, TransportSlot>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private stopped = false;
  private warnedNoVips = false;
  private warnedNoFrames = false;
  private warnedNoRoutes = false;
  /** Preferences keepalived gives rules without one (old configs' too, so removed rules go with theirs). */
  private rulePrefs = new Map<string, number>();
  /** keepalived's IPv4 IP ID: one counter per instance, the same ID on every unicast copy of one advert. */
  private readonly ipIds = new Map<string, number>();
  /** Time of the last core step (see `stepAt`). */
  private lastStep = 0 as Micros;
  private readonly onLinkChange = (ev: LinkEvent): void => this.linkEvent(ev);
  /** Instances in FAULT because a VIP could not be added, with the interfaces that failed. */
  private readonly vipFaults = new Map<string, Set<string>>();

  constructor(
    config: DaemonConfig,
    private readonly edges: DaemonEdges,
    private readonly opts: DaemonOptions,
  ) {
    this.config = config;
    this.core = new VrrpCore(config, { detail: opts.detail });
    this.rulePrefs = defaultRulePreferences(config);
  }

  get log(): Logger {
    return this.edges.logger;
  }

  /** Opens the sockets, reports the environment to the core and starts every instance. */
  async start(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.planSlots();
    await this.openSlots();
    for (const input of this.environmentInputs(this.watchedInterfaces())) this.feed(input);
    for (const input of this.socketFaultInputs()) this.feed(input);
    this.edges.links?.on('change', this.onLinkChange);
    await this.changeStaticAddresses('add', this.config.staticAddresses);
    await this.changeRoutes('add', undefined, this.config.staticRoutes, this.config.staticRules);
    this.feed({ kind: 'start' });
    await this.chain;
  }

  /**
   * Orderly shutdown (SIGTERM/SIGINT): MASTERs send priority 0 and drop their VIPs, STOP transitions,
   * then every socket is closed. Resolves when all of it has been performed.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) this.stepAt(this.edges.clock.now(), { kind: 'stop' });
    await this.chain;
    if (this.running) {
      await this.changeRoutes('remove', undefined, this.config.staticRoutes, this.config.staticRules);
      await this.changeStaticAddresses('remove', this.config.staticAddresses);
    }
    this.edges.links?.off('change', this.onLinkChange);
    await this.closeSlots();
    this.running = false;
  }

  /**
   * SIGHUP: apply a new configuration (reference §3.15). Matched instances keep their state (no flap, no
   * GARP unless a VIP was added); removed ones release; new ones start. Sockets still used are kept, new
   * ones opened, unused ones closed after the removed instances' last adverts went out.
   */
  async reload(newConfig: DaemonConfig): Promise<void> {
    if (this.stopped) return;
    if (!this.running) {
      const plan = planReload(this.config, newConfig);
      this.config = newConfig;
      this.lastStep = Math.max(this.edges.clock.now(), this.lastStep) as Micros;
      this.core.step(this.lastStep, { kind: 'reload', config: newConfig, plan });
      return;
    }
    await this.chain;
    const oldConfig = this.config;
    const plan = planReload(oldConfig, newConfig);
    this.rulePrefs = new Map([...this.rulePrefs, ...defaultRulePreferences(newConfig)]);
    const oldWatched = this.watchedInterfaces();
    const oldSlots = new Map(this.slots);
    const oldSlotOf = new Map(this.slotOf);
    this.config = newConfig;
    this.planSlots(oldSlots);
    await this.openSlots();
    // Removed (and renamed) instances still send under their old names during the reload.
    for (const [name, slot] of oldSlotOf) if (!this.slotOf.has(name)) this.slotOf.set(name, slot);
    const watched = this.watchedInterfaces();
    for (const input of this.environmentInputs(new Set([...watched].filter((n) => !oldWatched.has(n))))) this.feed(input);
    for (const k of plan.kept) {
      const f = this.vipFaults.get(k.from);
      this.vipFaults.delete(k.from);
      if (f) this.vipFaults.set(k.to, f);
    }
    for (const name of plan.removed) this.vipFaults.delete(name);
    // static_*: the items no longer configured go, the new ones come; unchanged ones are not touched.
    const o = oldConfig;
    const n = newConfig;
    await this.changeStaticAddresses('remove', minus(o.staticAddresses, n.staticAddresses, staticKey));
    await this.changeRoutes('remove', undefined, minus(o.staticRoutes, n.staticRoutes), minus(o.staticRules, n.staticRules));
    await this.changeStaticAddresses('add', minus(n.staticAddresses, o.staticAddresses, staticKey));
    await this.changeRoutes('add', undefined, minus(n.staticRoutes, o.staticRoutes), minus(n.staticRules, o.staticRules));
    this.feed({ kind: 'reload', config: newConfig, plan });
    for (const input of this.socketFaultInputs()) this.feed(input);
    await this.chain;
    this.slotOf.clear();
    for (const slot of this.slots.values()) for (const name of slot.instances) this.slotOf.set(name, slot);
    for (const [key, slot] of oldSlots) {
      if (this.slots.get(key) === slot) continue;
      await slot.transport?.close().catch(() => undefined);
      slot.transport = undefined;
    }
  }

  /**
   * `static_ipaddress` (reference §1.9.1): addresses keepalived installs at start and removes at stop,
   * whatever the VRRP states (they do not move). A failure is logged; there is no instance to fault.
   */
  private async changeStaticAddresses(op: 'add' | 'remove', vips: readonly VipConfig[]): Promise<void> {
    const edge = this.edges.addresses;
    if (vips.length === 0) return;
    if (!edge) {
      this.log.warn({ event: 'static.skipped', count: vips.length }, 'no CAP_NET_ADMIN: static_ipaddress entries are not installed (UDP test mode)');
      return;
    }
    for (const vip of vips) {
      const ifname = vip.dev ?? this.config.global.defaultInterface;
      try {
        if (op === 'add') await edge.add(vip, ifname);
        else await edge.remove(vip, ifname);
        this.log.info({ event: op === 'add' ? 'static.added' : 'static.removed', address: `${vip.address}/${vip.prefix}`, ifname }, `${op === 'add' ? 'Adding' : 'Removing'} static address ${vip.address}/${vip.prefix} ${op === 'add' ? 'to' : 'from'} ${ifname}`);
      } catch (err) {
        const he = err instanceof HavipdError ? err : undefined;
        this.log.error({ event: 'static.error', address: `${vip.address}/${vip.prefix}`, ifname, errno: he?.errno }, `cannot ${op} static address ${vip.address}/${vip.prefix} on ${ifname}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /**
   * Routes then rules added, or rules then routes removed (keepalived `vrrp_state_become_master()` /
   * `vrrp_restore_interface()`); `instance` undefined for `static_routes` / `static_rules`. A failure is
   * logged (keepalived logs and carries on; the instance stays MASTER).
   */
  private async changeRoutes(op: 'add' | 'remove', instance: string | undefined, routes: readonly string[], rules: readonly string[]): Promise<void> {
    if (routes.length === 0 && rules.length === 0) return;
    const edge = this.edges.addresses ? this.edges.routes : undefined;
    if (!edge) {
      if (!this.warnedNoRoutes) {
        this.warnedNoRoutes = true;
        this.log.warn({ event: 'route.skipped' }, 'no CAP_NET_ADMIN: virtual / static routes and rules are not installed (UDP test mode)');
      }
      return;
    }
    const who = instance === undefined ? '' : `(${instance}) `;
    const routeSteps = routes.map((r) => ['route', r] as const);
    const ruleSteps = rules.map((r) => ['rule', r] as const);
    const steps = op === 'add' ? [...routeSteps, ...ruleSteps] : [...ruleSteps, ...routeSteps];
    for (const [what, item] of steps) {
      try {
        if (what === 'route') await (op === 'add' ? edge.addRoute(item) : edge.removeRoute(item));
        else await (op === 'add' ? edge.addRule(item, this.rulePrefs.get(item)) : edge.removeRule(item, this.rulePrefs.get(item)));
        this.log.debug({ event: `${what}.${op === 'add' ? 'added' : 'removed'}`, instance, item }, `${who}${op === 'add' ? 'Added' : 'Removed'} ${instance === undefined ? 'static' : 'virtual'} ${what} ${item}`);
      } catch (err) {
        const he = err instanceof HavipdError ? err : undefined;
        this.log.error({ event: `${what}.error`, instance, item, errno: he?.errno }, `${who}cannot ${op} ${instance === undefined ? 'static' : 'virtual'} ${what} ${item}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  snapshot(): CoreSnapshot {
    return this.core.snapshot();
  }

  /** The data the SIGUSR1/SIGUSR2/JSON dumps are made of. */
  dumpInput(): DumpInput {
    const snap = this.core.snapshot();
    const nowMono = this.edges.clock.now();
    const nowEpoch = this.edges.clock.epochMicros();
    const runtime: Record<string, InstanceRuntimeView> = {};
    for (const s of snap.instances) {
      const st = s.stats;
      runtime[s.name] = {
        state: s.state,
        wantState: s.wantstate,
        basePriority: s.basePriority,
        effectivePriority: s.effectivePriority,
        totalPriority: s.totalPriority,
        lastTransitionEpochUs: s.lastTransition === undefined ? 0 : nowEpoch - (nowMono - s.lastTransition),
        masterDownIntervalUs: s.msDownTimer,
        masterAdverIntUs: s.masterAdverInterval,
        masterAddr: s.masterAddress,
        masterPriority: s.masterPriority,
        sourceIp: s.sourceAddress,
        faultReasons: s.faults,
        vipsSet: s.vipSet,
        stats: {
          advert_rcvd: st.advert_rcvd,
          advert_sent: st.advert_sent,
          become_master: st.become_master,
          release_master: st.release_master,
          packet_len_err: st.packet_len_err,
          advert_interval_err: 0, // keepalived-compat: the counter exists but is never incremented
          ip_ttl_err: st.ip_ttl_err,
          invalid_type_rcvd: st.invalid_type_rcvd,
          addr_list_err: st.addr_list_err,
          invalid_authtype: st.invalid_authtype,
          authtype_mismatch: st.authtype_mismatch,
          auth_failure: st.auth_failure,
          pri_zero_rcvd: st.pri_zero_rcvd,
          pri_zero_sent: st.pri_zero_sent,
        },
      };
    }
    return { config: this.config, runtime };
  }

  /** Waits until every effect queued so far has been performed (tests and shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  // ─────────────────────────── inputs ───────────────────────────

  /** Runs one input through the core now and queues its effects. */
  feed(input: Input): void {
    this.stepAt(this.edges.clock.now(), input);
  }

  /**
   * Steps the core at `now`, never earlier than the previous step (the core's time never goes back).
   * Timer ticks are stepped at the deadline they fired for rather than at the (later) moment the event
   * loop ran them: the core re-arms periodic timers from the step time, so a tick stepped 1–2 ms late
   * every advert_int would make the advert period drift (measured: 1001.5 ms instead of 1000 at
   * advert_int 1 before this). keepalived's µs timers drift by ~0.1 ms; ours now do not drift at all.
   */
  private stepAt(now: Micros, input: Input): void {
    if (this.stopped && input.kind !== 'stop') return;
    const t = Math.max(now, this.lastStep) as Micros;
    this.lastStep = t;
    let effects: readonly Effect[];
    try {
      effects = this.core.step(t, input);
    } catch (err) {
      // A bug in the core: log it with the input kind and keep the daemon alive for the other instances.
      this.log.error({ event: 'core.bug', input: input.kind, err }, `internal error while handling ${input.kind}`);
      effects = [];
    }
    this.enqueue(effects);
  }

  private enqueue(effects: readonly Effect[]): void {
    if (effects.length > 0) {
      this.chain = this.chain.then(() => this.performAll(effects));
    }
    this.chain = this.chain.then(() => this.arm());
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.core.nextDeadline();
    if (deadline === undefined) return;
    const delayMs = Math.max(0, Math.ceil((deadline - this.edges.clock.now()) / 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // libuv timers count from a cached loop time and may fire a little early: wait for the rest then.
      if (this.edges.clock.now() < deadline) return this.arm();
      this.stepAt(deadline, { kind: 'tick' });
    }, delayMs);
  }

  private onPacket(slot: TransportSlot, packet: ReceivedPacket): void {
    // keepalived binds its multicast socket to the group and its unicast socket to the source address,
    // so each sees only its own traffic; an unbound raw socket sees both, so filter here.
    if (slot.unicastSrc === undefined && slot.groups.size > 0 && !isMulticast(packet.dst, packet.family)) {
      if (this.hasUnicastSlot(slot.family, slot.ifname)) return;
    }
    this.opts.onPacket?.(packet);
    this.feed({ kind: 'packet', packet });
  }

  private hasUnicastSlot(family: Family, ifname: string): boolean {
    for (const s of this.slots.values()) if (s.family === family && s.ifname === ifname && s.unicastSrc !== undefined) return true;
    return false;
  }

  private linkEvent(ev: LinkEvent): void {
    const name = ev.link.name;
    if (!this.watchedInterfaces().has(name)) return;
    switch (ev.type) {
      case 'link-up':
      case 'link-down':
        this.feed({ kind: 'link', ifname: name, up: ev.type === 'link-up' });
        if (ev.type === 'link-up') this.retryVipFaults(name);
        break;
      case 'link-added':
        this.edges.frames?.forget(name);
        this.feed({ kind: 'link', ifname: name, up: ev.link.up });
        this.retryVipFaults(name);
        void this.reopenSlotsOn(name);
        break;
      case 'link-removed':
        this.edges.frames?.forget(name);
        this.feed({ kind: 'link', ifname: name, up: false });
        break;
      case 'address-added':
      case 'address-removed':
        for (const family of [4, 6] as const) {
          if (ev.address.family !== family) continue;
          this.feed({ kind: 'interfaceAddress', ifname: name, family, address: primaryAddress(ev.link, family) });
        }
        break;
      case 'link-changed':
        if (ev.link.mac !== ev.previous.mac) this.edges.frames?.forget(name);
        break;
    }
  }

  /** Link states and primary addresses of these interfaces (every one the config uses, before `start`). */
  private environmentInputs(names: ReadonlySet<string>): Input[] {
    const inputs: Input[] = [];
    const links = this.edges.links;
    for (const name of names) {
      const link = links?.get(name);
      if (links) inputs.push({ kind: 'link', ifname: name, up: link?.up ?? false });
      for (const family of [4, 6] as const) {
        const address = link ? primaryAddress(link, family) : undefined;
        if (address !== undefined) inputs.push({ kind: 'interfaceAddress', ifname: name, family, address });
      }
    }
    return inputs;
  }

  /** A transport that could not be opened faults its instances; one that is open clears that fault. */
  private socketFaultInputs(): Input[] {
    const inputs: Input[] = [];
    for (const slot of this.slots.values()) {
      for (const instance of slot.instances) inputs.push({ kind: 'fault', instance, reason: EDGE_FAULT.socket, active: slot.error !== undefined });
    }
    return inputs;
  }

  private watchedInterfaces(): Set<string> {
    const names = new Set<string>();
    const g = this.config.global;
    for (const i of this.config.instances) {
      if (i.interface) names.add(i.interface);
      // VIP interfaces matter only when VIPs are managed: in UDP test mode without CAP_NET_ADMIN an
      // interface-less instance's VIP would otherwise fault it through a missing `default_interface`.
      if (this.edges.addresses) for (const v of [...i.vips, ...i.excludedVips]) names.add(v.dev ?? i.interface ?? g.defaultInterface);
      for (const t of i.trackInterfaces) names.add(t.name);
      // Route / rule interfaces (unless no_track) matter only when the routes are installed.
      if (this.edges.addresses && this.edges.routes) for (const n of routeTrackedInterfaces(i.virtualRoutes, i.virtualRules)) names.add(n);
    }
    for (const sg of this.config.syncGroups) for (const t of sg.trackInterfaces) names.add(t.name);
    return names;
  }

  // ─────────────────────────── transports ───────────────────────────

  /** Which transports the config needs; with `previous` (reload), a slot with the same key is reused. */
  private planSlots(previous?: ReadonlyMap<string, TransportSlot>): void {
    this.slots.clear();
    this.slotOf.clear();
    for (const inst of this.config.instances) {
      const unicast = inst.unicastPeers.length > 0;
      const ifname = inst.interface ?? '';
      const unicastSrc = unicast ? (inst.unicastSrcIp ?? this.edgeSourceFor(inst)) : this.edges.transportKind === 'udp' ? inst.mcastSrcIp : undefined;
      const key = `${inst.family}|${ifname}|${unicast ? `u:${unicastSrc ?? ''}` : 'm'}`;
      let slot = this.slots.get(key);
      if (!slot) {
        const old = previous?.get(key);
        if (old) {
          // Reused as is (its receive callback is bound to it); membership is planned afresh.
          old.previousGroups = [...old.groups];
          old.groups.clear();
          old.instances.length = 0;
          slot = old;
        } else {
          slot = { key, family: inst.family, ifname, unicastSrc, groups: new Set(), instances: [], transport: undefined, error: undefined, previousGroups: [] };
        }
        this.slots.set(key, slot);
      }
      if (!unicast) slot.groups.add(inst.mcastDstIp);
      slot.instances.push(inst.name);
      this.slotOf.set(inst.name, slot);
    }
  }

  /** The source a unicast instance without `unicast_src_ip` uses: its interface's primary address. */
  private edgeSourceFor(inst: VrrpInstanceConfig): string | undefined {
    if (!inst.interface) return undefined;
    const link = this.edges.links?.get(inst.interface);
    return link ? primaryAddress(link, inst.family) : undefined;
  }

  /** Opens every slot without a transport (a failed one is retried); a kept one joins / leaves groups. */
  private async openSlots(): Promise<void> {
    for (const slot of this.slots.values()) {
      if (!slot.transport) {
        await this.openSlot(slot);
        continue;
      }
      const t = slot.transport;
      const before = new Set(slot.previousGroups);
      for (const g of slot.groups) if (!before.has(g)) await t.join(g).catch((err: unknown) => this.log.warn({ event: 'socket.join-error', ifname: slot.ifname, group: g }, `cannot join ${g} on ${slot.ifname}: ${String(err)}`));
      for (const g of before) if (!slot.groups.has(g)) await t.leave(g).catch(() => undefined);
    }
  }

  private async openSlot(slot: TransportSlot): Promise<void> {
    try {
      slot.transport = await this.edges.openTransport(
        { ifname: slot.ifname, family: slot.family, ...(slot.unicastSrc ? { unicastSrc: slot.unicastSrc } : {}), mcastGroups: [...slot.groups] },
        (p) => this.onPacket(slot, p),
        (err) => this.log.warn({ event: 'socket.error', ifname: slot.ifname, errno: err.errno }, `receive error on ${slot.ifname || 'socket'}: ${err.message}`),
      );
      slot.error = undefined;
      this.log.info(
        { event: 'socket.open', ifname: slot.ifname, family: slot.family, kind: this.edges.transportKind },
        `VRRP sockpool: [interface(${slot.ifname || '-'}), family(IPv${slot.family}), ${slot.unicastSrc ? `unicast, address(${slot.unicastSrc})` : `multicast, address(${[...slot.groups].join(',')})`}]`,
      );
    } catch (err) {
      slot.error = err instanceof HavipdError ? err : new HavipdError('HAVIPD_SOCKET', String(err), { cause: err });
      this.log.error(
        { event: 'socket.error', ifname: slot.ifname, errno: slot.error.errno, instances: slot.instances },
        `(${slot.instances.join(', ')}) cannot open VRRP socket on ${slot.ifname || 'socket'}: ${slot.error.message} - entering FAULT`,
      );
    }
  }

  private async reopenSlotsOn(ifname: string): Promise<void> {
    for (const slot of this.slots.values()) {
      if (slot.ifname !== ifname) continue;
      await slot.transport?.close().catch(() => undefined);
      slot.transport = undefined;
      await this.openSlot(slot);
      for (const input of this.socketFaultInputs()) if (input.kind === 'fault' && slot.instances.includes(input.instance)) this.feed(input);
    }
  }

  private async closeSlots(): Promise<void> {
    for (const slot of this.slots.values()) {
      await slot.transport?.close().catch(() => undefined);
      slot.transport = undefined;
    }
  }

  // ─────────────────────────── effects ───────────────────────────

  private async performAll(effects: readonly Effect[]): Promise<void> {
    for (const e of effects) {
      try {
        await this.perform(e);
      } catch (err) {
        this.log.error({ event: 'effect.error', effect: e.kind, err }, `failed to perform ${e.kind}: ${err instanceof Error ? err.message : String(err)}`);
      }
      try {
        this.opts.onEffect?.(e);
      } catch (err) {
        this.log.error({ event: 'notify.error', effect: e.kind, err }, `notification hook failed: ${String(err)}`);
      }
    }
  }

  private async perform(e: Effect): Promise<void> {
    switch (e.kind) {
      case 'log':
        this.writeLog(e);
        return;
      case 'sendAdvert': {
        const slot = this.slotOf.get(e.instance);
        const t = slot?.transport;
        if (!slot || !t) return;
        const ipId = ((this.ipIds.get(e.instance) ?? 0) % 0xffff) + 1;
        this.ipIds.set(e.instance, ipId);
        for (const d of e.destinations) {
          try {
            await t.send(d.bytes, { src: e.src, dst: d.dst, ttl: d.ttl, ifname: slot.ifname, family: e.family, ...(e.family === 4 ? { ipId } : {}) });
          } catch (err) {
            const he = err instanceof HavipdError ? err : undefined;
            this.log.warn(
              { event: 'advert.send-error', instance: e.instance, dst: d.dst, errno: he?.errno },
              `(${e.instance}) failed to send advert to ${d.dst}: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        }
        return;
      }
      case 'addVips':
      case 'removeVips':
        await this.changeVips(e.kind === 'addVips' ? 'add' : 'remove', e.instance, e.vips);
        return;
      case 'addRoutes':
        await this.changeRoutes('add', e.instance, e.routes, e.rules);
        return;
      case 'removeRoutes':
        await this.changeRoutes('remove', e.instance, e.routes, e.rules);
        return;
      case 'sendGarp':
        await this.sendGarp(e);
        return;
      case 'transition':
      case 'groupTransition':
      case 'masterRxLowerPri':
      case 'priorityChange':
        // Notifications are performed by the onEffect hook (notify scripts, FIFO).
        return;
    }
  }

  private writeLog(e: Extract<Effect, { kind: 'log' }>): void {
    const fields: Record<string, unknown> = { event: e.event, ...(e.instance ? { instance: e.instance } : {}), ...(e.fields ?? {}) };
    this.log[e.level](fields, e.msg);
  }

  private vipInterface(instance: string, vip: VipConfig): string {
    const inst = this.config.instances.find((i) => i.name === instance);
    return vip.dev ?? inst?.interface ?? this.config.global.defaultInterface;
  }

  private async changeVips(op: 'add' | 'remove', instance: string, vips: readonly VipConfig[]): Promise<void> {
    const edge = this.edges.addresses;
    if (vips.length === 0) return;
    if (!edge) {
      if (!this.warnedNoVips) {
        this.warnedNoVips = true;
        this.log.warn({ event: 'vip.skipped' }, 'no CAP_NET_ADMIN: virtual IP addresses are not added or removed (UDP test mode)');
      }
      return;
    }
    const failed = new Set<string>();
    for (const vip of vips) {
      const ifname = this.vipInterface(instance, vip);
      try {
        if (op === 'add') await edge.add(vip, ifname);
        else await edge.remove(vip, ifname);
        this.log.debug({ event: op === 'add' ? 'vip.added' : 'vip.removed', instance, vip: `${vip.address}/${vip.prefix}`, ifname }, `(${instance}) ${op === 'add' ? 'Assigned' : 'Removed'} address ${vip.address}/${vip.prefix} ${op === 'add' ? 'to' : 'from'} ${ifname}`);
      } catch (err) {
        const he = err instanceof HavipdError ? err : undefined;
        this.log.error(
          { event: 'vip.error', instance, vip: `${vip.address}/${vip.prefix}`, ifname, errno: he?.errno },
          `(${instance}) cannot ${op} VIP ${vip.address}/${vip.prefix} on ${ifname}: ${err instanceof Error ? err.message : String(err)}`,
        );
        if (op === 'add') failed.add(ifname);
      }
    }
    if (op !== 'add') return;
    if (failed.size > 0) {
      // A MASTER that cannot hold its VIPs must not claim them: FAULT until the interface comes back.
      this.log.error({ event: 'vip.fault', instance, interfaces: [...failed] }, `(${instance}) cannot set its VIPs - entering FAULT state`);
      this.vipFaults.set(instance, failed);
      this.feed({ kind: 'fault', instance, reason: EDGE_FAULT.vipAdd, active: true });
    } else if (this.vipFaults.delete(instance)) {
      this.feed({ kind: 'fault', instance, reason: EDGE_FAULT.vipAdd, active: false });
    }
  }

  /** An interface came (back) up: instances whose VIPs failed on it leave that FAULT and may try again. */
  private retryVipFaults(ifname: string): void {
    for (const [instance, ifs] of [...this.vipFaults]) {
      if (!ifs.has(ifname)) continue;
      this.vipFaults.delete(instance);
      this.log.info({ event: 'vip.retry', instance, ifname }, `(${instance}) ${ifname} is up - clearing the VIP fault`);
      this.feed({ kind: 'fault', instance, reason: EDGE_FAULT.vipAdd, active: false });
    }
  }

  private async sendGarp(e: Extract<Effect, { kind: 'sendGarp' }>): Promise<void> {
    const frames = this.edges.frames;
    // An instance whose VIPs could not be added does not announce them (it is on its way to FAULT).
    if (e.reason !== 'leave-fault' && this.vipFaults.has(e.instance)) return;
    if (e.ifname === 'lo' || e.ifname === '') return; // never on loopback: no one to tell
    if (!frames) {
      if (!this.warnedNoFrames) {
        this.warnedNoFrames = true;
        this.log.warn({ event: 'garp.skipped' }, 'no CAP_NET_RAW: gratuitous ARP / unsolicited NA are not sent (UDP test mode)');
      }
      return;
    }
    const what = e.family === 4 ? 'gratuitous ARP' : 'unsolicited Neighbour Advert';
    this.log.debug(
      { event: 'garp.burst', instance: e.instance, ifname: e.ifname, reason: e.reason, repeat: e.repeat, addresses: e.addresses },
      `(${e.instance}) Sending/queueing ${e.family === 4 ? 'gratuitous ARPs' : 'Unsolicited Neighbour Adverts'} on ${e.ifname} for ${e.addresses.join(', ')}`,
    );
    for (let r = 0; r < e.repeat; r++) {
      for (const addr of e.addresses) {
        try {
          if (e.family === 4) await frames.sendGarp(e.ifname, addr);
          else await frames.sendNa(e.ifname, addr);
          this.log.debug({ event: 'garp.sent', instance: e.instance, ifname: e.ifname, address: addr, reason: e.reason }, `Sending ${what} on ${e.ifname} for ${addr}`);
        } catch (err) {
          const he = err instanceof HavipdError ? err : undefined;
          this.log.warn(
            { event: 'garp.error', instance: e.instance, ifname: e.ifname, address: addr, errno: he?.errno },
            `(${e.instance}) failed to send ${what} on ${e.ifname} for ${addr}: ${err instanceof Error ? err.message : String(err)}`,
          );
          return;
        }
      }
    }
  }
}

/** keepalived's source choice: first IPv4 address; for IPv6 the first link-local address. */
export function primaryAddress(link: LinkInfo, family: Family): string | undefined {
  const list = link.addresses[family];
  if (family === 4) return list[0]?.address;
  return list.find((a) => /^fe[89ab]/i.test(a.address))?.address;
}

export type { Micros };
