// For the `npm run fuzz` and `npm run chaos` launchers: transpiles entry files and every relative module
// they import (TypeScript transpileModule, no type check: tsc and vitest check types) into a scratch tree
// under node_modules/.cache, so plain node (and worker threads) can load them. The tree is removed at exit
// unless `keepEnv` is set in the environment (then its path is printed).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Transpiles `entries` (paths relative to the repository) and what they import; returns the tree's directory. */
export function transpileTree(entries, { name, keepEnv }) {
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, `hv-${name}-`));
  if (!process.env[keepEnv]) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  else process.stderr.write(`${name} tree: ${dir}\n`);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const seen = new Set();
  const todo = entries.map((e) => join(ROOT, e));
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
  return dir;
}
