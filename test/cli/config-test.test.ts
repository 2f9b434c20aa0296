// Unit tests of `havipd -t`'s exit-code logic and diagnostic formatting (keepalived 2.2.7 reference §4.2).

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONFIG_TEST_EXIT,
  EXIT_PROGRAM_ERROR,
  checkConfig,
  checkMainFile,
  configTestExitCode,
  defaultConfigId,
  formatDiagnostic,
  renderCheck,
  worstClass,
} from '../../src/cli/config-test.js';
import { normaliseArgs } from '../../src/cli/main.js';
import type { Diagnostic, KeepalivedErrorClass } from '../../src/config-parser/types.js';

const d = (kaClass: KeepalivedErrorClass | undefined, code = 'x', extra: Partial<Diagnostic> = {}): Diagnostic => ({
  severity: kaClass === 'WARNING' || kaClass === 'DEPRECATED' ? 'warning' : kaClass === undefined ? 'info' : 'error',
  code,
  kaClass,
  pos: { file: 'k.conf', line: 3, col: 5 },
  message: `a ${kaClass ?? 'lint'} message`,
  ...extra,
});

describe('configTestExitCode (keepalived 2.2.7 config_test_exit)', () => {
  it.each<[string, (KeepalivedErrorClass | undefined)[], number]>([
    ['nothing reported → 0', [], 0],
    ['only havipd lints (kaClass undefined) → 0', [undefined, undefined], 0],
    ['FILE_NOT_FOUND → 4', ['FILE_NOT_FOUND'], 4],
    ['BAD_IF → 4', ['BAD_IF'], 4],
    ['FATAL → 4', ['FATAL'], 4],
    ['UNKNOWN_KEYWORD → 5', ['UNKNOWN_KEYWORD'], 5],
    ['INVALID_NUMBER → 5', ['INVALID_NUMBER'], 5],
    ['GENERAL_ERROR → 5', ['GENERAL_ERROR'], 5],
    ['keepalived-compat: a lone WARNING → 5', ['WARNING'], 5],
    ['keepalived-compat: a lone DEPRECATED → 5', ['DEPRECATED'], 5],
    ['MULTIPLE_FILES → 5', ['MULTIPLE_FILES'], 5],
    ['UNMATCHED_QUOTE → 5', ['UNMATCHED_QUOTE'], 5],
    ['MISSING_EOB → 5', ['MISSING_EOB'], 5],
    ['SECURITY_ERROR → 6', ['SECURITY_ERROR'], 6],
    ['MISSING_PARAMETER → 2', ['MISSING_PARAMETER'], 2],
    ['keepalived-compat: BAD_IF after GENERAL_ERROR → 5 (highest enum wins)', ['GENERAL_ERROR', 'BAD_IF'], 5],
    ['keepalived-compat: BAD_IF before GENERAL_ERROR → 5', ['BAD_IF', 'GENERAL_ERROR'], 5],
    ['FATAL and BAD_IF → 4', ['FATAL', 'BAD_IF'], 4],
    ['WARNING then SECURITY_ERROR → 6', ['WARNING', 'SECURITY_ERROR'], 6],
    ['SECURITY_ERROR then WARNING → 6', ['SECURITY_ERROR', 'WARNING'], 6],
    ['MISSING_PARAMETER beats SECURITY_ERROR → 2', ['SECURITY_ERROR', 'MISSING_PARAMETER'], 2],
    ['lints never change the code: BAD_IF + lint → 4', ['BAD_IF', undefined], 4],
  ])('%s', (_title, classes, expected) => {
    expect(configTestExitCode(classes.map((c) => d(c)))).toBe(expected);
  });

  it('include-check failures exit 6 even when the class alone would give 4', () => {
    expect(configTestExitCode([d('FILE_NOT_FOUND', 'include-missing')])).toBe(6);
    expect(configTestExitCode([d('FILE_NOT_FOUND', 'include-no-match'), d('WARNING')])).toBe(6);
  });

  it('an inactive include problem (no kaClass: keepalived only logs it) does not count', () => {
    expect(configTestExitCode([d(undefined, 'include-missing')])).toBe(0);
  });

  it('a missing main file under -e is FILE_NOT_FOUND with another code: 4', () => {
    expect(configTestExitCode([d('FILE_NOT_FOUND', 'config-file-missing')])).toBe(4);
  });

  it('severity is not what decides: an error-severity lint without class still gives 0', () => {
    expect(configTestExitCode([d(undefined, 'lint', { severity: 'error' })])).toBe(0);
  });

  it('worstClass keeps the class with the highest enum value', () => {
    expect(worstClass([d('FATAL'), d('WARNING'), d('UNKNOWN_KEYWORD')])).toBe('WARNING');
    expect(worstClass([d(undefined)])).toBeUndefined();
  });

  it('exposes the documented constants', () => {
    expect(CONFIG_TEST_EXIT).toEqual({ OK: 0, MISSING_PARAMETER: 2, FATAL: 4, CONFIG: 5, SECURITY: 6 });
  });
});

