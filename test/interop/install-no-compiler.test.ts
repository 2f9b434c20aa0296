// Issue 12 §1: the packed havipd installs and runs on a machine without python3, make or a C compiler.
// `npm pack` (prepack builds the linux-x64 and linux-arm64 prebuilds), then inside a private mount and
// network namespace (`unshare -mn`) where every python3, make, cc/gcc/g++/c++ and cross compiler is masked
// by /dev/null: `npm install -g --offline` of the tarball (its dependencies are bundled in it: nothing is
// fetched), `havipd --version`, `havipd -t`, the addon loaded by the installed package (the prebuilt binary),
// its install step finding nothing to build, and the daemon reaching a state on raw sockets.
// Bad input: a prebuilt binary for another CPU is reported in one line naming it and how to build one (the
// install step and the daemon), `-t` still works without the addon, and a local build (build/Release) is
// used instead when there is one.
//
// Needs root (unshare, mount), npm, the cross compiler for the arm64 prebuild (gcc-aarch64-linux-gnu,
// libc6-dev-arm64-cross: .ci/run installs them) and the dev tree's build/Release (the local-build fallback).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const isRoot = process.getuid?.() === 0;

/** The masking prologue: a private mount tree, and /dev/null over every build tool in PATH and the usual dirs. */
const MASK = String.raw`
set -u
mount --make-rprivate /
# This network namespace's interfaces in /sys/class/net (havipd reads them there), as ip netns exec does.
mount -t sysfs sysfs /sys
for d in $(echo "$PATH" | tr : " ") /usr/bin /bin /usr/local/bin /usr/sbin; do
  cd "$d" 2>/dev/null || continue
  for f in python3* python make gmake cc c++ gcc g++ gcc-[0-9]* g++-[0-9]* cpp cpp-[0-9]* *-linux-gnu-gcc* *-linux-gnu-g++* *-linux-gnu-cpp* clang* tcc; do
    [ -e "$f" ] && mount --bind /dev/null "$d/$f"
  done
done
cd /
for t in python3 make cc c++ gcc g++; do
  if "$t" --version >/dev/null 2>&1; then echo "MASK-FAILED $t still runs" >&2; exit 97; fi
done
ip link set lo up
`;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One bash script in a fresh mount + network namespace with the build tools masked (bounded: 180 s). */
function masked(script: string, env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync('unshare', ['-mn', '--', 'bash', '-c', `${MASK}\n${script}`], {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const CONF = `global_defs {
    router_id PACKED
}
vrrp_instance VI_1 {
    state BACKUP
    interface d0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.10/24
    }
}
`;

describe.skipIf(!isRoot)('compiler-free install of the packed tarball (issue 12 §1)', () => {
  let dir: string;
  let tgz: string;
  let prefix: string;
  let pkg: string;
  let installOut: Run;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'havipd-pack-'));
    writeFileSync(join(dir, 'keepalived.conf'), CONF);
    const pack = spawnSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' } });
    if (pack.status !== 0) throw new Error(`npm pack failed (${pack.status}):\n${pack.stderr.slice(-4000)}`);
    const name = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!name) throw new Error(`npm pack wrote no tarball in ${dir}`);
    tgz = join(dir, name);
    prefix = join(dir, 'prefix');
    pkg = join(prefix, 'lib', 'node_modules', 'havipd');
    // --offline: everything comes from the tarball (bundled dependencies); a fetch would fail the install.
    installOut = masked(`npm install -g --prefix "${prefix}" --offline --no-audit --no-fund "${tgz}"`, { npm_config_cache: join(dir, 'npm-cache') });
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the tarball holds both prebuilt binaries and the bundle', () => {
    const list = spawnSync('tar', ['tzf', tgz], { encoding: 'utf8' }).stdout.split('\n');
    for (const f of ['package/prebuilds/linux-x64/havipd.glibc.node', 'package/prebuilds/linux-arm64/havipd.glibc.node', 'package/dist/bundle/havipd.js', 'package/dist/cli/boot.js', 'package/bin/havipd', 'package/bin/havipd.sh']) {
      expect(list, f).toContain(f);
    }
    // The packing tree keeps no prebuilds (postpack): they live in the tarball only.
    expect(existsSync(join(ROOT, 'prebuilds'))).toBe(false);
  });

  it('installs offline with no python3, make or compiler, and builds nothing', () => {
    expect(installOut.code, installOut.stderr).toBe(0);
    expect(existsSync(join(pkg, 'bin', 'havipd'))).toBe(true);
    // The command npm linked is the launcher (bin/havipd.sh), which execs Node on bin/havipd.
    expect(realpathSync(join(prefix, 'bin', 'havipd'))).toBe(join(realpathSync(pkg), 'bin', 'havipd.sh'));
    expect(existsSync(join(pkg, 'build'))).toBe(false);
    // The install step itself (npm 11 skips it unless allowed): the prebuilt binary loads, so nothing is built.
    const step = masked(`cd "${pkg}" && node tools/install-native.mjs`);
    expect(step.code, step.stderr).toBe(0);
    expect(step.stderr).toBe('');
    expect(existsSync(join(pkg, 'build'))).toBe(false);
  });

  it('runs --version, -t, loads the prebuilt addon and reaches a state on raw sockets', () => {
    const r = masked(String.raw`
      export PATH="${prefix}/bin:$PATH"
      havipd --version || exit 11
      ip link add d0 type veth peer name d1 && ip link set d1 up && ip link set d0 up && ip addr add 192.0.2.1/24 dev d0
      havipd -t -f "${dir}/keepalived.conf" || exit 12
      node --input-type=module -e "
        const m = await import('${pkg}/dist/native/index.js');
        const a = m.loadNative();
        console.log('addon', m.nativePath, a.ifIndex('lo'));
      " || exit 13
      havipd -f "${dir}/keepalived.conf" -l --log-format pretty --no-control-socket --state-dir "${dir}/state" > "${dir}/daemon.log" 2>&1 &
      pid=$!
      for i in $(seq 1 150); do grep -qi 'entering' "${dir}/daemon.log" && break; sleep 0.1; done
      kill -TERM $pid; wait $pid
      echo "daemon exit $?"
      cat "${dir}/daemon.log"
    `);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const version = (JSON.parse(spawnSync('cat', [join(ROOT, 'package.json')], { encoding: 'utf8' }).stdout) as { version: string }).version;
    expect(r.stdout.split('\n')[0]).toBe(version);
    expect(r.stderr).toContain('configuration OK');
    expect(r.stdout).toContain(`addon ${pkg}/prebuilds/linux-x64/havipd.glibc.node 1`);
    expect(r.stdout).toMatch(/\(VI_1\) Entering (BACKUP|MASTER) STATE/);
    expect(r.stdout).toContain('daemon exit 0');
  });

  it('a prebuilt binary for another CPU: one line naming it and how to build, -t still works, a local build is used instead', () => {
    const x64 = join(pkg, 'prebuilds', 'linux-x64', 'havipd.glibc.node');
    const arm = join(pkg, 'prebuilds', 'linux-arm64', 'havipd.glibc.node');
    expect(spawnSync('cp', [arm, x64]).status).toBe(0);
    const step = masked(`cd "${pkg}" && node tools/install-native.mjs`);
    expect(step.code).toBe(1);
    expect(step.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(step.stderr).toContain('prebuilds/linux-x64/havipd.glibc.node');
    expect(step.stderr).toContain('python3');
    expect(existsSync(join(pkg, 'build'))).toBe(false);

    const run = masked(String.raw`
      export PATH="${prefix}/bin:$PATH"
      ip link add d0 type veth peer name d1 && ip link set d1 up && ip link set d0 up
      havipd -t -f "${dir}/keepalived.conf"; echo "t exit $?"
      timeout 60 havipd -f "${dir}/keepalived.conf" --no-control-socket --state-dir "${dir}/state" 2> "${dir}/fail.err" > /dev/null; echo "daemon exit $?"
      cat "${dir}/fail.err"
    `);
    expect(run.stdout).toContain('t exit 0');
    expect(run.stdout).toMatch(/daemon exit [1-9]/);
    const err = run.stdout.slice(run.stdout.indexOf('\n', run.stdout.indexOf('daemon exit')) + 1).trimEnd();
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toContain('prebuilds/linux-x64/havipd.glibc.node');
    expect(err).toContain('HAVIPD_NATIVE_MISSING');
    expect(err).toContain('npm run build:native');
    expect(err).not.toMatch(/\n\s+at /);

    // A local build (here the dev tree's, as node-gyp would leave it) is tried first and loads.
    const local = join(ROOT, 'build', 'Release', 'havipd_native.node');
    expect(existsSync(local), `${local} (npm run build:native)`).toBe(true);
    spawnSync('mkdir', ['-p', join(pkg, 'build', 'Release')]);
    expect(spawnSync('cp', [local, join(pkg, 'build', 'Release', 'havipd_native.node')]).status).toBe(0);
    const fallback = masked(String.raw`
      node --input-type=module -e "
        const m = await import('${pkg}/dist/native/index.js');
        const a = m.loadNative();
        console.log('addon', m.nativePath, a.ifIndex('lo'));
      "
    `);
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stdout).toContain(`addon ${pkg}/build/Release/havipd_native.node 1`);
  });
});
