// keepalived 2.2.7's per-script checks (lib/notify.c find_path(), check_script_secure(), check_security(),
// is_executable(), get_default_script_user(); vrrp.c check_track_script_secure(); reference §3.13 "Script
// security"): who runs the script, where the program is, whether that user may execute it, and — when it
// runs as root — whether any path component is writable by someone other than root. The result says
// whether the script may run and carries keepalived's log lines.
//
// Differences: keepalived switches its euid/egid to the script user for the PATH search and realpath();
// havipd stats as itself and applies keepalived's is_executable() rule to the script user's uid/gid.
// Users and groups come from `getent` (NSS), falling back to /etc/passwd and /etc/group.

import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import type { CommandSpec, GlobalDefs } from '../config-parser/types.js';
import { childProcess } from '../lazy-builtins.js';

/** `SC_*` flags of keepalived's check_script_secure(). */
export interface ScriptFlags {
  /** SC_ISSCRIPT: a real program that will be executed. */
  readonly isScript: boolean;
  /** SC_EXECUTABLE: the script user may execute it. */
  readonly executable: boolean;
  /** SC_INSECURE: a path component is writable by non-root (or not owned by root). */
  readonly insecure: boolean;
  /** SC_INHIBIT: must not run (insecure with script security, wrong file type, uid switch failed). */
  readonly inhibit: boolean;
  /** SC_NOTFOUND: missing or inaccessible. */
  readonly notFound: boolean;
}

export interface SecureCheck {
  readonly flags: ScriptFlags;
  /** argv with argv[0] replaced by the resolved path (PATH search, realpath). */
  readonly argv: readonly string[];
  /** keepalived's log lines, in order. */
  readonly logs: readonly string[];
}

export interface ScriptIdentity {
  readonly uid: number;
  readonly gid: number;
}

/** glibc's confstr(_CS_PATH), keepalived's PATH when the variable is unset. */
const CS_PATH = '/bin:/usr/bin';

const S_IXUSR = 0o100;
const S_IXGRP = 0o010;
const S_IXOTH = 0o001;
const S_IWGRP = 0o020;
const S_IWOTH = 0o002;
const S_ISVTX = 0o1000;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;

/** keepalived's is_executable(): root needs any x bit; otherwise owner, group or other x as they apply. */
export function isExecutableBy(st: Pick<Stats, 'mode' | 'uid' | 'gid'>, uid: number, gid: number): boolean {
  const m = st.mode;
  return (
    (uid === 0 && (m & (S_IXUSR | S_IXGRP | S_IXOTH)) !== 0) ||
    (uid === st.uid && (m & S_IXUSR) !== 0) ||
    (uid !== st.uid && ((gid === st.gid && (m & S_IXGRP) !== 0) || (gid !== st.gid && (m & S_IXOTH) !== 0)))
  );
}

function tryStat(path: string, follow = true): Stats | NodeJS.ErrnoException {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

const isErr = (v: Stats | NodeJS.ErrnoException): v is NodeJS.ErrnoException => !(v instanceof Object && 'mode' in v);

/** keepalived's find_path(): the first regular file in PATH executable by the user; EACCES if only non-executable ones. */
export function findInPath(file: string, id: ScriptIdentity, pathEnv: string | undefined): { path: string } | { errno: 'ENOENT' | 'EACCES' | 'ENAMETOOLONG' } {
  if (file === '') return { errno: 'ENOENT' };
  if (file.length > 255) return { errno: 'ENAMETOOLONG' };
  let eacces = false;
  for (const dir of (pathEnv ?? CS_PATH).split(':')) {
    const candidate = dir === '' ? file : `${dir}/${file}`;
    const st = tryStat(candidate);
    if (isErr(st)) continue;
    if (!st.isFile() || !isExecutableBy(st, id.uid, id.gid)) {
      eacces = true;
      continue;
    }
    return { path: candidate };
  }
  return { errno: eacces ? 'EACCES' : 'ENOENT' };
}

/**
 * keepalived's check_security(): every component of `filename` from `/` down (lstat, no symlink follow)
 * must be owned by root, and no regular file or directory without the sticky bit may be writable by a
 * non-root group or by others. Returns the flags to add and appends the log lines.
 */
export function checkPathSecurity(filename: string, scriptSecurity: boolean, logs: string[]): Partial<ScriptFlags> {
  const parts: string[] = [];
  for (let i = 0; i < filename.length; i++) {
    if (filename[i] === '/') parts.push(i === 0 ? '/' : filename.slice(0, i));
  }
  parts.push(filename);
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    const last = k === parts.length - 1;
    const st = tryStat(p, false);
    if (isErr(st)) {
      if (['EACCES', 'ELOOP', 'ENOENT', 'ENOTDIR'].includes(st.code ?? '')) logs.push(`check_script_secure could not find script '${filename}' - disabling`);
      else logs.push(`check_script_secure('${filename}') returned errno ${st.errno ?? 0} - ${st.message} - disabling`);
      return { notFound: true };
    }
    if ((!last && !st.isDirectory()) || (last && !st.isFile() && !st.isSymbolicLink())) {
      logs.push(`Wrong file type found in script path '${filename}'.`);
      return { inhibit: true };
    }
    const checked = (st.isDirectory() && (st.mode & S_ISVTX) === 0) || st.isFile();
    if (st.uid !== 0 || (checked && ((st.gid !== 0 && (st.mode & S_IWGRP) !== 0) || (st.mode & S_IWOTH) !== 0))) {
      logs.push(`Unsafe permissions found for script '${filename}'${scriptSecurity ? ' - disabling' : ''}.`);
      return { insecure: true, inhibit: scriptSecurity };
    }
  }
  return {};
}

