// The Supervisor (ARCHITECTURE.md §1): the one runtime shell around the pure VRRP core. It owns every edge
// and sink — transport, addresses, links, routes, GARP frames, trackers (scripts, files), notify scripts and
// FIFOs, SMTP alerts, dumps — and the start / reload / stop lifecycle. Its loop is raft's: feed an input,
// step the core, perform the effects in order (one exhaustive `switch`), arm one timer for the earliest
// deadline. It decides nothing about the protocol: which sockets to open, which packets reach the core,
// VIP faults, reload plans and notification order are the core's (src/vrrp). Every edge failure is logged
// and contained: it never takes the daemon down.
//
// Plug-in points for what comes next (status socket, metrics, switchover): `snapshot()` (core + edge state,
// read-only), `events()` / `onEvent` (a bounded ring of transitions, faults and reloads), and `submit()`
// (an input through the same step path as packets and timers).

import type { DaemonConfig, VipConfig } from '../config-parser/types.js';
import { VrrpCore } from '../vrrp/core.js';
import type { CoreSnapshot, Effect, Input, NotifyState, TransitionReason } from '../vrrp/effects.js';
import type { ReceivedPacket, VrrpState } from '../vrrp/types.js';
import type { Micros } from '../net/units.js';
import type { Logger } from '../log.js';
import { LOG_EVENT } from '../log-events.js';
import { HavipdError } from '../errors.js';
import { realtimeMicros, type Clock } from '../edges/clock.js';
import { createNodeDeadlineTimer, type DeadlineTimer } from '../edges/deadline-timer.js';
import { rehearsalConfig, rehearseTakeover } from './rehearse.js';
import type { AddressEdge } from '../edges/addresses.js';
import { defaultRulePreferences, type RouteEdge } from '../edges/routes.js';
import type { LinkEdge, LinkEvent } from '../edges/links.js';
import type { FrameSender } from '../edges/frames.js';
import type { ArpWatchEdge, ArpWatchHandlers } from '../edges/arp-watch.js';
import type { OpenTransport, SendOptions, Transport } from '../edges/transport/types.js';
import { authExtStats, type DumpInput, type InstanceRuntimeView } from './dumps.js';
import { nodeAuthHmacSeam } from '../edges/auth-hmac-crypto.js';
import type { Trackers } from '../tracking/trackers.js';
import { watchedInterfaces } from '../vrrp/watched-interfaces.js';
import { EDGE_FAULT } from '../vrrp/edge-faults.js';
import { planSockets, primaryAddress, socketAccepts, vipAddressSet, type SocketPlan } from '../vrrp/sockets.js';
import type { Family } from '../config-parser/types.js';
import { DEFAULT_SETTINGS, settingsFor, type HavipdSettings, type VerifySettings } from '../config-parser/settings.js';
import { claimWatchPlan, withHealing } from '../vrrp/healing.js';
import { VerifyRunner } from './verify-runner.js';
import type { VerifyView } from '../vrrp/verify.js';
import type { Spawner } from '../scripts/process.js';
import { staticChanges, staticItems, type StaticAddress, type StaticItems } from '../vrrp/static-plan.js';

export interface SupervisorEdges {
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
  /** The timer for the earliest deadline (timerfd: sub-ms); absent = Node's setTimeout (ms resolution). */
  readonly deadlineTimer?: DeadlineTimer | undefined;
  /**
   * Opens the claim watch's ARP sockets (src/vrrp/healing.ts "The claim watch"). Absent (or `frames` absent,
   * or it throws) = no claim watch.
   */
  readonly arpWatch?: ((handlers: ArpWatchHandlers) => ArpWatchEdge) | undefined;
}

/** Effects the notification sinks consume. */
export type NotificationEffect = Extract<Effect, { kind: 'transition' | 'notify' | 'groupTransition' | 'masterRxLowerPri' | 'priorityChange' | 'reannounce' }>;

/** Notify scripts + FIFO (src/notification/notify.ts `Notifier`). */
export interface NotifierSink {
  /** Opens the FIFOs and starts their scripts (before the instances start). */
  start(): void;
  handle(e: NotificationEffect): void;
  /** Before the core applies a new configuration. */
  reload(config: DaemonConfig): void;
  /** After it did: the FIFO lines of the reload go out in keepalived's order. */
  afterReload(snapshot: CoreSnapshot): void;
  /** After the STOP notifications: waits for them (bounded), then closes the FIFOs. */
  close(): Promise<void>;
}

/** SMTP alerts (src/notification/alerts.ts `SmtpAlerter`). */
export interface AlertSink {
  handle(e: NotificationEffect): void;
  reload(config: DaemonConfig): void;
  close(): Promise<void>;
}

/** What a configuration becomes before the core gets it: the trackers it runs, disabled scripts removed. */
export interface Prepared {
  readonly config: DaemonConfig;
  readonly trackers: Trackers | undefined;
}

/** `previous`: the trackers of the configuration being replaced (reload), for their carried-over values. */
export type Prepare = (config: DaemonConfig, previous: Trackers | undefined) => Prepared;

export interface SupervisorOptions {
  /** `-D`: detail logs. */
  readonly detail: boolean;
  /** Builds the trackers of a configuration (real: `prepareTrackers` + `withSecureNotifyScripts`). Default: none. */
  readonly prepare?: Prepare;
  /** The notification sinks for the (prepared) start-up configuration. Default: none. */
  readonly sinks?: (config: DaemonConfig) => { readonly notifier?: NotifierSink; readonly alerts?: AlertSink };
  /** Called for every event added to the ring (see `events()`); must not throw (it is caught and logged). */
  readonly onEvent?: (event: SupervisorEvent) => void;
  /** Read-only taps for an operations plane (status, metrics): errors are caught and logged. */
  readonly observer?: SupervisorObserver;
  /** The havipd settings file (issue 11 §4): verify / move commands, healing switches. Default: none. */
  readonly settings?: HavipdSettings;
  /** Runs verify / move commands (default: the real script runner); tests inject a fake. */
  readonly verifySpawn?: Spawner;
}

/** Sees what goes through the loop, without changing it. */
export interface SupervisorObserver {
  /** Every input fed through `feed` / `submit` (trackers, commands, environment; not packets or ticks), before the step. */
  onInput?(input: Input): void;
  /** Every packet a socket passes to the core (after the core's socket filter), before the step. */
  onPacket?(packet: ReceivedPacket): void;
  /** Every effect, after it was performed. */
  onEffect?(effect: Effect): void;
}

