// Simulation harness: N havipd cores on a FakeNetwork driven by a FakeClock, no wall-clock sleeps.
// Every effect is recorded in a transcript; invariant callbacks run after every event.
import type { GlobalDefs, SyncGroupConfig, VrrpInstanceConfig } from '../../src/config-parser/types.js';
import { VrrpCore } from '../../src/vrrp/core.js';
import type { Effect, Input } from '../../src/vrrp/effects.js';
import type { VrrpState } from '../../src/vrrp/types.js';
import { micros, type Micros } from '../../src/net/units.js';
import { daemonConfig } from './config.js';
import { FakeClock } from './fake-clock.js';
import { FakeNetwork } from './fake-network.js';

export interface SimNodeOpts {
  /** Primary address of the node's interface(s). */
  readonly address: string;
  readonly instances: readonly VrrpInstanceConfig[];
  readonly syncGroups?: readonly SyncGroupConfig[];
  readonly global?: Partial<GlobalDefs>;
  readonly detail?: boolean;
}

export interface SimNode {
  readonly name: string;
  readonly core: VrrpCore;
  readonly address: string;
  /** VIPs currently added by this node (addVips minus removeVips). */
  readonly vips: Set<string>;
  up: boolean;
}

export interface TranscriptEntry {
  readonly t: Micros;
  readonly node: string;
  readonly effect: Effect;
}

interface QueuedInput {
  readonly at: Micros;
  readonly seq: number;
  readonly node: string;
  readonly input: Input;
}

export class Sim {
  readonly clock = new FakeClock();
  readonly net: FakeNetwork;
  readonly nodes = new Map<string, SimNode>();
  readonly transcript: TranscriptEntry[] = [];
  private queue: QueuedInput[] = [];
  private seq = 0;
  private readonly checks: ((sim: Sim, node: string) => void)[] = [];

  constructor(opts: { seed?: number; latency?: Micros } = {}) {
    this.net = new FakeNetwork(opts);
  }

  addNode(name: string, o: SimNodeOpts): SimNode {
    const config = daemonConfig({ global: o.global ?? {}, instances: o.instances, syncGroups: o.syncGroups ?? [] });
    const core = new VrrpCore(config, { detail: o.detail ?? true });
    const node: SimNode = { name, core, address: o.address, vips: new Set(), up: true };
    this.nodes.set(name, node);
    this.net.attach(name, o.address);
    const ifaces = new Set(o.instances.map((i) => i.interface ?? 'eth0'));
    for (const ifname of ifaces) {
      const family = o.address.includes(':') ? 6 : 4;
      this.apply(name, core.step(this.clock.now(), { kind: 'interfaceAddress', ifname, family, address: o.address }));
    }
    return node;
  }

  /** Registers an invariant checked after every event. */
  onStep(fn: (sim: Sim, node: string) => void): void {
    this.checks.push(fn);
  }

  /** Feeds an input to a node at the current time (or at `at`). */
  input(node: string, input: Input, at: Micros = this.clock.now()): void {
    this.queue.push({ at, seq: this.seq++, node, input });
  }

  start(node: string, at: Micros = this.clock.now()): void {
    this.input(node, { kind: 'start' }, at);
  }
  startAll(at: Micros = this.clock.now()): void {
    for (const n of this.nodes.keys()) this.start(n, at);
  }

  /** Kills a node without a clean shutdown (it goes silent). */
  crash(node: string): void {
    this.nodes.get(node)!.up = false;
  }

  private apply(node: string, effects: readonly Effect[]): void {
    const n = this.nodes.get(node)!;
    const now = this.clock.now();
    for (const e of effects) {
      this.transcript.push({ t: now, node, effect: e });
      if (e.kind === 'addVips') for (const v of e.vips) n.vips.add(v.address);
      else if (e.kind === 'removeVips') for (const v of e.vips) n.vips.delete(v.address);
      else if (e.kind === 'sendAdvert') {
        for (const d of e.destinations) {
          for (const del of this.net.route(now, node, e.src, d.dst, d.ttl, d.bytes)) {
            this.queue.push({
              at: del.at,
              seq: this.seq++,
              node: del.to,
              input: { kind: 'packet', packet: { family: e.family, ifname: e.ifname ?? 'eth0', src: del.src, dst: del.dst, ttl: del.ttl, data: del.bytes, hasIpHeader: false } },
            });
          }
        }
      }
    }
  }

