// The havipd settings file (issue 11 §4): settings keepalived has no words for, in TOML (smol-toml), so the
// same keepalived.conf still runs under keepalived. Pure: the shell reads the file and hands over its text.
// Every unknown key and wrong type is an error with file:line:col; instance names keepalived.conf does not
// have are warnings (see `checkSettingsInstances`).

import { parse, TomlError } from 'smol-toml';
import type { Diagnostic } from './types.js';
import { editDistance, makeDiagnostic } from './diagnostics.js';

/** Where the daemon looks when `--settings` is not given (a missing default file is fine). */
export const DEFAULT_SETTINGS_FILE = '/etc/havipd/havipd.toml';

/** A command as argv (a TOML string is split on blanks; use an array for words with spaces). */
export type CommandArgv = readonly string[];

/** Announce-and-verify for one instance (issue 11 §3). Durations in milliseconds. */
export interface VerifySettings {
  /** Run after becoming MASTER until it exits 0 or `deadlineMs` passes; absent = no verification. */
  readonly verify: CommandArgv | undefined;
  /** Run once when the deadline passed unconfirmed; absent = none. */
  readonly move: CommandArgv | undefined;
  /** Between the end of a failed attempt and the start of the next. */
  readonly intervalMs: number;
  /** From becoming MASTER until the move command runs. */
  readonly deadlineMs: number;
  /** One verify attempt is killed (its process group) after this. */
  readonly timeoutMs: number;
  /** The move command is killed after this. */
  readonly moveTimeoutMs: number;
}

/** Split-brain healing switches (issue 11 §2; the behaviour lives in the core). */
export interface HealingSettings {
  /** Re-send the GARP/NA burst when a MASTER learns another node was master too. */
  readonly reannounce: boolean;
  /** Re-run notify_master then, with an environment variable saying it is a re-announcement. */
  readonly rerunNotifyMaster: boolean;
}

/** The operations settings of issue 10 that also exist as flags (the flags win). */
export interface OpsSettings {
  /** Path, or null = no control socket. */
  readonly controlSocket?: string | null;
  readonly controlGroup?: string;
  /** `HOST:PORT`, `[IPV6]:PORT` or `PORT` (checked by the shell, as the flag). */
  readonly metricsListen?: string;
  readonly stateDir?: string;
}

export interface InstanceSettings {
  readonly verify: VerifySettings;
  readonly healing: HealingSettings;
}

export interface HavipdSettings {
  /** The file they came from; undefined = built-in defaults (no file). */
  readonly file: string | undefined;
  readonly ops: OpsSettings;
  /** `[healing]`: the defaults of every instance. */
  readonly healing: HealingSettings;
  /** `[verify]`: the defaults of every instance (commands are per instance only). */
  readonly verifyDefaults: Omit<VerifySettings, 'verify' | 'move'>;
  /** `[instance.NAME]`, merged over the defaults, by keepalived.conf instance name. */
  readonly instances: Readonly<Record<string, InstanceSettings>>;
}

export const DEFAULT_HEALING: HealingSettings = { reannounce: true, rerunNotifyMaster: true };
export const DEFAULT_VERIFY_TIMING: HavipdSettings['verifyDefaults'] = { intervalMs: 2000, deadlineMs: 30_000, timeoutMs: 10_000, moveTimeoutMs: 60_000 };

/** The settings with no file at all. */
export const DEFAULT_SETTINGS: HavipdSettings = { file: undefined, ops: {}, healing: DEFAULT_HEALING, verifyDefaults: DEFAULT_VERIFY_TIMING, instances: {} };

/** What an instance gets: its own table, else the defaults. */
export function settingsFor(s: HavipdSettings, instance: string): InstanceSettings {
  // own properties only: an instance named `constructor` or `toString` is not Object.prototype's
  return (Object.hasOwn(s.instances, instance) ? s.instances[instance] : undefined) ?? { verify: { verify: undefined, move: undefined, ...s.verifyDefaults }, healing: s.healing };
}

