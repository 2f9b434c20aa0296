// Launcher of `npm run fuzz` (node --expose-gc test/fuzz/run.mjs ARGS): transpiles the fuzzer and the
// sources it imports into a scratch tree (test/support/transpile-tree.mjs), so worker threads can load
// plain JS, then runs driver.ts.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, transpileTree } from '../support/transpile-tree.mjs';

const dir = transpileTree(['test/fuzz/driver.ts', 'test/fuzz/worker.ts', 'test/fuzz/engine.ts'], { name: 'fuzz', keepEnv: 'HAVIPD_FUZZ_KEEP' });
process.env.HAVIPD_FUZZ_ROOT = ROOT;
const { main } = await import(pathToFileURL(join(dir, 'test/fuzz/driver.js')).href);
process.exitCode = await main(process.argv.slice(2));
