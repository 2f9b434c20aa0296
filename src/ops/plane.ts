// The operations plane (issue 10): the control socket, metrics, systemd notify, maintenance persistence and
// the event ring, on one narrow interface to the daemon (`OpsSource`: a read-only snapshot, the config in
// force, the kernel's links, and `submit` through the same step path as every other input). It decides
// nothing about VRRP: commands are core inputs (src/vrrp/commands.ts).

import { LOG_EVENT } from '../log-events.js';
import type { DaemonConfig } from '../config-parser/types.js';
import type { Logger } from '../log.js';
import { planCommand, type Command, type CommandPlan } from '../vrrp/commands.js';
import type { CoreSnapshot, Effect, Input } from '../vrrp/effects.js';
import { masterDownInterval } from '../vrrp/timers.js';
import type { ReceivedPacket } from '../vrrp/types.js';
import { micros } from '../net/units.js';
import type { LinkInfo } from '../edges/links.js';
import { ControlError, ControlServer, type ControlHandlers, type PeerCredentials } from './control-server.js';
import { MaintenanceStore } from './maintenance-store.js';
import type { MetricsServer } from './metrics.js';
import { OpsRecorder, type RecorderClock } from './recorder.js';
import { SdNotifier, type SendDatagram } from './sd-notify.js';
import { buildStatus, type DaemonStatus } from './status.js';
import type { VerifyView } from '../vrrp/verify.js';
import { TimerLag } from './timer-lag.js';

/** What the plane needs from the daemon (today's run loop; the Supervisor once it lands). */
export interface OpsSource {
  snapshot(): CoreSnapshot & { readonly verify?: Readonly<Record<string, VerifyView>> };
  config(): DaemonConfig;
  /** Feed an input through the daemon's normal step path. */
  submit(input: Input): void;
  /** Resolves when every effect queued so far has been performed. */
  settled(): Promise<void>;
  link(ifname: string): LinkInfo | undefined;
  readonly linksAvailable: boolean;
  /** Check (`-t`) then reload; never rejects. */
  reload(): Promise<ReloadOutcome>;
}

export interface ReloadChanges {
  readonly kept: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly vipsAdded: Readonly<Record<string, readonly string[]>>;
  readonly vipsRemoved: Readonly<Record<string, readonly string[]>>;
}

export type ReloadOutcome =
  | { readonly result: 'ok'; readonly changes: ReloadChanges; readonly warnings: readonly string[] }
  | { readonly result: 'refused'; readonly message: string; readonly diagnostics: readonly string[] }
  | { readonly result: 'failed'; readonly message: string };

