// The havipd settings file (issue 11 §4): every error names file:line:col; defaults; instance-name check.
import { describe, expect, it } from 'vitest';
import { checkSettingsInstances, DEFAULT_SETTINGS, parseSettings, settingsFor, withoutUnknownInstances } from '../../../src/config-parser/settings.js';
import { formatDiagnostic } from '../../../src/config-parser/diagnostics.js';

const F = '/etc/havipd/havipd.toml';
const errs = (text: string): string[] => parseSettings(text, F).diagnostics.map((d) => formatDiagnostic(d));

describe('settings file: valid input', () => {
  it('an empty file is the defaults', () => {
    const r = parseSettings('', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.settings).toEqual({ ...DEFAULT_SETTINGS, file: F });
  });

  it('reads ops, healing, verify defaults and per-instance tables (seconds → ms; string commands split on blanks)', () => {
    const text = [
      '# comment',
      '[ops]',
      'control_socket = "/run/h.sock"',
      'control_group = "adm"',
      'metrics_listen = "127.0.0.1:9650"',
      'state_dir = "/var/lib/h"',
      '[healing]',
      'reannounce = false',
      '[verify]',
      'interval = 0.5',
      'deadline = 20',
      'timeout = 3',
      'move_timeout = 40',
      '[instance.VI_1]',
      'verify = "/usr/bin/check --vip x"',
      'move = ["/usr/bin/move", "a b"]',
      'timeout = 1',
      'rerun_notify_master = false',
      '[instance."VI.2"]',
      'verify = ["/bin/true"]',
    ].join('\n');
    const r = parseSettings(text, F);
    expect(r.diagnostics).toEqual([]);
    const s = r.settings!;
    expect(s.ops).toEqual({ controlSocket: '/run/h.sock', controlGroup: 'adm', metricsListen: '127.0.0.1:9650', stateDir: '/var/lib/h' });
    expect(s.healing).toEqual({ reannounce: false, rerunNotifyMaster: true });
    expect(s.verifyDefaults).toEqual({ intervalMs: 500, deadlineMs: 20_000, timeoutMs: 3000, moveTimeoutMs: 40_000 });
    expect(settingsFor(s, 'VI_1')).toEqual({
      verify: { verify: ['/usr/bin/check', '--vip', 'x'], move: ['/usr/bin/move', 'a b'], intervalMs: 500, deadlineMs: 20_000, timeoutMs: 1000, moveTimeoutMs: 40_000 },
      healing: { reannounce: false, rerunNotifyMaster: false },
    });
    expect(settingsFor(s, 'VI.2').verify.verify).toEqual(['/bin/true']);
    // An instance without a table gets the defaults and no commands.
    expect(settingsFor(s, 'OTHER')).toEqual({ verify: { verify: undefined, move: undefined, intervalMs: 500, deadlineMs: 20_000, timeoutMs: 3000, moveTimeoutMs: 40_000 }, healing: { reannounce: false, rerunNotifyMaster: true } });
  });

  it('control_socket = false turns the control socket off', () => {
    expect(parseSettings('[ops]\ncontrol_socket = false\n', F).settings!.ops.controlSocket).toBeNull();
  });
});

