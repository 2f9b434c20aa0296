// npm's "install" step for the addon. In a packed havipd (prebuilds/ present): when the prebuilt binary for
// this platform, CPU and C library loads, nothing is built and nothing else is needed (no python3, make or
// compiler). When it does not load (another libc, another CPU), or in a git checkout (no prebuilds/), the
// addon is built locally with node-gyp into build/Release, which the loader (src/native/index.ts) tries
// first. Without the tools for that: one line naming the binary tried and how to build it, and exit 1.
//
// npm 11 runs a dependency's install script only when allowed (`--allow-scripts=havipd`); without it this
// step is skipped and the loader picks the prebuilt binary at run time all the same.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function firstLine(err) {
  const m = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  return m.length > 200 ? `${m.slice(0, 200)}…` : m;
}

/** The tool runs (`--version`), not merely exists: a masked or broken one counts as missing. */
function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

let tried;
if (existsSync(join(ROOT, 'prebuilds')) && process.env.npm_config_build_from_source !== 'true') {
  // Only the prebuilt binaries: node-gyp-build reads PREBUILDS_ONLY when it is loaded.
  process.env.PREBUILDS_ONLY = '1';
  let path;
  try {
    path = require('node-gyp-build').path(ROOT);
    require(path);
    process.exit(0);
  } catch (err) {
    tried = path ? `${relative(ROOT, path)} (${firstLine(err)})` : `no prebuilt binary for ${process.platform}-${process.arch}`;
  }
}

const tools = [process.env.PYTHON ?? 'python3', 'make', process.env.CC ?? 'cc', process.env.CXX ?? 'c++'];
const missing = tools.filter((t) => !has(t));
if (missing.length > 0) {
  process.stderr.write(
    `havipd: ${tried ? `prebuilt addon ${tried} does not load here` : 'no prebuilt addon in this copy'}, and a local build needs ${missing.join(', ')}: install python3, make and gcc/g++, then run "npm run build:native" in ${ROOT}\n`,
  );
  process.exit(1);
}
if (tried) process.stderr.write(`havipd: prebuilt addon ${tried} does not load here: building it with node-gyp\n`);
// npm puts its own node-gyp on PATH (and in npm_config_node_gyp) while it runs this script.
const gyp = process.env.npm_config_node_gyp;
const r = gyp && existsSync(gyp)
  ? spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: ROOT, stdio: 'inherit' })
  : spawnSync('node-gyp', ['rebuild'], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
