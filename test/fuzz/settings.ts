// Settings-file target (issue 14 §2): the havipd settings file (`--settings`, TOML read by smol-toml,
// src/config-parser/settings.ts). Valid settings files (every key `parseSettings` accepts: [ops], [healing],
// [verify], [instance.NAME] tables, inline tables, dotted keys, array commands) mutated at the TOML level
// (lines deleted, duplicated, swapped; values of the wrong type, huge and odd numbers; unknown, near-miss,
// long, quoted and dotted keys; duplicate and array tables; deep inline tables and arrays; long strings;
// multi-line strings and arrays that look like headers) and at the byte level (non-UTF-8, NUL, BOM, CR),
// decoded as the shell decodes the file (UTF-8, src/runtime/settings-file.ts), through `parseSettings`,
// then checked against a parsed keepalived.conf (`settingsForConfig`, `settingsFor` for every instance
// name, including names that are also Object.prototype properties), and rendered as `-t` renders them.
// Invariants: nothing throws (parseSettings reports everything as diagnostics); settings iff no error;
// every diagnostic names this file and a line:col inside it and renders as `FILE:LINE:COL: severity: …
// [settings-…]`; an unknown-key error points at a line that names the key or a table around it; accepted
// settings are well-formed (durations in range, absolute commands, one InstanceSettings per
// [instance.NAME] table of the document); the result is deterministic.
import { parse } from 'smol-toml';
import { formatDiagnostic } from '../../src/config-parser/diagnostics.js';
import { parseConfig } from '../../src/config-parser/parse.js';
import { parseSettings, settingsFor, type HavipdSettings, type InstanceSettings, type SettingsResult } from '../../src/config-parser/settings.js';
import type { Diagnostic } from '../../src/config-parser/types.js';
import { MAX_SETTINGS_BYTES, settingsForConfig } from '../../src/runtime/settings-file.js';
import { FakeConfigHost } from '../support/fake-config-host.js';
import { editLines, mutateBytes, shrinkBytes } from './mutators.js';
import type { Rng } from './rng.js';
import { InvariantError, type FuzzTarget, type TargetInstance } from './target.js';

export const SETTINGS_FILE = '/etc/havipd/havipd.toml';

/** Instance names the settings seeds and mutations use: ordinary ones, and Object.prototype's own names. */
const NAMES = ['VI_1', 'VI_2', 'VI.2', 'vi_1', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'verify', 'healing', 'valueOf'];

