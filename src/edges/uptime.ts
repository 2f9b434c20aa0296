// The system uptime from /proc/uptime, for `vrrp_delay_after_boot` (keepalived reads the same file).

import { readFileSync } from 'node:fs';
import { micros, type Micros } from '../net/units.js';

/** Seconds since boot as µs, or undefined when /proc/uptime cannot be read or parsed. */
export function readUptime(path = '/proc/uptime'): Micros | undefined {
  try {
    const secs = Number.parseFloat(readFileSync(path, 'utf8'));
    return Number.isFinite(secs) && secs >= 0 ? micros(Math.round(secs * 1e6)) : undefined;
  } catch {
    return undefined;
  }
}
