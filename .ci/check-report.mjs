// Reads vitest's JSON reports (one per project run) and fails when an interop test was skipped under CI=true, or when the
// repository has interop tests and none of them ran. Prints the plain "N passed, N failed" line.
import { readFileSync, readdirSync, existsSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) { console.error('ci: no test report was written'); process.exit(1); }
const results = files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')).testResults ?? []);
let passed = 0, failed = 0, skipped = 0, interopRan = 0;
const interopSkipped = [];
for (const file of results) {
  const isInterop = /\/test\/interop\//.test(file.name);
  for (const t of file.assertionResults ?? []) {
    if (t.status === 'passed') { passed++; if (isInterop) interopRan++; }
    else if (t.status === 'failed') failed++;
    else { skipped++; if (isInterop) interopSkipped.push(`${file.name}: ${t.fullName}`); }
  }
}
const interopFiles = existsSync('test/interop') ? readdirSync('test/interop').filter((f) => f.endsWith('.test.ts')) : [];
let bad = failed > 0;
if (process.env.CI === 'true' && interopSkipped.length > 0) {
  console.error(`ci: ${interopSkipped.length} interop test(s) were skipped under CI=true:`);
  for (const s of interopSkipped) console.error(`  - ${s}`);
  bad = true;
}
if (process.env.CI === 'true' && interopFiles.length > 0 && interopRan === 0) {
  console.error('ci: the repository has interop tests but none ran');
  bad = true;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(bad ? 1 : 0);
