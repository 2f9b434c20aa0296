// vrrp_track_process: matching as keepalived's read_procs()/check_params(), the quorum with fork/terminate delays
// as check_process_fork()/check_process_termination(), the /proc scan, and the core weighing / faulting on it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TrackProcessConfig } from '../../../src/config-parser/types.js';
import { inQuorum, paramsMatch, parseStat, processMatches, ProcessTracker, scanProc, usedTrackProcesses, type ProcInfo, type TimerApi } from '../../../src/tracking/track-process.js';
import { micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig } from '../../support/config.js';
import { Harness } from '../../support/sim.js';
import { parseText } from '../../support/parse-text.js';
import { createLogger } from '../../../src/log.js';
import { NetlinkProcEvents, type ProcEventSource } from '../../../src/edges/proc-events.js';
import type { ProcEvent } from '../../../src/native/index.js';

const tp = (o: Partial<TrackProcessConfig> = {}): TrackProcessConfig => ({
  name: 'p', process: 'nginx', params: [], paramMatch: 'none', fullCommand: false, weight: 0, reverse: false,
  quorum: 1, quorumMax: undefined, terminateDelay: micros(0), forkDelay: micros(0), ...o,
});
const proc = (pid: number, comm: string, argv?: string[]): ProcInfo => ({ pid, comm, ...(argv ? { argv } : {}) });

describe('matching', () => {
  it('comm by default (15 characters, exact)', () => {
    expect(processMatches(tp(), proc(1, 'nginx'))).toBe(true);
    expect(processMatches(tp(), proc(1, 'nginx2'))).toBe(false);
    expect(processMatches(tp({ process: 'averyveryverylongname' }), proc(1, 'averyveryverylo'))).toBe(false);
  });
  it('full_command: argv[0], and parameters exact / partial / initial (check_params)', () => {
    const argv = ['/usr/sbin/nginx', '-g', 'daemon off;'];
    expect(processMatches(tp({ process: '/usr/sbin/nginx', fullCommand: true }), proc(1, 'nginx', argv))).toBe(true);
    expect(processMatches(tp({ process: 'nginx', fullCommand: true }), proc(1, 'nginx', argv))).toBe(false);
    expect(paramsMatch('exact', ['-g', 'daemon off;'], argv.slice(1))).toBe(true);
    expect(paramsMatch('exact', ['-g'], argv.slice(1))).toBe(false);
    expect(paramsMatch('exact', [], [])).toBe(true);
    expect(paramsMatch('partial', ['-g'], argv.slice(1))).toBe(true);
    expect(paramsMatch('partial', ['-g', 'daemon'], argv.slice(1))).toBe(false);
    expect(paramsMatch('initial', ['-g', 'daemon'], argv.slice(1))).toBe(true);
    expect(paramsMatch('initial', ['-x'], argv.slice(1))).toBe(false);
    expect(paramsMatch('partial', ['-g', 'daemon off;', 'x'], argv.slice(1))).toBe(false);
  });
  it('quorum and quorum_max', () => {
    expect([0, 1, 2, 3].map((n) => inQuorum(tp({ quorum: 1, quorumMax: 2 }), n))).toEqual([false, true, true, false]);
    expect(inQuorum(tp({ quorum: 0, quorumMax: 0 }), 0)).toBe(true);
  });
  it('/proc/PID/stat: comm with spaces and parentheses, and the state', () => {
    expect(parseStat('42 (a (b) c) S 1 2 3')).toEqual({ comm: 'a (b) c', state: 'S' });
    expect(parseStat('garbage')).toBeUndefined();
  });
});

/** Timers run by hand. */
class FakeTimers implements TimerApi {
  t = 0;
  private next = 1;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  setInterval(): unknown {
    return 0;
  }
  clearInterval(): void {}
  advance(ms: number): void {
    this.t += ms;
    for (const [id, p] of [...this.pending]) {
      if (p.at <= this.t) {
        this.pending.delete(id);
        p.fn();
      }
    }
  }
}

