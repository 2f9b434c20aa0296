// Launcher of `npm run chaos` (node test/chaos/run.mjs ARGS): transpiles the soak and the test support it
// imports into a scratch tree (test/support/transpile-tree.mjs), with bin/, dist/ and build/ linked in (the
// harness starts bin/havipd relative to itself), then runs main.ts. Needs `npm run build` first.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, transpileTree } from '../support/transpile-tree.mjs';

const dir = transpileTree(['test/chaos/main.ts'], { name: 'chaos', keepEnv: 'HAVIPD_CHAOS_KEEP' });
for (const d of ['bin', 'dist', 'build']) symlinkSync(join(ROOT, d), join(dir, d));
process.env.HAVIPD_FUZZ_ROOT = ROOT;
const { main } = await import(pathToFileURL(join(dir, 'test/chaos/main.js')).href);
process.exitCode = await main(process.argv.slice(2));
