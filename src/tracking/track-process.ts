// vrrp_track_process (keepalived core/track_process.c, vrrp/vrrp_track.c; reference §1.9.7): the number of
// running processes matching each tracker, and whether it is within [quorum, quorum_max] — fed to the core as
// `{ kind: 'process', name, haveQuorum }`, where it weighs or faults the tracking instances like a script.
//
// Matching as keepalived's read_procs()/check_process(): the name is compared with /proc/PID/stat's comm
// (at most 15 characters; zombies skipped), or with argv[0] of /proc/PID/cmdline when `full_command` (or
// parameters) are given; parameters are then compared with the rest of the command line: exact, `partial`
// (the given ones start the list) or `initial` (as partial, the last one only a prefix).
// Quorum changes as keepalived's fork/exit handlers do: a process appearing that brings the count to quorum
// (or back to quorum_max) waits `fork_delay` unless a terminate timer was running (which it cancels); a
// process going that breaks quorum waits `terminate_delay` unless a fork timer was running (likewise).
//
// Process events: as keepalived, from the kernel's proc connector (netlink, through the native addon,
// src/edges/proc-events.ts): a fork, exec or comm change of a process makes the tracker read that pid's
// /proc entry and count it in or out; an exit counts it out. /proc is scanned at start (the initial counts),
// after an event overflow, and every `resyncIntervalMs` (default 10 s) to catch anything missed.
// havipd: where the kernel will not deliver events (no CAP_NET_ADMIN, or a network namespace other than the
// initial one, where the subscription is refused with ECONNREFUSED), havipd logs it once and scans /proc
// every `scanIntervalMs` (default 1 s) instead, reading a difference in the matching pids as those events;
// then a process that lives shorter than one interval is not seen. (keepalived's track_process does not
// work there at all: it logs "Failed to set process event listen".)

import { readdirSync, readFileSync } from 'node:fs';
import type { DaemonConfig, TrackProcessConfig } from '../config-parser/types.js';
import { LOG_EVENT } from '../log-events.js';
import type { Logger } from '../log.js';
import type { Input } from '../vrrp/effects.js';
import type { TrackProcessView } from '../runtime/dumps.js';
import type { ProcEvent } from '../native/index.js';
import type { ProcEventSource } from '../edges/proc-events.js';

type ProcessInput = Extract<Input, { kind: 'process' }>;

/** Most /proc entries one scan looks at (a bound, not a limit any real host reaches: pid_max is 4 194 304). */
export const MAX_PROC_ENTRIES = 4_194_304;
/** Default interval between two /proc scans without kernel process events. */
export const DEFAULT_SCAN_INTERVAL_MS = 1000;
/** Default interval between two /proc resyncs while kernel process events arrive. */
export const DEFAULT_RESYNC_INTERVAL_MS = 10_000;

/** One running process as the matcher needs it. */
export interface ProcInfo {
  readonly pid: number;
  /** /proc/PID/stat's comm (the kernel's 15-character task name). */
  readonly comm: string;
  /** /proc/PID/cmdline split at NUL (argv), read only when a tracker needs it; undefined if unreadable. */
  readonly argv?: readonly string[];
}

/** keepalived check_params(): `params` (the tracker's) against `actual` (argv after argv[0]). */
export function paramsMatch(mode: TrackProcessConfig['paramMatch'], params: readonly string[], actual: readonly string[]): boolean {
  if (mode === 'none') return true;
  if (mode === 'exact') return params.length === actual.length && params.every((p, i) => actual[i] === p);
  if (actual.length < params.length) return false;
  if (mode === 'partial') return params.every((p, i) => actual[i] === p);
  // initial: as partial, but the last parameter given only needs to start the process's one.
  return params.every((p, i) => (i === params.length - 1 ? actual[i]!.startsWith(p) : actual[i] === p));
}

/** Whether the process `p` counts for tracker `tp`. */
export function processMatches(tp: TrackProcessConfig, p: ProcInfo): boolean {
  if (!tp.fullCommand) return p.comm === tp.process;
  if (p.argv === undefined || p.argv.length === 0) return false;
  if (p.argv[0] !== tp.process) return false;
  return paramsMatch(tp.paramMatch, tp.params, p.argv.slice(1));
}

/** `quorum ≤ n ≤ quorum_max` (quorum_max absent = unlimited). */
export function inQuorum(tp: TrackProcessConfig, n: number): boolean {
  return n >= tp.quorum && (tp.quorumMax === undefined || n <= tp.quorumMax);
}

/** Parses /proc/PID/stat: the comm between the first '(' and the last ')', and the state after it. */
export function parseStat(text: string): { comm: string; state: string } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  return { comm: text.slice(open + 1, close), state: text.slice(close + 2, close + 3) };
}

/** One running (non-zombie) process under `procRoot`, or undefined (gone, a zombie, unreadable). Never throws. */
export function readProcInfo(procRoot: string, pid: number, withArgv: boolean): ProcInfo | undefined {
  let stat;
  try {
    stat = parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
  } catch {
    return undefined; // gone meanwhile
  }
  if (!stat || stat.state === 'Z') return undefined;
  let argv: string[] | undefined;
  if (withArgv) {
    try {
      const raw = readFileSync(`${procRoot}/${pid}/cmdline`, 'latin1');
      argv = raw.length === 0 ? [] : raw.replace(/\0$/, '').split('\0');
    } catch {
      argv = undefined;
    }
  }
  return { pid, comm: stat.comm, ...(argv !== undefined ? { argv } : {}) };
}

