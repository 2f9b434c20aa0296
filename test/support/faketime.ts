// A per-process steppable CLOCK_REALTIME for interop and chaos tests (issue 14 §1 "the clock stepped"):
// libfaketime (Debian `libfaketime`, LD_PRELOAD) reads its offset from a file on every realtime reading
// (FAKETIME_NO_CACHE), so rewriting the file steps the wall clock of that one daemon, forwards or
// backwards, while it runs, as `date -s` would, without touching the host clock. CLOCK_MONOTONIC is left
// alone (FAKETIME_DONT_FAKE_MONOTONIC: a real step moves only CLOCK_REALTIME), and so are file times
// (NO_FAKE_STAT). A time namespace cannot do this: it offsets only MONOTONIC and BOOTTIME, and only
// before its first process enters. The kernel's own realtime stamps (SO_TIMESTAMPNS) are not faked,
// which is what a step looks like to a daemon that compares them with its clock read a moment later.
// libfaketime also shifts every absolute timerfd deadline by its offset, CLOCK_MONOTONIC ones included,
// which no real step does: a small shim (faketime-monotonic-timers.c, compiled once with `cc`) is preloaded
// first and gives monotonic timerfds to the kernel untouched.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

/** The libfaketime library (single-threaded build, which libuv's and V8's threads are fine with), or undefined. */
export function faketimeLibrary(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

const SHIM_NAME = 'faketime-monotonic-timers.c';
/** Beside this file, or (in the transpiled tree of `npm run chaos`) in the checkout it names. */
const SHIM_SRC = [join(dirname(fileURLToPath(import.meta.url)), SHIM_NAME), ...(process.env.HAVIPD_FUZZ_ROOT ? [join(process.env.HAVIPD_FUZZ_ROOT, 'test', 'support', SHIM_NAME)] : [])].find((p) => existsSync(p)) ?? join(dirname(fileURLToPath(import.meta.url)), SHIM_NAME);
let shim: { path?: string; error?: string } | undefined;

/** The timerfd shim, compiled on first use into a cache directory keyed by its source's hash. */
export function monotonicTimersShim(): { path?: string; error?: string } {
  if (shim) return shim;
  try {
    const src = readFileSync(SHIM_SRC);
    const dir = join(tmpdir(), 'havipd-faketime-shim');
    const out = join(dir, `timers-${createHash('sha256').update(src).digest('hex').slice(0, 16)}.so`);
    if (!existsSync(out)) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', tmp, SHIM_SRC, '-ldl'], { stdio: 'pipe', timeout: 60_000 });
      renameSync(tmp, out);
    }
    shim = { path: out };
  } catch (e) {
    shim = { error: `cannot build the timerfd shim with cc: ${(e as Error).message.split('\n')[0]}` };
  }
  return shim;
}

/** Why clock-step tests cannot run here, or undefined. */
export function faketimeMissing(): string | undefined {
  if (!faketimeLibrary()) return 'libfaketime is not installed (apt-get install libfaketime)';
  return monotonicTimersShim().error;
}

export interface SteppableClock {
  /** The environment to start the daemon with (merge into its env). */
  readonly env: Readonly<Record<string, string>>;
  /** The offset now in effect, seconds (0 = the host's clock). */
  readonly offsetS: number;
  /** Set the offset from the host's realtime clock to `offsetS` seconds (the step is the difference). */
  set(offsetS: number): void;
}

/** A clock file in `dir` (offset 0); `name` keeps several daemons' files apart. */
export function steppableClock(dir: string, name: string): SteppableClock {
  const lib = faketimeLibrary();
  const timers = monotonicTimersShim().path;
  if (!lib || !timers) throw new Error(faketimeMissing());
  const file = join(dir, `${name}.faketime`);
  let offset = 0;
  // Written to a temporary name and renamed: a reader never sees an empty file (libfaketime would then
  // report the host's time, a spurious step).
  const write = (s: number): void => {
    writeFileSync(`${file}.tmp`, `${s >= 0 ? '+' : '-'}${Math.abs(s)}\n`);
    renameSync(`${file}.tmp`, file);
  };
  write(0);
  return {
    env: {
      LD_PRELOAD: `${timers}:${lib}`,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      FAKETIME_DONT_RESET: '1',
      NO_FAKE_STAT: '1',
    },
    get offsetS() {
      return offset;
    },
    set(s: number) {
      offset = s;
      write(s);
    },
  };
}
