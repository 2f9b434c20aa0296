// `npm pack` (prepack) / `npm run prebuild`: the prebuilt N-API binaries of the addon that go into the
// package, so `npm install` needs no python3, make or compiler: prebuilds/linux-x64/havipd.napi.glibc.node
// (the host's gcc) and prebuilds/linux-arm64/havipd.napi.glibc.node (Debian's cross compiler,
// `apt-get install gcc-aarch64-linux-gnu`), built by prebuildify from src/native/havipd_native.c and
// binding.gyp. N-API (binding.gyp's NAPI_VERSION) makes one binary serve Node 20, 22 and 24.
//
// The builds run in a scratch copy of binding.gyp and the C file, so the working tree's build/Release (the
// developer's own build) is never touched. Node's headers come from npm_config_nodedir (default /usr, where
// Debian's nodejs puts them); nothing is downloaded. `postpack` removes prebuilds/ again (tools/prebuild.mjs
// --clean): the binaries live in the tarball, never in git, so they cannot go stale beside the source.
//
// Env: HAVIPD_PREBUILD_ARCHS (default "x64 arm64"), AARCH64_CC (default aarch64-linux-gnu-gcc).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'prebuilds');

function fail(msg) {
  process.stderr.write(`prebuild: ${msg}\n`);
  process.exit(1);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** npm's own node-gyp (npm puts it on PATH only inside its scripts; outside them, find it next to npm). */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const onPath = which('node-gyp');
  if (onPath) return onPath;
  const npm = which('npm');
  if (npm) {
    const p = join(dirname(realpathSync(npm)), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(p)) return p;
  }
  return fail('node-gyp not found (it comes with npm)');
}

if (process.argv.includes('--clean')) {
  rmSync(OUT, { recursive: true, force: true });
  process.exit(0);
}

const archs = (process.env.HAVIPD_PREBUILD_ARCHS ?? 'x64 arm64').split(/\s+/).filter(Boolean);
const nodedir = process.env.npm_config_nodedir ?? '/usr';
if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) fail(`no Node headers in ${nodedir}/include/node (set npm_config_nodedir)`);
const gyp = nodeGyp();
const prebuildify = join(ROOT, 'node_modules', 'prebuildify', 'bin.js');
if (!existsSync(prebuildify)) fail('prebuildify is not installed (npm ci)');

const scratch = mkdtempSync(join(tmpdir(), 'havipd-prebuild-'));
try {
  mkdirSync(join(scratch, 'src', 'native'), { recursive: true });
  copyFileSync(join(ROOT, 'binding.gyp'), join(scratch, 'binding.gyp'));
  copyFileSync(join(ROOT, 'src', 'native', 'havipd_native.c'), join(scratch, 'src', 'native', 'havipd_native.c'));
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'havipd', private: true }));
  rmSync(OUT, { recursive: true, force: true });
  for (const arch of archs) {
    const env = { ...process.env, npm_config_nodedir: nodedir, PREBUILD_NODE_GYP: gyp };
    let strip = 'strip';
    if (arch !== process.arch) {
      if (arch !== 'arm64' || process.arch !== 'x64') fail(`no cross compiler configured for ${arch} on ${process.arch}`);
      const cc = process.env.AARCH64_CC ?? 'aarch64-linux-gnu-gcc';
      if (!which(cc)) fail(`${cc} not found: apt-get install gcc-aarch64-linux-gnu`);
      // The addon is C only: gcc compiles and links it (no C++ cross compiler needed).
      Object.assign(env, { CC: cc, CXX: cc, LINK: cc, AR: cc.replace(/gcc$/, 'ar') });
      strip = cc.replace(/gcc$/, 'strip');
    }
    const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', `--strip-bin=${strip}`, '--tag-libc', `--arch=${arch}`, '--target', process.versions.node, '--cwd', scratch, '--out', ROOT], { env, stdio: 'inherit' });
    if (r.status !== 0) fail(`prebuildify for linux-${arch} failed (exit ${r.status ?? r.signal})`);
  }
  for (const d of readdirSync(OUT)) for (const f of readdirSync(join(OUT, d))) process.stderr.write(`prebuild: prebuilds/${d}/${f}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
