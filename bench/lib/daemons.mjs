// The two daemons under test, started the same way inside a namespace: havipd (bin/havipd, pretty
// keepalived-style log lines) and keepalived 2.2.7 (`-n -l -D -P`, its own TMPDIR and pid files so
// several coexist). Both log `(VI_n) Entering MASTER STATE` etc., so waits are written once.

import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSync, scratchDir, waitFor } from './netns.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const HAVIPD_BIN = join(ROOT, 'bin/havipd');
export const KEEPALIVED = process.env.KEEPALIVED ?? '/usr/sbin/keepalived';

/** The kinds benchmarked, in report order. */
export const KINDS = ['havipd', 'keepalived'];

function argvFor(kind, dir, conf) {
  if (kind === 'havipd') {
    return [HAVIPD_BIN, '--config', conf, '--log-format', 'pretty', '-D', '-p', join(dir, 'havipd.pid'), '-r', join(dir, 'vrrp.pid'), '--control-socket', join(dir, 'havipd.sock'), '--state-dir', join(dir, 'state')];
  }
  if (kind === 'keepalived') {
    return [KEEPALIVED, '-n', '-l', '-D', '-P', '-f', conf, '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid')];
  }
  throw new Error(`unknown daemon kind ${kind}`);
}

/**
 * Start daemon `kind` in `ns` with the config text `config`. Resolves once the process is running
 * (fails fast, with its output, if it exits within 300 ms). The returned object can wait for log
 * lines, list its process tree and be stopped or SIGKILLed as a whole process group.
 */
export async function startDaemon(kind, ns, config) {
  const scratch = scratchDir(`hv-b1-${kind}`);
  const dir = scratch.path;
  const conf = join(dir, `${kind}.conf`);
  writeFileSync(conf, config);
  const proc = ns.spawn(argvFor(kind, dir, conf), { env: { ...process.env, TMPDIR: dir }, cwd: dir });
  const early = await Promise.race([proc.exited, new Promise((r) => setTimeout(() => r(undefined), 300))]);
  if (early !== undefined) throw new Error(`${kind} exited at once (${early}) in ${ns.name}:\n${proc.output()}`);
  const lines = () => proc.output().split('\n');
  const count = (re) => lines().filter((l) => re.test(l)).length;
  return {
    kind,
    dir,
    pid: proc.pid,
    proc,
    log: () => proc.output(),
    count,
    /** Wait until at least `n` log lines match `re`. */
    waitLog(re, n = 1, timeoutMs = 30_000) {
      return waitFor(() => {
        if (count(re) >= n) return true;
        if (proc.hasExited()) throw new Error(`${kind} exited while waiting for ${re}:\n${proc.output().slice(-4000)}`);
        return false;
      }, { timeoutMs, intervalMs: 50, what: `${n} × ${re} from ${kind} in ${ns.name}` });
    },
    /** SIGKILL the whole process group in one kill(2) (keepalived's parent and VRRP child together). */
    kill: () => proc.killGroup('SIGKILL'),
    async stop(graceMs = 5_000) {
      const code = await proc.stop('SIGTERM', graceMs);
      scratch.remove();
      return code;
    },
  };
}

/** Version strings for the report. */
export function versions() {
  const ka = runSync([KEEPALIVED, '--version']).split('\n')[0]?.trim() || 'keepalived: not found';
  let hv = 'havipd';
  try {
    const v = runSync([process.execPath, HAVIPD_BIN, '--version']).trim();
    const rev = runSync(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD']).trim();
    hv = `havipd ${v || '?'}${rev ? ` (git ${rev})` : ''}`;
  } catch {
    /* keep the default */
  }
  return { havipd: hv, keepalived: ka };
}
