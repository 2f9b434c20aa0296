// track_file watcher (keepalived 2.2.7 trackers/track_file.c init_track_files(), process_track_file(),
// process_inotify(), track_file_init_handler(); reference §1.9.6, §3.9): each tracked file is read at
// start and whenever its directory reports a change; the value is `strtol(text, NULL, 0)` of the first
// 127 bytes; a missing or empty file is 0; a deleted / moved-away file is 0; a value outside int32 is
// ignored (the previous value stays). Values are fed to the core as `{ kind: 'file', name, value }`.
//
// Watching is chokidar's (one watcher per directory, depth 0, only the tracked names), standing in for
// keepalived's inotify on the directory. chokidar's add/change/unlink events are throttled: after a
// 'change' of a path, further ones for 50 ms are dropped with no trailing event (an atomic replace or a
// write 30 ms after another is then never reported; see the tests), and 'unlink' likewise for 100 ms.
// Its 'raw' events (every fs.watch event of its directory and file watches, unthrottled) are what
// keepalived's inotify would see, so a tracked file is re-read after any event naming it, debounced.

import { existsSync, openSync, readSync, closeSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as Chokidar from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { TrackFileConfig } from '../config-parser/types.js';
import type { Logger } from '../log.js';
import type { Input } from '../vrrp/effects.js';

const INT32_MIN = -(2n ** 31n);
/**
 * keepalived-compat: keepalived's range check lets INT32_MAX + 1 through.
 * Test: test/unit/tracking/track-files.test.ts "empty or non-numeric = 0; int32 range with INT32_MAX+1 let through (keepalived-compat)".
 */
const INT32_MAX_PLUS_1 = 2n ** 31n;
const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

/**
 * C's `strtol(s, NULL, 0)` on a 64-bit long: leading white space, a sign, `0x` hex, `0` octal, else
 * decimal, as many digits as fit the base; no digits ⇒ 0. `erange` when the value overflowed (it is
 * then clamped to LONG_MAX / LONG_MIN, as strtol does).
 */
export function strtol0(s: string): { value: bigint; erange: boolean } {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') {
    base = 8;
  }
  const digits = base === 16 ? /^[0-9a-fA-F]+/ : base === 8 ? /^[0-7]+/ : /^[0-9]+/;
  const m = digits.exec(s.slice(i));
  if (!m) return { value: 0n, erange: false };
  let v = 0n;
  const b = BigInt(base);
  for (const c of m[0]) v = v * b + BigInt(parseInt(c, 16));
  if (neg) v = -v;
  if (v > LONG_MAX) return { value: LONG_MAX, erange: true };
  if (v < LONG_MIN) return { value: LONG_MIN, erange: true };
  return { value: v, erange: false };
}

/** The value of a track file's text, or `undefined` (with keepalived's log text) when it is ignored. */
export function parseTrackFileValue(text: string): { value: number } | { invalid: string } {
  if (text === '') return { value: 0 };
  const { value, erange } = strtol0(text);
  if (erange || value < INT32_MIN || value > INT32_MAX_PLUS_1) return { invalid: value.toString() };
  return { value: Number(value) };
}

