// How bin/havipd loads the daemon (issue 12 §2): the esbuild bundle (dist/bundle/havipd.js, one CommonJS file
// built by tools/bundle.mjs) compiled through `vm.Script` with a V8 code cache, or tsc's dist/cli/main.js when
// that is newer (a tree rebuilt with `npx tsc` only, whose bundle would be stale).
//
// The code cache holds the bytecode of the functions a run compiled, so the next run neither parses the bundle
// nor compiles those functions again. It is kept in dist/bundle/cache/, one file per kind of run (config
// check, daemon, other commands), per bundle (the content hash tools/bundle.mjs writes on its last line) and
// per Node version, CPU and V8 flags (V8 refuses a cache made under other flags). `npm run build` makes the
// config-check ones; a run that finds none for its kind, or one V8 rejects, writes it when it ends, a daemon 10 s
// after its start (atomically, only where it may write; any error is ignored). A cache never changes what runs:
// V8 checks it against the source and its own version and flags, and a rejected or unreadable one means a
// normal compile.
// HAVIPD_CODE_CACHE=0 turns it off.

import type { Script as VmScript } from 'node:vm';
import { mark } from '../startup-trace.js';

// Built-ins through process.getBuiltinModule (Node >= 20.16), not ESM imports: an ESM import of a built-in builds
// a facade that reads every export, and node:fs's includes the fs.ReadStream getter, which loads the whole
// streams stack (about 9 ms of a `-t`; node:vm's and node:url's facades 1-3 ms more). Older Node 20: ESM imports.
const hasGetBuiltin = typeof process.getBuiltinModule === 'function';
const { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = hasGetBuiltin ? process.getBuiltinModule('node:fs') : await import('node:fs');
const { createRequire } = hasGetBuiltin ? process.getBuiltinModule('node:module') : await import('node:module');
const { dirname, join } = hasGetBuiltin ? process.getBuiltinModule('node:path') : await import('node:path');
const { pathToFileURL } = hasGetBuiltin ? process.getBuiltinModule('node:url') : await import('node:url');
const { Script } = hasGetBuiltin ? process.getBuiltinModule('node:vm') : await import('node:vm');

type Main = (argv: readonly string[]) => Promise<number | undefined>;

/** Which code a run needs most: the config check, the daemon, or anything else (commands, help). */
export type RunKind = 'check' | 'daemon' | 'other';

/** The kind of run `args` (the command line after the script) asks for; a wrong guess costs only time. */
export function runKind(args: readonly string[]): RunKind {
  for (const a of args) {
    if (a === '--') break;
    if (/^(-t|--config-test(=|$)|--dump-config$)/.test(a)) return 'check';
    if (/^-[a-zA-Z]*t/.test(a) && !a.startsWith('--')) return 'check';
  }
  // Words that are option values (`-f FILE`) are not commands: only a bare first word before any option is.
  const first = args[0];
  if (first !== undefined && !first.startsWith('-')) return 'other';
  if (args.some((a) => a === '-h' || a === '--help' || a === '--signum' || a.startsWith('--signum='))) return 'other';
  return 'daemon';
}

/** 32-bit FNV-1a of a short string, in hex (names a cache file; V8 itself checks what the cache is for). */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The bundle's content hash from its last line (`// havipd-bundle <hash>`), or undefined. */
export function bundleId(source: string): string | undefined {
  return /\n\/\/ havipd-bundle ([0-9a-f]{8,64})\n$/.exec(source.slice(-100))?.[1];
}

/** The cache file for a bundle, a kind of run and this Node (version, CPU, V8 flags). */
export function cacheFile(bundle: string, id: string, kind: RunKind, env: NodeJS.ProcessEnv = process.env): string {
  const node = fnv1a([process.version, process.arch, process.execArgv.join(' '), env.NODE_OPTIONS ?? ''].join('\0'));
  return join(dirname(bundle), 'cache', `${kind}-${id}-${node}.bin`);
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Writes `data` to `path` through a temporary file and a rename; false (and nothing left behind) on any error. */
export function writeAtomically(path: string, data: Uint8Array): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data, { mode: 0o644 });
    renameSync(tmp, path);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // there is no such file (its directory could not be made)
    }
    return false;
  }
}

