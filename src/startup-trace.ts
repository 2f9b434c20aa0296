// Start-up timestamps for measuring (issue 12 §2): with HAVIPD_STARTUP_TRACE=1 in the environment, `mark(label)`
// writes "startup-trace <ms since the process started> <label>" to stderr; without it, it does nothing. Only the
// shell calls it (bin/havipd, the CLI, the service); the pure core is measured with `node --cpu-prof`.

// No import of node:fs: as an ES module (dist/startup-trace.js, which src/cli/boot.ts loads) that would build
// node:fs's ESM facade, whose fs.ReadStream getter loads the streams stack (about 9 ms); see src/cli/boot.ts.

const on = process.env.HAVIPD_STARTUP_TRACE === '1';

/** Writes one timestamped line to stderr when HAVIPD_STARTUP_TRACE=1. */
export function mark(label: string): void {
  if (!on) return;
  const line = `startup-trace ${performance.now().toFixed(1)} ${label}\n`;
  // process.getBuiltinModule exists from Node 20.16; before it, process.stderr (synchronous on Linux too).
  if (typeof process.getBuiltinModule === 'function') process.getBuiltinModule('node:fs').writeSync(2, line);
  else process.stderr.write(line);
}