function tracker(config: TrackProcessConfig, initial: ProcInfo[]) {
  let procs = initial;
  const fed: boolean[] = [];
  const timers = new FakeTimers();
  const t = new ProcessTracker([config], {
    logger: createLogger({ format: 'json', detail: false, destination: { write: () => true } as unknown as NodeJS.WritableStream }), feed: (i) => fed.push(i.haveQuorum), timers, scan: () => procs,
  });
  t.start();
  return { t, fed, timers, set: (p: ProcInfo[]) => { procs = p; t.rescan(); } };
}

describe('ProcessTracker', () => {
  it('initial scan sets the quorum without feeding; a kill loses it, a restart regains it', () => {
    const h = tracker(tp(), [proc(10, 'nginx'), proc(11, 'bash')]);
    expect(h.t.initialInputs()).toEqual([{ kind: 'process', name: 'p', haveQuorum: true }]);
    h.set([proc(11, 'bash')]);
    expect(h.fed).toEqual([false]);
    h.set([proc(11, 'bash'), proc(12, 'nginx')]);
    expect(h.fed).toEqual([false, true]);
    expect(h.t.views()).toEqual({ p: { current: 1, haveQuorum: true, forkTimerRunning: false, terminateTimerRunning: false } });
  });
  it('terminate_delay: quorum lost only if the process is not back in time', () => {
    const h = tracker(tp({ terminateDelay: micros(2_000_000) }), [proc(10, 'nginx')]);
    h.set([]);
    expect(h.fed).toEqual([]);
    expect(h.t.views().p!.terminateTimerRunning).toBe(true);
    h.timers.advance(1000);
    h.set([proc(13, 'nginx')]); // back within the delay: timer cancelled, no change
    h.timers.advance(5000);
    expect(h.fed).toEqual([]);
    h.set([]);
    h.timers.advance(2000);
    expect(h.fed).toEqual([false]);
  });
  it('fork_delay: quorum gained after the delay; an exit meanwhile cancels it', () => {
    const h = tracker(tp({ forkDelay: micros(1_000_000) }), []);
    expect(h.t.initialInputs()[0]!.haveQuorum).toBe(false);
    h.set([proc(20, 'nginx')]);
    expect(h.fed).toEqual([]);
    h.timers.advance(1000);
    expect(h.fed).toEqual([true]);
    const g = tracker(tp({ forkDelay: micros(1_000_000) }), []);
    g.set([proc(20, 'nginx')]);
    g.set([]);
    g.timers.advance(5000);
    expect(g.fed).toEqual([]);
    expect(g.t.views().p).toMatchObject({ current: 0, haveQuorum: false, forkTimerRunning: false });
  });
  it('quorum_max: one process too many loses the quorum, back to the max regains it', () => {
    const h = tracker(tp({ quorum: 1, quorumMax: 2 }), [proc(1, 'nginx'), proc(2, 'nginx')]);
    h.set([proc(1, 'nginx'), proc(2, 'nginx'), proc(3, 'nginx')]);
    expect(h.fed).toEqual([false]);
    h.set([proc(1, 'nginx'), proc(3, 'nginx')]);
    expect(h.fed).toEqual([false, true]);
  });
});

describe('usedTrackProcesses', () => {
  it('usedTrackProcesses: the first block of a duplicated name, only when tracked', () => {
    const a = tp({ name: 'x', process: 'first' });
    const b = tp({ name: 'x', process: 'second' });
    const unused = tp({ name: 'y' });
    const cfg = { ...daemonConfig({ instances: [instanceConfig({ trackProcesses: [{ name: 'x', weight: 0, reverse: false }] })] }), trackProcesses: [a, b, unused] };
    expect(usedTrackProcesses(cfg)).toEqual([a]);
  });
});

describe('scanProc on this host', () => {
  it('finds a child by comm and by its command line, and loses it once killed', async () => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      const me = scanProc('/proc', true).find((p) => p.pid === child.pid);
      expect(me).toMatchObject({ comm: 'sleep', argv: ['sleep', '300'] });
      expect(processMatches(tp({ process: 'sleep', fullCommand: true, params: ['300'], paramMatch: 'exact' }), me!)).toBe(true);
      expect(parseStat(readFileSync(`/proc/${child.pid}/stat`, 'latin1'))?.comm).toBe('sleep');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(scanProc('/proc').some((p) => p.pid === child.pid)).toBe(false);
  });
});

