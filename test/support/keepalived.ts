// The real keepalived (2.2.7, the oracle: reference/keepalived.md §8.4; or another oracle binary such as
// the built 2.4.3, test/support/oracles.ts) run inside a test namespace:
// its own TMPDIR and pid files so several can coexist, `-n -l -D -P` (foreground, log to stderr,
// detailed, VRRP only), output captured to a log file; stop with SIGTERM then SIGKILL.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, scratchDir, watchLog, type Netns, type Spawned } from './netns.js';
import type { PeerBinary } from './oracles.js';

export interface KeepalivedOptions {
  /** Extra command-line arguments (after the defaults). */
  readonly args?: readonly string[];
  /** Environment additions. */
  readonly env?: NodeJS.ProcessEnv;
  /** The binary to run (default `keepalived` on PATH, the Debian 2.2.7). */
  readonly binary?: PeerBinary;
}

export interface Keepalived {
  /** Private directory: keepalived.conf, pid files, keepalived.log, TMPDIR for dumps. */
  readonly dir: string;
  readonly confPath: string;
  readonly logPath: string;
  readonly process: Spawned;
  /** Everything keepalived has written to stdout/stderr so far. */
  log(): string;
  /**
   * Wait (bounded, default 15 s) for a log line matching `re`, counting only lines after the first
   * `after` matches (so you can wait for the *next* `Entering MASTER STATE`). Returns the line.
   */
  waitForLog(re: RegExp, opts?: { timeoutMs?: number; after?: number }): Promise<string>;
  /** Number of log lines matching `re`. */
  countLog(re: RegExp): number;
  /** Send a signal to the keepalived parent (e.g. SIGHUP reload, SIGUSR1 data dump). */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s); writes the log file; idempotent. */
  stop(graceMs?: number): Promise<number | string>;
}

/**
 * keepalived's argv as started by this harness (exported for unit tests). A binary built without the
 * checker (`--disable-lvs`, the 2.4.3 oracle) has no `-P` / `-c`.
 */
export function keepalivedArgv(dir: string, extra: readonly string[] = [], binary?: PeerBinary): string[] {
  const checker = binary?.hasChecker ?? true;
  return [
    binary?.path ?? 'keepalived',
    '-n', // --dont-fork
    '-l', // --log-console
    '-D', // --log-detail
    ...(checker ? ['-P'] : []), // --vrrp (no checker)
    '-f',
    join(dir, 'keepalived.conf'),
    '-p',
    join(dir, 'keepalived.pid'),
    '-r',
    join(dir, 'vrrp.pid'),
    ...(checker ? ['-c', join(dir, 'checkers.pid')] : []),
    ...extra,
  ];
}

/**
 * Start keepalived in `ns` with `config` (the text of keepalived.conf). Resolves once the process has
 * started (not once it is MASTER: use `waitForLog`). Fails fast if keepalived exits within 300 ms
 * (e.g. a config error with exit code 4/5), with its output in the message.
 */
export async function startKeepalived(ns: Netns, config: string, opts: KeepalivedOptions = {}): Promise<Keepalived> {
  const scratch = scratchDir('hv-n2-ka');
  const dir = scratch.path;
  const confPath = join(dir, 'keepalived.conf');
  const logPath = join(dir, 'keepalived.log');
  writeFileSync(confPath, config);
  const proc = ns.spawn(keepalivedArgv(dir, opts.args, opts.binary), { env: { ...process.env, TMPDIR: dir, ...opts.env }, cwd: dir });
  const early = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))]);
  if (early !== undefined) {
    writeFileSync(logPath, proc.output());
    throw new Error(`keepalived exited at once (${early}) in ${ns.name}:\n${proc.output()}`);
  }
  return {
    dir,
    confPath,
    logPath,
    process: proc,
    ...watchLog(proc, `keepalived in ${ns.name}`, 50),
    signal(sig) {
      if (!proc.hasExited()) process.kill(proc.pid, sig);
    },
    async stop(graceMs = 5_000) {
      const code = await proc.stop('SIGTERM', graceMs);
      writeFileSync(logPath, proc.output());
      return code;
    },
  };
}

/** Read a file keepalived wrote into its directory (e.g. `keepalived.data` after SIGUSR1). */
export function readKeepalivedFile(ka: Keepalived, name: string): string {
  return readFileSync(join(ka.dir, name), 'utf8');
}

/** `keepalived --version` first line, or undefined when not installed. */
export async function keepalivedVersion(): Promise<string | undefined> {
  const r = await run(['keepalived', '--version'], { check: false }).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  return (r.stderr + r.stdout).split('\n')[0]?.trim();
}
