// Network-namespace test harness for the interop layer (ARCHITECTURE.md §7): throw-away namespaces
// joined by veth pairs, commands and long-running processes inside them, bounded waits, and cleanup
// that runs in afterAll, on process exit, and (for leftovers of crashed runs) by sweeping stale names.
//
// Names are unique per process and per call: `<prefix>-<pid base36>-<counter>`, so test files running
// in parallel workers never collide, and `sweepStaleNetns()` can tell a dead run's namespaces from a
// live one's by the pid in the name. Interfaces are created directly inside their namespaces
// (`ip -n NS link add … peer … netns NS2`), so their names never touch the root namespace.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Default namespace name prefix: env HAVIPD_NETNS_PREFIX, else `hv-n2`. Pass your own per call
 * (`createLan({ prefix: 'hv-daemon' })`) to tell your namespaces apart; uniqueness never depends on it.
 */
export const DEFAULT_PREFIX = process.env.HAVIPD_NETNS_PREFIX || 'hv-n2';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Kill the command after this many ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Reject unless the exit code is 0 (default true). */
  readonly check?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
}

/** Run a command (no shell) and collect its output. Rejects on non-zero exit unless `check: false`. */
export function run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('run: empty argv');
  const timeout = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout, killSignal: 'SIGKILL', env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : err.killed ? -1 : 127) : 0;
        const res = { code, stdout: String(stdout), stderr: String(stderr) };
        if (code !== 0 && opts.check !== false) {
          reject(new Error(`${argv.join(' ')} exited ${code}${err?.killed ? ' (timed out)' : ''}: ${res.stderr.trim()}`));
        } else resolve(res);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

// ───────────────────────────── bounded waits ─────────────────────────────

export interface WaitOptions {
  /** Give up after this many ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Poll period in ms (default 50). */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly what?: string;
}

/** Throw this from a `waitFor` probe to stop waiting at once (e.g. the awaited process died). */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