describe('the core on process quorum', () => {
  it('weight 0: FAULT while the quorum is lost (keepalived\'s log line), back when regained', () => {
    const i = instanceConfig({ trackProcesses: [{ name: 'nginx', weight: 0, reverse: false }] });
    const h = new Harness([i]);
    h.step(0, { kind: 'process', name: 'nginx', haveQuorum: true });
    h.start(0);
    expect(h.state()).toBe('BACKUP');
    const out = h.step(1_000_000, { kind: 'process', name: 'nginx', haveQuorum: false });
    expect(h.state()).toBe('FAULT');
    const msgs = out.filter((e) => e.kind === 'log').map((e) => (e.kind === 'log' ? e.msg : ''));
    expect(msgs).toContain('Quorum lost for tracked process nginx');
    expect(msgs).toContain('(VI_1) entering FAULT state (tracked process nginx quorum not achieved)');
    h.step(2_000_000, { kind: 'process', name: 'nginx', haveQuorum: true });
    expect(h.state()).toBe('BACKUP');
  });
  it('weighted: the priority moves with the quorum (reverse flips it)', () => {
    const h = new Harness([instanceConfig({ priority: 100, trackProcesses: [{ name: 'nginx', weight: 20, reverse: false }] })]);
    h.step(0, { kind: 'process', name: 'nginx', haveQuorum: false });
    h.start(0);
    expect(h.snap().effectivePriority).toBe(100);
    h.step(1, { kind: 'process', name: 'nginx', haveQuorum: true });
    expect(h.snap().effectivePriority).toBe(120);
    const r = new Harness([instanceConfig({ priority: 100, trackProcesses: [{ name: 'nginx', weight: -30, reverse: false }] })]);
    r.step(0, { kind: 'process', name: 'nginx', haveQuorum: false });
    r.start(0);
    expect(r.snap().effectivePriority).toBe(70);
  });
  it('the parser hands vrrp_track_process and its references to the tracker (no "not acted on" notice)', () => {
    const res = parseText('vrrp_track_process nginx {\n process nginx\n weight 10\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n track_process {\n nginx\n }\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n');
    expect(res.diagnostics.map((d) => d.code)).not.toContain('not-acted-on');
    expect(res.config!.instances[0]!.trackProcesses).toEqual([{ name: 'nginx', weight: 10, reverse: false }]);
    expect(res.config!.instances[0]!.inactiveKeywords).not.toContain('track_process');
  });
});

/** A process-event source driven by the test. */
class FakeEvents implements ProcEventSource {
  onEvents: ((e: readonly ProcEvent[]) => void) | undefined;
  onOverflow: (() => void) | undefined;
  stopped = false;
  constructor(private readonly fail?: Error) {}
  start(onEvents: (e: readonly ProcEvent[]) => void, onOverflow: () => void): void {
    if (this.fail) throw this.fail;
    this.onEvents = onEvents;
    this.onOverflow = onOverflow;
  }
  stop(): void {
    this.stopped = true;
  }
}