  /** Runs every event up to and including time `t`. */
  runUntil(t: Micros): void {
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const q = this.queue[0];
      let bestNode: string | undefined;
      let bestDeadline: Micros | undefined;
      for (const n of this.nodes.values()) {
        if (!n.up) continue;
        const d = n.core.nextDeadline();
        if (d !== undefined && (bestDeadline === undefined || d < bestDeadline)) {
          bestDeadline = d;
          bestNode = n.name;
        }
      }
      const qAt = q && q.at <= t ? q.at : undefined;
      const dAt = bestDeadline !== undefined && bestDeadline <= t ? bestDeadline : undefined;
      if (qAt === undefined && dAt === undefined) break;
      if (qAt !== undefined && (dAt === undefined || qAt <= dAt)) {
        this.queue.shift();
        this.clock.advanceTo(micros(Math.max(q!.at, this.clock.now())));
        const n = this.nodes.get(q!.node)!;
        if (!n.up) continue;
        this.apply(q!.node, n.core.step(this.clock.now(), q!.input));
        for (const c of this.checks) c(this, q!.node);
      } else {
        this.clock.advanceTo(micros(Math.max(dAt!, this.clock.now())));
        const n = this.nodes.get(bestNode!)!;
        this.apply(bestNode!, n.core.step(this.clock.now(), { kind: 'tick' }));
        for (const c of this.checks) c(this, bestNode!);
      }
    }
    this.clock.advanceTo(micros(Math.max(t, this.clock.now())));
  }

  runFor(d: Micros): void {
    this.runUntil(micros(this.clock.now() + d));
  }

  state(node: string, instance = 'VI_1'): VrrpState | undefined {
    return this.nodes.get(node)!.core.snapshot().instances.find((i) => i.name === instance)?.state;
  }

  /** Live nodes whose instance with this VRID is MASTER. */
  masters(vrid = 51): string[] {
    return [...this.nodes.values()].filter((n) => n.up && n.core.snapshot().instances.some((i) => i.vrid === vrid && i.state === 'MASTER')).map((n) => n.name);
  }

  /** Log messages of a node (or all), in order. */
  logs(node?: string): string[] {
    return this.transcript.filter((e) => (node === undefined || e.node === node) && e.effect.kind === 'log').map((e) => (e.effect as { msg: string }).msg);
  }

  /** Transitions (node, instance, from → to) in order. */
  transitions(node?: string): { t: Micros; node: string; instance: string; from: string; to: string; reason: string }[] {
    const out: { t: Micros; node: string; instance: string; from: string; to: string; reason: string }[] = [];
    for (const e of this.transcript) {
      if (e.effect.kind === 'transition' && (node === undefined || e.node === node)) {
        out.push({ t: e.t, node: e.node, instance: e.effect.instance, from: e.effect.from, to: e.effect.to, reason: e.effect.reason });
      }
    }
    return out;
  }

  /** When a node last entered `state` (transition time), or undefined. */
  lastEntered(node: string, state: string, instance = 'VI_1'): Micros | undefined {
    const t = this.transitions(node).filter((x) => x.instance === instance && x.to === state);
    return t[t.length - 1]?.t;
  }
}

/** Invariant: among nodes that can all hear each other, at most one MASTER per VRID (after convergence). */
export function connectedMasters(sim: Sim, vrid = 51): string[][] {
  const ms = sim.masters(vrid);
  const groups: string[][] = [];
  for (const m of ms) {
    const g = groups.find((gr) => gr.every((x) => sim.net.connected(x, m)));
    if (g) g.push(m);
    else groups.push([m]);
  }
  return groups.filter((g) => g.length > 1);
}

// ───────────────────────────── single-core harness ─────────────────────────────

import { encodeAdvert } from '../../src/vrrp/packet.js';
import { centiseconds } from '../../src/net/units.js';
import type { InstanceSnapshot } from '../../src/vrrp/effects.js';

