// Launcher of `npm run chaos` (node test/chaos/run.mjs ARGS): transpiles the soak and the test support it
// imports (TypeScript transpileModule, no type check: tsc and vitest check types) into a scratch tree under
// node_modules/.cache, with bin/, dist/ and build/ linked in (the harness starts bin/havipd relative to
// itself), then runs main.ts. Needs `npm run build` first.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRIES = ['test/chaos/main.ts'];
const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

const cache = join(ROOT, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'hv-chaos-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
if (!process.env.HAVIPD_CHAOS_KEEP) process.on('exit', cleanup);
else process.stderr.write(`chaos tree: ${dir}\n`);
writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
const seen = new Set();
const todo = ENTRIES.map((e) => join(ROOT, e));
while (todo.length > 0) {
  const file = todo.pop();
  if (seen.has(file)) continue;
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  const js = ts.transpileModule(src, { fileName: file, compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
  const out = join(dir, relative(ROOT, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, js);
  for (const m of src.matchAll(IMPORT_RE)) todo.push(resolve(dirname(file), m[1] ?? m[2] ?? m[3]).replace(/\.js$/, '.ts'));
}
for (const d of ['bin', 'dist', 'build']) symlinkSync(join(ROOT, d), join(dir, d));
process.env.HAVIPD_FUZZ_ROOT = ROOT;
const { main } = await import(pathToFileURL(join(dir, 'test/chaos/main.js')).href);
process.exitCode = await main(process.argv.slice(2));