/** A record keyed by instance name: no prototype, so `__proto__` and `constructor` are names like any other. */
function instanceRecord(entries: Iterable<readonly [string, InstanceSettings]> = []): Record<string, InstanceSettings> {
  const out = Object.create(null) as Record<string, InstanceSettings>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

export interface SettingsResult {
  /** undefined when there is any error (the caller keeps what it had, or refuses to start). */
  readonly settings: HavipdSettings | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

// ───────────────────────────── line lookup ─────────────────────────────

/** Splits a TOML key (`a."b.c".d`) into its parts (slices, not one string per character: keys can be long). */
function keyParts(raw: string): string[] {
  const parts: string[] = [];
  const s = raw.trim();
  let cur = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === '"' || ch === "'") {
      const end = s.indexOf(ch, i + 1);
      const stop = end < 0 ? s.length : end;
      cur += s.slice(i + 1, stop);
      i = stop + 1;
    } else if (ch === '.') {
      parts.push(cur);
      cur = '';
      i++;
    } else {
      let j = i;
      while (j < s.length && s[j] !== '.' && s[j] !== '"' && s[j] !== "'") j++;
      cur += s.slice(i, j).trim(); // blanks around the dots; a quoted part keeps its own
      i = j;
    }
  }
  parts.push(cur);
  return parts;
}

/** Where a value that goes on over the next lines stands at the end of a line: open brackets, an open `"""`/`\'\'\'`. */
interface ValueState {
  depth: number;
  multiline: string | undefined;
}

/**
 * Scans (part of) a line of a value: strings, comments, brackets. Lines inside a multi-line array, inline
 * table or string are values, not headers or keys (a `[1]` line of an array is no `[table]`).
 */
/** Whether s[at] follows an odd run of backslashes (within s[from..at)). */
function escaped(s: string, from: number, at: number): boolean {
  let n = 0;
  while (at - n - 1 >= from && s[at - n - 1] === '\\') n++;
  return n % 2 === 1;
}

function scanValue(s: string, st: ValueState): void {
  let i = 0;
  while (i < s.length) {
    if (st.multiline !== undefined) {
      let end = s.indexOf(st.multiline, i);
      // in a basic string, \" is a quote, not the end (an odd run of backslashes before it)
      while (end >= 0 && st.multiline === '"""' && escaped(s, i, end)) end = s.indexOf(st.multiline, end + 1);
      if (end < 0) return;
      i = end + 3;
      st.multiline = undefined;
      continue;
    }
    const c = s[i];
    if (c === '#') return;
    if (s.startsWith('"""', i) || s.startsWith("'''", i)) {
      st.multiline = s.slice(i, i + 3);
      i += 3;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      i = end < 0 ? s.length : end + 1;
    } else {
      if (c === '[' || c === '{') st.depth++;
      else if ((c === ']' || c === '}') && st.depth > 0) st.depth--;
      i++;
    }
  }
}

/** A position, and the positions of what is under it (keyed by key part: no joined paths, so a 100 KB table name costs once). */
interface Located {
  at?: { line: number; col: number };
  readonly under: Map<string, Located>;
}

function under(n: Located, k: string): Located {
  let c = n.under.get(k);
  if (c === undefined) {
    c = { under: new Map() };
    n.under.set(k, c);
  }
  return c;
}

/** The node of `path` (undefined when not located) and the position of it or of the nearest enclosing table or key that has one. */
function nearest(root: Located, path: readonly string[]): { node: Located | undefined; best: { line: number; col: number } | undefined } {
  let n: Located | undefined = root;
  let best: { line: number; col: number } | undefined;
  for (const k of path) {
    n = n.under.get(k);
    if (n === undefined) break;
    if (n.at) best = n.at;
  }
  return { node: n, best };
}

/**
 * Where each table header and key is (1-based line, column): smol-toml gives positions only for syntax
 * errors, so the text is scanned for `[table]` lines and `key =` lines (skipping the inside of multi-line
 * values). Only run on text that parsed.
 */