export interface LoadedBundle {
  readonly main: Main;
  /** Whether V8 took a code cache. */
  readonly cacheUsed: boolean;
  /** Writes the cache for this kind of run when none was found for it or V8 rejected it; undefined when not needed. */
  readonly saveCache: (() => boolean) | undefined;
}

/**
 * Compiles and runs the CommonJS bundle at `bundle` with a code cache when one fits (the kind's own, else the
 * config-check one, which covers the command line and the parser every kind uses). Never fails because of a
 * cache: an unreadable, stale or rejected one is a normal compile.
 */
export function loadBundle(bundle: string, kind: RunKind, env: NodeJS.ProcessEnv = process.env): LoadedBundle {
  // tools/bundle.mjs writes ASCII only (charset: 'ascii'), for which latin1 is UTF-8 and quicker to decode.
  const source = readFileSync(bundle, 'latin1');
  const id = env.HAVIPD_CODE_CACHE === '0' ? undefined : bundleId(source);
  const own = id === undefined ? undefined : cacheFile(bundle, id, kind, env);
  const candidates = own === undefined ? [] : kind === 'check' ? [own] : [own, cacheFile(bundle, id!, 'check', env)];
  // The wrapper has a line of its own, and lineOffset -1 keeps stack traces' lines and columns the bundle's own
  // (which its source map, havipd.js.map, maps to src/).
  const wrapped = `(function (exports, require, module, __filename, __dirname, __havipdImportMetaUrl) {\n${source}\n})`;
  let script: VmScript | undefined;
  let used: string | undefined;
  for (const path of candidates) {
    const cachedData = readOrUndefined(path);
    if (cachedData === undefined) continue;
    try {
      const s = new Script(wrapped, { filename: bundle, lineOffset: -1, cachedData });
      if (!s.cachedDataRejected) {
        script = s;
        used = path;
        break;
      }
    } catch {
      // a cache V8 cannot read: compile without it
    }
  }
  script ??= new Script(wrapped, { filename: bundle, lineOffset: -1 });
  mark(`bundle compiled (${used === undefined ? 'no code cache' : 'code cache'})`);
  const fn = script.runInThisContext() as (...a: unknown[]) => void;
  const mod: { exports: { main?: Main } } = { exports: {} };
  fn.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, dirname(bundle), pathToFileURL(bundle).href);
  if (typeof mod.exports.main !== 'function') throw new Error(`${bundle} does not export main`);
  const s = script;
  return {
    main: mod.exports.main,
    cacheUsed: used !== undefined,
    saveCache: own === undefined || used === own ? undefined : () => writeAtomically(own, s.createCachedData()),
  };
}

function mtime(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;
}

/**
 * Runs havipd with `argv` (as `process.argv`) from the package at `root`: the bundle, or tsc's output when that
 * is newer. Sets process.exitCode from main's result; writes the code cache afterwards when it is missing.
 */
export async function boot(root: string, argv: readonly string[]): Promise<void> {
  const bundle = join(root, 'dist', 'bundle', 'havipd.js');
  const tscMain = join(root, 'dist', 'cli', 'main.js');
  let main: Main;
  let save: (() => boolean) | undefined;
  if (mtime(bundle) >= mtime(tscMain)) {
    const loaded = loadBundle(bundle, runKind(argv.slice(2)));
    main = loaded.main;
    save = loaded.saveCache;
  } else {
    main = ((await import(pathToFileURL(tscMain).href)) as { main: Main }).main;
  }
  // A daemon writes its cache once it has started (functions run only at start-up may be dropped from memory
  // by the time it stops): once, 10 s in, unless it ends before. Serialising takes a few ms of the event loop.
  let saved = false;
  const saveOnce = (): void => {
    if (saved || save === undefined) return;
    saved = true;
    save();
  };
  const timer = save !== undefined && runKind(argv.slice(2)) === 'daemon' ? setTimeout(saveOnce, DAEMON_CACHE_DELAY_MS) : undefined;
  timer?.unref();
  const code = await main(argv);
  if (code !== undefined) process.exitCode = code;
  if (timer !== undefined) clearTimeout(timer);
  saveOnce();
}

/** When a daemon writes its code cache (when it has none that fits). */
export const DAEMON_CACHE_DELAY_MS = 10_000;