/** What happened, for `havipd events` and the like: transitions, tracker values, edge faults, reloads. */
export type SupervisorEvent =
  | { readonly at: number; readonly kind: 'transition'; readonly instance: string; readonly from: VrrpState; readonly to: NotifyState; readonly reason: TransitionReason; readonly priority: number }
  | { readonly at: number; readonly kind: 'groupTransition'; readonly group: string; readonly from: VrrpState; readonly to: NotifyState }
  | { readonly at: number; readonly kind: 'edgeFault'; readonly instance: string; readonly reason: string; readonly active: boolean; readonly detail: string }
  /** A tracker reported a new value: a vrrp_script's status, a link's state, a track_file's value. */
  | { readonly at: number; readonly kind: 'tracker'; readonly tracker: 'script' | 'link' | 'file'; readonly name: string; readonly value: boolean | number }
  | { readonly at: number; readonly kind: 'reload'; readonly result: ReloadResult }
  /** havipd: split-brain healing — the MASTER re-announced after hearing `peer` as MASTER too (src/vrrp/healing.ts). */
  | { readonly at: number; readonly kind: 'reannounce'; readonly instance: string; readonly peer: string; readonly peerPriority: number };

export interface ReloadResult {
  readonly ok: boolean;
  /** Why not (a reload that threw). */
  readonly error?: string;
  readonly instances: readonly string[];
}

/** One VRRP socket as the supervisor holds it. */
export interface SocketView extends Omit<SocketPlan, 'unicast'> {
  readonly open: boolean;
  readonly error: string | undefined;
}

/** Read-only view of the core and the edges (status, metrics, dumps). */
export interface SupervisorSnapshot extends CoreSnapshot {
  readonly sockets: readonly SocketView[];
  /** Addresses this daemon added and has not removed: `address/prefix` per interface. */
  readonly vipsPresent: Readonly<Record<string, readonly string[]>>;
  readonly counters: Readonly<SupervisorCounters>;
  readonly lastReload: ReloadResult | undefined;
  /** Announce-and-verify per instance with a verify command (issue 11 §3). */
  readonly verify: Readonly<Record<string, VerifyView>>;
}

export interface SupervisorCounters {
  /** Effects whose edge operation failed (logged). */
  effectErrors: number;
  /** Packets a socket received that the core's socket filter kept from the core. */
  packetsFiltered: number;
  /** Inputs the core threw on (a bug; logged). */
  coreBugs: number;
  /** Claim watch: ARP frames passed to the core, and malformed ones dropped (src/edges/arp-watch.ts). */
  arpFrames: number;
  arpMalformed: number;
}

/** A VRRP socket: the core's plan plus the transport opened for it. */
interface TransportSlot {
  plan: SocketPlan;
  transport: Transport | undefined;
  /** Why it could not be opened (the instances on it are in FAULT). */
  error: HavipdError | undefined;
  /** Multicast groups the kept transport had joined before a reload. */
  previousGroups: readonly string[];
}

/** keepalived's instance tag at the start of a message: `(VI_1) Entering MASTER STATE`. */
const tagged = (instance: string, msg: string): string => `(${instance}) ${msg}`;
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const errnoText = (err: unknown): string | undefined => (err instanceof HavipdError ? err.errno : undefined);

/** How many events `events()` keeps. */
export const EVENT_RING_SIZE = 256;

/** How long before a master-down timer's deadline the timerfd wakes the daemon (see `arm`). */
const DOWN_TIMER_EARLY = 2_000 as Micros;

/** Rounds of the start-up rehearsal of the takeover path (see `start`). */
const REHEARSAL_ROUNDS = 10;

export class Supervisor {
  private core: VrrpCore;
  private config: DaemonConfig;
  private trackers: Trackers | undefined;
  private readonly notifier: NotifierSink | undefined;
  private readonly alerts: AlertSink | undefined;
  private readonly slots = new Map<string, TransportSlot>();
  /** The slot each instance sends on (removed instances keep theirs until a reload has finished). */
  private readonly slotOf = new Map<string, TransportSlot>();
  /** The plans of `slots`, in order (drawn with them in `planSlots`). */
  private slotPlans: SocketPlan[] = [];
  private readonly deadlineTimer: DeadlineTimer;
  /** Log calls queued while a batch of effects runs (`later`); undefined outside a batch. */
  private pendingLogs: Array<() => void> | undefined;
  /** A deadline is armed on `deadlineTimer`. */
  private timer = false;
  /** When `timer` should fire (its deadline, or when it was armed if that was later). */
  private timerDue = 0 as Micros;
  /** An `arm` is queued on `chain` and has not run yet (see `stepAt`). */
  private armQueued = false;
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private stopped = false;
  private warnedNoVips = false;
  private warnedNoFrames = false;
  private warnedNoRoutes = false;
  /** Preferences keepalived gives rules without one (old configs' too, so removed rules go with theirs). */
  private rulePrefs = new Map<string, number>();
  /** Time of the last core step (see `stepAt`). */
  private lastStep = 0 as Micros;
  private readonly onLinkChange = (ev: LinkEvent): void => this.linkEvent(ev);
  private readonly vipsPresent = new Map<string, Set<string>>();
  private readonly counters: Omit<SupervisorCounters, 'arpFrames' | 'arpMalformed'> = { effectErrors: 0, packetsFiltered: 0, coreBugs: 0 };
  /** The claim watch's ARP sockets (opened after start-up; see `updateArpWatch`). */
  private arpWatch: ArpWatchEdge | undefined;
  /** Interfaces whose ARP watch failed (warned once each). */
  private readonly arpWarned = new Set<string>();
  private readonly ring: SupervisorEvent[] = [];
  private lastReload: ReloadResult | undefined;
  /** The reload in progress (reloads run one after the other). */
  private reloads: Promise<unknown> = Promise.resolve();
  /** The VIP addresses of `config`, never an interface's source (see `primaryOf`). */
  private vipSet: { readonly config: DaemonConfig; readonly set: ReadonlySet<string> } | undefined;
  /** One pino child per instance ({ instance, vrid }), for every line about it. */
  private readonly instanceLogs = new Map<string, Logger>();
  private settings: HavipdSettings;
  private readonly verify: VerifyRunner;

  constructor(
    config: DaemonConfig,
    private readonly edges: SupervisorEdges,
    private readonly opts: SupervisorOptions,
  ) {
    const prepared = opts.prepare ? opts.prepare(config, undefined) : { config, trackers: undefined };
    // The settings file's [healing] switches go into each instance's config for the core (src/vrrp/healing.ts).
    this.config = withHealing(prepared.config, (name) => settingsFor(opts.settings ?? DEFAULT_SETTINGS, name).healing);
    this.trackers = prepared.trackers;
    const sinks = opts.sinks?.(this.config) ?? {};
    this.notifier = sinks.notifier;
    this.alerts = sinks.alerts;
    // keepalived-compat: auth_hmac reads CLOCK_REALTIME at every sequence and window check (2.4.3 vrrp_auth_hmac.c
    // clock_seq, vrrp_auth_hmac_check), so a stepped wall clock moves it at once. Test: test/interop/clock-step.test.ts "auth_hmac".
    this.core = new VrrpCore(this.config, { detail: opts.detail, authHmac: nodeAuthHmacSeam(() => realtimeMicros(edges.clock)) });
    this.rulePrefs = defaultRulePreferences(this.config);
    this.deadlineTimer = edges.deadlineTimer ?? createNodeDeadlineTimer(() => edges.clock.now());
    this.settings = opts.settings ?? DEFAULT_SETTINGS;
    this.verify = new VerifyRunner({
      clock: edges.clock,
      ...(opts.verifySpawn ? { spawn: opts.verifySpawn } : {}),
      target: (name) => this.verifyTarget(name),
      regarp: (instance) => this.feed({ kind: 'command', command: { type: 'garp', instance } }),
      log: (e) => {
        this.writeLog(e);
        this.observe((o) => o.onEffect?.(e));
      },
    });
    this.verify.setSettings(this.verifySettings());
  }

