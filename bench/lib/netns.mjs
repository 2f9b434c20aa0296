// Network namespaces and processes for the benchmarks (a plain-ESM port of the ideas in
// test/support/netns.ts): throw-away namespaces named `hv-b1-<pid base36>-<n>`, veth pairs with fixed
// MACs, processes in their own process groups, bounded waits, and one cleanup registry that runs on
// normal exit, on SIGINT / SIGTERM / SIGHUP, and (for a crashed earlier run) by sweeping stale names.

import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PREFIX = 'hv-b1';

/** Run a command (no shell), resolve `{ code, stdout, stderr }`; reject on non-zero exit unless `check: false`. */
export function run(argv, { timeoutMs = 15_000, check = true } = {}) {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : err.killed ? -1 : 127) : 0;
      const res = { code, stdout: String(stdout), stderr: String(stderr) };
      if (code !== 0 && check) reject(new Error(`${argv.join(' ')} exited ${code}: ${res.stderr.trim()}`));
      else resolve(res);
    });
  });
}

/** Synchronous variant for version probes and exit-time cleanup: stdout then stderr, whatever the exit code. */
export function runSync(argv, timeoutMs = 5_000) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns something other than undefined/false; reject after `timeoutMs`. */
export async function waitFor(probe, { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

// ───────────────────────────── cleanup registry ─────────────────────────────

const cleanups = new Map();
let nextId = 1;
let hooked = false;

function runCleanups() {
  // Reverse order: processes before the namespaces they run in, namespaces before scratch dirs.
  for (const [id, fn] of [...cleanups].reverse()) {
    cleanups.delete(id);
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
}

/** Register a synchronous cleanup for exit and SIGINT/SIGTERM/SIGHUP; returns its unregister function. */
export function onCleanup(fn) {
  if (!hooked) {
    hooked = true;
    process.on('exit', runCleanups);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.on(sig, () => {
        process.stderr.write(`\nbench: ${sig}, cleaning up\n`);
        runCleanups();
        process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
      });
    }
  }
  const id = nextId++;
  cleanups.set(id, fn);
  return () => void cleanups.delete(id);
}

/** A private scratch directory, removed at exit. */
export function scratchDir(tag = PREFIX) {
  const path = mkdtempSync(join(tmpdir(), `${tag}-`));
  const remove = () => rmSync(path, { recursive: true, force: true });
  const unregister = onCleanup(remove);
  return { path, remove: () => (remove(), unregister()) };
}

// ───────────────────────────── processes ─────────────────────────────

/**
 * Spawn `argv` as the leader of a new process group, collecting stdout+stderr (capped at 8 MiB).
 * `ip netns exec` execs the command, so `pid` is the daemon's own pid. The group is SIGKILLed at exit.
 */
export function spawnGroup(argv, { env = process.env, cwd } = {}) {
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env, cwd });
  let out = '';
  const append = (b) => {
    if (out.length < 8 * 1024 * 1024) out += b.toString();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let done = false;
  const exited = new Promise((resolve) => {
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
  const killGroup = (sig) => {
    if (pid <= 0) return;
    try {
      process.kill(-pid, sig);
    } catch {
      /* gone */
    }
  };
  const unregister = onCleanup(() => killGroup('SIGKILL'));
  void exited.then(() => unregister());
  return {
    pid,
    exited,
    hasExited: () => done,
    output: () => out,
    /** Send `sig` to the whole process group (parent and children in one kill(2)). */
    killGroup,
    /** Signal the group, wait up to `graceMs`, then SIGKILL it. */
    async stop(sig = 'SIGTERM', graceMs = 5_000) {
      if (!done) {
        killGroup(sig);
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

let counter = 0;

function destroySync(name) {
  for (const p of runSync(['ip', 'netns', 'pids', name]).split(/\s+/).filter((s) => /^\d+$/.test(s))) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  runSync(['ip', 'netns', 'del', name]);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Delete `hv-b1-<pid36>-*` namespaces left by benchmark runs whose process is gone. Returns their names. */
export function sweepStale() {
  const removed = [];
  const re = new RegExp(`^${PREFIX}-([0-9a-z]+)-[0-9a-z]+$`);
  for (const line of runSync(['ip', 'netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = re.exec(name);
    if (!m) continue;
    const pid = parseInt(m[1], 36);
    if (pid === process.pid || pidAlive(pid)) continue;
    destroySync(name);
    removed.push(name);
  }
  return removed;
}

/** Create a namespace `hv-b1-<pid36>-<n><tag>` with lo up; destroyed by `destroy()` or at exit. */
export async function createNetns(tag = '') {
  counter += 1;
  const name = `${PREFIX}-${process.pid.toString(36)}-${counter.toString(36)}${tag}`;
  await run(['ip', 'netns', 'add', name]);
  const unregister = onCleanup(() => destroySync(name));
  let destroyed = false;
  const ns = {
    name,
    ip: (args, o) => run(['ip', '-n', name, ...args], o),
    exec: (argv, o) => run(['ip', 'netns', 'exec', name, ...argv], o),
    spawn: (argv, o) => spawnGroup(['ip', 'netns', 'exec', name, ...argv], o),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      const pids = await run(['ip', 'netns', 'pids', name], { check: false });
      for (const p of pids.stdout.split(/\s+/).filter((s) => /^\d+$/.test(s))) {
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
  try {
    await ns.ip(['link', 'set', 'lo', 'up']);
  } catch (e) {
    await ns.destroy();
    throw e;
  }
  return ns;
}

/**
 * Two namespaces joined by a veth pair: `veth0` (MAC 02:b1:00:00:00:01, `${net}.1/24`) in A and
 * `veth1` (MAC 02:b1:00:00:00:02, `${net}.2/24`) in B, both up with carrier. `net` is like '10.251.0'.
 * Each pair is its own L2 segment, so the same addresses can be reused by every pair.
 */
export async function createPair(net, tags = ['a', 'b']) {
  const a = await createNetns(tags[0]);
  let b;
  try {
    b = await createNetns(tags[1]);
    const macA = '02:b1:00:00:00:01';
    const macB = '02:b1:00:00:00:02';
    await a.ip(['link', 'add', 'veth0', 'address', macA, 'type', 'veth', 'peer', 'name', 'veth1', 'address', macB, 'netns', b.name]);
    await a.ip(['addr', 'add', `${net}.1/24`, 'dev', 'veth0']);
    await b.ip(['addr', 'add', `${net}.2/24`, 'dev', 'veth1']);
    await a.ip(['link', 'set', 'veth0', 'up']);
    await b.ip(['link', 'set', 'veth1', 'up']);
    for (const [ns, ifn] of [[a, 'veth0'], [b, 'veth1']]) {
      await waitFor(async () => /[<,]LOWER_UP[,>]/.test((await ns.ip(['-o', 'link', 'show', 'dev', ifn])).stdout), {
        timeoutMs: 10_000,
        intervalMs: 25,
        what: `${ns.name}/${ifn} carrier`,
      });
    }
    return {
      a, b, ifA: 'veth0', ifB: 'veth1', ipA: `${net}.1`, ipB: `${net}.2`, macA, macB,
      async destroy() {
        await a.destroy();
        await b.destroy();
      },
    };
  } catch (e) {
    await a.destroy();
    await b?.destroy();
    throw e;
  }
}
