// Running one script the way keepalived 2.2.7 does (lib/notify.c system_call_script(), vrrp_scheduler.c
// vrrp_script_child_thread(); reference §3.13 "how children are run"): its own process group, the script
// user's uid/gid, stdin from /dev/null, the program exec'd directly when it starts with `#!` or is ELF and
// run through `/bin/sh -c` otherwise; on timeout SIGTERM to the whole group, SIGKILL 2 s later. Unlike
// keepalived, stdout/stderr are read (not /dev/null) so the first few KiB can be logged; the rest is
// drained and dropped, so a script printing megabytes costs no memory and never blocks.

import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { loadNative, type NativeAddon } from '../native/index.js';
import { constants as osConstants } from 'node:os';
import { systemTimers, type TimerHandle, type Timers } from '../edges/timers.js';
import { childProcess } from '../lazy-builtins.js';

/** How a run ended. */
export type ProcessOutcome =
  /** The program exited with this status. */
  | { readonly kind: 'exited'; readonly code: number }
  /** Killed by a signal we did not send for a timeout. */
  | { readonly kind: 'signaled'; readonly signal: string; readonly signo: number }
  /** Killed by our timeout signals (keepalived's "timed_out"). */
  | { readonly kind: 'timedOut'; readonly signal: string; readonly signo: number }
  /** It could not be started at all (ENOENT, EACCES, EPERM on setuid …). */
  | { readonly kind: 'spawnError'; readonly code: string; readonly message: string };

export interface ProcessResult {
  readonly outcome: ProcessOutcome;
  /** The first `captureBytes` of stdout and stderr interleaved (utf8, lossy). */
  readonly output: string;
  /** Total bytes the program wrote to stdout + stderr. */
  readonly outputBytes: number;
  readonly pid: number | undefined;
}

export interface ProcessSpec {
  /** argv; argv[0] is the program (an absolute path after the script checks). */
  readonly argv: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
  /** ms until SIGTERM to the group; `undefined` = no timeout. */
  readonly timeoutMs?: number;
  /** ms between the SIGTERM and the SIGKILL (keepalived: 2 s). */
  readonly killGraceMs?: number;
  /** Bytes of output kept for logs (default 4096). */
  readonly captureBytes?: number;
  /** Force `/bin/sh -c` (true) or a direct exec (false); default: decided from the file's first bytes. */
  readonly shell?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Timers for the timeout, the kill grace and the exit settle (tests inject a fake clock). Default Node's. */
  readonly timers?: Timers;
}

/** A running child. */
export interface ProcessHandle {
  readonly pid: number | undefined;
  /** Resolves once the program itself has exited (never rejects). */
  readonly done: Promise<ProcessResult>;
  /** SIGTERM to the group now, SIGKILL `killGraceMs` later if it is still there (as on a timeout). */
  terminate(): void;
  /** SIGKILL to the group now. */
  kill(): void;
  /** Where the timeout handling is (keepalived's script state); fakes may leave it out. */
  phase?(): 'running' | 'terminating' | 'killing' | 'exited';
}

/** The edge the script runner uses (fakes in tests). */
export type Spawner = (spec: ProcessSpec) => ProcessHandle;

/** Variables keepalived (HEAD) removes from a script's environment. */
const UNSAFE_ENV = ['IFS', 'LD_PRELOAD', 'LD_LIBRARY_PATH'];

export function scriptEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const k of UNSAFE_ENV) delete env[k];
  return env;
}

/**
 * Whether keepalived would exec the file directly: it starts with `#!` or is an ELF object.
 * keepalived-compat: keepalived decides with libmagic; without it (the Debian 2.2.7 build) it always
 * exec()s, so a shebang-less script there fails to exec and counts as a success (exit 0). havipd runs
 * such a file through `/bin/sh -c` instead, as a libmagic build does.
 * Test: test/unit/scripts/process.test.ts "files without #! run through /bin/sh -c (keepalived with libmagic)".
 */