describe('settings file: every error names file:line:col', () => {
  it('TOML syntax error: smol-toml line and column', () => {
    expect(errs('[ops]\ncontrol_socket = "/x"\nstate_dir = \n')).toEqual([expect.stringMatching(/^\/etc\/havipd\/havipd\.toml:3:\d+: error: not valid TOML: .* \[settings-syntax\]$/)]);
  });

  it('duplicate key is a syntax error on its line', () => {
    expect(errs('[healing]\nreannounce = true\nreannounce = false\n')[0]).toMatch(/^\/etc\/havipd\/havipd\.toml:3:\d+: error: not valid TOML/);
  });

  it('unknown top-level key, with a suggestion', () => {
    const d = parseSettings('\n\nhealin = 1\n', F).diagnostics;
    expect(d).toHaveLength(1);
    expect(formatDiagnostic(d[0]!)).toBe(`${F}:3:1: error: unknown key 'healin' in the top level (known: ops, healing, verify, instance) [settings-unknown-key]\n    hint: did you mean 'healing'?`);
  });

  it('unknown keys in tables: ops, healing, verify and instance', () => {
    const text = ['[ops]', 'control_sock = "/x"', '[healing]', 'reanounce = true', '[verify]', 'intervall = 1', '[instance.VI_1]', '  verfy = "/bin/true"'].join('\n');
    expect(errs(text).map((e) => e.split('\n')[0])).toEqual([
      `${F}:2:1: error: unknown key 'control_sock' in [ops] (known: control_socket, control_group, metrics_listen, state_dir) [settings-unknown-key]`,
      `${F}:4:1: error: unknown key 'reanounce' in [healing] (known: reannounce, rerun_notify_master) [settings-unknown-key]`,
      `${F}:6:1: error: unknown key 'intervall' in [verify] (known: interval, deadline, timeout, move_timeout) [settings-unknown-key]`,
      `${F}:8:3: error: unknown key 'verfy' in [instance.VI_1] (known: verify, move, interval, deadline, timeout, move_timeout, reannounce, rerun_notify_master) [settings-unknown-key]`,
    ]);
  });

  it('wrong types: each on its own line', () => {
    const text = [
      '[ops]',
      'control_socket = 5', // 2
      'control_group = ""', // 3
      'state_dir = "relative"', // 4
      '[healing]',
      'reannounce = "yes"', // 6
      '[verify]',
      'interval = "2s"', // 8
      'deadline = 0', // 9
      '[instance.VI_1]',
      'verify = 7', // 11
      'move = []', // 12
      '[instance.VI_2]',
      'verify = "bin/check"', // 14
      '[instance.VI_3]',
      'move = "/bin/move"', // 16
      '[instance]',
      'VI_4 = 3', // 18
    ].join('\n');
    expect(errs(text)).toEqual([
      `${F}:2:1: error: 'ops.control_socket' must be an absolute path or false, not an integer [settings-wrong-type]`,
      `${F}:3:1: error: 'ops.control_group' must be a non-empty string, not an empty string [settings-wrong-type]`,
      `${F}:4:1: error: 'ops.state_dir' must be an absolute path, not 'relative' [settings-wrong-type]`,
      `${F}:6:1: error: 'healing.reannounce' must be true or false, not a string [settings-wrong-type]`,
      `${F}:8:1: error: 'verify.interval' must be a number of seconds, not a string [settings-wrong-type]`,
      `${F}:9:1: error: 'verify.deadline' must be between 0.1 and 86400 seconds, not 0 [settings-out-of-range]`,
      `${F}:11:1: error: 'instance.VI_1.verify' must be a command: a string or an array of strings, not an integer [settings-wrong-type]`,
      `${F}:12:1: error: 'instance.VI_1.move' is an empty command [settings-wrong-type]`,
      `${F}:14:1: error: 'instance.VI_2.verify': the program must be an absolute path, not 'bin/check' [settings-relative-command]`,
      `${F}:16:1: error: 'instance.VI_3.move' needs a verify command (the move runs when verification fails) [settings-move-without-verify]`,
      `${F}:18:1: error: 'instance.VI_4' must be a table ([instance.VI_4]), not an integer [settings-wrong-type]`,
    ]);
    expect(parseSettings(text, F).settings).toBeUndefined();
  });

  it('a table given as a value, and dotted keys, are located', () => {
    expect(errs('ops = 1\n')).toEqual([`${F}:1:1: error: 'ops' must be a table, not an integer [settings-wrong-type]`]);
    expect(errs('x = 1\ninstance.VI_1.timeout = "a"\n').map((e) => e.split('\n')[0])).toEqual([
      `${F}:1:1: error: unknown key 'x' in the top level (known: ops, healing, verify, instance) [settings-unknown-key]`,
      `${F}:2:1: error: 'instance.VI_1.timeout' must be a number of seconds, not a string [settings-wrong-type]`,
    ]);
  });

  it('a TOML date where a boolean or a table belongs is a wrong type', () => {
    expect(errs('[healing]\nreannounce = 1979-05-27\n')).toEqual([`${F}:2:1: error: 'healing.reannounce' must be true or false, not a date [settings-wrong-type]`]);
    expect(errs('verify = 1979-05-27T07:32:00Z\n')).toEqual([`${F}:1:1: error: 'verify' must be a table, not a date [settings-wrong-type]`]);
  });

  it('arrays of tables are a wrong type, not a crash', () => {
    expect(errs('[[instance]]\nx = 1\n')).toEqual([`${F}:1:1: error: 'instance' must be a table, not an array [settings-wrong-type]`]);
  });

  it('binary garbage is one syntax error, never a throw', () => {
    const r = parseSettings('\u0000\u0001[[[', F);
    expect(r.settings).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.code).toBe('settings-syntax');
    expect(r.diagnostics[0]!.pos?.line).toBe(1);
  });
});

describe('settings file: instance names keepalived.conf does not have', () => {
  it('keepalived-compat: an unknown instance name is a warning, at its table, and the table is dropped', () => {
    const text = '[instance.VI_1]\nverify = "/bin/true"\n\n[instance.VI_l]\nverify = "/bin/true"\n';
    const s = parseSettings(text, F).settings!;
    const w = checkSettingsInstances(s, text, ['VI_1', 'VI_2']);
    expect(w.map((d) => formatDiagnostic(d))).toEqual([`${F}:4:1: warning: [instance.VI_l]: keepalived.conf has no vrrp_instance VI_l; ignored [settings-unknown-instance]\n    hint: did you mean 'VI_1'?`]);
    expect(Object.keys(withoutUnknownInstances(s, ['VI_1', 'VI_2']).instances)).toEqual(['VI_1']);
  });
});

