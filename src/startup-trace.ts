// Start-up timestamps for measuring (issue 12 §2): with HAVIPD_STARTUP_TRACE=1 in the environment, `mark(label)`
// writes "startup-trace <ms since the process started> <label>" to stderr; without it, it does nothing. Only the
// shell calls it (bin/havipd, the CLI, the service); the pure core is measured with `node --cpu-prof`.

import { writeSync } from 'node:fs';

const on = process.env.HAVIPD_STARTUP_TRACE === '1';

/** Writes one timestamped line to stderr when HAVIPD_STARTUP_TRACE=1. */
export function mark(label: string): void {
  if (on) writeSync(2, `startup-trace ${performance.now().toFixed(1)} ${label}\n`);
}