describe('ProcessTracker on kernel process events (netlink proc connector)', () => {
  const silent = () => createLogger({ format: 'json', detail: false, destination: { write: () => true } as unknown as NodeJS.WritableStream });
  function evTracker(config: TrackProcessConfig, initial: ProcInfo[], events: FakeEvents, lines: string[] = []) {
    let procs = initial;
    const fed: boolean[] = [];
    const intervals: number[] = [];
    const timers = new FakeTimers();
    Object.assign(timers, { setInterval: (_fn: () => void, ms: number): unknown => (intervals.push(ms), 0) });
    const logger = createLogger({ format: 'json', detail: false, destination: { write: (l: string) => (lines.push(l), true) } as unknown as NodeJS.WritableStream });
    const t = new ProcessTracker([config], { logger, feed: (i) => fed.push(i.haveQuorum), timers, scan: () => procs, events });
    t.start();
    return { t, fed, intervals, set: (p: ProcInfo[]) => { procs = p; } };
  }

  it('an exit event loses the quorum at once (no scan); a thread exit is not a process exit', () => {
    const ev = new FakeEvents();
    const h = evTracker(tp(), [proc(10, 'nginx')], ev);
    expect(h.t.usingEvents).toBe(true);
    expect(h.intervals).toEqual([10_000]); // /proc only as a resync
    ev.onEvents!([{ what: 'exit', pid: 11, tgid: 10 }]);
    expect(h.fed).toEqual([]);
    h.set([]); // the scan is not consulted for an exit
    ev.onEvents!([{ what: 'exit', pid: 10, tgid: 10 }]);
    expect(h.fed).toEqual([false]);
  });

  it('fork and exec events look the pid up: a matching process counts in, an exec into something else counts out', () => {
    const ev = new FakeEvents();
    const h = evTracker(tp(), [], ev);
    h.set([proc(20, 'bash')]);
    ev.onEvents!([{ what: 'fork', pid: 20, tgid: 20 }]);
    expect(h.fed).toEqual([]);
    h.set([proc(20, 'nginx')]);
    ev.onEvents!([{ what: 'exec', pid: 20, tgid: 20 }]);
    expect(h.fed).toEqual([true]);
    ev.onEvents!([{ what: 'fork', pid: 21, tgid: 20 }]); // a new thread of 20: nothing to count
    expect(h.t.views().p!.current).toBe(1);
    h.set([proc(20, 'perl')]);
    ev.onEvents!([{ what: 'exec', pid: 20, tgid: 20 }]);
    expect(h.fed).toEqual([true, false]);
  });

  it('an overflow resyncs from /proc; stop() closes the source', () => {
    const ev = new FakeEvents();
    const h = evTracker(tp(), [proc(10, 'nginx')], ev);
    h.set([]);
    ev.onOverflow!();
    expect(h.fed).toEqual([false]);
    h.t.stop();
    expect(ev.stopped).toBe(true);
  });

  it('where the kernel refuses (ECONNREFUSED outside the initial network namespace) it says so once and scans /proc every 1 s', () => {
    const lines: string[] = [];
    const h = evTracker(tp(), [proc(10, 'nginx')], new FakeEvents(Object.assign(new Error('sendto: Connection refused'), { code: 'ECONNREFUSED' })), lines);
    expect(h.t.usingEvents).toBe(false);
    expect(h.intervals).toEqual([1000]);
    expect(lines.filter((l) => l.includes('process.events')).map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'Process events from the kernel unavailable (ECONNREFUSED): scanning /proc every 1 s',
    ]);
  });

  it('on this host (the initial network namespace, as root): a killed child is noticed through the kernel, with the /proc resync an hour away', async () => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const fed: boolean[] = [];
    let wake: (() => void) | undefined;
    const t = new ProcessTracker([tp({ process: 'sleep', fullCommand: true, params: ['300'], paramMatch: 'exact' })], {
      logger: silent(),
      feed: (i) => {
        fed.push(i.haveQuorum);
        wake?.();
      },
      events: new NetlinkProcEvents(),
      resyncIntervalMs: 3_600_000,
    });
    const next = (): Promise<void> => new Promise((r) => (wake = r));
    try {
      expect(t.initialInputs()[0]!.haveQuorum).toBe(true);
      t.start();
      expect(t.usingEvents).toBe(true);
      const lost = next();
      child.kill('SIGKILL');
      await lost;
      expect(fed).toEqual([false]);
      const again = spawn('sleep', ['300'], { stdio: 'ignore' });
      const back = next();
      await back;
      expect(fed).toEqual([false, true]);
      again.kill('SIGKILL');
      await new Promise((r) => again.once('exit', r));
    } finally {
      t.stop();
      child.kill('SIGKILL');
    }
  });
});