/** The running (non-zombie) processes under `procRoot`; argv read only when `withArgv`. Never throws. */
export function scanProc(procRoot = '/proc', withArgv = false, max = MAX_PROC_ENTRIES): ProcInfo[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  let seen = 0;
  for (const name of names) {
    if (++seen > max) break;
    if (!/^[1-9][0-9]*$/.test(name)) continue;
    const p = readProcInfo(procRoot, Number(name), withArgv);
    if (p) out.push(p);
  }
  return out;
}

/** Timers as the tracker needs them (injected in tests). */
export interface TimerApi {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimers: TimerApi = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface ProcessTrackerOptions {
  readonly logger: Logger;
  readonly feed: (input: ProcessInput) => void;
  /** Where to look for processes (tests); default /proc. */
  readonly procRoot?: string;
  /** Interval between two scans without process events; default 1 s. */
  readonly scanIntervalMs?: number;
  /** Interval between two resync scans while process events arrive; default 10 s. */
  readonly resyncIntervalMs?: number;
  /** The kernel's process events (default none: scans only). */
  readonly events?: ProcEventSource;
  readonly timers?: TimerApi;
  /** The process list (tests); default a scan of `procRoot`. */
  readonly scan?: (withArgv: boolean) => readonly ProcInfo[];
  /** One process (tests); default `readProcInfo`, or the entry of `scan` when that is given. */
  readonly readPid?: (pid: number, withArgv: boolean) => ProcInfo | undefined;
}

interface TrackerState {
  readonly config: TrackProcessConfig;
  pids: Set<number>;
  haveQuorum: boolean;
  forkTimer: unknown;
  terminateTimer: unknown;
}

/** Counts the processes of every `vrrp_track_process` in use and feeds quorum changes to the core. */
export class ProcessTracker {
  private readonly states: TrackerState[];
  private readonly timers: TimerApi;
  private interval: unknown;
  private running = false;
  private eventsActive = false;
  private readonly needArgv: boolean;

  constructor(configs: readonly TrackProcessConfig[], private readonly opts: ProcessTrackerOptions) {
    this.timers = opts.timers ?? realTimers;
    this.needArgv = configs.some((c) => c.fullCommand);
    // The initial scan (keepalived init_track_processes → read_procs): counts and quorum, no delays.
    const procs = configs.length > 0 ? this.list() : []; // havipd: no /proc scan when nothing is tracked
    this.states = configs.map((config) => {
      const pids = new Set(procs.filter((p) => processMatches(config, p)).map((p) => p.pid));
      return { config, pids, haveQuorum: inQuorum(config, pids.size), forkTimer: undefined, terminateTimer: undefined };
    });
  }

  names(): string[] {
    return this.states.map((s) => s.config.name);
  }

  /** The quorum of every tracker, to feed before the instances start. */
  initialInputs(): ProcessInput[] {
    return this.states.map((s) => ({ kind: 'process', name: s.config.name, haveQuorum: s.haveQuorum }));
  }

  start(): void {
    if (this.running || this.states.length === 0) return;
    this.running = true;
    let every = this.opts.scanIntervalMs ?? DEFAULT_SCAN_INTERVAL_MS;
    const ev = this.opts.events;
    if (ev) {
      try {
        ev.start(
          (events) => this.onEvents(events),
          () => this.rescan(),
        );
        this.eventsActive = true;
        every = this.opts.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
        // Anything that changed between the initial scan and the subscription.
        this.rescan();
        this.opts.logger.info({ event: LOG_EVENT.processEvents }, 'Process events from the kernel (netlink proc connector); /proc resync every ' + `${every / 1000} s`);
      } catch (err) {
        this.opts.logger.warn({ event: LOG_EVENT.processEvents, err: String(err) }, `Process events from the kernel unavailable (${(err as { code?: string }).code ?? String(err)}): scanning /proc every ${every / 1000} s`);
      }
    }
    this.interval = this.timers.setInterval(() => this.rescan(), every);
  }

  stop(): void {
    this.running = false;
    if (this.eventsActive) this.opts.events?.stop();
    this.eventsActive = false;
    if (this.interval !== undefined) this.timers.clearInterval(this.interval);
    this.interval = undefined;
    for (const s of this.states) this.cancelTimers(s);
  }

  /** Whether kernel process events are being received (else /proc is scanned every `scanIntervalMs`). */
  get usingEvents(): boolean {
    return this.eventsActive;
  }

