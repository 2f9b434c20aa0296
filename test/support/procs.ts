// Processes seen through /proc, for interop tests that check what a daemon left running.
import { readdirSync, readFileSync } from 'node:fs';

/** Live (non-zombie) processes whose command line (arguments joined by spaces) contains `needle`. */
export function liveProcessesWith(needle: string): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(needle)) n++;
    } catch {
      /* gone */
    }
  }
  return n;
}