export interface PeerAdvert {
  readonly src: string;
  readonly priority: number;
  readonly vrid?: number;
  readonly version?: 2 | 3;
  /** Centiseconds; default 100. */
  readonly advertIntCs?: number;
  readonly vips?: readonly string[];
  readonly dst?: string;
  readonly ttl?: number;
  readonly ifname?: string;
}

/** One core driven by hand: feed inputs at explicit times, inspect effects. */
export class Harness {
  readonly core: VrrpCore;
  readonly all: { t: Micros; effect: Effect }[] = [];
  private cfg: { version: 2 | 3; vips: readonly string[]; family: 4 | 6 };

  constructor(
    instances: readonly VrrpInstanceConfig[],
    o: { global?: Partial<GlobalDefs>; syncGroups?: readonly SyncGroupConfig[]; address?: string; detail?: boolean; addresses?: boolean } = {},
  ) {
    this.core = new VrrpCore(daemonConfig({ global: o.global ?? {}, instances, syncGroups: o.syncGroups ?? [] }), { detail: o.detail ?? true });
    const first = instances[0]!;
    this.cfg = { version: first.version, vips: first.vips.map((v) => v.address), family: first.family };
    if (o.addresses !== false) {
      for (const i of instances) {
        this.step(micros(0), { kind: 'interfaceAddress', ifname: i.interface ?? 'eth0', family: i.family, address: o.address ?? (i.family === 4 ? '10.0.0.1' : 'fe80::1') });
      }
    }
  }

  step(t: number, input: Input): readonly Effect[] {
    const out = this.core.step(micros(t), input);
    for (const e of out) this.all.push({ t: micros(t), effect: e });
    return out;
  }
  start(t = 0): readonly Effect[] {
    return this.step(t, { kind: 'start' });
  }
  tick(t: number): readonly Effect[] {
    return this.step(t, { kind: 'tick' });
  }
  /** Ticks at every deadline up to `t` (inclusive); returns all effects. */
  runUntil(t: number): Effect[] {
    const out: Effect[] = [];
    for (;;) {
      const d = this.core.nextDeadline();
      if (d === undefined || d > t) break;
      out.push(...this.tick(d));
    }
    return out;
  }
  advert(t: number, a: PeerAdvert): readonly Effect[] {
    const family = a.src.includes(':') ? 6 : 4;
    const version = a.version ?? this.cfg.version;
    const dst = a.dst ?? (family === 4 ? '224.0.0.18' : 'ff02::12');
    const bytes = encodeAdvert(
      { version, vrid: a.vrid ?? 51, priority: a.priority, advertInt: centiseconds(a.advertIntCs ?? 100), addresses: a.vips ?? this.cfg.vips, family },
      { src: a.src, dst, checksumMode: version === 2 ? 'plain' : 'pseudo' },
    );
    return this.step(t, { kind: 'packet', packet: { family, ifname: a.ifname ?? 'eth0', src: a.src, dst, ttl: a.ttl ?? 255, data: bytes, hasIpHeader: false } });
  }
  logs(): string[] {
    return this.all.filter((x) => x.effect.kind === 'log').map((x) => (x.effect as { msg: string }).msg);
  }
  effects(): Effect[] {
    return this.all.map((x) => x.effect);
  }
  snap(name = 'VI_1'): InstanceSnapshot {
    return this.core.snapshot().instances.find((i) => i.name === name)!;
  }
  state(name = 'VI_1'): VrrpState {
    return this.snap(name).state;
  }
}

/** Short names of effects for order assertions: `sendAdvert:100`, `log:(VI_1) Entering MASTER STATE`, … */
export function summarize(effects: readonly Effect[], opts: { logs?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const e of effects) {
    switch (e.kind) {
      case 'sendAdvert':
        out.push(`sendAdvert:${e.priority}`);
        break;
      case 'log':
        if (opts.logs !== false) out.push(`log:${e.msg}`);
        break;
      case 'transition':
        out.push(`transition:${e.instance}:${e.from}->${e.to}`);
        break;
      case 'groupTransition':
        out.push(`group:${e.group}:${e.from}->${e.to}`);
        break;
      case 'sendGarp':
        out.push(`garp:${e.reason}:${e.addresses.join(',')}x${e.repeat}`);
        break;
      default:
        out.push(e.kind);
    }
  }
  return out;
}