// Found by the settings fuzz target (test/fuzz/settings.ts; cases in test/fuzz/regressions/settings-*.json).
describe('settings file: fuzz findings', () => {
  it('instance names that are Object.prototype properties are names like any other', () => {
    const text = '[instance.__proto__]\nverify = "/bin/proto"\n[instance.constructor]\ntimeout = 2\n';
    const s = parseSettings(text, F).settings!;
    // the `__proto__` table is an instance, not the record's prototype
    expect(Object.keys(s.instances).sort()).toEqual(['__proto__', 'constructor']);
    expect(settingsFor(s, '__proto__').verify.verify).toEqual(['/bin/proto']);
    expect(settingsFor(s, 'constructor').verify).toMatchObject({ verify: undefined, timeoutMs: 2000 });
    // names with no table get the defaults, not Object.prototype's members or another table's parts
    for (const name of ['toString', 'hasOwnProperty', 'verify', 'healing', 'valueOf']) {
      expect(settingsFor(s, name), name).toEqual({ verify: { verify: undefined, move: undefined, ...s.verifyDefaults }, healing: s.healing });
    }
    expect(settingsFor(DEFAULT_SETTINGS, 'constructor').healing).toEqual(DEFAULT_SETTINGS.healing);
    expect(Object.keys(withoutUnknownInstances(s, ['__proto__']).instances)).toEqual(['__proto__']);
    expect(settingsFor(withoutUnknownInstances(s, ['__proto__']), '__proto__').verify.verify).toEqual(['/bin/proto']);
    expect(checkSettingsInstances(s, text, ['constructor']).map((d) => `${d.pos?.line} ${d.message}`)).toEqual(['1 [instance.__proto__]: keepalived.conf has no vrrp_instance __proto__; ignored']);
  });

  it('an unknown table only named by a [a.b] header or a dotted key is reported on that line', () => {
    expect(errs('[ops]\n[knstance.0]\n').map((e) => e.split('\n')[0])).toEqual([expect.stringMatching(new RegExp(`^${F}:2:1: error: unknown key 'knstance' in the top level`))]);
    expect(errs('verify = { interval = 1 }\n  VI_1.v = ""\n').map((e) => e.split('\n')[0])).toEqual([expect.stringMatching(new RegExp(`^${F}:2:3: error: unknown key 'VI_1' in the top level`))]);
  });

  it('lines inside multi-line arrays and strings are not headers or keys', () => {
    // `[1]` inside the array is no [table]: the key after the array is still found at the top level
    expect(errs('v = [\n[1]]\ncontrol_group = ""\n').map((e) => e.split('\n')[0])).toEqual([
      expect.stringMatching(new RegExp(`^${F}:1:1: error: unknown key 'v'`)),
      expect.stringMatching(new RegExp(`^${F}:3:1: error: unknown key 'control_group' in the top level`)),
    ]);
    // an escaped quote does not end a multi-line basic string; its `[ops]` line is text
    expect(errs('[instance.VI_1]\nverify = """/bin/x \\"""\n[ops]\nx = 1\n"""\ntimeuot = 1\n').map((e) => e.split('\n')[0])).toEqual([
      expect.stringMatching(new RegExp(`^${F}:6:1: error: unknown key 'timeuot' in \\[instance.VI_1\\]`)),
    ]);
  });
});

describe('settings file: long and quoted names (fuzz findings)', () => {
  it('a quoted instance name with blanks is located at its own table', () => {
    const text = '[instance.VI_1]\nverify = "/a"\n[ instance . " VI 2 " ]\nverfy = "/b"\n';
    expect(errs(text).map((e) => e.split('\n')[0])).toEqual([expect.stringMatching(new RegExp(`^${F}:4:1: error: unknown key 'verfy' in \\[instance. VI 2 \\]`))]);
  });

  it('a 100 KB table name is named clipped in its messages, and its keys are still located', () => {
    const name = 'x'.repeat(100_000);
    const text = `[instance.${name}]\n${Array.from({ length: 3000 }, (_, k) => `k${k} = 1`).join('\n')}\n`;
    const d = parseSettings(text, F).diagnostics;
    expect(d).toHaveLength(3000);
    expect(d[2999]!.pos).toEqual({ file: F, line: 3001, col: 1 });
    expect(d[0]!.message).toBe(`unknown key 'k0' in [instance.${'x'.repeat(60)}…] (known: verify, move, interval, deadline, timeout, move_timeout, reannounce, rerun_notify_master)`);
    expect(Math.max(...d.map((x) => x.message.length))).toBeLessThan(300);
    // dotted keys under it (the fuzz case that took 64 s: every line joined the 100 KB name into its lookup key)
    const dottedText = `[instance.${name}]\n${Array.from({ length: 3000 }, (_, k) => `a.k${k} = 1`).join('\n')}\n`;
    expect(parseSettings(dottedText, F).diagnostics.map((x) => [x.pos?.line, x.message.slice(0, 16)])).toEqual([[2, "unknown key 'a' "]]);
  });
});
