// `npm run build` (after tsc): bundles the daemon into dist/bundle/havipd.js, one CommonJS file that bin/havipd
// compiles through src/cli/boot.ts with a V8 code cache (dist/bundle/cache/). Parts only some configs or
// commands use (the client commands, SMTP, the track_file watcher, Prometheus metrics, the daemon itself for
// `-t`) are dynamic imports in the source: esbuild turns them into lazily run module bodies, so their top-level
// code runs only when used, and the code cache spares parsing the rest. Pure-JS dependencies are inlined;
// node-gyp-build stays a package, and native addons load from node_modules (see netlinkInBundle). The last line carries the
// bundle's content hash, which names its code caches. Identifiers are minified (smaller to parse when there
// is no cache); havipd.js.map maps stack traces back to src/.
//
// Then the config-check code caches are made by running `havipd -t` on a generated config, once as
// `node bin/havipd` and once with bin/havipd's own V8 flags (its `#!` line): V8 keeps one cache per flag set.
//
// `node tools/bundle.mjs --analyze` prints what the bundle holds, biggest first.

import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'bundle');
// Built beside and swapped in by rename: a havipd started meanwhile (tests on a shared tree) sees the old
// bundle or the new one, never half of one.
const NEXT = join(ROOT, 'dist', `.bundle-${process.pid}`);
const OLD = join(ROOT, 'dist', `.bundle-old-${process.pid}`);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/**
 * netlink@0.3.0's JavaScript goes into the bundle (and so into its code cache): src/edges/netlink-module.ts's
 * `requireNetlink('netlink/dist/…')` calls become plain require() calls esbuild follows, and netlink's raw.js
 * loads its addon from netlink's own package directory instead of `__dirname + '/..'` (which would be
 * dist/bundle). The index fallback, `requireNetlink('netlink')`, stays a run-time require.
 */
const netlinkInBundle = {
  name: 'netlink-in-bundle',
  setup(b) {
    const edit = (filter, from, to) => b.onLoad({ filter }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!from.test(text)) throw new Error(`bundle: ${args.path} no longer has ${from}: update tools/bundle.mjs`);
      return { contents: text.replace(from, to), loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dirname(args.path) };
    });
    edit(/src[\\/]edges[\\/]netlink-module\.ts$/, /requireNetlink\(('netlink\/dist\/[a-z/]+')\)/g, 'require($1)');
    edit(/node_modules[\\/]netlink[\\/]dist[\\/]raw\.js$/, /require\('node-gyp-build'\)\(__dirname \+ '\/\.\.'\)/, "require('node-gyp-build')(require('node:path').dirname(require.resolve('netlink/package.json')))");
  },
};

/**
 * commander@14 requires node:child_process at the top of lib/command.js, for its executable subcommands only
 * (havipd has none): that require loads child_process, net and the streams stack, about 19 ms of every start.
 * In the bundle it becomes a getter that requires it on first use.
 */
const commanderLazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const from = "const childProcess = require('node:child_process');";
      if (!text.includes(from) || (text.match(/childProcess\./g) ?? []).length !== (text.match(/childProcess\.spawn\(/g) ?? []).length) {
        throw new Error(`bundle: ${args.path} no longer requires child_process as expected: update tools/bundle.mjs`);
      }
      const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      return { contents: text.replace(from, lazy), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * ip-address builds constant Address4/Address6 objects when it loads (about 2 ms of every start), and the
 * parser uses it only to check and spell IPv6 addresses (src/config-parser/keywords/items.ts). In the bundle
 * that import becomes a require on first use. (The pure source may not call require itself; lint forbids it.)
 */
const lazyIpAddress = {
  name: 'lazy-ip-address',
  setup(b) {
    b.onLoad({ filter: /src[\\/]config-parser[\\/]keywords[\\/]items\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const from = "import { Address6 } from 'ip-address';";
      const uses = (text.match(/\bAddress6\b/g) ?? []).length;
      const known = (text.match(/\bAddress6\.isValid\(/g) ?? []).length + (text.match(/\bnew Address6\(/g) ?? []).length;
      if (!text.includes(from) || uses !== known + 1) throw new Error(`bundle: ${args.path} uses Address6 in a way tools/bundle.mjs does not know: update it`);
      const lazy = "let ipAddressModule: typeof import('ip-address') | undefined;\n" +
        "const lazyAddress6 = (): typeof import('ip-address').Address6 => (ipAddressModule ??= require('ip-address') as typeof import('ip-address')).Address6;";
      const contents = text.replace(from, lazy).replace(/\bAddress6\.isValid\(/g, 'lazyAddress6().isValid(').replace(/\bnew Address6\(/g, 'new (lazyAddress6())(');
      return { contents, loader: 'ts', resolveDir: dirname(args.path) };
    });
  },
};

rmSync(NEXT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { havipd: 'src/cli/main.ts' },
  outdir: NEXT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // node-gyp-build finds .node files relative to the directory it is given: it stays in node_modules.
  external: ['node-gyp-build', 'netlink/package.json'],
  plugins: [netlinkInBundle, commanderLazyChildProcess, lazyIpAddress],
  // src/cli/boot.ts passes the bundle's file URL as __havipdImportMetaUrl (CommonJS has no import.meta).
  define: { 'import.meta.url': '__havipdImportMetaUrl', 'process.env.HAVIPD_BUNDLED_VERSION': JSON.stringify(pkg.version) },
  minify: true,
  // ASCII only (esbuild escapes the rest): src/cli/boot.ts reads the file as latin1, cheaper than UTF-8.
  charset: 'ascii',
  legalComments: 'none',
  sourcemap: 'linked',
  metafile: true,
  write: false,
  logLevel: 'warning',
});
mkdirSync(NEXT, { recursive: true });
for (const f of result.outputFiles) {
  if (f.path.endsWith('.js')) {
    const id = createHash('sha256').update(f.contents).digest('hex').slice(0, 16);
    // At the end, after the source map comment: no line moves.
    writeFileSync(f.path, Buffer.concat([f.contents, Buffer.from(`// havipd-bundle ${id}\n`)]));
  } else {
    writeFileSync(f.path, f.contents);
  }
}
try {
  renameSync(OUT, OLD);
} catch {
  // first build
}
renameSync(NEXT, OUT);
rmSync(OLD, { recursive: true, force: true });

// The config-check code caches (src/cli/boot.ts writes one when a run finds none for its kind and flags).
{
  const dir = mkdtempSync(join(tmpdir(), 'havipd-bundle-'));
  try {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, (await import('../bench/config.mjs')).generateConfig(16));
    const bin = join(ROOT, 'bin', 'havipd');
    const shebang = /^#!.*?\bnode\b(.*)$/m.exec(readFileSync(bin, 'utf8').split('\n')[0] ?? '')?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
    const flagSets = [[], ...(shebang.length > 0 ? [shebang] : [])];
    for (const flags of flagSets) {
      const r = spawnSync(process.execPath, [...flags, bin, '-t', '-f', conf], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HAVIPD_CODE_CACHE: '', HAVIPD_STARTUP_TRACE: '' } });
      if (r.status === null || r.status > 6) process.stderr.write(`bundle: warm-up run (node ${flags.join(' ')}) failed: ${r.error?.message ?? r.stderr.slice(-500)}\n`);
    }
    const made = (() => {
      try {
        return readdirSync(join(OUT, 'cache')).length;
      } catch {
        return 0;
      }
    })();
    if (made < flagSets.length) process.stderr.write(`bundle: ${made} of ${flagSets.length} code caches made (runs will write their own)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--analyze')) {
  // What the bundle holds, biggest first (all of it is in one file; lazily imported parts run only when used).
  const [name, out] = Object.entries(result.metafile.outputs).find(([k]) => k.endsWith('.js'));
  const rows = Object.entries(out.inputs).map(([n, v]) => [v.bytesInOutput, n]).sort((a, b) => b[0] - a[0]);
  process.stdout.write(`${name}: ${out.bytes} bytes\n`);
  for (const [b, n] of rows.slice(0, 40)) process.stdout.write(`${String(b).padStart(8)} ${n}\n`);
}