export function isDirectlyExecutable(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(4);
    const n = readSync(fd, buf, 0, 4, 0);
    if (n >= 2 && buf[0] === 0x23 && buf[1] === 0x21) return true;
    return n === 4 && buf[0] === 0x7f && buf.toString('latin1', 1, 4) === 'ELF';
  } catch {
    return true; // let exec report the problem
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Quotes one word for `/bin/sh -c`. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const signo = (name: string): number => (osConstants.signals as Record<string, number>)[name] ?? 0;

/** Sends `sig` to the process group `pgid`; false when it no longer exists (or may not be signalled). */
export function killGroup(pgid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * A started program as the supervision below needs it: Node's ChildProcess or the addon's vfork child.
 * `onExit` comes once the program has exited, `onClose` once it has exited and its output pipe is at EOF.
 */
interface Child {
  readonly pid: number | undefined;
  onData(cb: (b: Buffer) => void): void;
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  onClose(cb: () => void): void;
  /** A start that failed after spawn() returned (child_process reports ENOENT, EACCES, … this way). */
  onSpawnError(cb: (err: NodeJS.ErrnoException) => void): void;
  /** Stops reading the output (grandchildren may hold the pipe open). */
  destroyOutput(): void;
}

type Starter = (cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, uid: number | undefined, gid: number | undefined) => Child;

/** child_process.spawn with `detached` (setsid: own session and process group): fork() + exec. */
const startWithNode: Starter = (cmd, args, env, uid, gid) => {
  const child: ChildProcess = childProcess().spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
  });
  child.stdout?.on('error', () => undefined);
  child.stderr?.on('error', () => undefined);
  return {
    pid: child.pid,
    onData: (cb) => {
      child.stdout?.on('data', cb);
      child.stderr?.on('data', cb);
    },
    onExit: (cb) => void child.on('exit', cb),
    onClose: (cb) => void child.on('close', cb),
    onSpawnError: (cb) => void child.on('error', (err: NodeJS.ErrnoException) => cb(err)),
    destroyOutput: () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
};

const signalNames = new Map(Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const readBuf = Buffer.allocUnsafe(16384);

/**
 * The addon's vfork() spawn: the same process setup as `startWithNode` (own session, stdin /dev/null, uid/gid),
 * stdout and stderr in one pipe, the exit seen through a pidfd. fork() from Node stops the event loop for
 * 7–18 ms on a VM (it copies the page tables of a 50 MiB process); vfork() for a fraction of a millisecond.
 */
function startWithAddon(native: NativeAddon): Starter {
  return (cmd, args, env, uid, gid) => {
    const envList: string[] = [];
    for (const [k, v] of Object.entries(env)) if (v !== undefined) envList.push(`${k}=${v}`);
    const p = native.spawn(cmd, [cmd, ...args], envList, uid ?? -1, gid ?? -1);
    const dataCbs: Array<(b: Buffer) => void> = [];
    const exitCbs: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
    const closeCbs: Array<() => void> = [];
    let outOpen = true;
    let exited = false;
    const closeOut = (): void => {
      if (!outOpen) return;
      outOpen = false;
      native.close(p.out);
      if (exited) for (const cb of closeCbs) cb();
    };
    native.watch(p.out, () => {
      // Drain: up to EAGAIN, or EOF (every writer gone), bounded in count.
      for (let k = 0; outOpen && k < 1024; k++) {
        let n: number;
        try {
          n = readSync(p.out, readBuf, 0, readBuf.length, null);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return;
          n = 0;
        }
        if (n === 0) return closeOut();
        const chunk = Buffer.from(readBuf.subarray(0, n));
        for (const cb of dataCbs) cb(chunk);
      }
    });
    native.watch(p.pidfd, () => {
      const r = native.reap(p.pidfd);
      if (r === null || exited) return;
      exited = true;
      native.close(p.pidfd);
      const signal = 'signal' in r ? (signalNames.get(r.signal) ?? (`SIG${r.signal}` as NodeJS.Signals)) : null;
      for (const cb of exitCbs) cb('code' in r ? r.code : null, signal);
      if (!outOpen) for (const cb of closeCbs) cb();
    });
    return {
      pid: p.pid,
      onData: (cb) => void dataCbs.push(cb),
      onExit: (cb) => void exitCbs.push(cb),
      onClose: (cb) => void closeCbs.push(cb),
      onSpawnError: () => undefined,
      destroyOutput: closeOut,
    };
  };
}

let starter: Starter | undefined;

/** The addon's vfork spawn when the addon loads (raw-socket daemons always have it), else child_process. */
function defaultStarter(): Starter {
  if (starter) return starter;
  let native: NativeAddon | undefined;
  try {
    native = process.env.HAVIPD_SPAWN === 'node' ? undefined : loadNative();
  } catch {
    native = undefined;
  }
  starter = native && typeof native.spawn === 'function' ? startWithAddon(native) : startWithNode;
  return starter;
}

/** How `spawnProcess` starts programs here: the addon's vfork(), or child_process (no addon, or HAVIPD_SPAWN=node). */
export function spawnBackend(): 'addon' | 'node' {
  return defaultStarter() === startWithNode ? 'node' : 'addon';
}

/** Runs `spec` with a given way of starting programs (tests run the same cases through both). */
export function spawnWith(start: 'node' | 'addon', spec: ProcessSpec): ProcessHandle {
  return superviseSpawn(spec, start === 'node' ? startWithNode : startWithAddon(loadNative()));
}

/**
 * The real spawner: the program in its own session and process group (keepalived's setsid()), through the
 * addon's vfork() when it loads and child_process.spawn otherwise; timeouts and the output as documented on
 * `ProcessSpec`.
 */
export const spawnProcess: Spawner = (spec) => superviseSpawn(spec, defaultStarter());

function superviseSpawn(spec: ProcessSpec, start: Starter): ProcessHandle {
  const capture = spec.captureBytes ?? 4096;
  const grace = spec.killGraceMs ?? 2000;
  const [file, ...args] = spec.argv;
  if (file === undefined) {
    const outcome: ProcessOutcome = { kind: 'spawnError', code: 'ENOENT', message: 'empty command' };
    return { pid: undefined, done: Promise.resolve({ outcome, output: '', outputBytes: 0, pid: undefined }), terminate: () => undefined, kill: () => undefined };
  }
  const useShell = spec.shell ?? !isDirectlyExecutable(file);
  const cmd = useShell ? '/bin/sh' : file;
  const cmdArgs = useShell ? ['-c', spec.argv.map(shellQuote).join(' ')] : args;
  let child: Child;
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  let phase: 'running' | 'terminating' | 'killing' = 'running';
  let exited = false;
  const clock = spec.timers ?? systemTimers;
  const timers = new Set<TimerHandle>();
  const later = (ms: number, fn: () => void): void => {
    const t = clock.setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  let resolveDone!: (r: ProcessResult) => void;
  const done = new Promise<ProcessResult>((r) => (resolveDone = r));
  const finish = (outcome: ProcessOutcome, pid: number | undefined): void => {
    if (exited) return;
    exited = true;
    for (const t of timers) clock.clearTimeout(t);
    timers.clear();
    resolveDone({ outcome, output: Buffer.concat(chunks).toString('utf8'), outputBytes: total, pid });
  };

  try {
    child = start(cmd, cmdArgs, spec.env ?? scriptEnv(), spec.uid, spec.gid);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    finish({ kind: 'spawnError', code: e.code ?? 'EINVAL', message: e.message }, undefined);
    return { pid: undefined, done, terminate: () => undefined, kill: () => undefined };
  }
  const pid = child.pid;

  child.onData((b: Buffer): void => {
    total += b.length;
    if (kept < capture) {
      const part = b.subarray(0, capture - kept);
      chunks.push(Buffer.from(part));
      kept += part.length;
    }
  });

  const killNow = (): void => {
    if (pid === undefined || exited) return;
    phase = 'killing';
    killGroup(pid, 'SIGKILL');
    // keepalived: "failed to terminate after kill", then tries again (10 s).
    later(grace, () => killNow());
  };
  const terminate = (): void => {
    if (pid === undefined || exited || phase !== 'running') return;
    phase = 'terminating';
    if (!killGroup(pid, 'SIGTERM')) return;
    later(grace, () => killNow());
  };

  child.onSpawnError((err) => {
    // spawn failure (ENOENT, EACCES, EPERM for setuid/setgid): no 'exit' follows.
    if (pid === undefined) finish({ kind: 'spawnError', code: err.code ?? 'EIO', message: err.message }, pid);
  });
  let outcomeAtExit: ProcessOutcome | undefined;
  const settle = (): void => {
    if (outcomeAtExit === undefined || exited) return;
    child.destroyOutput();
    finish(outcomeAtExit, pid);
  };
  // Output still in the pipes is read until 'close'; grandchildren holding the pipes open do not
  // delay the result by more than a moment.
  child.onClose(settle);
  child.onExit((code, signal) => {
    const decide = (o: ProcessOutcome): void => {
      outcomeAtExit = o;
      for (const t of timers) clock.clearTimeout(t);
      timers.clear();
      later(100, settle);
    };
    if (signal !== null) {
      const n = signo(signal);
      const ours = (phase === 'terminating' && signal === 'SIGTERM') || (phase === 'killing' && (signal === 'SIGKILL' || signal === 'SIGTERM'));
      // keepalived: after the SIGTERM worked on the leader, make sure its children are gone too.
      if (ours && pid !== undefined) killGroup(pid, 'SIGKILL');
      decide(ours ? { kind: 'timedOut', signal, signo: n } : { kind: 'signaled', signal, signo: n });
    } else {
      decide({ kind: 'exited', code: code ?? 0 });
    }
  });

  if (spec.timeoutMs !== undefined && pid !== undefined) later(spec.timeoutMs, terminate);

  return {
    pid,
    done,
    terminate,
    kill: () => {
      if (pid !== undefined && !exited) killGroup(pid, 'SIGKILL');
    },
    phase: () => (exited ? 'exited' : phase),
  };
}