/**
 * Poll `probe` until it returns something other than `undefined`/`false`, and return that value.
 * Rejects with a message naming `what` and the last probe error after `timeoutMs`. Never unbounded.
 */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const why = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${why}`);
    }
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ───────────────────────────── cleanup registry ─────────────────────────────

const syncCleanups = new Map<number, () => void>();
let nextCleanupId = 1;
let exitHookInstalled = false;

/**
 * Register a synchronous cleanup that runs on process exit, SIGTERM or SIGINT (vitest ends its fork
 * workers with SIGTERM, which skips 'exit' handlers) unless it was unregistered before.
 * Returns the unregister function. Used for namespaces, process groups and scratch directories.
 */
export function onExitCleanup(fn: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', runExitCleanups);
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const handler = (): void => {
        runExitCleanups();
        process.removeListener(sig, handler);
        // Keep the default behaviour (die of the signal) unless someone else handles it.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      };
      process.on(sig, handler);
    }
  }
  const id = nextCleanupId++;
  syncCleanups.set(id, fn);
  return () => void syncCleanups.delete(id);
}

function runExitCleanups(): void {
  // Reverse registration order: processes before the namespaces they run in.
  for (const [id, fn] of [...syncCleanups].reverse()) {
    syncCleanups.delete(id);
    try {
      fn();
    } catch {
      /* best effort at exit */
    }
  }
}

/** Async disposers run by `destroyAll()` (in reverse order): processes, namespaces, scratch dirs. */
const disposers = new Set<() => Promise<void>>();

/** Register something `destroyAll()` must dispose; returns the unregister function. */
export function onDestroyAll(fn: () => Promise<void>): () => void {
  disposers.add(fn);
  return () => void disposers.delete(fn);
}

/**
 * Stop every process, destroy every namespace and remove every scratch directory this module
 * instance created and not yet disposed of. Call it in afterAll.
 */
export async function destroyAll(): Promise<void> {
  for (const fn of [...disposers].reverse()) {
    disposers.delete(fn);
    try {
      await fn();
    } catch {
      /* keep going: every resource gets its chance */
    }
  }
}

// ───────────────────────────── processes ─────────────────────────────

export interface Spawned {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Collected stdout+stderr so far (capped at 4 MiB). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Whether it has exited. */
  hasExited(): boolean;
  /** Signal the whole process group, wait up to `graceMs`, then SIGKILL the group. Idempotent. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

/** What both daemon harnesses offer over a spawned daemon's output: its log, and bounded waits on it. */
export interface LogWatch {
  log(): string;
  lines(): string[];
  countLog(re: RegExp): number;
  /** Wait (bounded, default 15 s) for the (after+1)-th line matching `re`; gives up at once if the process exits. */
  waitForLog(re: RegExp, opts?: { timeoutMs?: number; after?: number }): Promise<string>;
}

export function watchLog(proc: Spawned, label: string, intervalMs: number): LogWatch {
  const lines = (): string[] => proc.output().split('\n');
  return {
    log: () => proc.output(),
    lines,
    countLog: (re) => lines().filter((l) => re.test(l)).length,
    waitForLog(re, o = {}) {
      const after = o.after ?? 0;
      return waitFor(
        () => {
          const hits = lines().filter((l) => re.test(l));
          if (hits.length > after) return hits[after]!;
          if (proc.hasExited()) throw new GiveUp(`${label} exited while waiting for ${re}:\n${proc.output()}`);
          return undefined;
        },
        { timeoutMs: o.timeoutMs ?? 15_000, intervalMs, what: `${label} log ${re}` },
      );
    },
  };
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** 'pipe' to write to the child's stdin (`child.stdin`); default 'ignore'. */
  readonly stdin?: 'pipe' | 'ignore';
}

/** Spawn `argv` in its own process group; it is killed (group SIGKILL) on process exit if still alive. */
export function spawnGroup(argv: readonly string[], opts: SpawnOptions = {}): Spawned {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('spawnGroup: empty argv');
  const child = spawn(file, args, { detached: true, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  let out = '';
  const append = (b: Buffer): void => {
    if (out.length < 4 * 1024 * 1024) out += b.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.on('error', (e) => {
      done = true;
      out += `\nspawn error: ${e.message}`;
      resolve(127);
    });
    child.on('exit', (code, sig) => {
      done = true;
      resolve(code ?? sig ?? -1);
    });
  });
  const pid = child.pid ?? -1;
  const killGroup = (sig: NodeJS.Signals): void => {
    if (pid <= 0) return;
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  const unregister = onExitCleanup(() => killGroup('SIGKILL'));
  const undispose = onDestroyAll(async () => {
    killGroup('SIGKILL');
    await exited;
  });
  void exited.then(() => {
    // The leader is gone; kill any stragglers of the group, then forget it.
    killGroup('SIGKILL');
    unregister();
    undispose();
  });
  return {
    pid,
    child,
    output: () => out,
    exited,
    hasExited: () => done,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000) {
      if (!done) {
        killGroup(signal);
        const t = setTimeout(() => killGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      killGroup('SIGKILL');
      return exited;
    },
  };
}

// ───────────────────────────── namespaces ─────────────────────────────

let nameCounter = 0;
// A per-module-instance tag: vitest may load this module afresh in a reused worker (same pid).
const instanceTag = randomBytes(3).readUIntBE(0, 3).toString(36).padStart(4, '0').slice(-4);

/**
 * A fresh namespace name: `<prefix>-<pid36>-<tag><n>`, unique per process, module instance and call.
 * `sweepStaleNetns` reads the pid back from it.
 */
export function uniqueNetnsName(prefix = DEFAULT_PREFIX): string {
  nameCounter += 1;
  return `${prefix}-${process.pid.toString(36)}-${instanceTag}${nameCounter.toString(36)}`;
}

export interface Netns {
  readonly name: string;
  /** Run a command inside the namespace (`ip netns exec NAME …`). */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Run `ip ARGS` in the namespace (`ip -n NAME ARGS`). */
  ip(args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Spawn a long-running process inside the namespace, in its own process group. */
  spawn(argv: readonly string[], opts?: SpawnOptions): Spawned;
  /** Kill every process left in the namespace and delete it. Idempotent. */
  destroy(): Promise<void>;
}

function destroySync(name: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 });
    for (const p of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* namespace already gone */
  }
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    /* already gone */
  }
}

/** Create a namespace with `lo` up. It is deleted on `destroy()`, `destroyAll()` or process exit. */
export async function createNetns(prefix = DEFAULT_PREFIX): Promise<Netns> {
  const name = uniqueNetnsName(prefix);
  await run(['ip', 'netns', 'add', name]);
  const unregister = onExitCleanup(() => destroySync(name));
  let destroyed = false;
  const ns: Netns = {
    name,
    exec: (argv, opts) => run(['ip', 'netns', 'exec', name, ...argv], opts),
    ip: (args, opts) => run(['ip', '-n', name, ...args], opts),
    spawn: (argv, opts) => spawnGroup(['ip', 'netns', 'exec', name, ...argv], opts),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      undispose();
      const pids = await run(['ip', 'netns', 'pids', name], { check: false });
      for (const p of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await run(['ip', 'netns', 'del', name], { check: false });
      unregister();
    },
  };
  const undispose = onDestroyAll(() => ns.destroy());
  await ns.ip(['link', 'set', 'lo', 'up']);
  return ns;
}

/**
 * Delete namespaces named `<prefix>-<pid36>-…` whose pid is no longer alive (leftovers of a crashed
 * run). Returns the names deleted. Namespaces of live processes (parallel test files) are left alone.
 */
export async function sweepStaleNetns(prefix = DEFAULT_PREFIX): Promise<string[]> {
  const list = await run(['ip', 'netns', 'list'], { check: false });
  const removed: string[] = [];
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-([0-9a-z]+)-[0-9a-z]+$`);
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = re.exec(name);
    if (!m) continue;
    const pid = parseInt(m[1]!, 36);
    if (pid === process.pid || pidAlive(pid)) continue;
    destroySync(name);
    removed.push(name);
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface VethOptions {
  /** Interface name inside `a` (default `veth0`). */
  readonly ifA?: string;
  /** Interface name inside `b` (default `veth1`). */
  readonly ifB?: string;
  /** Addresses with prefix, e.g. `10.200.0.1/24`, added on the A / B side. */
  readonly addrsA?: readonly string[];
  readonly addrsB?: readonly string[];
  /** Bring both ends up (default true). */
  readonly up?: boolean;
  /** Set `nodad` on IPv6 addresses (default true), so they are usable at once. */
  readonly nodad?: boolean;
}