function locate(text: string): Located {
  const root: Located = { under: new Map() };
  let table = root;
  const st: ValueState = { depth: 0, multiline: undefined };
  text.split(/\r?\n/).forEach((line, n) => {
    if (st.multiline !== undefined || st.depth > 0) {
      scanValue(line, st);
      return;
    }
    const header = /^(\s*)\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(line);
    if (header) {
      // `[a.b]` defines `a` too when no line did before (an unknown `a` is reported here, not at line 1)
      table = root;
      for (const k of keyParts(header[2]!)) {
        table = under(table, k);
        table.at ??= { line: n + 1, col: header[1]!.length + 1 };
      }
      return;
    }
    const kv = /^(\s*)((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$/.exec(line);
    if (!kv) return;
    // a dotted key defines its parent tables too (`a.b.c = 1` is where `a` and `a.b` are, unless seen before)
    let node = table;
    for (const k of keyParts(kv[2]!)) {
      node = under(node, k);
      node.at ??= { line: n + 1, col: kv[1]!.length + 1 };
    }
    scanValue(kv[3]!, st);
  });
  return root;
}

// ───────────────────────────── validation ─────────────────────────────

type Table = Record<string, unknown>;

/** A name in a message, clipped: a 100 KB key is named once, not copied into every message about it. */
function short(s: string): string {
  return s.length > 64 ? `${s.slice(0, 60)}…` : s;
}
/** A key path for a message (`instance.VI_1.verify`), each part clipped. */
function dotted(parts: readonly string[]): string {
  return parts.map(short).join('.');
}
/** smol-toml's dates and times (TomlDate) carry `toISOString`; settings never use them. */
const isDate = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as { toISOString?: unknown }).toISOString === 'function';
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !isDate(v);

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isDate(v)) return 'a date';
  if (isTable(v)) return 'a table';
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return 'an integer';
  if (typeof v === 'number') return 'a float';
  return `a ${typeof v}`;
}

class Checker {
  readonly diagnostics: Diagnostic[] = [];
  private readonly at: Located;

  constructor(
    private readonly file: string,
    text: string,
  ) {
    this.at = locate(text);
  }

  /** Tables already looked up, by path array (a table's unknown keys share its path: its long names are compared once). */
  private readonly tables = new WeakMap<readonly string[], ReturnType<typeof nearest>>();

  /** The position of a key, or of the nearest enclosing table that has one. */
  pos(path: readonly string[], key?: string): { file: string; line: number; col: number } {
    let t = this.tables.get(path);
    if (t === undefined) {
      t = nearest(this.at, path);
      this.tables.set(path, t);
    }
    const at = (key !== undefined ? t.node?.under.get(key)?.at : undefined) ?? t.best ?? { line: 1, col: 1 };
    return { file: this.file, ...at };
  }

  /** An error at `key` of the table at `path` (at the table itself when `key` is undefined). */
  error(path: readonly string[], code: string, message: string, hint?: string, key?: string): void {
    this.diagnostics.push(makeDiagnostic({ severity: 'error', code, kaClass: undefined, message, pos: this.pos(path, key), hint }));
  }

  /** Unknown keys of `t` (an error each, with the nearest known key as a hint). */
  keys(t: Table, path: readonly string[], known: readonly string[]): void {
    for (const k of Object.keys(t)) {
      if (known.includes(k)) continue;
      const near = known.filter((c) => Math.abs(c.length - k.length) <= 2).map((c) => [c, editDistance(k, c)] as const).filter(([, d]) => d <= 2).sort((a, b) => a[1] - b[1])[0];
      const where = path.length ? `[${dotted(path)}]` : 'the top level';
      this.error(path, 'settings-unknown-key', `unknown key '${short(k)}' in ${where} (known: ${known.join(', ')})`, near ? `did you mean '${near[0]}'?` : undefined, k);
    }
  }

  table(t: Table, path: readonly string[], key: string): Table | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (isTable(v)) return v;
    this.error([...path, key], 'settings-wrong-type', `'${dotted([...path, key])}' must be a table, not ${typeName(v)}`);
    return undefined;
  }

  bool(t: Table, path: readonly string[], key: string): boolean | undefined {
    const v = t[key];
    if (v === undefined || typeof v === 'boolean') return v;
    this.error([...path, key], 'settings-wrong-type', `'${dotted([...path, key])}' must be true or false, not ${typeName(v)}`);
    return undefined;
  }

  string(t: Table, path: readonly string[], key: string): string | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v !== '') return v;
    this.error([...path, key], 'settings-wrong-type', `'${dotted([...path, key])}' must be a non-empty string, not ${typeof v === 'string' ? 'an empty string' : typeName(v)}`);
    return undefined;
  }

  /** Seconds (integer or float) within [min, max], returned in ms. */
  seconds(t: Table, path: readonly string[], key: string, min: number, max: number): number | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      this.error([...path, key], 'settings-wrong-type', `'${dotted([...path, key])}' must be a number of seconds, not ${typeName(v)}`);
      return undefined;
    }
    if (n < min || n > max) {
      this.error([...path, key], 'settings-out-of-range', `'${dotted([...path, key])}' must be between ${min} and ${max} seconds, not ${n}`);
      return undefined;
    }
    return Math.round(n * 1000);
  }

  /** A command: a non-empty string (split on blanks) or a non-empty array of strings, the first absolute. */
  command(t: Table, path: readonly string[], key: string): CommandArgv | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    const name = dotted([...path, key]);
    let argv: string[] | undefined;
    if (typeof v === 'string') argv = v.trim().split(/\s+/).filter((w) => w !== '');
    else if (Array.isArray(v) && v.every((w) => typeof w === 'string')) argv = v as string[];
    if (argv === undefined) {
      this.error([...path, key], 'settings-wrong-type', `'${name}' must be a command: a string or an array of strings, not ${typeName(v)}`);
      return undefined;
    }
    if (argv.length === 0 || argv[0] === '') {
      this.error([...path, key], 'settings-wrong-type', `'${name}' is an empty command`);
      return undefined;
    }
    if (!argv[0]!.startsWith('/')) {
      this.error([...path, key], 'settings-relative-command', `'${name}': the program must be an absolute path, not '${short(argv[0]!)}'`);
      return undefined;
    }
    return argv;
  }
}