  /** The settings file in force (issue 11 §4): the healing switches and verify commands, as plain data. */
  get currentSettings(): HavipdSettings {
    return this.settings;
  }

  /** Per instance of the configuration: its verify settings. */
  private verifySettings(): Record<string, VerifySettings> {
    return Object.fromEntries(this.config.instances.map((i) => [i.name, settingsFor(this.settings, i.name).verify]));
  }

  /** What a verify / move command is told: the instance's VIPs, its interface and that interface's MAC. */
  private verifyTarget(name: string): { vips: string[]; ifname: string; mac: string | undefined } | undefined {
    const c = this.config.instances.find((i) => i.name === name);
    if (!c) return undefined;
    const ifname = c.interface ?? this.config.global.defaultInterface;
    return { vips: c.vips.map((v) => v.address), ifname, mac: this.edges.links?.get(ifname)?.mac };
  }

  private get log(): Logger {
    return this.edges.logger;
  }

  /** The pino child of an instance: every line about it carries `{ instance, vrid }`. */
  private logOf(instance: string): Logger {
    let l = this.instanceLogs.get(instance);
    if (!l) {
      const vrid = this.config.instances.find((i) => i.name === instance)?.vrid;
      l = this.log.child({ instance, ...(vrid !== undefined ? { vrid } : {}) });
      this.instanceLogs.set(instance, l);
    }
    return l;
  }

  /** The configuration in force (after tracker preparation). */
  get currentConfig(): DaemonConfig {
    return this.config;
  }

  // ─────────────────────────── lifecycle ───────────────────────────

  /**
   * Start-up (keepalived `start_vrrp()`): notify FIFOs open and their scripts start, the trackers' known
   * values go in, sockets open, the environment (links, primary addresses) and socket faults go in, static
   * addresses / routes are installed, every instance starts; then the trackers run.
   */
  async start(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.notifier?.start();
    const initial: Input[] = [...(this.trackers?.initialInputs() ?? [])];
    for (const input of initial) this.feed(input);
    this.planSlots();
    await this.openSlots();
    await this.warmTakeoverPath();
    const environment = [...this.environmentInputs(this.watchedInterfaces()), ...this.socketFaultInputs()];
    for (const input of environment) this.feed(input);
    this.edges.links?.on('change', this.onLinkChange);
    await this.changeStatic('add', staticItems(this.config));
    this.feed({ kind: 'start' });
    await this.chain;
    this.trackers?.start((input) => this.feed(input));
    this.updateArpWatch();
    // After the first states are out: run the takeover path in a throw-away core (rehearse.ts), several times,
    // one round per turn of the event loop. One round compiles it; V8 only collects type feedback from a
    // function's later calls, and measured, a takeover step after one round took 0.6–2 ms, after ten 0.3–0.5 ms.
    const rehearsal = rehearsalConfig(this.config);
    const rehearse = (round: number): void => {
      if (this.stopped) return;
      try {
        rehearseTakeover(rehearsal, { detail: this.opts.detail, authHmac: nodeAuthHmacSeam(() => realtimeMicros(this.edges.clock)) }, [...initial, ...environment]);
      } catch {
        // Only a warm-up: a core bug shows on the real path, where it is counted and logged.
        return void this.prepareVipRequests();
      }
      if (round + 1 < REHEARSAL_ROUNDS) setImmediate(() => rehearse(round + 1));
      else void this.prepareVipRequests();
    };
    setImmediate(() => rehearse(0));
  }

  /**
   * Orderly shutdown (SIGTERM/SIGINT): MASTERs send priority 0 and drop their VIPs, STOP transitions,
   * static routes and addresses go, every socket is closed, the trackers stop. Resolves when all of it has
   * been performed. The sinks and edges stay open for `close()`.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.verify.stop();
    this.deadlineTimer.close();
    this.timer = false;
    const trackers = this.trackers?.stop();
    if (this.running) this.stepAt(this.edges.clock.now(), { kind: 'stop' });
    await this.chain;
    if (this.running) {
      await this.changeStatic('remove', staticItems(this.config));
    }
    this.edges.links?.off('change', this.onLinkChange);
    this.arpWatch?.close();
    await this.closeSlots();
    await trackers;
    this.running = false;
  }

  /**
   * After `stop()` (or instead of it, when it took too long): closes the edges, then lets the STOP
   * notifications finish (bounded by the notifier) and closes the FIFOs and the SMTP queue.
   */
  async close(): Promise<void> {
    this.edges.links?.close();
    this.edges.addresses?.close();
    void this.edges.frames?.close();
    await Promise.all([this.notifier?.close(), this.alerts?.close()]);
  }