  /**
   * Kernel process events (keepalived proc_events_thread): a new process (fork), an exec or a comm change
   * of a thread-group leader is looked up in /proc and counted in or out; a leader's exit counts it out.
   */
  onEvents(events: readonly ProcEvent[]): void {
    if (!this.running) return;
    for (const e of events) {
      if (e.what === 'exit') {
        if (e.pid !== e.tgid) continue; // a thread, not the process
        for (const s of this.states) if (s.pids.has(e.tgid)) this.exited(s, e.tgid);
        continue;
      }
      if ((e.what === 'fork' || e.what === 'comm') && e.pid !== e.tgid) continue; // a new or renamed thread
      const info = this.readPid(e.tgid);
      for (const s of this.states) {
        const m = info !== undefined && processMatches(s.config, info);
        if (m && !s.pids.has(e.tgid)) this.appeared(s, e.tgid);
        else if (!m && s.pids.has(e.tgid)) this.exited(s, e.tgid);
      }
    }
  }

  private readPid(pid: number): ProcInfo | undefined {
    if (this.opts.readPid) return this.opts.readPid(pid, this.needArgv);
    if (this.opts.scan) return this.opts.scan(this.needArgv).find((p) => p.pid === pid);
    return readProcInfo(this.opts.procRoot ?? '/proc', pid, this.needArgv);
  }

  /** For the JSON dump (json_version 2). */
  views(): Record<string, TrackProcessView> {
    const out: Record<string, TrackProcessView> = {};
    for (const s of this.states) {
      out[s.config.name] = { current: s.pids.size, haveQuorum: s.haveQuorum, forkTimerRunning: s.forkTimer !== undefined, terminateTimerRunning: s.terminateTimer !== undefined };
    }
    return out;
  }

  /** One scan: new matching pids are forks/execs, vanished ones exits (in pid order, as events would come). */
  rescan(): void {
    if (!this.running) return;
    const procs = this.list();
    for (const s of this.states) {
      const now = new Set(procs.filter((p) => processMatches(s.config, p)).map((p) => p.pid));
      for (const pid of [...s.pids].filter((p) => !now.has(p)).sort((a, b) => a - b)) this.exited(s, pid);
      for (const pid of [...now].filter((p) => !s.pids.has(p)).sort((a, b) => a - b)) this.appeared(s, pid);
    }
  }

  private list(): readonly ProcInfo[] {
    return this.opts.scan ? this.opts.scan(this.needArgv) : scanProc(this.opts.procRoot, this.needArgv);
  }

  private cancelTimers(s: TrackerState): void {
    if (s.forkTimer !== undefined) this.timers.clearTimeout(s.forkTimer);
    if (s.terminateTimer !== undefined) this.timers.clearTimeout(s.terminateTimer);
    s.forkTimer = undefined;
    s.terminateTimer = undefined;
  }

  private setQuorum(s: TrackerState, up: boolean): void {
    if (up === s.haveQuorum) return;
    s.haveQuorum = up;
    this.opts.feed({ kind: 'process', name: s.config.name, haveQuorum: up });
  }

  /** keepalived check_process_fork(). */
  private appeared(s: TrackerState, pid: number): void {
    s.pids.add(pid);
    const n = s.pids.size;
    const max = s.config.quorumMax;
    if (n !== s.config.quorum && (max === undefined || n !== max + 1)) return;
    if (s.terminateTimer !== undefined) {
      this.timers.clearTimeout(s.terminateTimer);
      s.terminateTimer = undefined;
    } else if (s.config.forkDelay > 0) {
      if (s.forkTimer === undefined) {
        s.forkTimer = this.timers.setTimeout(() => {
          s.forkTimer = undefined;
          this.setQuorum(s, inQuorum(s.config, s.pids.size));
        }, s.config.forkDelay / 1000);
      }
      return;
    }
    this.setQuorum(s, n === s.config.quorum);
  }

  /** keepalived check_process_termination(). */
  private exited(s: TrackerState, pid: number): void {
    const before = s.pids.size;
    s.pids.delete(pid);
    const n = s.pids.size;
    const max = s.config.quorumMax;
    if (before !== s.config.quorum && (max === undefined || n !== max)) return;
    if (s.forkTimer !== undefined) {
      this.timers.clearTimeout(s.forkTimer);
      s.forkTimer = undefined;
    } else if (s.config.terminateDelay > 0) {
      if (s.terminateTimer === undefined) {
        s.terminateTimer = this.timers.setTimeout(() => {
          s.terminateTimer = undefined;
          this.setQuorum(s, inQuorum(s.config, s.pids.size));
        }, s.config.terminateDelay / 1000);
      }
      return;
    }
    this.setQuorum(s, max !== undefined && n === max);
  }
}

/** The vrrp_track_process blocks some instance or sync group tracks. */
export function usedTrackProcesses(config: DaemonConfig): TrackProcessConfig[] {
  const used = new Set<string>();
  for (const i of config.instances) for (const r of i.trackProcesses ?? []) used.add(r.name);
  for (const g of config.syncGroups) for (const r of g.trackProcesses ?? []) used.add(r.name);
  const seen = new Set<string>();
  // keepalived-compat: with duplicate names the first block is the one tracked.
  // Test: test/unit/tracking/track-process.test.ts "usedTrackProcesses: the first block of a duplicated name, only when tracked".
  return (config.trackProcesses ?? []).filter((t) => used.has(t.name) && !seen.has(t.name) && (seen.add(t.name), true));
}