export interface OpsOptions {
  readonly log: Logger;
  readonly version: string;
  readonly configFile: string;
  readonly transport: string;
  /** Control socket path; null = none. */
  readonly controlSocket: string | null;
  readonly controlGroup?: number | undefined;
  readonly metricsListen?: { host: string; port: number } | undefined;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly peerCred: ((fd: number) => PeerCredentials) | undefined;
  readonly sendDatagram: SendDatagram | undefined;
  readonly clock?: RecorderClock;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class OpsPlane {
  readonly recorder: OpsRecorder;
  readonly sd: SdNotifier;
  readonly store: MaintenanceStore;
  control: ControlServer | undefined;
  metrics: MetricsServer | undefined;
  private readonly lag: TimerLag;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly startedAt: number;
  private readonly startedMono: number;
  private maintained: Set<string>;

  constructor(
    private readonly src: OpsSource,
    private readonly o: OpsOptions,
  ) {
    this.recorder = new OpsRecorder(o.clock);
    this.startedAt = this.recorder.clock.epochMs();
    this.startedMono = this.recorder.clock.monoMs();
    this.sd = new SdNotifier({ env: o.env, send: o.sendDatagram, log: o.log });
    this.store = new MaintenanceStore(o.stateDir);
    const loaded = this.store.load();
    if (loaded.error) o.log.error({ event: LOG_EVENT.maintenanceUnreadable, path: this.store.path }, `maintenance state unreadable (${loaded.error}): no instance is held`);
    this.maintained = loaded.names;
    this.lag = new TimerLag(this.recorder.clock);
  }

  // ── hooks the daemon calls ──

  onEffect = (e: Effect): void => {
    this.recorder.onEffect(e);
    if (e.kind === 'transition') this.pushStatus();
  };
  onInput = (i: Input): void => {
    if (i.kind === 'tick' && i.woke) this.lag.record(i.woke.late);
    this.recorder.onInput(i);
  };
  onPacket = (p: ReceivedPacket): void => this.recorder.onPacket(p);

  /** Maintenance holds from the state file, to feed before `start` (a held node never grabs the VIP). */
  initialInputs(): Input[] {
    const names = new Set(this.src.config().instances.map((i) => i.name));
    const out: Input[] = [];
    for (const n of this.maintained) {
      if (names.has(n)) out.push({ kind: 'command', command: { type: 'maintenance', instance: n, on: true } });
      else this.o.log.warn({ event: LOG_EVENT.maintenanceUnknown, instance: n }, `maintenance state names '${n}', which is not configured: ignored`);
    }
    return out;
  }

  /** After start-up: the control socket, the metrics listener, READY=1 and the watchdog. */
  async start(): Promise<void> {
    if (this.o.controlSocket !== null) {
      const c = new ControlServer({ path: this.o.controlSocket, handlers: this.handlers(), log: this.o.log, peerCred: this.o.peerCred, ownUid: process.getuid?.() ?? 0, gid: this.o.controlGroup });
      if (await c.listen()) this.control = c;
    }
    if (this.o.metricsListen) {
      // prom-client is loaded only when metrics are asked for (--metrics-listen).
      const { MetricsServer } = await import('./metrics.js');
      const m = new MetricsServer(
        {
          status: () => this.status(),
          transitions: () => [...this.recorder.transitions].map(([k, count]) => {
            const [instance, from, to, reason] = k.split('|') as [string, string, string, string];
            return { instance, from, to, reason, count };
          }),
          reloads: () => ({ ...this.recorder.reloads }),
          garpDelay: (name) => (this.src.config().instances.find((i) => i.name === name)?.garp.masterDelay ?? 0) / 1e6,
          control: () => this.control?.stats,
        },
        this.o.log,
      );
      if (await m.listen(this.o.metricsListen.host, this.o.metricsListen.port)) this.metrics = m;
    }
    this.sd.ready(this.summary());
    this.sd.startWatchdog();
    if (this.sd.enabled) {
      this.statusTimer = setInterval(() => this.pushStatus(), 5000);
      this.statusTimer.unref();
    }
    this.recorder.events.push({ kind: 'daemon', message: `havipd ${this.o.version} started` });
  }

  async stop(): Promise<void> {
    this.sd.stopping();
    this.sd.close();
    if (this.statusTimer) clearInterval(this.statusTimer);
    await Promise.all([this.control?.close(), this.metrics?.close()]);
  }

  /** Around every reload (SIGHUP or `havipd reload`): RELOADING=1, then READY=1 and the record. */
  reloading(): void {
    this.sd.reloading();
  }

  reloaded(outcome: ReloadOutcome): void {
    const msg = outcome.result === 'ok' ? describeChanges(outcome.changes) : outcome.message;
    this.recorder.reload(outcome.result, msg);
    this.sd.reloaded(this.summary());
    // Instances added by the reload that the state file holds.
    if (outcome.result === 'ok') for (const input of this.initialInputs()) this.src.submit(input);
  }

  // ── status ──

  status(instance?: string): DaemonStatus {
    const st = buildStatus(
      {
        snapshot: this.src.snapshot(),
        config: this.src.config(),
        recorder: this.recorder,
        link: (n) => this.src.link(n),
        linksAvailable: this.src.linksAvailable,
        meta: { version: this.o.version, pid: process.pid, configFile: this.o.configFile, startedAtMs: this.startedAt, startedMonoMs: this.startedMono, transport: this.o.transport, lagMs: this.lag.stats() },
      },
      instance,
    );
    if (!st) throw new ControlError('no-such-instance', `no instance named '${instance ?? ''}' (configured: ${this.src.config().instances.map((i) => i.name).join(', ') || 'none'})`);
    return st;
  }

  /** One line for systemd's STATUS=: `VI_1 MASTER; peer 10.0.0.2 heard 0.4 s ago`. */
  summary(): string {
    try {
      const st = this.status();
      if (st.instances.length === 0) return 'no VRRP instance configured';
      const parts = st.instances.slice(0, 4).map((i) => {
        const heard = i.peers.filter((p) => p.lastAdvertAge !== null).sort((a, b) => a.lastAdvertAge! - b.lastAdvertAge!)[0];
        const peer = heard ? `; peer ${heard.address} heard ${heard.lastAdvertAge!.toFixed(1)} s ago` : '';
        return `${i.name} ${i.state}${i.maintenance ? ' (maintenance)' : ''}${peer}`;
      });
      return parts.join(', ') + (st.instances.length > 4 ? `, +${st.instances.length - 4} more` : '');
    } catch {
      return 'running';
    }
  }

  private pushStatus(): void {
    if (this.sd.enabled) this.sd.status(this.summary());
  }

  // ── control handlers ──

  private handlers(): ControlHandlers {
    return {
      ping: () => ({ version: this.o.version, pid: process.pid }),
      status: (instance) => this.status(instance),
      events: (limit) => this.recorder.events.list(limit),
      subscribe: (l) => this.recorder.events.subscribe(l),
      reload: async (progress) => {
        progress('checking the configuration');
        const out = await this.src.reload();
        if (out.result === 'refused') throw new ControlError('refused', out.message, { diagnostics: out.diagnostics });
        if (out.result === 'failed') throw new ControlError('refused', out.message);
        return out;
      },
      garp: async (instance) => {
        const plans = this.check({ type: 'garp', instance });
        this.src.submit({ kind: 'command', command: { type: 'garp', instance } });
        await this.src.settled();
        return { instances: plans };
      },
      switchover: (instance, progress, group) => this.switchover(instance, progress, group),
      maintenance: (instance, on, progress) => this.maintenance(instance, on, progress),
    };
  }

  /** The plans a command would have now; an unknown instance or all-refused is a ControlError. */
  private check(command: Command): CommandPlan[] {
    const snap = this.src.snapshot();
    const plans = planCommand(
      command,
      snap.instances.map((s) => ({ name: s.name, state: s.state, effectivePriority: s.effectivePriority, masterPriority: s.masterPriority, vipSet: s.vipSet, maintenance: s.admin.maintenance })),
      snap.groups,
    );
    if (command.type === 'switchover' && command.group !== undefined) {
      if (!snap.groups.some((g) => g.name === command.group)) {
        throw new ControlError('no-such-instance', `no vrrp_sync_group named '${command.group}' (configured: ${snap.groups.map((g) => g.name).join(', ') || 'none'})`);
      }
    } else if (command.instance !== undefined && !snap.instances.some((s) => s.name === command.instance)) {
      throw new ControlError('no-such-instance', `no instance named '${command.instance}' (configured: ${snap.instances.map((s) => s.name).join(', ') || 'none'})`);
    }
    if (plans.length === 0) throw new ControlError('refused', 'no VRRP instance configured');
    if (plans.every((p) => p.action === 'refuse')) throw new ControlError('refused', plans.map((p) => `${p.instance}: ${p.note}`).join('; '), { instances: plans });
    return plans;
  }

  private async switchover(instance: string | undefined, progress: (t: string) => void, group?: string): Promise<unknown> {
    const command: Command = { type: 'switchover', instance, ...(group !== undefined ? { group } : {}) };
    const plans = this.check(command);
    const t0 = this.recorder.clock.monoMs();
    this.src.submit({ kind: 'command', command });
    await this.src.settled();
    if (plans.some((p) => p.action === 'handover')) progress(plans.map((p) => `${p.instance}: ${p.note}`).join('; '));
    const results = [];
    for (const p of plans) results.push(await this.outcome(p, t0));
    return { instances: results };
  }

  /**
   * Waits (bounded by the instance's Master_Down_Interval + 1 s) until a handover has a new master heard on
   * the wire, or a takeover is MASTER; says what happened and how long it took.
   */
  private async outcome(p: CommandPlan, t0: number): Promise<Record<string, unknown>> {
    const base = { instance: p.instance, action: p.action, note: p.note };
    if (p.action !== 'handover' && p.action !== 'takeover' && p.action !== 'hold') return base;
    const snap0 = this.src.snapshot().instances.find((s) => s.name === p.instance);
    if (!snap0) return base;
    const bound = masterDownInterval(snap0.version, snap0.effectivePriority, micros(snap0.masterAdverInterval)) / 1000 + 1000;
    for (;;) {
      const s = this.src.snapshot().instances.find((x) => x.name === p.instance);
      const elapsedMs = Math.round(this.recorder.clock.monoMs() - t0);
      if (!s) return { ...base, outcome: 'the instance is gone (reload?)', elapsedMs };
      if (p.action === 'takeover') {
        if (s.state === 'MASTER') return { ...base, outcome: `MASTER with priority ${s.effectivePriority}`, state: s.state, elapsedMs };
      } else {
        const heard = this.recorder.heardFor(s.family, s.vrid).filter((h) => h.mono > t0 && h.priority > 0 && h.src !== s.sourceAddress);
        if (s.state === 'BACKUP' && heard.length > 0) {
          const h = heard.sort((a, b) => a.mono - b.mono)[0]!;
          return { ...base, outcome: `${h.src} is master (priority ${h.priority})`, newMaster: h.src, state: s.state, elapsedMs: Math.round(h.mono - t0) };
        }
        if (p.action === 'handover' && s.state === 'MASTER') return { ...base, outcome: 'no other node took over: MASTER again', state: s.state, elapsedMs };
      }
      if (s.state === 'FAULT') return { ...base, outcome: 'the instance went to FAULT', state: s.state, elapsedMs };
      if (elapsedMs > bound) return { ...base, outcome: p.action === 'takeover' ? 'not MASTER yet' : 'no other master heard yet', state: s.state, elapsedMs };
      await sleep(20);
    }
  }

  private async maintenance(instance: string | undefined, on: boolean, progress: (t: string) => void): Promise<unknown> {
    const command: Command = { type: 'maintenance', instance, on };
    const plans = this.check(command);
    const names = new Set(this.maintained);
    const targets = instance !== undefined ? [instance] : this.src.snapshot().instances.map((s) => s.name);
    for (const n of targets) {
      if (on) names.add(n);
      else names.delete(n);
    }
    try {
      // Persisted first: a hold that would not survive a restart is refused rather than half done.
      this.store.save(names);
    } catch (err) {
      throw new ControlError('refused', `cannot keep the maintenance state in ${this.store.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (see --state-dir)`);
    }
    this.maintained = names;
    const t0 = this.recorder.clock.monoMs();
    this.src.submit({ kind: 'command', command });
    await this.src.settled();
    const handingOver = (p: CommandPlan): boolean => p.action === 'hold' && p.note.includes('handing over');
    if (plans.some(handingOver)) progress(plans.map((p) => `${p.instance}: ${p.note}`).join('; '));
    const results = [];
    for (const p of plans) results.push(p.action === 'hold' && p.note.includes('handing over') ? await this.outcome({ ...p, action: 'handover' }, t0) : { instance: p.instance, action: p.action, note: p.note });
    return { instances: results, persisted: this.store.path };
  }
}

export function describeChanges(c: ReloadChanges): string {
  const parts = [`kept ${c.kept.length}`, `added ${c.added.length}`, `removed ${c.removed.length}`];
  const va = Object.values(c.vipsAdded).reduce((a, b) => a + b.length, 0);
  const vr = Object.values(c.vipsRemoved).reduce((a, b) => a + b.length, 0);
  if (va + vr > 0) parts.push(`VIPs +${va} -${vr}`);
  return parts.join(', ');
}