describe('formatDiagnostic', () => {
  it('names the instance once, whether or not the message already starts with it', () => {
    expect(formatDiagnostic(d('GENERAL_ERROR', 'x', { message: '(VI_1) no interface', subject: 'VI_1' }))).toBe('k.conf:3:5: error: (VI_1) no interface [x]');
    expect(formatDiagnostic(d('GENERAL_ERROR', 'x', { message: 'no interface', subject: 'VI_1' }))).toBe('k.conf:3:5: error: (VI_1) no interface [x]');
  });
  it('prints FILE:LINE:COL: severity: message [code] and a hint line', () => {
    const out = formatDiagnostic(d('UNKNOWN_KEYWORD', 'unknown-keyword', { message: "unknown keyword 'prio'", hint: "did you mean 'priority'?", subject: 'VI_1' }));
    expect(out).toBe("k.conf:3:5: error: (VI_1) unknown keyword 'prio' [unknown-keyword]\n    hint: did you mean 'priority'?");
  });

  it('uses the main file when the diagnostic has no position', () => {
    expect(formatDiagnostic(d('FATAL', 'f', { pos: undefined, message: 'm' }), 'main.conf')).toBe('main.conf: error: m [f]');
  });

  it('escapes control characters and clips huge messages', () => {
    const out = formatDiagnostic(d('UNKNOWN_KEYWORD', 'u', { message: `bad \u0000\u001b[31m ${'x'.repeat(10_000)}` }));
    expect(out).toContain('\\x00\\x1b[31m');
    expect(out.length).toBeLessThan(600);
    expect(out).toContain('more characters');
  });
});

describe('defaultConfigId', () => {
  it('is the node name up to the first dot', () => {
    expect(defaultConfigId('lb1.example.com')).toBe('lb1');
    expect(defaultConfigId('lb2')).toBe('lb2');
  });
});

describe('normaliseArgs (getopt-style optional argument of -t)', () => {
  it('does not let -t swallow the next word', () => {
    expect(normaliseArgs(['-t', 'foo.conf'])).toEqual(['--config-test', 'foo.conf']);
  });
  it('takes an attached log file', () => {
    expect(normaliseArgs(['-t/tmp/log', '-f', 'k.conf'])).toEqual(['--config-test', '--config-test-log', '/tmp/log', '-f', 'k.conf']);
    expect(normaliseArgs(['--config-test=/tmp/log'])).toEqual(['--config-test', '--config-test-log', '/tmp/log']);
  });
  it('-g takes a file only when attached, like keepalived (default /tmp/keepalived.log)', () => {
    expect(normaliseArgs(['-g', '-f', 'k.conf'])).toEqual(['--log-file', '/tmp/keepalived.log', '-f', 'k.conf']);
    expect(normaliseArgs(['-g/var/log/ka.log'])).toEqual(['--log-file', '/var/log/ka.log']);
    expect(normaliseArgs(['--log-file=/x.log', '--log-file'])).toEqual(['--log-file', '/x.log', '--log-file', '/tmp/keepalived.log']);
  });
  it('leaves other options alone', () => {
    expect(normaliseArgs(['--transport', 'udp', '-f', 'x'])).toEqual(['--transport', 'udp', '-f', 'x']);
  });
});

describe('checkMainFile and checkConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havipd-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'k.conf');
  writeFileSync(good, 'vrrp_instance VI_1 {\n}\n');
  mkdirSync(join(dir, 'sub'));

  it('accepts a readable regular file', () => {
    expect(checkMainFile(good)).toBeUndefined();
  });

  it('deliberate difference: a missing main file is FILE_NOT_FOUND (exit 4), not keepalived\'s 0', () => {
    const r = checkConfig({ file: join(dir, 'absent.conf'), configId: 'x', allConfig: false, hostInterfaces: [] }, () => {
      throw new Error('parser must not be called');
    });
    expect(r.exitCode).toBe(4);
    expect(r.diagnostics[0]?.code).toBe('config-file-not-found');
  });

  it('a directory as the config is exit 4', () => {
    expect(checkMainFile(join(dir, 'sub'))?.code).toBe('config-file-is-directory');
  });

  it('passes the options to the parser and derives the exit code', () => {
    let seen: unknown;
    const r = checkConfig({ file: good, configId: 'lb1', allConfig: true, hostInterfaces: ['eth0'] }, (file, opts) => {
      seen = { file, ...opts };
      return { config: undefined, diagnostics: [d('WARNING')] };
    });
    expect(seen).toEqual({ file: good, configId: 'lb1', allConfig: true, hostInterfaces: ['eth0'] });
    expect(r.exitCode).toBe(5);
  });

  it('a parser exception becomes exit 70 with a message, never a stack', () => {
    const r = checkConfig({ file: good, configId: 'x', allConfig: false, hostInterfaces: [] }, () => {
      throw new RangeError('boom');
    });
    expect(r.exitCode).toBe(EXIT_PROGRAM_ERROR);
    const text = renderCheck(good, r);
    expect(text).toContain('RangeError: boom');
    expect(text).not.toMatch(/\n\s+at /);
  });
});
