// What this process may do on the network: CAP_NET_RAW (raw VRRP sockets, AF_PACKET GARP) and
// CAP_NET_ADMIN (adding and removing VIPs), read from the effective capability set.

import { readFileSync } from 'node:fs';

export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;

export interface NetCapabilities {
  readonly netRaw: boolean;
  readonly netAdmin: boolean;
}

/** Parses the `CapEff:` line of /proc/PID/status (hex bitmask). Pure; exported for tests. */
export function parseCapEff(status: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(status);
  return m ? BigInt('0x' + m[1]) : undefined;
}

export function hasCap(mask: bigint, cap: number): boolean {
  return ((mask >> BigInt(cap)) & 1n) === 1n;
}

/** The current process's network capabilities; root without a capability file counts as all. */
export function netCapabilities(statusText?: string): NetCapabilities {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      const root = process.getuid?.() === 0;
      return { netRaw: root, netAdmin: root };
    }
  }
  const mask = parseCapEff(text);
  if (mask === undefined) {
    const root = process.getuid?.() === 0;
    return { netRaw: root, netAdmin: root };
  }
  return { netRaw: hasCap(mask, CAP_NET_RAW), netAdmin: hasCap(mask, CAP_NET_ADMIN) };
}