const NO_FLAGS: ScriptFlags = { isScript: false, executable: false, insecure: false, inhibit: false, notFound: false };

/**
 * keepalived's check_script_secure() for one command run as `id`. `scriptSecurity` is
 * `enable_script_security`. Never throws.
 */
export function checkScriptSecure(argv: readonly string[], id: ScriptIdentity, scriptSecurity: boolean, pathEnv: string | undefined = process.env.PATH): SecureCheck {
  const logs: string[] = [];
  let args = [...argv];
  const arg0 = args[0] ?? '';
  if (!arg0.includes('/')) {
    const found = findInPath(arg0, id, pathEnv);
    if (!('path' in found)) {
      logs.push(found.errno === 'EACCES' ? `Permissions failure for script ${arg0} in path - disabling` : `Cannot find script ${arg0} in path - disabling`);
      return { flags: { ...NO_FLAGS, notFound: true }, argv: args, logs };
    }
    logs.push(`WARNING - script \`${arg0}\` resolved by path search to \`${found.path}\`. Please specify full path.`);
    args = [found.path, ...args.slice(1)];
  }
  const orig = args[0]!;
  let real: string;
  try {
    real = realpathSync(orig);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    logs.push(`Script ${orig} cannot be accessed - ${strerror(e)}`);
    return { flags: { ...NO_FLAGS, notFound: true }, argv: args, logs };
  }
  // keepalived keeps the file-name part as written (some programs look at argv[0]) when it is the same file.
  let realFilePath: string | undefined;
  let newPath = real;
  if (orig !== real) {
    const origName = orig.slice(orig.lastIndexOf('/') + 1);
    const realName = real.slice(real.lastIndexOf('/') + 1);
    if (origName !== realName) {
      const candidate = real.slice(0, real.lastIndexOf('/') + 1) + origName;
      const a = tryStat(real);
      const b = tryStat(candidate);
      if (!isErr(a) && !isErr(b) && a.dev === b.dev && a.ino === b.ino) {
        realFilePath = real;
        newPath = candidate;
      }
    }
    args = [newPath, ...args.slice(1)];
  }
  const st = tryStat(realFilePath ?? args[0]!);
  if (isErr(st)) {
    logs.push(`Unable to access script \`${args[0]}\` - disabling`);
    return { flags: { ...NO_FLAGS, notFound: true }, argv: args, logs };
  }
  let flags: ScriptFlags = { ...NO_FLAGS, isScript: true };
  let needProtection = false;
  if (isExecutableBy(st, id.uid, id.gid)) {
    flags = { ...flags, executable: true };
    needProtection =
      id.uid === 0 ||
      id.gid === 0 ||
      (st.uid === 0 && (st.mode & S_IXUSR) !== 0 && (st.mode & S_ISUID) !== 0) ||
      (st.gid === 0 && (st.mode & S_IXGRP) !== 0 && (st.mode & S_ISGID) !== 0);
  } else {
    logs.push(`WARNING - script '${args[0]}' is not executable for uid:gid ${id.uid}:${id.gid} - disabling.`);
  }
  if (needProtection) {
    flags = { ...flags, ...checkPathSecurity(args[0]!, scriptSecurity, logs) };
    if (realFilePath !== undefined) flags = mergeFlags(flags, checkPathSecurity(realFilePath, scriptSecurity, logs));
  }
  return { flags, argv: args, logs };
}

function mergeFlags(a: ScriptFlags, b: Partial<ScriptFlags>): ScriptFlags {
  return {
    isScript: a.isScript || (b.isScript ?? false),
    executable: a.executable || (b.executable ?? false),
    insecure: a.insecure || (b.insecure ?? false),
    inhibit: a.inhibit || (b.inhibit ?? false),
    notFound: a.notFound || (b.notFound ?? false),
  };
}

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};
const strerror = (e: NodeJS.ErrnoException): string => STRERROR[e.code ?? ''] ?? e.message;