export interface VethPair {
  readonly a: Netns;
  readonly b: Netns;
  readonly ifA: string;
  readonly ifB: string;
}

/** Create a veth pair with one end in `a` and the other in `b` (may be the same namespace). */
export async function createVeth(a: Netns, b: Netns, opts: VethOptions = {}): Promise<VethPair> {
  const ifA = opts.ifA ?? 'veth0';
  const ifB = opts.ifB ?? 'veth1';
  await a.ip(['link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', b.name]);
  const addAll = async (ns: Netns, ifn: string, addrs: readonly string[] | undefined): Promise<void> => {
    for (const addr of addrs ?? []) {
      const v6 = addr.includes(':');
      await ns.ip(['addr', 'add', addr, 'dev', ifn, ...(v6 && opts.nodad !== false ? ['nodad'] : [])]);
    }
  };
  await addAll(a, ifA, opts.addrsA);
  await addAll(b, ifB, opts.addrsB);
  if (opts.up !== false) {
    await a.ip(['link', 'set', ifA, 'up']);
    await b.ip(['link', 'set', ifB, 'up']);
    // Carrier comes a moment after admin-up; wait for LOWER_UP on both ends (bounded).
    await waitForLinkUp(a, ifA);
    await waitForLinkUp(b, ifB);
  }
  return { a, b, ifA, ifB };
}

/** Wait (bounded) until `ifname` in `ns` reports LOWER_UP (carrier) and, for IPv6, a link-local address is not tentative. */
export async function waitForLinkUp(ns: Netns, ifname: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    async () => {
      const link = (await ns.ip(['-o', 'link', 'show', 'dev', ifname])).stdout;
      if (!/[<,]LOWER_UP[,>]/.test(link)) return false;
      const addrs = (await ns.ip(['-o', '-6', 'addr', 'show', 'dev', ifname])).stdout;
      return !/tentative/.test(addrs);
    },
    { timeoutMs, intervalMs: 25, what: `${ns.name}/${ifname} up` },
  );
}

export interface Lan extends VethPair {
  /** IPv4 addresses (without prefix) of the A and B ends. */
  readonly ipA: string;
  readonly ipB: string;
  readonly ip6A: string;
  readonly ip6B: string;
  /** Destroy both namespaces. */
  destroy(): Promise<void>;
}

let lanCounter = 0;

/**
 * Two namespaces joined by a veth pair (`veth0` in A, `veth1` in B), up, with
 * 10.<x>.<y>.1/24 / .2 and fd00:<x>:<y>::1/64 / ::2 (nodad). The subnet comes from the pid and a
 * counter; it only has to be unique inside the pair, since each pair is its own L2 segment.
 */
export async function createLan(opts: { prefix?: string; ifA?: string; ifB?: string } = {}): Promise<Lan> {
  lanCounter += 1;
  const x = 200 + (lanCounter % 50);
  // 1..250: a 0 would print as `fd00:x:0::1`, which the kernel reports as `fd00:x::1`.
  const y = 1 + (process.pid % 250);
  const a = await createNetns(opts.prefix);
  let b: Netns | undefined;
  try {
    const bns = await createNetns(opts.prefix);
    b = bns;
    const ipA = `10.${x}.${y}.1`;
    const ipB = `10.${x}.${y}.2`;
    const ip6A = `fd00:${x}:${y}::1`;
    const ip6B = `fd00:${x}:${y}::2`;
    const pair = await createVeth(a, b, {
      ifA: opts.ifA ?? 'veth0',
      ifB: opts.ifB ?? 'veth1',
      addrsA: [`${ipA}/24`, `${ip6A}/64`],
      addrsB: [`${ipB}/24`, `${ip6B}/64`],
    });
    return {
      ...pair,
      ipA,
      ipB,
      ip6A,
      ip6B,
      async destroy() {
        await a.destroy();
        await bns.destroy();
      },
    };
  } catch (e) {
    await a.destroy();
    await b?.destroy();
    throw e;
  }
}

/** A private scratch directory removed on process exit (and by the returned `remove`). */
export function scratchDir(tag = 'hv-n2'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${tag}-`));
  const remove = (): void => rmSync(path, { recursive: true, force: true });
  const unregister = onExitCleanup(remove);
  const undispose = onDestroyAll(async () => remove());
  return {
    path,
    remove() {
      remove();
      unregister();
      undispose();
    },
  };
}
