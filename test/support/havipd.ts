// The real `bin/havipd` (built into dist/ by `npx tsc -p tsconfig.json`) run inside a test namespace,
// the mirror of keepalived.ts: its own directory (config, pid files, TMPDIR for the SIGUSR1/SIGUSR2
// dumps, log file), `--log-format pretty -D` so its lines read like keepalived's, bounded waits for log
// lines, dump reading, stop with SIGTERM then SIGKILL. Optionally as an unprivileged uid (UDP mode).

import { chownSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GiveUp, scratchDir, waitFor, watchLog, type Netns, type Spawned } from './netns.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The launcher under test. */
export const HAVIPD_BIN = join(ROOT, 'bin', 'havipd');
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');

export interface HavipdOptions {
  /** `--transport` (default raw). */
  readonly transport?: 'raw' | 'udp';
  /** `--udp-port` (UDP mode only). */
  readonly udpPort?: number;
  /** Run as this uid/gid through `setpriv --reuid --regid --clear-groups` (e.g. 65534). */
  readonly uid?: number;
  /** `-D` (default true). */
  readonly detail?: boolean;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** ms the process must survive at start (default 300). */
  readonly earlyExitMs?: number;
}

export interface Havipd {
  /** Private directory: keepalived.conf, pid files, havipd.log, TMPDIR of the dumps. */
  readonly dir: string;
  readonly confPath: string;
  readonly logPath: string;
  readonly process: Spawned;
  /** Pid of the havipd node process (the one signals go to). */
  readonly pid: number;
  log(): string;
  lines(): string[];
  /** Wait (bounded, default 15 s) for the (after+1)-th log line matching `re`; returns it. */
  waitForLog(re: RegExp, opts?: { timeoutMs?: number; after?: number }): Promise<string>;
  countLog(re: RegExp): number;
  signal(sig: NodeJS.Signals): void;
  /** Rewrite keepalived.conf (for SIGHUP reload tests). */
  writeConfig(config: string): void;
  /**
   * Ask for a dump (SIGUSR1 → keepalived.data, SIGUSR2 → keepalived.stats) and return its text once a
   * fresh one has been written (bounded, 5 s).
   */
  dump(kind: 'data' | 'stats'): Promise<string>;
  /** Stop with `signal` (default SIGTERM), SIGKILL after `graceMs`; writes the log file; idempotent. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

/** havipd's argv as started by this harness (exported for unit tests). */
export function havipdArgv(dir: string, opts: HavipdOptions = {}): string[] {
  const argv = [
    process.execPath,
    HAVIPD_BIN,
    '--config',
    join(dir, 'keepalived.conf'),
    '-l',
    '--log-format',
    'pretty',
    ...(opts.detail === false ? [] : ['-D']),
    '-p',
    join(dir, 'havipd.pid'),
    '-r',
    join(dir, 'vrrp.pid'),
    ...(opts.transport ? ['--transport', opts.transport] : []),
    ...(opts.udpPort !== undefined ? ['--udp-port', String(opts.udpPort)] : []),
    // Each daemon its own control socket and state directory (never the host's /run/havipd, /var/lib/havipd).
    '--control-socket',
    join(dir, 'havipd.sock'),
    '--state-dir',
    join(dir, 'state'),
    ...(opts.args ?? []),
  ];
  if (opts.uid === undefined) return argv;
  return ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', ...argv];
}

/**
 * Throws a clear message when dist/ or the native addon has not been built. Waits (bounded, 30 s) for
 * them to appear first: on a shared machine another engineer's `node-gyp rebuild` or `tsc` removes and
 * rewrites them for a few seconds.
 */
export async function assertBuilt(timeoutMs = 30_000): Promise<void> {
  const addon = join(ROOT, 'build', 'Release', 'havipd_native.node');
  try {
    await waitFor(() => existsSync(DIST_MAIN) && existsSync(addon), { timeoutMs, intervalMs: 200, what: 'dist/ and the native addon' });
  } catch {
    if (!existsSync(DIST_MAIN)) throw new Error(`havipd is not built (${DIST_MAIN} missing): run npx tsc -p tsconfig.json first`);
    throw new Error(`native addon missing (${addon}): run npm_config_nodedir=/usr npx node-gyp rebuild`);
  }
}

/**
 * Start havipd in `ns` with `config` (keepalived.conf text). Resolves once the process is up (not once
 * an instance has a state: use `waitForLog`). Fails fast with its output if it exits at once.
 */
export async function startHavipd(ns: Netns, config: string, opts: HavipdOptions = {}): Promise<Havipd> {
  await assertBuilt();
  const scratch = scratchDir('hv-n2-hd');
  const dir = scratch.path;
  const confPath = join(dir, 'keepalived.conf');
  const logPath = join(dir, 'havipd.log');
  writeFileSync(confPath, config);
  if (opts.uid !== undefined) {
    chownSync(dir, opts.uid, opts.uid);
    chownSync(confPath, opts.uid, opts.uid);
  }
  const proc = ns.spawn(havipdArgv(dir, opts), { env: { ...process.env, TMPDIR: dir, ...opts.env }, cwd: dir });
  const early = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), opts.earlyExitMs ?? 300))]);
  if (early !== undefined) {
    writeFileSync(logPath, proc.output());
    throw new Error(`havipd exited at once (${early}) in ${ns.name}:\n${proc.output()}`);
  }
  const signal = (sig: NodeJS.Signals): void => {
    if (!proc.hasExited()) process.kill(proc.pid, sig);
  };
  return {
    dir,
    confPath,
    logPath,
    process: proc,
    pid: proc.pid,
    ...watchLog(proc, `havipd in ${ns.name}`, 25),
    signal,
    writeConfig(text) {
      writeFileSync(confPath, text);
      if (opts.uid !== undefined) chownSync(confPath, opts.uid, opts.uid);
    },
    async dump(kind) {
      const path = join(dir, `keepalived.${kind}`);
      rmSync(path, { force: true });
      signal(kind === 'data' ? 'SIGUSR1' : 'SIGUSR2');
      await waitFor(
        () => {
          if (proc.hasExited()) throw new GiveUp(`havipd exited before writing ${path}:\n${proc.output()}`);
          return existsSync(path) && statSync(path).size > 0;
        },
        { timeoutMs: 5_000, intervalMs: 20, what: `havipd ${kind} dump in ${dir}` },
      );
      return readFileSync(path, 'utf8');
    },
    async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 5_000) {
      const code = await proc.stop(sig, graceMs);
      writeFileSync(logPath, proc.output());
      return code;
    },
  };
}