/** Reads the file as keepalived does (first 127 bytes; unreadable ⇒ empty). */
export function readTrackFile(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(127);
    const n = readSync(fd, buf, 0, 127, null);
    return buf.toString('latin1', 0, n);
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface TrackFileDeps {
  readonly logger: Logger;
  readonly feed: (input: Extract<Input, { kind: 'file' }>) => void;
  /** ms to wait after a change event before reading (a writer may not be done); default 20. */
  readonly settleMs?: number;
}

interface Watched {
  readonly cfg: TrackFileConfig;
  /** Resolved path (directory realpath + file name). */
  readonly path: string;
  value: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * `init_file [VALUE] [overwrite]` (track_file_init_handler()): at start-up create the file with VALUE
 * when it is missing, or rewrite it with `overwrite`; on reload only a missing file is created.
 */
export function initTrackFile(cfg: TrackFileConfig, reload: boolean, log: Logger): void {
  const init = cfg.initFile;
  if (!init) return;
  let exists = false;
  try {
    const st = statSync(cfg.file);
    exists = true;
    if (!init.overwrite) return;
    if (!st.isFile()) {
      log.error({ event: 'trackfile.init-error', file: cfg.name }, `Cannot initialise track file ${cfg.name} - it is not a regular file`);
      return;
    }
  } catch {
    exists = false;
  }
  if (exists && reload) return;
  try {
    writeFileSync(cfg.file, `${init.value}\n`);
  } catch {
    log.error({ event: 'trackfile.init-error', file: cfg.name }, `Unable to initialise track file ${cfg.name}`);
  }
}

/** chokidar (with its dependencies, ~4 MiB of RSS), loaded only once there is a directory to watch. */
let chokidar: Promise<typeof Chokidar> | undefined;
const loadChokidar = (): Promise<typeof Chokidar> => (chokidar ??= import('chokidar'));

export class TrackFileWatcher {
  private readonly files: Watched[] = [];
  private readonly watchers = new Map<string, FSWatcher>();
  /** Directories being watched (or about to be, while chokidar loads). */
  private readonly dirs = new Set<string>();
  /** The start() calls still waiting for chokidar. */
  private readonly starting: Array<Promise<void>> = [];
  private stopped = false;

  /** Resolves paths and reads every file now (call before the instances start). */
  constructor(
    configs: readonly TrackFileConfig[],
    private readonly deps: TrackFileDeps,
  ) {
    for (const cfg of configs) {
      const path = this.resolve(cfg);
      if (path === undefined) continue;
      const w: Watched = { cfg, path, value: 0, timer: undefined };
      const v = this.read(w);
      if (v !== undefined) w.value = v;
      this.files.push(w);
    }
  }

  /** The values read at construction, as inputs to feed before the instances start. */
  initialInputs(): Array<Extract<Input, { kind: 'file' }>> {
    return this.files.map((w) => ({ kind: 'file', name: w.cfg.name, value: w.value }));
  }

  names(): string[] {
    return this.files.map((w) => w.cfg.name);
  }

  /**
   * Starts watching the directories (chokidar, loaded on the first call that has a directory to watch,
   * so a configuration without track files never loads it; does not keep the process alive). A missing
   * directory is reported at once; the watches are in place shortly after.
   */
  start(): void {
    if (this.stopped) return;
    const pending: Array<{ dir: string; tracked: Set<string>; unable: (err: unknown) => void }> = [];
    for (const w of this.files) {
      const dir = dirname(w.path);
      if (this.dirs.has(dir)) continue;
      const unable = (err: unknown): void =>
        this.deps.logger.warn({ event: 'trackfile.watch-error', dir, err }, `Unable to monitor track files in ${dir}: ${String(err)}`);
      try {
        // chokidar would silently wait for a vanished directory to reappear; fs.watch / inotify fail.
        if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, watch '${dir}'`), { code: 'ENOTDIR' });
      } catch (err) {
        unable(err);
        continue;
      }
      this.dirs.add(dir);
      pending.push({ dir, tracked: new Set(this.files.filter((f) => dirname(f.path) === dir).map((f) => f.path)), unable });
    }
    if (pending.length === 0) return;
    const started = loadChokidar().then(
      ({ watch }) => {
        if (this.stopped) return;
        for (const { dir, tracked, unable } of pending) this.watchers.set(dir, this.watchDir(watch, dir, tracked, unable));
      },
      (err: unknown) => {
        for (const { unable } of pending) unable(err);
      },
    );
    this.starting.push(started);
  }

  private watchDir(watch: typeof Chokidar.watch, dir: string, tracked: ReadonlySet<string>, unable: (err: unknown) => void): FSWatcher {
    const fw = watch(dir, {
      persistent: false,
      ignoreInitial: true, // the constructor has read every file
      depth: 0,
      ignored: (p) => p !== dir && !tracked.has(p),
      // No atomic-write folding: it delays 'unlink' by 100 ms and ignores names like `x~` or `.x.swp`;
      // an atomic replace (write + rename over) is seen as a change of the file either way.
      atomic: false,
      // No awaitWriteFinish: it polls the size for a stability period before emitting (latency, and
      // a same-size rewrite only shows by mtime); the short settle delay below does that job.
      awaitWriteFinish: false,
      followSymlinks: true,
    });
    fw.on('all', (_event, path) => this.onEvent(path));
    fw.on('raw', (_event, name, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (watched === dir) this.onEvent(name ? join(dir, name) : undefined, dir);
      else if (watched !== undefined) this.onEvent(watched);
    });
    // Changes between the constructor's read and the watches being in place are picked up here.
    fw.on('ready', () => {
      for (const f of this.files) if (tracked.has(f.path)) this.schedule(f);
    });
    fw.on('error', unable);
    return fw;
  }

  /** Stops watching; the returned promise resolves when chokidar has closed its watches. */
  stop(): Promise<void> {
    this.stopped = true;
    const closing = [...this.watchers.values()].map((fw) => fw.close());
    this.watchers.clear();
    for (const w of this.files) {
      if (w.timer) clearTimeout(w.timer);
      w.timer = undefined;
    }
    return Promise.all([...this.starting, ...closing]).then(() => undefined);
  }

  /** Re-reads every file now (used when events may have been lost). */
  rescan(): void {
    for (const w of this.files) this.update(w);
  }

  private resolve(cfg: TrackFileConfig): string | undefined {
    try {
      return realpathSync(cfg.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.deps.logger.error({ event: 'trackfile.error', file: cfg.name }, `track file ${cfg.name} is not accessible - ignoring`);
        return undefined;
      }
    }
    try {
      const dir = realpathSync(dirname(cfg.file));
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      return join(dir, basename(cfg.file));
    } catch {
      this.deps.logger.error({ event: 'trackfile.error', file: cfg.name }, `Track file directory for ${cfg.name} does not exist - removing`);
      return undefined;
    }
  }

  /** The file's value now, or `undefined` when its content is ignored (logged). */
  private read(w: Watched): number | undefined {
    const r = parseTrackFileValue(readTrackFile(w.path));
    if ('invalid' in r) {
      this.deps.logger.info({ event: 'trackfile.invalid', file: w.cfg.name }, `Invalid number ${r.invalid} read from ${w.path} - ignoring`);
      return undefined;
    }
    return r.value;
  }

  /** An event for `path` (a tracked file's resolved path), or for a whole directory when path is undefined. */
  private onEvent(path: string | undefined, dir?: string): void {
    if (this.stopped) return;
    for (const w of this.files) {
      if (path !== undefined ? w.path === path : dirname(w.path) === dir) this.schedule(w);
    }
  }

  /** Reads the file once no further event came for settleMs (a writer may not be done). */
  private schedule(w: Watched): void {
    if (this.stopped) return;
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      this.update(w);
    }, this.deps.settleMs ?? 20);
  }

  private update(w: Watched): void {
    if (this.stopped) return;
    // Deleted or moved away ⇒ 0; written or moved in ⇒ its value.
    const v = existsSync(w.path) ? this.read(w) : 0;
    if (v === undefined || v === w.value) return;
    w.value = v;
    this.deps.logger.debug({ event: 'trackfile.value', file: w.cfg.name, value: v }, `Track file ${w.cfg.name} (${w.path}) now ${v}`);
    this.deps.feed({ kind: 'file', name: w.cfg.name, value: v });
  }
}