const TOP_KEYS = ['ops', 'healing', 'verify', 'instance'] as const;
const OPS_KEYS = ['control_socket', 'control_group', 'metrics_listen', 'state_dir'] as const;
const HEALING_KEYS = ['reannounce', 'rerun_notify_master'] as const;
const TIMING_KEYS = ['interval', 'deadline', 'timeout', 'move_timeout'] as const;
const INSTANCE_KEYS = ['verify', 'move', ...TIMING_KEYS, ...HEALING_KEYS] as const;

/** Bounds of the durations, in seconds. */
const LIMITS = { interval: [0.1, 3600], deadline: [0.1, 86_400], timeout: [0.1, 3600], move_timeout: [0.1, 3600] } as const;

function timing(c: Checker, t: Table, path: readonly string[], base: HavipdSettings['verifyDefaults']): HavipdSettings['verifyDefaults'] {
  return {
    intervalMs: c.seconds(t, path, 'interval', ...LIMITS.interval) ?? base.intervalMs,
    deadlineMs: c.seconds(t, path, 'deadline', ...LIMITS.deadline) ?? base.deadlineMs,
    timeoutMs: c.seconds(t, path, 'timeout', ...LIMITS.timeout) ?? base.timeoutMs,
    moveTimeoutMs: c.seconds(t, path, 'move_timeout', ...LIMITS.move_timeout) ?? base.moveTimeoutMs,
  };
}

function healing(c: Checker, t: Table, path: readonly string[], base: HealingSettings): HealingSettings {
  return { reannounce: c.bool(t, path, 'reannounce') ?? base.reannounce, rerunNotifyMaster: c.bool(t, path, 'rerun_notify_master') ?? base.rerunNotifyMaster };
}

/**
 * Parses and checks a settings file's text. A syntax error is one diagnostic at smol-toml's line and
 * column; otherwise every unknown key, wrong type and out-of-range value is reported (all of them, not
 * only the first). Instance names are not checked against keepalived.conf here (`checkSettingsInstances`).
 */
