// `havipd -t` on the configs that once exhausted it (issue 8 §3, issue 14 §3), spawned as a user runs it
// (`node bin/havipd`, needs `npx tsc -p tsconfig.json` first), with the child's own peak RSS and CPU time
// taken from `process.resourceUsage()` at its exit (a preload module writes them to stderr as one JSON line;
// this works where /usr/bin/time is missing).
//
// keepalived on the same files (this machine): on the issue-8 file 2.2.7 and 2.4.3 grow until malloc fails
// ("Keepalived: Cannot allocate memory", exit 204, under a 1 GB ulimit); on `$IF=$IF` both never end; the
// million-line ~SEQ takes them 70 s (2.2.7) and 38 s (2.4.3) and exits 5 (every line an unknown keyword).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_TEST_EXIT } from '../../src/cli/config-test.js';
import { MAX_GENERATED_LINES } from '../../src/config-parser/preprocess.js';
import { ISSUE14_NESTED_SEQ, ISSUE8_IF_IF, ISSUE8_SELF_MULTILINE } from '../support/config-reproducers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/havipd');

/** Preload: at exit, write {maxRssKb, cpuUs (whole process), ownCpuUs (after the preload ran)} to stderr. */
const PRELOAD = `data:text/javascript,${encodeURIComponent(`import { writeSync } from 'node:fs';
const t0 = process.cpuUsage();
process.on('exit', () => {
  const u = process.resourceUsage();
  const own = process.cpuUsage(t0);
  writeSync(2, '\\nRUSAGE ' + JSON.stringify({ maxRssKb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime, ownCpuUs: own.user + own.system }) + '\\n');
});`)}`;

interface Measured {
  code: number | null;
  /** stdout and stderr (`-t` writes its report to stderr). */
  output: string;
  maxRssKb: number;
  ownCpuUs: number;
}

/** Runs `havipd -t -f FILE`; the 60 s spawn timeout only guards the suite (the old code ran 100 s). */
function measure(file: string): Measured {
  const r = spawnSync(process.execPath, ['--import', PRELOAD, BIN, '-t', '-f', file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  const m = /^RUSAGE (.*)$/m.exec(r.stderr);
  if (!m) throw new Error(`no resource usage from the child (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(0, 2000)}`);
  const u = JSON.parse(m[1]!) as { maxRssKb: number; ownCpuUs: number };
  return { code: r.status, output: r.stdout + r.stderr, maxRssKb: u.maxRssKb, ownCpuUs: u.ownCpuUs };
}

const MB = 1024;
let dir: string;
const file = (name: string, content: string): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` first');
  dir = mkdtempSync(join(tmpdir(), 'havipd-bounds-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('havipd -t stays small on expansion bombs', () => {
  it('issue 8 §3: the self-using multi-line definition is one diagnostic at file:7, exit 5, < 200 MB peak RSS, < 1 s of CPU', () => {
    const f = file('issue8.conf', ISSUE8_SELF_MULTILINE);
    const r = measure(f);
    expect(r.code).toBe(CONFIG_TEST_EXIT.CONFIG);
    expect(r.output).toContain(`${f}:7:1: error: parameter substitution does not terminate on line '$A' [substitution-loop]`);
    expect(r.maxRssKb).toBeLessThan(200 * MB);
    expect(r.ownCpuUs).toBeLessThan(1_000_000);
  });

  it('issue 8 §3: $IF=$IF on 1000 lines is one diagnostic per line, < 200 MB, < 1 s of CPU', () => {
    const f = file('if-if.conf', ISSUE8_IF_IF);
    const r = measure(f);
    expect(r.code).toBe(CONFIG_TEST_EXIT.CONFIG);
    expect(r.output).toContain(`${f}:2:1: error: parameter substitution does not terminate`);
    expect(r.maxRssKb).toBeLessThan(200 * MB);
    expect(r.ownCpuUs).toBeLessThan(1_000_000);
  });

  it('issue 14 §3: the million-line nested ~SEQ stops at the line limit with a diagnostic at file:1, exit 5, < 200 MB', () => {
    const f = file('nested-seq.conf', ISSUE14_NESTED_SEQ);
    const r = measure(f);
    expect(r.code).toBe(CONFIG_TEST_EXIT.CONFIG);
    expect(r.output).toContain(`${f}:1:1: error: ~SEQ/~LST/multi-line definitions expand to more than ${MAX_GENERATED_LINES} lines; the rest of the expansion is dropped [expansion-too-large]`);
    expect(r.maxRssKb).toBeLessThan(200 * MB);
  });
});
