// `npm run build` (after tsc): bundles the daemon into dist/bundle/havipd.js, one ESM file that bin/havipd
// loads, with esbuild. Parts only some configs or commands use (the client commands, SMTP, the track_file
// watcher, Prometheus metrics, the daemon itself for `-t`) are dynamic imports in the source, so esbuild
// splits them into dist/bundle/chunks/ and Node reads them only when they are used. Pure-JS dependencies are
// inlined; native ones (netlink, node-gyp-build) stay packages, loaded from node_modules.
//
// `node tools/bundle.mjs --analyze` prints what the entry file holds, biggest first.

import { build } from 'esbuild';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'bundle');
// Built beside and swapped in by rename: a havipd started meanwhile (tests on a shared tree) sees the old
// bundle or the new one, never half of one.
const NEXT = join(ROOT, 'dist', `.bundle-${process.pid}`);
const OLD = join(ROOT, 'dist', `.bundle-old-${process.pid}`);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

rmSync(NEXT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { havipd: 'src/cli/main.ts' },
  outdir: NEXT,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native packages find their .node files relative to their own directory: they stay in node_modules.
  external: ['netlink', 'node-gyp-build'],
  // Bundled CommonJS dependencies call require() for Node's built-ins; ESM has no require of its own.
  banner: { js: "import { createRequire as __havipdCreateRequire } from 'node:module'; const require = __havipdCreateRequire(import.meta.url);" },
  define: { 'process.env.HAVIPD_BUNDLED_VERSION': JSON.stringify(pkg.version) },
  legalComments: 'none',
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
});
try {
  renameSync(OUT, OLD);
} catch {
  // first build
}
renameSync(NEXT, OUT);
rmSync(OLD, { recursive: true, force: true });

if (process.argv.includes('--analyze')) {
  // What a run loads before any dynamic import: the entry and the chunks it imports statically.
  const outs = result.metafile.outputs;
  const eager = new Set();
  const visit = (f) => {
    if (eager.has(f)) return;
    eager.add(f);
    for (const i of outs[f].imports) if (i.kind === 'import-statement' && outs[i.path]) visit(i.path);
  };
  visit(Object.keys(outs).find((k) => outs[k].entryPoint === 'src/cli/main.ts'));
  const rows = [];
  for (const f of eager) for (const [name, v] of Object.entries(outs[f].inputs)) rows.push([v.bytesInOutput, name]);
  rows.sort((a, b) => b[0] - a[0]);
  const total = [...eager].reduce((n, f) => n + outs[f].bytes, 0);
  process.stdout.write(`loaded at start: ${eager.size} files, ${total} bytes\n`);
  for (const [b, n] of rows.slice(0, 30)) process.stdout.write(`${String(b).padStart(8)} ${n}\n`);
  for (const [name, o] of Object.entries(outs)) if (!eager.has(name)) process.stdout.write(`lazy ${name}: ${o.bytes} bytes\n`);
}
