// bin/havipd.sh, the installed `havipd` command (issue 12 §2): `--version` without starting Node, and
// everything else handed to Node on bin/havipd with the V8 flags of bin/havipd's `#!` line, through any symlink
// (npm links the command into a bin directory), with the arguments, output and exit code unchanged.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LAUNCHER = join(ROOT, 'bin/havipd.sh');
const BIN = join(ROOT, 'bin/havipd');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The absolute path of a command on this machine's PATH. */
function which(cmd: string): string {
  const r = spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.stdout.trim();
}

const dir = mkdtempSync(join(tmpdir(), 'havipd-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/havipd.sh', () => {
  it('is the package\'s havipd command', () => {
    expect(pkg.bin.havipd).toBe('bin/havipd.sh');
  });

  it('passes Node the V8 flags of bin/havipd\'s #! line', () => {
    const shebang = readFileSync(BIN, 'utf8').split('\n')[0]!;
    const flags = /^#!\/usr\/bin\/env -S node (.*)$/.exec(shebang)?.[1];
    expect(flags).toMatch(/--max-opt=1/);
    const exec = readFileSync(LAUNCHER, 'utf8').split('\n').find((l) => l.startsWith('exec node '));
    expect(exec).toBe(`exec node ${flags} "$root/bin/havipd" "$@"`);
  });

  it('answers --version and -v from package.json without starting Node', () => {
    // A PATH with only the tools the launcher uses: a Node start would fail (127), so an answer came from it.
    const tools = join(dir, 'tools');
    mkdirSync(tools);
    for (const t of ['readlink', 'sed']) symlinkSync(which(t), join(tools, t));
    expect(run('/bin/sh', ['-c', 'command -v node || echo none'], { PATH: tools }).stdout.trim()).toBe('none');
    for (const flag of ['--version', '-v']) expect(run(LAUNCHER, [flag], { PATH: tools })).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    // Anything else needs Node: the shell's own error, not a silent success.
    expect(run(LAUNCHER, ['--version', 'x'], { PATH: tools }).code).toBe(127);
  });

  it('works through a symlink, as npm installs it, and gives the same answers as bin/havipd', () => {
    const link = join(dir, 'havipd');
    symlinkSync(LAUNCHER, link);
    expect(run(link, ['--version']).stdout).toBe(`${pkg.version}\n`);
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, 'vrrp_instance VI_1 {\n  state MASTER\n  virtual_router_id 300\n}\n');
    for (const args of [['-t', '-f', conf], ['--version', 'extra'], ['--no-such-flag']]) {
      const viaLauncher = run(link, args);
      const direct = run(process.execPath, [BIN, ...args]);
      expect(viaLauncher.code).toBe(direct.code);
      expect(viaLauncher.stdout).toBe(direct.stdout);
      expect(viaLauncher.stderr).toBe(direct.stderr);
    }
  });

  it('execs Node: the daemon keeps the pid the caller started, so signals and exit codes reach it', () => {
    const preload = join(dir, 'pid.cjs');
    writeFileSync(preload, 'process.stdout.write(`${process.pid} ${process.execArgv.join(" ")}\\n`); process.exit(7);\n');
    const r = spawnSync(LAUNCHER, ['-t'], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
    expect(r.status).toBe(7);
    expect(r.stdout).toBe(`${r.pid} --max-semi-space-size=1 --optimize-for-size --max-opt=1\n`);
  });
});