/** keepalived.conf files the settings are checked against (parsed once by the real parser). */
export function keepalivedConfigs(): readonly (readonly string[])[] {
  const inst = (name: string, vrid: number): string =>
    `vrrp_instance ${name} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    192.168.200.${vrid}/24\n  }\n}\n`;
  const texts = [
    '',
    inst('VI_1', 1),
    inst('VI_1', 1) + inst('VI_2', 2) + inst('VI.2', 3),
    NAMES.map((n, k) => inst(n, k + 1)).join(''),
  ];
  return texts.map((t) => {
    const host = new FakeConfigHost({ '/etc/keepalived/keepalived.conf': t });
    const r = parseConfig('/etc/keepalived/keepalived.conf', host, { configId: 'fuzz', allConfig: false, hostInterfaces: ['eth0'] });
    if (!r.config) throw new Error(`settings fuzz: the keepalived.conf of the target does not parse: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    return r.config.instances.map((i) => i.name);
  });
}

/** Valid settings files: every key, per-instance tables, the forms TOML allows for them. */
const SEEDS: readonly string[] = [
  '',
  [
    '# havipd settings',
    '[ops]',
    'control_socket = "/run/havipd/control.sock"',
    'control_group = "havipd"',
    'metrics_listen = "127.0.0.1:9650"',
    'state_dir = "/var/lib/havipd"',
    '',
    '[healing]',
    'reannounce = true',
    'rerun_notify_master = false',
    '',
    '[verify]',
    'interval = 2',
    'deadline = 30.5',
    'timeout = 10',
    'move_timeout = 60',
    '',
    '[instance.VI_1]',
    'verify = "/etc/havipd/verify.sh --vip 192.168.200.1"',
    'move = ["/etc/havipd/move.sh", "a b"]',
    'interval = 0.5',
    'deadline = 20',
    'timeout = 1',
    'move_timeout = 3600',
    'reannounce = false',
    'rerun_notify_master = true',
    '',
    '[instance."VI.2"]',
    "verify = ['/bin/true']",
    '',
  ].join('\n'),
  '[ops]\ncontrol_socket = false\n[instance.constructor]\nverify = "/bin/true"\n[instance.__proto__]\nverify = "/bin/true"\ntimeout = 2\n[instance.toString]\nreannounce = false\n',
  'ops = { control_socket = "/run/h.sock", state_dir = "/var/lib/h" }\nhealing = { reannounce = false }\ninstance = { VI_1 = { verify = "/bin/true", deadline = 5 }, VI_2 = { rerun_notify_master = false } }\n',
  'ops.metrics_listen = "[::1]:9650"\nverify.interval = 0.1\ninstance.VI_1.verify = ["/usr/bin/env", "x"]\ninstance.VI_1.move = "/bin/mv x y"\ninstance."VI.2".timeout = 3600\n',
  '[instance]\nVI_1.verify = "/bin/true"\nVI_2 = { timeout = 5 }\n\n[instance.verify]\nverify = """\n/bin/true\n"""\n[instance.healing]\nmove = \'\'\'/bin/x\'\'\'\nverify = "/bin/y"\n',
  '\ufeff[healing]\r\nreannounce = false\r\n[verify]\r\ndeadline = 86400\r\n[instance.VI_1]\r\nverify = [\r\n  "/bin/sh",\r\n  "-c",\r\n  "exit 0",\r\n]\r\n',
  '  [ ops ]  # comment\n  control_group = "adm"   # trailing\n\t[ "instance" . "VI_1" ]\n\tverify = "/a"\n',
];

const KNOWN_KEYS = ['control_socket', 'control_group', 'metrics_listen', 'state_dir', 'reannounce', 'rerun_notify_master', 'interval', 'deadline', 'timeout', 'move_timeout', 'verify', 'move', 'ops', 'healing', 'instance'];
const TABLES = ['ops', 'healing', 'verify', 'instance', ...NAMES.map((n) => `instance.${/^[A-Za-z0-9_-]+$/.test(n) ? n : `"${n}"`}`), 'instance.VI_1.verify', 'ops.x', 'instance."a.b".c', '"ops"', "'healing'", 'unknown', ''];
const ODD_KEYS = ['verfy', 'Verify', 'control-socket', 'timeuot', '__proto__', 'constructor', 'prototype', '"__proto__"', '"a.b"', '"\\u0076erify"', "'lit.eral'", '"é"', '""', '"\\u0000"', 'a.b.c', 'instance.VI_1.timeout', 'ops.state_dir', '1234', 'true', '-', '_'];

const HUGE_NUMBERS = [
  '0', '-0', '-1', '0.0999', '0.1', '3600', '3600.0001', '86400', '86400.5', '1e400', '-1e400', '1e-400', '9223372036854775807', '9223372036854775808',
  '-9223372036854775809', '99999999999999999999999', '0x7fffffffffffffff', '0xffffffffffffffff', '0o777', '0b1', '1_000', '1__0', 'inf', '-inf', '+inf', 'nan',
  '-nan', '1e3', '5e-324', '1.7976931348623157e308', '00', '+1', '1.', '.5', '0x', '2.5e',
];
const WRONG_VALUES = [
  'true', 'false', '"yes"', '""', '"relative/cmd"', '"   "', '[]', '[""]', '["/bin/true", 1]', '[["/bin/true"]]', '{}', '{ a = 1 }', '1979-05-27T07:32:00Z',
  '1979-05-27', '07:32:00', '1979-05-27 07:32:00.999999', "'/bin/true'", '"/bin/\\u0000x"', '"\\ud800"', '"\\U0010FFFF"', '"/bin/\\t"', '"\\x41"', '"/x" "/y"',
  '[ "/bin/true", ]', '[ , ]', 'TRUE', 'yes', '"/run/h.sock', '"""/a"""', "'''\n/b'''",
];

function nest(depth: number, open: string, close: string, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function longString(rng: Rng): string {
  const n = rng.pick([256, 4096, 65_536, rng.range(1, 200_000)]);
  return rng.pick(['a', '/', 'é', '\\"', '😀', ' ']).repeat(Math.ceil(n / 2));
}

function value(rng: Rng): string {
  const r = rng.int(10);
  if (r < 3) return rng.pick(HUGE_NUMBERS);
  if (r < 7) return rng.pick(WRONG_VALUES);
  if (r === 7) return `"${longString(rng)}"`;
  if (r === 8) return rng.chance(0.5) ? nest(rng.pick([2, 50, 999, 1000, 1001, 5000]), '[', ']', '1') : nest(rng.pick([2, 50, 999, 1000, 1001, 5000]), '{ a = ', ' }', '1');
  return `[${Array.from({ length: rng.pick([2, 100, 10_000]) }, () => '"/bin/x"').join(',')}]`;
}

function key(rng: Rng): string {
  const r = rng.int(6);
  if (r < 3) return rng.pick(KNOWN_KEYS);
  if (r < 5) return rng.pick(ODD_KEYS);
  return rng.chance(0.5) ? 'k'.repeat(rng.pick([100, 5000, 100_000])) : `"${longString(rng)}"`;
}

/** A binary byte sequence spliced into the text (the file is decoded as UTF-8: invalid bytes become U+FFFD). */
const BAD_BYTES: readonly (readonly number[])[] = [[0x00], [0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], [0x0d], [0x7f], [0x1b], [0xe2, 0x80, 0xa8], [0xc0, 0x80], [0x0c], [0x08]];

/** One TOML-level edit of the text (latin1 view: every byte survives). */
export function mutateSettings(rng: Rng, b: Uint8Array): Uint8Array {
  const ls = Buffer.from(b).toString('latin1').split('\n');
  const line = (): number => rng.int(Math.max(1, ls.length));
  const at = (): number => rng.int(ls.length + 1);
  const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
  // TOML-level edits most of the time (most byte-level damage only reaches the syntax error)
  const op = rng.chance(0.2) ? rng.pick([8, 11, 15, 16]) : rng.pick([0, 1, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 7, 9, 10, 12, 13, 13, 13, 14]);
  switch (op) {
    case 0:
      editLines(rng, ls, 'delete');
      break;
    case 1:
      editLines(rng, ls, 'duplicate');
      break;
    case 2:
      editLines(rng, ls, 'swap');
      break;
    case 3: {
      // the value of a `key = value` line replaced: wrong type, odd number, long, deep
      const kv = ls.map((l, k) => [l, k] as const).filter(([l]) => /=/.test(l));
      if (kv.length === 0) return mutateBytes(rng, b);
      const [l, k] = rng.pick(kv);
      ls[k] = `${l.slice(0, l.indexOf('=') + 1)} ${utf8(value(rng))}`;
      break;
    }
    case 4:
      ls.splice(at(), 0, utf8(`${key(rng)} = ${rng.chance(0.5) ? value(rng) : rng.pick(['"/bin/true"', '1', 'true', '["/bin/a"]'])}`));
      break;
    case 5: {
      const t = rng.chance(0.9) ? rng.pick(TABLES) : 'x'.repeat(rng.pick([1000, 100_000]));
      ls.splice(at(), 0, utf8(rng.chance(0.2) ? `[[${t}]]` : `[${t}]`));
      break;
    }
    case 6:
      ls.splice(at(), 0, utf8(`${rng.pick(['ops', 'instance', 'verify', 'healing', 'instance.VI_1', 'x'])} = ${nest(rng.pick([10, 999, 1000, 1001, 20_000]), rng.chance(0.5) ? '[' : '{ a = ', rng.chance(0.5) ? ']' : ' }', '1')}`));
      break;
    case 7: {
      // a multi-line string or array whose lines look like headers and keys
      const body = rng.pick(['[ops]\ncontrol_socket = 1', '[instance.VI_1]\nverify = 2', ' [1]\n', '"""', "'''", '\\\n  x']);
      const form = rng.pick([`verify = """\n${body}\n"""`, `move = '''\n${body}\n'''`, `verify = [\n  [1]\n, "${body.replace(/\n/g, ' ')}"\n]`, `x = """${body}`]);
      ls.splice(at(), 0, ...utf8(form).split('\n'));
      break;
    }
    case 8: {
      // non-UTF-8 bytes, NUL, BOM, bare CR, control characters
      const i = line();
      const s = ls[i] ?? '';
      const p = rng.int(s.length + 1);
      ls[i] = s.slice(0, p) + String.fromCharCode(...rng.pick(BAD_BYTES)) + s.slice(p);
      break;
    }
    case 9:
      // inline tables for the whole section
      ls.splice(at(), 0, utf8(rng.pick([
        'instance = { VI_1 = { verify = "/bin/true", timeout = 1 } }',
        'ops = { control_socket = false, control_socket = "/x" }',
        'healing = { reannounce = true, x = { y = 1 } }',
        `instance = { ${NAMES.map((n) => `"${n}" = { verify = "/bin/${n}" }`).join(', ')} }`,
        'verify = { interval = 1, }',
        'instance = { VI_1 = {\n verify = "/bin/true"\n} }',
      ])));
      break;
    case 10: {
      // a table's keys turned into dotted keys at the top level
      const out: string[] = [];
      let table = '';
      for (const l of ls) {
        const h = /^\s*\[([^\]]+)\]\s*$/.exec(l);
        if (h) table = h[1]!.trim();
        else if (table && /^\s*[A-Za-z0-9_"'.-]+\s*=/.test(l)) out.push(`${table}.${l.trim()}`);
        else out.push(l);
      }
      ls.splice(0, ls.length, ...out);
      break;
    }
    case 11:
      ls.splice(at(), 0, Buffer.from(rng.bytes(rng.range(1, 40))).toString('latin1').replace(/\n/g, ' '));
      break;
    case 12: {
      // comments and whitespace
      const i = line();
      ls[i] = rng.pick(['# ', '\t', '   ', '#', '']) + (ls[i] ?? '') + rng.pick(['', ' # c', '\t', ' ', '\r']);
      break;
    }
    case 13: {
      // an odd number in a duration
      const i = ls.findIndex((l) => /^\s*(interval|deadline|timeout|move_timeout)\s*=/.test(l));
      if (i < 0) ls.splice(at(), 0, `${rng.pick(['interval', 'deadline', 'timeout', 'move_timeout'])} = ${rng.pick(HUGE_NUMBERS)}`);
      else ls[i] = `${ls[i]!.slice(0, ls[i]!.indexOf('=') + 1)} ${rng.pick(HUGE_NUMBERS)}`;
      break;
    }
    case 14:
      // many tables or keys (a large but legal file)
      ls.splice(at(), 0, ...Array.from({ length: rng.pick([100, 2000, 8000]) }, (_, k) => (rng.chance(0.5) ? `[instance.I${k}]\nverify = "/bin/true"` : `k${k} = ${k}`)));
      break;
    case 15:
      // line endings
      return new Uint8Array(Buffer.from(ls.join(rng.pick(['\r\n', '\r', '\n\n', '\n\r'])), 'latin1'));
    default:
      return mutateBytes(rng, b);
  }
  return new Uint8Array(Buffer.from(ls.join('\n'), 'latin1'));
}

export interface SettingsInput {
  /** The settings file's bytes. */
  readonly text: Uint8Array;
  /** Which keepalived.conf (index into the parsed ones) the settings are checked against. */
  readonly config: number;
}

export function generateSettings(rng: Rng, nConfigs: number): SettingsInput {
  let text: Uint8Array = new Uint8Array(Buffer.from(rng.pick(SEEDS), 'utf8'));
  const n = rng.chance(0.05) ? 0 : rng.range(1, rng.chance(0.8) ? 3 : 12);
  for (let k = 0; k < n; k++) text = mutateSettings(rng, text);
  if (text.length > MAX_SETTINGS_BYTES) text = text.subarray(0, MAX_SETTINGS_BYTES); // the shell refuses larger files unread
  return { text, config: rng.int(nConfigs) };
}

const FORMAT = /^(.*):(\d+):(\d+): (error|warning): .* \[(settings-[a-z-]+)\]$/s;

function checkDiagnostics(text: string, ds: readonly Diagnostic[], what: string): void {
  const lines = text.split('\n');
  for (const d of ds) {
    const p = d.pos;
    if (!p) throw new InvariantError(`${what}: a diagnostic without a position: ${d.message.slice(0, 200)}`);
    if (p.file !== SETTINGS_FILE) throw new InvariantError(`${what}: a diagnostic names file '${p.file}'`);
    if (!Number.isInteger(p.line) || p.line < 1 || p.line > lines.length) throw new InvariantError(`${what}: line ${p.line} outside the file's ${lines.length} line(s) [${d.code}]`);
    const len = lines[p.line - 1]!.length;
    if (!Number.isInteger(p.col) || p.col < 1 || p.col > len + 1) throw new InvariantError(`${what}: column ${p.col} outside line ${p.line} of ${len} character(s) [${d.code}]`);
    // a message names a long key clipped: 10 000 errors about a 100 KB table name are not 1 GB of text
    if (d.message.length > 1024 || (d.hint?.length ?? 0) > 1024) throw new InvariantError(`${what}: a message of ${d.message.length} characters [${d.code}]`);
    const first = formatDiagnostic(d).split('\n    hint: ')[0]!;
    const m = FORMAT.exec(first);
    if (!m || m[1] !== SETTINGS_FILE || Number(m[2]) !== p.line || Number(m[3]) !== p.col || m[4] !== d.severity || m[5] !== d.code) {
      throw new InvariantError(`${what}: a diagnostic does not render as FILE:LINE:COL: severity: … [settings-…]: ${JSON.stringify(first.slice(0, 200))}`);
    }
    // an unknown key is reported on a line that names it, or the table (or key) it sits in
    const u = /^unknown key '([A-Za-z0-9_-]+)' in (?:\[([A-Za-z0-9_.-]+)\]|the top level) /.exec(d.message);
    if (u && d.code === 'settings-unknown-key') {
      const names = [u[1]!, ...(u[2] ?? '').split('.').filter((x) => x !== '')];
      const l = lines[p.line - 1]!;
      if (!names.some((nm) => l.includes(nm))) throw new InvariantError(`${what}: unknown key '${u[1]}' reported at line ${p.line}, which names neither it nor its table: ${JSON.stringify(l.slice(0, 120))}`);
    }
  }
}

const inRange = (ms: number, lo: number, hi: number): boolean => Number.isInteger(ms) && ms >= lo * 1000 && ms <= hi * 1000;
const isCommand = (c: unknown): boolean => Array.isArray(c) && c.length > 0 && c.every((w) => typeof w === 'string') && typeof c[0] === 'string' && c[0].startsWith('/');

function checkInstance(s: InstanceSettings | undefined, name: string): void {
  const v = s?.verify;
  const h = s?.healing;
  if (!v || !h || typeof h.reannounce !== 'boolean' || typeof h.rerunNotifyMaster !== 'boolean') throw new InvariantError(`settingsFor('${name}') is not an InstanceSettings: ${String(s)}`);
  if (!inRange(v.intervalMs, 0.1, 3600) || !inRange(v.deadlineMs, 0.1, 86_400) || !inRange(v.timeoutMs, 0.1, 3600) || !inRange(v.moveTimeoutMs, 0.1, 3600)) {
    throw new InvariantError(`settingsFor('${name}'): a duration out of range ${JSON.stringify([v.intervalMs, v.deadlineMs, v.timeoutMs, v.moveTimeoutMs])}`);
  }
  if ((v.verify !== undefined && !isCommand(v.verify)) || (v.move !== undefined && !isCommand(v.move))) throw new InvariantError(`settingsFor('${name}'): a command that is not an absolute argv`);
  if (v.move !== undefined && v.verify === undefined) throw new InvariantError(`settingsFor('${name}'): a move command without a verify command`);
}

function checkSettings(text: string, s: HavipdSettings): void {
  const o = s.ops;
  if (o.controlSocket !== undefined && o.controlSocket !== null && !o.controlSocket.startsWith('/')) throw new InvariantError('ops.control_socket accepted relative');
  if (o.stateDir !== undefined && !o.stateDir.startsWith('/')) throw new InvariantError('ops.state_dir accepted relative');
  for (const x of [o.controlGroup, o.metricsListen]) if (x !== undefined && (typeof x !== 'string' || x === '')) throw new InvariantError('an empty or non-string ops value accepted');
  // every [instance.NAME] table of the document is one instance of the settings, whatever its name
  const doc = parse(text) as Record<string, unknown>;
  const want = Object.keys((doc.instance ?? {}) as object).sort();
  const got = Object.keys(s.instances).sort();
  if (JSON.stringify(want) !== JSON.stringify(got)) throw new InvariantError(`the settings' instances ${JSON.stringify(got).slice(0, 200)} are not the document's [instance.*] tables ${JSON.stringify(want).slice(0, 200)}`);
  for (const name of [...got, ...NAMES]) checkInstance(settingsFor(s, name), name);
}

const stable = (r: SettingsResult): string => JSON.stringify({ s: r.settings, i: r.settings ? Object.entries(r.settings.instances) : null, d: r.diagnostics });

/** What one input reached (for the unit test's check that the mix gets past the parser). */
export interface SettingsOutcome {
  readonly accepted: boolean;
  readonly codes: readonly string[];
}

export function runSettings(i: SettingsInput, configs: readonly (readonly string[])[]): SettingsOutcome {
  // as src/runtime/settings-file.ts reads it: larger files are refused unread, the rest decoded as UTF-8
  if (i.text.length > MAX_SETTINGS_BYTES) return { accepted: false, codes: [] };
  const text = Buffer.from(i.text).toString('utf8');
  const r = parseSettings(text, SETTINGS_FILE);
  if (!Array.isArray(r.diagnostics)) throw new TypeError('parseSettings returned no diagnostics array');
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  if ((r.settings === undefined) !== errors > 0) throw new InvariantError(`settings ${r.settings ? 'returned' : 'refused'} with ${errors} error(s)`);
  checkDiagnostics(text, r.diagnostics, 'parseSettings');
  // (re-parsed only when small: a second parse of a 1 MiB file would be half of the input's time budget)
  if (text.length <= 65_536 && stable(parseSettings(text, SETTINGS_FILE)) !== stable(r)) throw new InvariantError('parseSettings is not deterministic');
  if (r.settings) checkSettings(text, r.settings);

  // against keepalived.conf, as the daemon and `-t` do
  const names = configs[i.config % configs.length]!;
  const checked = settingsForConfig({ settings: r.settings, diagnostics: r.diagnostics, text }, names);
  // the parser's diagnostics come first, unchanged (checked above); then the instance-name warnings
  if (r.diagnostics.some((d, k) => checked.diagnostics[k] !== d)) throw new InvariantError("settingsForConfig changed or dropped the parser's diagnostics");
  checkDiagnostics(text, checked.diagnostics.slice(r.diagnostics.length), 'settingsForConfig');
  if (checked.settings) {
    for (const n of Object.keys(checked.settings.instances)) if (!names.includes(n)) throw new InvariantError(`settingsForConfig kept [instance.${n}], which keepalived.conf does not have`);
    for (const n of names) checkInstance(settingsFor(checked.settings, n), n);
    const unknown = Object.keys(r.settings!.instances).filter((n) => !names.includes(n)).length;
    const warned = checked.diagnostics.filter((d) => d.code === 'settings-unknown-instance').length;
    if (unknown !== warned) throw new InvariantError(`${unknown} unknown instance table(s) but ${warned} warning(s)`);
  }
  return { accepted: checked.settings !== undefined, codes: checked.diagnostics.map((d) => d.code) };
}

let warmed: readonly (readonly string[])[] | undefined;
/**
 * The keepalived.conf instance lists, once per thread, after a JIT warm-up: the per-input time limit is to
 * measure the input, not the first compilation of the parser (on a busy machine the first mid-size inputs
 * of a fresh worker took > 1 s of wall-clock, 0.15 s once warm).
 */
function warmConfigs(): readonly (readonly string[])[] {
  if (warmed) return warmed;
  const configs = keepalivedConfigs();
  const warm = [...SEEDS, SEEDS[1]!.repeat(3), Array.from({ length: 2000 }, (_, k) => `[instance.I${k}]\nverify = "/bin/true"\nk${k} = ${k}`).join('\n')];
  for (let round = 0; round < 3; round++) for (const t of warm) runSettings({ text: new Uint8Array(Buffer.from(t, 'utf8')), config: round }, configs);
  warmed = configs;
  return configs;
}

export const settingsTarget: FuzzTarget<SettingsInput> = {
  name: 'settings',
  defaultCount: 100_000,
  setup(): TargetInstance<SettingsInput> {
    const configs = warmConfigs();
    return {
      generate: (rng) => generateSettings(rng, configs.length),
      run: (i) => void runSettings(i, configs),
      replay: (i) => void runSettings(i, configs),
      shrink(i, fails, budget) {
        let config = i.config;
        for (let c = 0; c < configs.length; c++) {
          if (c < config && fails({ ...i, config: c })) {
            config = c;
            break;
          }
        }
        return { config, text: shrinkBytes(i.text, (t) => fails({ text: t, config }), budget) };
      },
      toJson: (i) => ({ text: Buffer.from(i.text).toString('base64'), config: i.config }),
      fromJson(j) {
        const o = j as { text: string; config: number };
        return { text: new Uint8Array(Buffer.from(o.text, 'base64')), config: o.config };
      },
      describe: (i) => `settings of ${i.text.length} B (config ${i.config}): ${JSON.stringify(Buffer.from(i.text.subarray(0, 80)).toString('latin1'))}`,
    };
  },
};
