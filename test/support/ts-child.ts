// Run project TypeScript in a child process (e.g. inside a namespace with `ns.spawn`): the vitest
// process cannot enter a network namespace, so code under test that must act *in* one runs in a child.
// `transpileForChild(entry)` follows the entry's relative imports, transpiles each file with the
// project's TypeScript (`transpileModule`, no type check: vitest and tsc check types) and writes them to
// a scratch tree under node_modules/.cache, so bare imports (`netlink`) resolve from the project.

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { onDestroyAll, onExitCleanup } from './netns.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Relative import specifiers of a module's source (`./x.js`, `../y.js`). Exported for unit tests. */
export function relativeImports(source: string): string[] {
  const out = new Set<string>();
  const re = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|import\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of source.matchAll(re)) out.add((m[1] ?? m[2] ?? m[3])!);
  return [...out];
}

export interface ChildBundle {
  /** Absolute path of the transpiled entry (.js), to run with `process.execPath`. */
  readonly entry: string;
  readonly dir: string;
  remove(): void;
}

/**
 * Transpile `entryTs` (absolute, or relative to the repo root) and everything it imports relatively.
 * The tree is readable by every user (for `setpriv --reuid=65534` runs) and removed by `destroyAll()`
 * or on exit.
 */
export function transpileForChild(entryTs: string): ChildBundle {
  const cacheRoot = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cacheRoot, { recursive: true });
  const dir = mkdtempSync(join(cacheRoot, 'hv-child-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const seen = new Set<string>();
  const todo = [resolve(ROOT, entryTs)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    const js = ts.transpileModule(src, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, sourceMap: false },
    }).outputText;
    const out = join(dir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true, mode: 0o755 });
    writeFileSync(out, js, { mode: 0o644 });
    for (const spec of relativeImports(src)) todo.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  const unExit = onExitCleanup(remove);
  const unDestroy = onDestroyAll(async () => remove());
  return {
    entry: join(dir, relative(ROOT, resolve(ROOT, entryTs))).replace(/\.ts$/, '.js'),
    dir,
    remove() {
      remove();
      unExit();
      unDestroy();
    },
  };
}
