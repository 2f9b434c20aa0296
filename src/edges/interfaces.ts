// The host's network interface names, read from /sys/class/net (keepalived checks configured interfaces
// against the kernel's list at `-t` time; reference §1.8, `Non-existent interface specified`).

import { readdirSync } from 'node:fs';

/** Where the kernel lists interfaces of the current network namespace. */
export const SYS_CLASS_NET = '/sys/class/net';

/**
 * Names of the network interfaces visible in this process's network namespace, sorted.
 * Returns an empty list (not an error) when `dir` cannot be read, e.g. in a container without sysfs:
 * the caller then treats every interface as non-existent, as keepalived would with no links.
 * Does not check whether the links are up.
 */
export function listHostInterfaces(dir: string = SYS_CLASS_NET): string[] {
  try {
    return readdirSync(dir).filter((name) => !name.startsWith('.')).sort();
  } catch {
    return [];
  }
}