  /**
   * SIGHUP: apply a new configuration (reference §3.15) as one transaction. Its trackers are prepared (their
   * statuses carried over), the sinks take the new scripts, the core applies the reload (matched instances
   * keep their state, removed ones release, new ones start), the reload's FIFO lines go out in keepalived's
   * order, then the old trackers stop and the new ones run. Sockets still used are kept, new ones opened,
   * unused ones closed after the removed instances' last adverts went out. A reload that throws leaves the
   * sinks on the running configuration; its result is in `snapshot().lastReload` and the event ring.
   */
  reload(newConfig: DaemonConfig, newSettings?: HavipdSettings): Promise<ReloadResult> {
    // One reload at a time: a SIGHUP during a reload waits for it.
    const next = this.reloads.then(async () => {
      const settings = newSettings ?? this.settings;
      const r = await this.reloadNow(withHealing(newConfig, (name) => settingsFor(settings, name).healing));
      // The settings go with the configuration they were checked against (a failed reload keeps both).
      if (r.ok && newSettings) this.settings = newSettings;
      if (r.ok) this.verify.setSettings(this.verifySettings());
      return r;
    });
    this.reloads = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(newConfig: DaemonConfig): Promise<ReloadResult> {
    if (this.stopped) return { ok: false, error: 'stopped', instances: [] };
    await this.chain;
    const previous = this.config;
    let sinksSwapped = false;
    let result: ReloadResult;
    try {
      const prepared = this.opts.prepare ? this.opts.prepare(newConfig, this.trackers) : { config: newConfig, trackers: undefined };
      const next = prepared.config;
      this.notifier?.reload(next);
      this.alerts?.reload(next);
      sinksSwapped = true;
      await this.applyReload(next);
      this.notifier?.afterReload(this.core.snapshot());
      await this.trackers?.stop();
      this.trackers = prepared.trackers;
      for (const input of this.trackers?.initialInputs() ?? []) this.feed(input);
      if (this.running) this.trackers?.start((input) => this.feed(input));
      result = { ok: true, instances: next.instances.map((i) => i.name) };
      // The new configuration's VIP objects: their requests are built after the reload has answered.
      setImmediate(() => void this.prepareVipRequests());
      this.updateArpWatch();
    } catch (err) {
      if (sinksSwapped) {
        this.notifier?.reload(previous);
        this.alerts?.reload(previous);
      }
      this.log.error({ event: LOG_EVENT.reloadError, err }, `reload failed: ${String(err)}`);
      result = { ok: false, error: errText(err), instances: this.config.instances.map((i) => i.name) };
    }
    this.lastReload = result;
    this.record({ at: this.edges.clock.epochMicros(), kind: 'reload', result });
    return result;
  }

  private async applyReload(newConfig: DaemonConfig): Promise<void> {
    if (!this.running) {
      this.config = newConfig;
      this.lastStep = Math.max(this.edges.clock.now(), this.lastStep) as Micros;
      this.core.step(this.lastStep, { kind: 'reload', config: newConfig });
      return;
    }
    const oldConfig = this.config;
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
    // The VIPs may have changed, and with them the kept interfaces' source addresses (issue 11 §6).
    for (const name of watched) {
      const link = oldWatched.has(name) ? this.edges.links?.get(name) : undefined;
      if (!link) continue;
      for (const family of [4, 6] as const) this.feed({ kind: 'interfaceAddress', ifname: name, family, address: this.primaryOf(link.addresses[family], family) });
    }
    // static_*: the items no longer configured go, the new ones come; unchanged ones are not touched.
    const changes = staticChanges(oldConfig, newConfig);
    await this.changeStatic('remove', changes.remove);
    await this.changeStatic('add', changes.add);
    this.feed({ kind: 'reload', config: newConfig });
    // Removed instances have logged their last lines (the reload's effects were queued with their child).
    this.chain = this.chain.then(() => this.instanceLogs.clear());
    for (const input of this.socketFaultInputs()) this.feed(input);
    await this.chain;
    this.slotOf.clear();
    for (const slot of this.slots.values()) for (const name of slot.plan.instances) this.slotOf.set(name, slot);
    for (const [key, slot] of oldSlots) {
      if (this.slots.get(key) === slot) continue;
      await slot.transport?.close().catch(() => undefined);
      slot.transport = undefined;
    }
  }

  // ─────────────────────────── read-only views ───────────────────────────

  /** The core's state and the edges' (sockets, VIPs present, counters, last reload). */
  snapshot(): SupervisorSnapshot {
    const vipsPresent: Record<string, string[]> = {};
    for (const [ifname, set] of this.vipsPresent) if (set.size > 0) vipsPresent[ifname] = [...set];
    return {
      ...this.core.snapshot(),
      sockets: [...this.slots.values()].map((s) => ({
        key: s.plan.key,
        family: s.plan.family,
        ifname: s.plan.ifname,
        unicastSrc: s.plan.unicastSrc,
        groups: s.plan.groups,
        instances: s.plan.instances,
        open: s.transport !== undefined,
        error: s.error?.message,
      })),
      vipsPresent,
      counters: { ...this.counters, arpFrames: this.arpWatch?.counters.frames ?? 0, arpMalformed: this.arpWatch?.counters.malformed ?? 0 },
      lastReload: this.lastReload,
      verify: this.verify.views(),
    };
  }

  /** The most recent events, oldest first (at most {@link EVENT_RING_SIZE}). */
  events(): readonly SupervisorEvent[] {
    return [...this.ring];
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
          ...(this.config.instances.find((i) => i.name === s.name)?.authHmac ? authExtStats(st) : {}),
        },
      };
    }
    const trackProcesses = this.trackers?.processViews();
    return { config: this.config, runtime, ...(trackProcesses ? { trackProcesses } : {}) };
  }

  /** Waits until every effect queued so far has been performed (tests and shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  // ─────────────────────────── the loop ───────────────────────────

  /**
   * Submits an input (a command such as a future switchover, or a tracker value) through the same path as
   * packets and timers: step the core now, perform its effects in order, re-arm the timer.
   */
  submit(input: Input): void {
    this.feed(input);
  }

  /** Runs one input through the core now and queues its effects. */
  feed(input: Input): void {
    const at = this.edges.clock.epochMicros();
    if (input.kind === 'script') this.record({ at, kind: 'tracker', tracker: 'script', name: input.name, value: input.ok });
    else if (input.kind === 'link') this.record({ at, kind: 'tracker', tracker: 'link', name: input.ifname, value: input.up });
    else if (input.kind === 'file') this.record({ at, kind: 'tracker', tracker: 'file', name: input.name, value: input.value });
    this.observe((o) => o.onInput?.(input));
    this.stepAt(this.edges.clock.now(), input);
  }

  /**
   * Steps the core at `now`, never earlier than the previous step (the core's time never goes back).
   * Timer ticks are stepped at the deadline they fired for rather than at the (later) moment the event
   * loop ran them: the core re-arms periodic timers from the step time, so a tick stepped 1–2 ms late
   * every advert_int would make the advert period drift (measured: 1001.5 ms instead of 1000 at
   * advert_int 1 before this). keepalived's µs timers drift by ~0.1 ms; ours do not drift at all.
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
      this.counters.coreBugs++;
      this.log.error({ event: LOG_EVENT.coreBug, input: input.kind, err }, `internal error while handling ${input.kind}`);
      effects = [];
    }
    if (effects.length > 0) this.chain = this.chain.then(() => this.performAll(effects));
    // One re-arm for a run of steps (a drain of 255 adverts is one, not 255 promise reactions): `arm` reads only the
    // core's deadlines, which every step has already updated, so an arm queued before this step's effects is as
    // good as one after them; a step that an effect feeds in later queues its own.
    if (this.armQueued) return;
    this.armQueued = true;
    this.chain = this.chain.then(() => {
      this.armQueued = false;
      this.arm();
    });
  }

  /** One timer, for the earliest deadline of all instances. */
  private arm(): void {
    if (this.stopped) return;
    const armedAt = this.edges.clock.now();
    // An overdue timer is not replaced: when the loop polled the sockets before running it (a resumed
    // epoll_wait may return events rather than EINTR), it must still fire to report how late it is.
    if (this.timer && armedAt >= this.timerDue) return;
    const deadline = this.core.nextDeadline();
    if (deadline === undefined) {
      if (this.timer) this.deadlineTimer.cancel();
      this.timer = false;
      return;
    }
    // Same deadline already armed: nothing to do (saves a timerfd_settime per packet at scale).
    if (this.timer && this.timerDue === Math.max(deadline, armedAt)) return;
    this.timerDue = Math.max(deadline, armedAt) as Micros;
    this.timer = true;
    // havipd: a master-down timer is woken DOWN_TIMER_EARLY before its deadline and the rest is waited out on
    // the CPU: on a VM, a sleeping process wakes 1–2 ms after its timer fires (measured here 1.4–1.8 ms), and
    // that delay is all of a takeover's lateness. It only happens when the master has been silent for its
    // whole Master_Down_Interval less 2 ms; adverts that come in meanwhile are read before the step (below).
    const early = this.deadlineTimer.precise && this.core.isDownTimer(deadline) ? DOWN_TIMER_EARLY : 0;
    this.deadlineTimer.arm((deadline - early) as Micros, () => {
      this.timer = false;
      if (early === 0) return this.fire(deadline, armedAt, 0);
      // Woken early for a down timer: read the sockets now rather than after the deadline. That read is the first
      // code to run after the wake-up and took 100–350 µs of the takeover; done here, the one after the deadline
      // (below) finds the code warm and the queue empty (~20 µs). An advert it reads re-arms the down timer (the
      // arm queued by its step takes over), unless the deadline has passed meanwhile: then the tick is stepped as
      // before, after the adverts, and the core decides.
      void this.drainTransports().then(() => {
        if (this.core.nextDeadline() !== deadline && this.edges.clock.now() < deadline) return;
        this.fire(deadline, armedAt, early);
      });
    });
  }

  /** The armed deadline's callback: wait out an early wake-up, read the sockets, step the tick. */
  private fire(deadline: Micros, armedAt: Micros, early: Micros | 0): void {
    let at = this.edges.clock.now();
    // Woken early for a down timer: wait for the deadline (at most DOWN_TIMER_EARLY). In the addon when it can: a
    // loop here on the clock allocates BigInts on every read (~250 KB a millisecond), and the scavenge that set off
    // ended the wait 0.2–0.6 ms late in 8 of 12 takeovers traced (0 of 12 in the addon). The loop is the fallback,
    // bounded in count too.
    if (early > 0 && at < deadline && at >= deadline - early && this.deadlineTimer.waitUntil) {
      this.deadlineTimer.waitUntil(deadline);
      at = this.edges.clock.now();
    }
    for (let k = 0; early > 0 && at < deadline && at >= deadline - early && k < 10_000_000; k++) at = this.edges.clock.now();
    // libuv timers count from a cached loop time and may fire a little early: wait for the rest then.
    if (at < deadline) return this.arm();
    // How late the process ran this timer (frozen, or the host too busy): the core decides what that means.
    const late = (at - Math.max(deadline, armedAt)) as Micros;
    // keepalived-compat: adverts that arrived before the deadline win over it (issue 8 §2). keepalived's
    // socket read thread carries the timeout, so a resumed epoll reports the socket and the queued adverts
    // re-arm the down timer first; the event loop runs expired timers before polling, so read them here.
    // Test: test/unit/runtime/supervisor-drain.test.ts "keepalived-compat: a down timer run late with adverts queued"; test/interop/vrrp-freeze.test.ts.
    void this.drainTransports().then(() => this.stepAt(deadline, { kind: 'tick', woke: { at, late } }));
  }

  /** Feeds the core every datagram already waiting in the VRRP sockets (bounded per transport). */
  private async drainTransports(): Promise<void> {
    const open = [...this.slots.values()].flatMap((s) => (s.transport ? [s.transport] : []));
    await Promise.all(open.map((t) => t.drainPending().catch(() => undefined)));
  }

  private onPacket(slot: TransportSlot, packet: ReceivedPacket): void {
    // Read first: the packet's age was measured when it was read, a few microseconds ago.
    const now = this.edges.clock.now();
    if (!socketAccepts(slot.plan, packet, this.slotPlans)) {
      this.counters.packetsFiltered++;
      return;
    }
    if (this.opts.observer) this.observe((o) => o.onPacket?.(packet));
    // havipd: stepped at the kernel's receive time (never before the previous step), so a BACKUP's down timer
    // runs from the advert's arrival, not from when a busy event loop read it (issue 12 §4); keepalived
    // counts from its read. Test: test/unit/runtime/supervisor-drain.test.ts "the down timer counts from the kernel's receive time".
    this.stepAt(packet.ageMicros !== undefined ? ((now - packet.ageMicros) as Micros) : now, { kind: 'packet', packet });
  }

  private observe(call: (o: SupervisorObserver) => void): void {
    const o = this.opts.observer;
    if (!o) return;
    try {
      call(o);
    } catch (err) {
      this.log.error({ event: LOG_EVENT.hookError, err }, `observer failed: ${String(err)}`);
    }
  }

  private linkEvent(ev: LinkEvent): void {
    const name = ev.link.name;
    if (!this.watchedInterfaces().has(name)) return;
    switch (ev.type) {
      case 'link-up':
      case 'link-down':
        this.feed({ kind: 'link', ifname: name, up: ev.type === 'link-up' });
        break;
      case 'link-added':
        this.edges.frames?.forget(name);
        this.arpWatch?.forget(name);
        this.updateArpWatch();
        this.feed({ kind: 'link', ifname: name, up: ev.link.up, added: true });
        void this.reopenSlotsOn(name).then(async () => {
          await this.warmTakeoverPath(name);
          await this.prepareVipRequests(name);
        });
        break;
      case 'link-removed':
        this.edges.frames?.forget(name);
        this.arpWatch?.forget(name);
        this.feed({ kind: 'link', ifname: name, up: false });
        break;
      case 'address-added':
      case 'address-removed':
        for (const family of [4, 6] as const) {
          if (ev.address.family !== family) continue;
          this.feed({ kind: 'interfaceAddress', ifname: name, family, address: this.primaryOf(ev.link.addresses[family], family) });
        }
        break;
      case 'link-changed':
        if (ev.link.mac !== ev.previous.mac) this.edges.frames?.forget(name);
        break;
    }
  }

  /** An interface's source address for the core: its primary address that is no VIP (issue 11 §6, src/vrrp/sockets.ts). */
  private primaryOf(addresses: readonly { readonly address: string }[], family: Family): string | undefined {
    if (this.vipSet?.config !== this.config) this.vipSet = { config: this.config, set: vipAddressSet(this.config) };
    return primaryAddress(addresses, family, this.vipSet.set);
  }

  /** Link states and primary addresses of these interfaces (every one the config uses, before `start`). */
  private environmentInputs(names: ReadonlySet<string>): Input[] {
    const inputs: Input[] = [];
    const links = this.edges.links;
    for (const name of names) {
      const link = links?.get(name);
      if (links) inputs.push({ kind: 'link', ifname: name, up: link?.up ?? false });
      for (const family of [4, 6] as const) {
        const address = link ? this.primaryOf(link.addresses[family], family) : undefined;
        if (address !== undefined) inputs.push({ kind: 'interfaceAddress', ifname: name, family, address });
      }
    }
    return inputs;
  }

  /** A transport that could not be opened faults its instances; one that is open clears that fault. */
  private socketFaultInputs(): Input[] {
    const inputs: Input[] = [];
    for (const slot of this.slots.values()) {
      for (const instance of slot.plan.instances) inputs.push({ kind: 'fault', instance, reason: EDGE_FAULT.socket, active: slot.error !== undefined });
    }
    return inputs;
  }

  /**
   * The claim watch (src/vrrp/healing.ts): ARP sockets on the interfaces of the configuration's IPv4 VIPs,
   * opened after start-up and re-planned after a reload or a link's return. Needs the frame sender (its
   * probes) and the addon; without them there is none, silently (UDP test mode).
   */
  private updateArpWatch(): void {
    if (this.stopped || !this.edges.arpWatch || !this.edges.frames) return;
    try {
      this.arpWatch ??= this.edges.arpWatch({
        onFrame: (ifname, arp) => this.feed({ kind: 'arp', ifname, senderIp: arp.senderIp, senderMac: arp.senderMac }),
        onError: (ifname, err) => {
          if (this.arpWarned.has(ifname)) return;
          this.arpWarned.add(ifname);
          this.log.warn({ event: LOG_EVENT.arpWatchError, ifname, errno: err.errno }, `claim watch on ${ifname} unavailable: ${err.message}`);
        },
      });
      this.arpWatch.update(claimWatchPlan(this.config));
    } catch (err) {
      this.log.warn({ event: LOG_EVENT.arpWatchError, err }, `claim watch unavailable: ${errText(err)}`);
    }
  }

  private watchedInterfaces(): Set<string> {
    const managesVips = this.edges.addresses !== undefined;
    return watchedInterfaces(this.config, { managesVips, managesRoutes: managesVips && this.edges.routes !== undefined });
  }


  private record(event: SupervisorEvent): void {
    this.ring.push(event);
    if (this.ring.length > EVENT_RING_SIZE) this.ring.shift();
    try {
      this.opts.onEvent?.(event);
    } catch (err) {
      this.log.error({ event: LOG_EVENT.hookError, err }, `event hook failed: ${String(err)}`);
    }
  }

  // ─────────────────────────── transports ───────────────────────────

  /** The sockets the core plans for the config; with `previous` (reload), a slot with the same key is reused. */
  private planSlots(previous?: ReadonlyMap<string, TransportSlot>): void {
    this.slots.clear();
    this.slotOf.clear();
    this.slotPlans = [];
    const links = this.edges.links;
    const plans = planSockets(this.config, {
      udp: this.edges.transportKind === 'udp',
      primaryOf: (ifname, family) => {
        const link = links?.get(ifname);
        return link ? this.primaryOf(link.addresses[family], family) : undefined;
      },
    });
    for (const plan of plans) {
      const old = previous?.get(plan.key);
      // A kept slot is reused as is (its receive callback is bound to it); its membership changes in openSlots.
      let slot: TransportSlot;
      if (old) {
        old.previousGroups = old.plan.groups;
        old.plan = plan;
        slot = old;
      } else {
        slot = { plan, transport: undefined, error: undefined, previousGroups: [] };
      }
      this.slots.set(plan.key, slot);
      this.slotPlans.push(plan);
      for (const name of plan.instances) this.slotOf.set(name, slot);
    }
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
      const now = new Set(slot.plan.groups);
      const ifname = slot.plan.ifname;
      for (const g of now) if (!before.has(g)) await t.join(g).catch((err: unknown) => this.log.warn({ event: LOG_EVENT.socketJoinError, ifname, group: g }, `cannot join ${g} on ${ifname}: ${String(err)}`));
      for (const g of before) if (!now.has(g)) await t.leave(g).catch(() => undefined);
    }
  }

  private async openSlot(slot: TransportSlot): Promise<void> {
    const p = slot.plan;
    try {
      slot.transport = await this.edges.openTransport(
        { ifname: p.ifname, family: p.family, ...(p.unicastSrc ? { unicastSrc: p.unicastSrc } : {}), mcastGroups: [...p.groups] },
        (packet) => this.onPacket(slot, packet),
        (err) => this.log.warn({ event: LOG_EVENT.socketError, ifname: p.ifname, errno: err.errno }, `receive error on ${p.ifname || 'socket'}: ${err.message}`),
      );
      slot.error = undefined;
      this.log.info(
        { event: LOG_EVENT.socketOpen, ifname: p.ifname, family: p.family, kind: this.edges.transportKind },
        `VRRP sockpool: [interface(${p.ifname || '-'}), family(IPv${p.family}), ${p.unicastSrc ? `unicast, address(${p.unicastSrc})` : `multicast, address(${p.groups.join(',')})`}]`,
      );
    } catch (err) {
      slot.error = err instanceof HavipdError ? err : new HavipdError('HAVIPD_SOCKET', String(err), { cause: err });
      this.log.error(
        { event: LOG_EVENT.socketError, ifname: p.ifname, errno: slot.error.errno, instances: p.instances },
        `(${p.instances.join(', ')}) cannot open VRRP socket on ${p.ifname || 'socket'}: ${slot.error.message} - entering FAULT`,
      );
      for (const instance of p.instances) this.record({ at: this.edges.clock.epochMicros(), kind: 'edgeFault', instance, reason: EDGE_FAULT.socket, active: true, detail: slot.error.message });
    }
  }

  /**
   * Opens the AF_PACKET sockets (reads the MACs) of every VIP interface and loads the netlink backend
   * with one address dump per interface, so that the first takeover does not pay for them between its
   * first advert and its first GARP (issue 12 §4: they cost 3–7 ms there). A failure here is ignored:
   * the same call on the takeover path reports it (and faults the instance) as before.
   */
  private async warmTakeoverPath(only?: string): Promise<void> {
    const names = new Set<string>();
    for (const inst of this.config.instances) {
      for (const vip of inst.vips) {
        const ifname = vip.dev ?? inst.interface ?? this.config.global.defaultInterface;
        if (ifname && (only === undefined || ifname === only)) names.add(ifname);
      }
    }
    for (const ifname of names) {
      try {
        this.edges.frames?.prepare?.(ifname);
      } catch {
        // reported by the first GARP on this interface
      }
      await this.edges.addresses?.list(ifname, 4).catch(() => undefined);
    }
  }

  /**
   * Builds the netlink requests that add and remove every VIP (of `only`'s interface), so that a takeover
   * only sends them (issue 12 §4). Run after the first states are out, after a reload and when a link comes
   * back (a new ifindex); a VIP without one is encoded on the takeover path as before.
   */
  private async prepareVipRequests(only?: string): Promise<void> {
    const edge = this.edges.addresses;
    if (!edge?.prepare) return;
    for (const inst of this.config.instances) {
      for (const vip of inst.vips) {
        const ifname = vip.dev ?? inst.interface ?? this.config.global.defaultInterface;
        if (ifname && (only === undefined || ifname === only)) await edge.prepare(vip, ifname).catch(() => undefined);
      }
    }
  }

  private async reopenSlotsOn(ifname: string): Promise<void> {
    for (const slot of this.slots.values()) {
      if (slot.plan.ifname !== ifname) continue;
      await slot.transport?.close().catch(() => undefined);
      slot.transport = undefined;
      await this.openSlot(slot);
      for (const instance of slot.plan.instances) this.feed({ kind: 'fault', instance, reason: EDGE_FAULT.socket, active: slot.error !== undefined });
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
    // Log lines of the batch are formatted and written after it (issue 12 §4): on a takeover, the five or
    // more lines (MASTER, VIPs, one per gratuitous ARP) cost 0.2–0.5 ms each between the first advert and
    // the first GARP. They keep their order; only the packets go out first.
    this.pendingLogs = [];
    try {
      await this.performBatch(effects);
    } finally {
      const writes = this.pendingLogs;
      this.pendingLogs = undefined;
      for (const write of writes) write();
    }
  }

  /** Runs `write` (a log call) now, or after the batch of effects being performed. */
  private later(write: () => void): void {
    if (this.pendingLogs) this.pendingLogs.push(write);
    else write();
  }

  private async performBatch(effects: readonly Effect[]): Promise<void> {
    for (const e of effects) {
      // The core may have changed its mind since it computed this batch (a VIP fault reported meanwhile).
      if (!this.core.stillWanted(e)) continue;
      try {
        // An advert on a raw socket is sent synchronously (`sendAdvert`): no promise per effect, so a tick of
        // 255 adverts is one loop rather than 255 chained awaits.
        const pending = e.kind === 'sendAdvert' ? this.sendAdvert(e) : this.perform(e);
        if (pending) await pending;
      } catch (err) {
        this.counters.effectErrors++;
        this.later(() => this.log.error({ event: LOG_EVENT.effectError, effect: e.kind, err }, `failed to perform ${e.kind}: ${errText(err)}`));
      }
      if (this.opts.observer) this.observe((o) => o.onEffect?.(e));
    }
  }

  /** Every effect kind, in one exhaustive switch: an effect kind added to the core fails to compile here. */
  private async perform(e: Effect): Promise<void> {
    switch (e.kind) {
      case 'log':
        this.writeLog(e);
        return;
      case 'sendAdvert':
        await this.sendAdvert(e);
        return;
      case 'addVips':
        await this.changeVips('add', e.instance, e.vips, e.interfaces);
        return;
      case 'removeVips':
        await this.changeVips('remove', e.instance, e.vips, e.interfaces);
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
        this.record({ at: this.edges.clock.epochMicros(), kind: 'transition', instance: e.instance, from: e.from, to: e.to, reason: e.reason, priority: e.priority });
        this.notify(e);
        // After the VIPs and the GARP burst of becoming MASTER (the order of effects): verification starts.
        if (e.to === 'MASTER' || e.from === 'MASTER') this.verify.master(e.instance, e.to === 'MASTER');
        return;
      case 'groupTransition':
        this.record({ at: this.edges.clock.epochMicros(), kind: 'groupTransition', group: e.group, from: e.from, to: e.to });
        this.notify(e);
        return;
      case 'reannounce':
        // The GARP burst went out with the core's sendGarp effects; this is the count, the record and the scripts.
        this.record({ at: this.edges.clock.epochMicros(), kind: 'reannounce', instance: e.instance, peer: e.peer, peerPriority: e.peerPriority });
        this.notify(e);
        return;
      case 'sendArpProbe':
        await this.edges.frames?.sendArpProbe(e.ifname, e.address);
        return;
      case 'notify':
      case 'masterRxLowerPri':
      case 'priorityChange':
        this.notify(e);
        return;
      default: {
        const unhandled: never = e;
        throw new Error(`bug: unhandled effect ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** Notify scripts, FIFO lines and SMTP alerts; a failing sink is logged and the others still run. */
  private notify(e: NotificationEffect): void {
    for (const sink of [this.notifier, this.alerts]) {
      try {
        sink?.handle(e);
      } catch (err) {
        this.log.error({ event: LOG_EVENT.notifyError, effect: e.kind, err }, `notification hook failed: ${String(err)}`);
      }
    }
  }

  private writeLog(e: Extract<Effect, { kind: 'log' }>): void {
    if (e.instance === undefined) {
      this.log[e.level]({ event: e.event, ...e.fields }, e.msg);
      return;
    }
    // The child carries instance and vrid; the core's msg already has keepalived's tag.
    const { vrid: _vrid, ...fields } = e.fields ?? {};
    const log = this.logOf(e.instance);
    this.later(() => log[e.level]({ event: e.event, ...fields }, e.msg));
  }

  /**
   * Sends the advert to each destination. With a transport that sends synchronously (raw sockets, `sendNow`)
   * it is done on return; otherwise the returned promise settles when it is. A failed copy is logged, never thrown.
   */
  private sendAdvert(e: Extract<Effect, { kind: 'sendAdvert' }>): Promise<void> | undefined {
    const slot = this.slotOf.get(e.instance);
    const t = slot?.transport;
    if (!slot || !t) return undefined;
    const ifname = slot.plan.ifname;
    const dests = e.destinations;
    for (let k = 0; k < dests.length; k++) {
      const d = dests[k]!;
      if (!t.sendNow) return this.sendAdvertLater(e, t, ifname, k);
      const opts: SendOptions = e.ipId !== undefined ? { src: e.src, dst: d.dst, ttl: d.ttl, ifname, family: e.family, ipId: e.ipId } : { src: e.src, dst: d.dst, ttl: d.ttl, ifname, family: e.family };
      try {
        t.sendNow(d.bytes, opts);
      } catch (err) {
        this.advertSendFailed(e, d.dst, err);
      }
    }
    return undefined;
  }

  /** `sendAdvert` through a transport's promise (UDP), from destination `from` on. */
  private async sendAdvertLater(e: Extract<Effect, { kind: 'sendAdvert' }>, t: Transport, ifname: string, from: number): Promise<void> {
    for (const d of e.destinations.slice(from)) {
      try {
        await t.send(d.bytes, { src: e.src, dst: d.dst, ttl: d.ttl, ifname, family: e.family, ...(e.ipId !== undefined ? { ipId: e.ipId } : {}) });
      } catch (err) {
        this.advertSendFailed(e, d.dst, err);
      }
    }
  }

  private advertSendFailed(e: Extract<Effect, { kind: 'sendAdvert' }>, dst: string, err: unknown): void {
    this.later(() => this.logOf(e.instance).warn({ event: LOG_EVENT.advertSendError, dst, errno: errnoText(err) }, tagged(e.instance, `failed to send advert to ${dst}: ${errText(err)}`)));
  }

  private async changeVips(op: 'add' | 'remove', instance: string, vips: readonly VipConfig[], interfaces: readonly string[]): Promise<void> {
    const edge = this.edges.addresses;
    if (vips.length === 0) return;
    if (!edge) {
      if (!this.warnedNoVips) {
        this.warnedNoVips = true;
        this.log.warn({ event: LOG_EVENT.vipSkipped }, 'no CAP_NET_ADMIN: virtual IP addresses are not added or removed (UDP test mode)');
      }
      return;
    }
    const failed = new Set<string>();
    for (const [n, vip] of vips.entries()) {
      const ifname = interfaces[n]!;
      const address = `${vip.address}/${vip.prefix}`;
      try {
        if (op === 'add') await edge.add(vip, ifname);
        else await edge.remove(vip, ifname);
        const present = this.vipsPresent.get(ifname) ?? new Set<string>();
        if (op === 'add') present.add(address);
        else present.delete(address);
        this.vipsPresent.set(ifname, present);
        this.later(() => this.logOf(instance).debug({ event: op === 'add' ? LOG_EVENT.vipAdded : LOG_EVENT.vipRemoved, vip: address, ifname }, tagged(instance, `${op === 'add' ? 'Assigned' : 'Removed'} address ${address} ${op === 'add' ? 'to' : 'from'} ${ifname}`)));
      } catch (err) {
        this.later(() => this.logOf(instance).error({ event: LOG_EVENT.vipError, vip: address, ifname, errno: errnoText(err) }, tagged(instance, `cannot ${op} VIP ${address} on ${ifname}: ${errText(err)}`)));
        if (op === 'add') failed.add(ifname);
      }
    }
    if (op !== 'add') return;
    // The outcome goes to the core, which keeps the VIP fault (and clears it when an interface comes back).
    if (failed.size > 0) {
      this.later(() => this.logOf(instance).error({ event: LOG_EVENT.vipFault, interfaces: [...failed] }, tagged(instance, 'cannot set its VIPs - entering FAULT state')));
      this.record({ at: this.edges.clock.epochMicros(), kind: 'edgeFault', instance, reason: EDGE_FAULT.vipAdd, active: true, detail: [...failed].join(',') });
    }
    this.feed({ kind: 'fault', instance, reason: EDGE_FAULT.vipAdd, active: failed.size > 0, interfaces: [...failed] });
  }

  /**
   * `static_ipaddress` (reference §1.9.1): addresses keepalived installs at start and removes at stop,
   * whatever the VRRP states (they do not move). A failure is logged; there is no instance to fault.
   */
  private async changeStatic(op: 'add' | 'remove', items: StaticItems): Promise<void> {
    // Addresses before routes when adding (a route may need its source address), routes first when removing.
    if (op === 'remove') await this.changeRoutes(op, undefined, items.routes, items.rules);
    await this.changeStaticAddresses(op, items.addresses);
    if (op === 'add') await this.changeRoutes(op, undefined, items.routes, items.rules);
  }

  private async changeStaticAddresses(op: 'add' | 'remove', addresses: readonly StaticAddress[]): Promise<void> {
    const edge = this.edges.addresses;
    if (addresses.length === 0) return;
    if (!edge) {
      this.log.warn({ event: LOG_EVENT.staticSkipped, count: addresses.length }, 'no CAP_NET_ADMIN: static_ipaddress entries are not installed (UDP test mode)');
      return;
    }
    for (const { vip, ifname } of addresses) {
      const address = `${vip.address}/${vip.prefix}`;
      try {
        if (op === 'add') await edge.add(vip, ifname);
        else await edge.remove(vip, ifname);
        this.log.info({ event: op === 'add' ? LOG_EVENT.staticAdded : LOG_EVENT.staticRemoved, address, ifname }, `${op === 'add' ? 'Adding' : 'Removing'} static address ${address} ${op === 'add' ? 'to' : 'from'} ${ifname}`);
      } catch (err) {
        this.log.error({ event: LOG_EVENT.staticError, address, ifname, errno: errnoText(err) }, `cannot ${op} static address ${address} on ${ifname}: ${errText(err)}`);
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
        this.log.warn({ event: LOG_EVENT.routeSkipped }, 'no CAP_NET_ADMIN: virtual / static routes and rules are not installed (UDP test mode)');
      }
      return;
    }
    const log = instance === undefined ? this.log : this.logOf(instance);
    const say = (msg: string): string => (instance === undefined ? msg : tagged(instance, msg));
    const kind = instance === undefined ? 'static' : 'virtual';
    const routeSteps = routes.map((r) => ['route', r] as const);
    const ruleSteps = rules.map((r) => ['rule', r] as const);
    const steps = op === 'add' ? [...routeSteps, ...ruleSteps] : [...ruleSteps, ...routeSteps];
    for (const [what, item] of steps) {
      try {
        if (what === 'route') await (op === 'add' ? edge.addRoute(item) : edge.removeRoute(item));
        else await (op === 'add' ? edge.addRule(item, this.rulePrefs.get(item)) : edge.removeRule(item, this.rulePrefs.get(item)));
        const event = what === 'route' ? (op === 'add' ? LOG_EVENT.routeAdded : LOG_EVENT.routeRemoved) : op === 'add' ? LOG_EVENT.ruleAdded : LOG_EVENT.ruleRemoved;
        this.later(() => log.debug({ event, item }, say(`${op === 'add' ? 'Added' : 'Removed'} ${kind} ${what} ${item}`)));
      } catch (err) {
        this.later(() => log.error({ event: what === 'route' ? LOG_EVENT.routeError : LOG_EVENT.ruleError, item, errno: errnoText(err) }, say(`cannot ${op} ${kind} ${what} ${item}: ${errText(err)}`)));
      }
    }
  }

  private async sendGarp(e: Extract<Effect, { kind: 'sendGarp' }>): Promise<void> {
    const frames = this.edges.frames;
    if (!frames) {
      if (!this.warnedNoFrames) {
        this.warnedNoFrames = true;
        this.log.warn({ event: LOG_EVENT.garpSkipped }, 'no CAP_NET_RAW: gratuitous ARP / unsolicited NA are not sent (UDP test mode)');
      }
      return;
    }
    const what = e.family === 4 ? 'gratuitous ARP' : 'unsolicited Neighbour Advert';
    const log = this.logOf(e.instance);
    this.later(() =>
      log.debug(
        { event: LOG_EVENT.garpBurst, ifname: e.ifname, reason: e.reason, repeat: e.repeat, addresses: e.addresses },
        tagged(e.instance, `Sending/queueing ${e.family === 4 ? 'gratuitous ARPs' : 'Unsolicited Neighbour Adverts'} on ${e.ifname} for ${e.addresses.join(', ')}`),
      ),
    );
    for (let r = 0; r < e.repeat; r++) {
      for (const addr of e.addresses) {
        try {
          if (e.family === 4) await frames.sendGarp(e.ifname, addr);
          else await frames.sendNa(e.ifname, addr);
          this.later(() => log.debug({ event: LOG_EVENT.garpSent, ifname: e.ifname, address: addr, reason: e.reason }, `Sending ${what} on ${e.ifname} for ${addr}`));
        } catch (err) {
          this.later(() => log.warn({ event: LOG_EVENT.garpError, ifname: e.ifname, address: addr, errno: errnoText(err) }, tagged(e.instance, `failed to send ${what} on ${e.ifname} for ${addr}: ${errText(err)}`)));
          return;
        }
      }
    }
  }
}