export function parseSettings(text: string, file: string): SettingsResult {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0] ?? 'invalid TOML';
      const msg = first.replace(/^Invalid TOML document:\s*/i, '');
      return { settings: undefined, diagnostics: [makeDiagnostic({ severity: 'error', code: 'settings-syntax', kaClass: undefined, message: `not valid TOML: ${msg}`, pos: { file, line: err.line, col: err.column } })] };
    }
    return { settings: undefined, diagnostics: [makeDiagnostic({ severity: 'error', code: 'settings-syntax', kaClass: undefined, message: `not valid TOML: ${String(err)}`, pos: { file, line: 1, col: 1 } })] };
  }
  const c = new Checker(file, text);
  c.keys(doc, [], TOP_KEYS);

  const ops: { -readonly [K in keyof OpsSettings]: OpsSettings[K] } = {};
  const opsT = c.table(doc, [], 'ops');
  if (opsT) {
    c.keys(opsT, ['ops'], OPS_KEYS);
    const cs = opsT.control_socket;
    if (cs === false) ops.controlSocket = null;
    else if (cs !== undefined) {
      if (typeof cs === 'string' && cs.startsWith('/')) ops.controlSocket = cs;
      else c.error(['ops', 'control_socket'], 'settings-wrong-type', `'ops.control_socket' must be an absolute path or false, not ${typeof cs === 'string' ? `'${short(cs)}'` : typeName(cs)}`);
    }
    const g = c.string(opsT, ['ops'], 'control_group');
    if (g !== undefined) ops.controlGroup = g;
    const ml = c.string(opsT, ['ops'], 'metrics_listen');
    if (ml !== undefined) ops.metricsListen = ml;
    const sd = c.string(opsT, ['ops'], 'state_dir');
    if (sd !== undefined) {
      if (sd.startsWith('/')) ops.stateDir = sd;
      else c.error(['ops', 'state_dir'], 'settings-wrong-type', `'ops.state_dir' must be an absolute path, not '${short(sd)}'`);
    }
  }

  const healT = c.table(doc, [], 'healing');
  if (healT) c.keys(healT, ['healing'], HEALING_KEYS);
  const heal = healT ? healing(c, healT, ['healing'], DEFAULT_HEALING) : DEFAULT_HEALING;

  const verT = c.table(doc, [], 'verify');
  if (verT) c.keys(verT, ['verify'], TIMING_KEYS);
  const defaults = verT ? timing(c, verT, ['verify'], DEFAULT_VERIFY_TIMING) : DEFAULT_VERIFY_TIMING;

  const instances = instanceRecord();
  const instT = c.table(doc, [], 'instance');
  for (const [name, v] of Object.entries(instT ?? {})) {
    const path = ['instance', name];
    if (!isTable(v)) {
      c.error(path, 'settings-wrong-type', `'${dotted(path)}' must be a table ([${dotted(path)}]), not ${typeName(v)}`);
      continue;
    }
    c.keys(v, path, INSTANCE_KEYS);
    const verify = c.command(v, path, 'verify');
    const move = c.command(v, path, 'move');
    if (move !== undefined && verify === undefined && v.verify === undefined) c.error([...path, 'move'], 'settings-move-without-verify', `'${dotted([...path, 'move'])}' needs a verify command (the move runs when verification fails)`);
    instances[name] = { verify: { verify, move, ...timing(c, v, path, defaults) }, healing: healing(c, v, path, heal) };
  }

  if (c.diagnostics.length > 0) return { settings: undefined, diagnostics: c.diagnostics };
  return { settings: { file, ops, healing: heal, verifyDefaults: defaults, instances }, diagnostics: [] };
}

/**
 * `[instance.NAME]` tables naming no vrrp_instance of keepalived.conf: a warning each, and the table is
 * ignored. keepalived-compat: keepalived treats a reference to something it does not have (a track_script
 * or track_interface that does not exist) as a warning and carries on without it, and `-t` reports it (exit 5).
 * Test: test/unit/config-parser/settings.test.ts "keepalived-compat: an unknown instance name is a warning".
 */
export function checkSettingsInstances(s: HavipdSettings, text: string, instanceNames: readonly string[]): Diagnostic[] {
  const file = s.file ?? 'havipd.toml';
  const at = locate(text);
  const out: Diagnostic[] = [];
  for (const name of Object.keys(s.instances)) {
    if (instanceNames.includes(name)) continue;
    const p = at.under.get('instance')?.under.get(name)?.at ?? { line: 1, col: 1 };
    const near = instanceNames.filter((c) => Math.abs(c.length - name.length) <= 2).map((c) => [c, editDistance(name, c)] as const).filter(([, d]) => d <= 2).sort((a, b) => a[1] - b[1])[0];
    out.push(
      makeDiagnostic({
        severity: 'warning',
        code: 'settings-unknown-instance',
        kaClass: undefined,
        message: `[${dotted(['instance', name])}]: keepalived.conf has no vrrp_instance ${short(name)}; ignored`,
        pos: { file, ...p },
        hint: near ? `did you mean '${near[0]}'?` : undefined,
      }),
    );
  }
  return out;
}

/** `s` without the tables of instances keepalived.conf does not have. */
export function withoutUnknownInstances(s: HavipdSettings, instanceNames: readonly string[]): HavipdSettings {
  const instances = instanceRecord(Object.entries(s.instances).filter(([n]) => instanceNames.includes(n)));
  return { ...s, instances };
}
