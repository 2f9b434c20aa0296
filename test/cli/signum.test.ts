// `--signum=SIGFUNC` and `--ignore-sigint` (keepalived 2.3+ command line; issue 13 §3). Exporters call
// `keepalived --signum=JSON` and give up when it fails: havipd answers as keepalived 2.4.3 does — the number on
// stdout and exit 0, `Unknown sigfunc X` and exit 1. When the 2.4.3 oracle is built, each answer is compared with it.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { signalNumber } from '../../src/runtime/signum.js';
import { oraclePath } from '../support/oracles.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/havipd');
const K243 = oraclePath('2.4.3');

function run(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const havipd = (args: string[]) => run(process.execPath, [BIN, ...args]);

describe('--signum', () => {
  it('maps the signal functions as keepalived lib/signals.c does (pure)', () => {
    expect(['STOP', 'RELOAD', 'DATA', 'STATS', 'STATS_CLEAR', 'JSON'].map((f) => signalNumber(f))).toEqual([15, 1, 10, 12, 63, 36]);
    expect(signalNumber('json')).toBeUndefined();
    expect(signalNumber('TDUMP')).toBeUndefined();
  });

  const cases: Array<[string, number, string, string]> = [
    ['--signum=JSON', 0, '36\n', ''],
    ['--signum=STOP', 0, '15\n', ''],
    ['--signum=RELOAD', 0, '1\n', ''],
    ['--signum=DATA', 0, '10\n', ''],
    ['--signum=STATS', 0, '12\n', ''],
    ['--signum=STATS_CLEAR', 0, '63\n', ''],
    ['--signum=json', 1, '', 'Unknown sigfunc json\n'],
    ['--signum=bogus', 1, '', 'Unknown sigfunc bogus\n'],
    ['--signum=', 1, '', 'Missing parameter for option --signum\n'],
  ];
  it.skipIf(!existsSync(join(ROOT, 'dist/cli/main.js'))).each(cases)('havipd %s', (arg, code, stdout, stderr) => {
    const r = havipd([arg]);
    expect([r.code, r.stdout, r.stderr]).toEqual([code, stdout, stderr]);
    if (K243 !== undefined) {
      const k = run(K243, [arg]);
      expect([k.code, k.stdout, k.stderr], 'keepalived 2.4.3 answers differently').toEqual([code, stdout, stderr]);
    }
  });

  it.skipIf(!existsSync(join(ROOT, 'dist/cli/main.js')))('--signum JSON (separate word) and --ignore-sigint are accepted', () => {
    expect(havipd(['--signum', 'JSON']).stdout).toBe('36\n');
    // --ignore-sigint with --signum: the number is still printed (the flag is a daemon option).
    const r = havipd(['--ignore-sigint', '--signum=STOP']);
    expect([r.code, r.stdout]).toEqual([0, '15\n']);
  });
});
