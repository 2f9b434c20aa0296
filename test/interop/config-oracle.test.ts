// Oracle test for `havipd -t`: on every keepalived sample config (shared corpus, read in place) and every
// fixture in test/fixtures/configs, havipd's exit code must equal the real keepalived 2.2.7's
// (reference §4.2, §6). Both run inside a network namespace holding the interfaces the configs name, so
// keepalived's interface check sees the same links as havipd's /sys/class/net.
//
// Needs root (ip netns) and a built dist/ (`npx tsc -p tsconfig.json`). Skips only when keepalived is
// absent and CI is unset; under CI it fails instead.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/havipd');
const KEEPALIVED = process.env.KEEPALIVED ?? '/usr/sbin/keepalived';
const CORPUS = resolve(ROOT, '../shared/corpus/keepalived-samples');
const FIXTURES = join(ROOT, 'test/fixtures/configs');
const NS = `hv-p3-oracle-${process.pid}`;
/** The interfaces the corpus and the fixtures name (eth0.1 as a plain veth: no 8021q module here). */
const LINKS = ['eth0', 'eth1', 'eth2', 'eth3', 'eth0.1'];

const haveKeepalived = existsSync(KEEPALIVED);
if (!haveKeepalived && process.env.CI) {
  throw new Error(`config oracle: ${KEEPALIVED} is missing and CI is set: install keepalived 2.2.7`);
}

interface Case {
  /** Test title. */
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  readonly args: readonly string[];
  /** Exit code recorded by record.sh, when there is a recording. */
  readonly recorded?: number;
}

function corpusCases(): Case[] {
  if (!existsSync(CORPUS)) throw new Error(`config oracle: corpus not found at ${CORPUS}`);
  const cases: Case[] = [];
  for (const file of readdirSync(CORPUS).sort()) {
    if (file.endsWith('.sh')) continue;
    cases.push({ name: `corpus/${file}`, dir: CORPUS, file, args: [] });
    // conditional_conf has `@high` / `@low` lines: check both ids as well as the default (host name).
    if (file === 'keepalived.conf.conditional_conf') {
      for (const id of ['high', 'low']) cases.push({ name: `corpus/${file} -i ${id}`, dir: CORPUS, file, args: ['-i', id] });
    }
  }
  return cases;
}

function fixtureCases(): Case[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(FIXTURES, file), 'latin1');
      const args = /^# havipd-test-args: *(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
      const rec = join(FIXTURES, file.replace(/\.conf$/, '.keepalived.txt'));
      const recorded = existsSync(rec) ? Number(/^# exit: (\d+)$/m.exec(readFileSync(rec, 'utf8'))?.[1]) : undefined;
      return { name: `fixtures/${file}`, dir: FIXTURES, file, args, ...(recorded !== undefined ? { recorded } : {}) };
    });
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}

interface Outcome {
  code: number | null;
  stderr: string;
}

function inNs(cwd: string, cmd: string, args: readonly string[]): Outcome {
  const r = spawnSync('ip', ['netns', 'exec', NS, cmd, ...args], { cwd, encoding: 'latin1', timeout: 30_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) return { code: null, stderr: `${r.error.message}\n${r.stderr}` };
  return { code: r.status, stderr: r.stderr };
}

function runKeepalived(c: Case): Outcome {
  // -t neither forks nor writes pid files, but private pid paths keep it clear of any running instance.
  const pid = (n: string): string => `/tmp/${NS}-${n}.pid`;
  return inNs(c.dir, KEEPALIVED, ['-t', '-f', c.file, ...c.args, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('check'), '-b', pid('bfd')]);
}

function runHavipd(c: Case): Outcome {
  return inNs(c.dir, process.execPath, [BIN, '-t', '-f', c.file, ...c.args]);
}

const results: { name: string; keepalived: number | null; havipd: number | null }[] = [];

describe.skipIf(!haveKeepalived)('havipd -t agrees with keepalived 2.2.7 -t', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` first');
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    LINKS.forEach((l, i) => {
      sh('ip', ['-n', NS, 'link', 'add', l, 'type', 'veth', 'peer', 'name', `peer${i}`]);
      sh('ip', ['-n', NS, 'link', 'set', l, 'up']);
    });
  });

  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
    if (results.length > 0) {
      const agree = results.filter((r) => r.keepalived === r.havipd).length;
      const lines = results.map((r) => `${r.keepalived === r.havipd ? 'agree   ' : 'DISAGREE'} keepalived=${r.keepalived} havipd=${r.havipd}  ${r.name}`);
      process.stdout.write(`\nconfig oracle: ${agree}/${results.length} agree\n${lines.join('\n')}\n`);
    }
  });

  const cases = [...corpusCases(), ...fixtureCases()];

  it('has the corpus and the fixtures', () => {
    expect(cases.filter((c) => c.name.startsWith('corpus/')).length).toBeGreaterThanOrEqual(25);
    expect(cases.filter((c) => c.name.startsWith('fixtures/')).length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const ka = runKeepalived(c);
    const hv = runHavipd(c);
    results.push({ name: c.name, keepalived: ka.code, havipd: hv.code });
    expect(ka.code, `keepalived timed out or failed to run: ${ka.stderr.slice(0, 500)}`).not.toBeNull();
    if (c.recorded !== undefined) {
      expect(ka.code, `keepalived's live exit code differs from ${basename(c.file, '.conf')}.keepalived.txt: re-run record.sh`).toBe(c.recorded);
    }
    expect(hv.stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
    expect(hv.code, `havipd -t ${c.args.join(' ')} ${c.file}\n--- havipd stderr ---\n${hv.stderr.slice(0, 3000)}\n--- keepalived stderr ---\n${ka.stderr.slice(0, 3000)}`).toBe(ka.code);
  });
});