/**
 * What keepalived does with a vrrp_script after the check (vrrp.c check_track_script_secure()): the
 * reason it is disabled (logged as a config error) or `undefined` when it may run.
 */
export function trackScriptVerdict(name: string, flags: ScriptFlags): { disabled: boolean; message?: string } {
  if (flags.inhibit) return { disabled: true, message: `Disabling track script ${name} due to insecure` };
  if (flags.notFound) return { disabled: true, message: `Disabling track script ${name} since not found/accessible` };
  if (!flags.executable) return { disabled: true };
  return { disabled: false };
}

// ───────────────────────────── users ─────────────────────────────

export interface UserDb {
  user(name: string): { uid: number; gid: number } | undefined;
  group(name: string): number | undefined;
}

/**
 * The entry from /etc/passwd or /etc/group when nsswitch.conf consults `files` first for `db` and the name is
 * there: NSS itself would stop at that answer, so no `getent` process is needed (it costs a fork per name at
 * start-up: ~0.1 s of `-t` on a busy machine). Anything else (no such line, another order, a name only a
 * network source knows) is left to getent.
 */
function filesFirst(db: 'passwd' | 'group', name: string): string[] | undefined {
  try {
    const conf = /^\s*(\w+)\s*:\s*(\S+)/m.exec(readFileSync('/etc/nsswitch.conf', 'utf8').split('\n').filter((l) => l.trimStart().startsWith(`${db}:`)).join('\n'));
    if (conf?.[2] !== 'files') return undefined;
    const file = readFileSync(db === 'passwd' ? '/etc/passwd' : '/etc/group', 'utf8');
    return file.split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
  } catch {
    return undefined;
  }
}

function getent(db: 'passwd' | 'group', name: string): string[] | undefined {
  let row: string[] | undefined = filesFirst(db, name);
  if (row) return row;
  try {
    const out = childProcess().execFileSync('getent', [db, name], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const line = out.split('\n')[0];
    row = line ? line.split(':') : undefined;
  } catch (err) {
    if ((err as { status?: number }).status === 2) return undefined; // key not found
    try {
      const file = readFileSync(db === 'passwd' ? '/etc/passwd' : '/etc/group', 'utf8');
      row = file.split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
    } catch {
      return undefined;
    }
  }
  // keepalived-compat: getpwnam(3)/getgrnam(3) look names up, never ids; `getent passwd 1000` would answer
  // by uid, so a numeric "name" only counts when an entry is really called that.
  // Test: test/unit/scripts/script-security.test.ts "a numeric name is a name, as getpwnam takes it".
  return row && row[0] === name ? row : undefined;
}

/** How long a looked-up user or group is trusted (notify scripts are spawned often; getent forks). */
const USER_DB_TTL_MS = 30_000;

function memo<T>(look: (name: string) => T): (name: string) => T {
  const cache = new Map<string, { at: number; value: T }>();
  return (name) => {
    const now = Date.now();
    const hit = cache.get(name);
    if (hit && now - hit.at < USER_DB_TTL_MS) return hit.value;
    if (cache.size >= 256) cache.clear();
    const value = look(name);
    cache.set(name, { at: now, value });
    return value;
  };
}

/**
 * The system's users and groups through NSS (`getent`, falling back to /etc/passwd and /etc/group): the one
 * lookup every script, notify script and FIFO owner uses. Names only, as getpwnam/getgrnam; answers are
 * kept for 30 s.
 */
export const systemUserDb: UserDb = {
  user: memo((name) => {
    const f = getent('passwd', name);
    if (!f || f.length < 4) return undefined;
    return { uid: Number(f[2]), gid: Number(f[3]) };
  }),
  group: memo((name) => {
    const f = getent('group', name);
    return f && f.length >= 3 ? Number(f[2]) : undefined;
  }),
};

/**
 * The uid/gid a command runs as: its own `user [group]`, else global `script_user`, else
 * `keepalived_script` if that user exists, else the daemon's own uid/gid. `undefined` with a reason when
 * a named user or group does not exist.
 */
export function scriptIdentity(
  spec: Pick<CommandSpec, 'user' | 'group'>,
  scriptUser: GlobalDefs['scriptUser'],
  db: UserDb = systemUserDb,
  self: ScriptIdentity = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
): ScriptIdentity | { error: string } {
  const resolve = (user: string, group: string | undefined): ScriptIdentity | { error: string } => {
    const u = db.user(user);
    if (!u) return { error: `Script user '${user}' does not exist` };
    if (group === undefined || group === '') return u;
    const g = db.group(group);
    if (g === undefined) return { error: `Script group '${group}' does not exist` };
    return { uid: u.uid, gid: g };
  };
  if (spec.user !== undefined) return resolve(spec.user, spec.group);
  if (scriptUser) return resolve(scriptUser.user, scriptUser.group);
  return db.user('keepalived_script') ?? self;
}
