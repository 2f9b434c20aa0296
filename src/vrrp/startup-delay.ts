// keepalived 2.4.0 `vrrp_delay_after_boot` (core/global_parser.c vrrp_delay_after_boot_handler): a start-up delay
// counted from boot, so that a node that has just booted waits for its links and peers while a daemon restarted
// on a long-running node starts at once. Pure: the shell reads /proc/uptime and passes it in.

import type { DaemonConfig } from '../config-parser/types.js';
import { micros, type Micros } from '../net/units.js';

/**
 * The start-up delay to apply: the larger of `vrrp_startup_delay` and what remains of `vrrp_delay_after_boot`
 * after `uptime` (keepalived keeps the larger of the two, whichever keyword came first). An unknown uptime
 * leaves `vrrp_startup_delay` alone (keepalived warns "Unable to read /proc/uptime" and ignores the keyword).
 */
export function startupDelayAfterBoot(startupDelay: Micros, delayAfterBoot: Micros, uptime: Micros | undefined): Micros {
  if (uptime === undefined || delayAfterBoot <= uptime) return startupDelay;
  return micros(Math.max(startupDelay, delayAfterBoot - uptime));
}

/** `config` with `global.startupDelay` raised by `vrrp_delay_after_boot` for this `uptime` (same object when unchanged). */
export function applyDelayAfterBoot(config: DaemonConfig, uptime: Micros | undefined): DaemonConfig {
  const g = config.global;
  const d = startupDelayAfterBoot(g.startupDelay, g.delayAfterBoot ?? micros(0), uptime);
  return d === g.startupDelay ? config : { ...config, global: { ...g, startupDelay: d } };
}
