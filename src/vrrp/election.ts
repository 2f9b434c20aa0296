// Election decisions of RFC 5798 §6.4.2 / §6.4.3 (RFC 3768 §6.4.2 / §6.4.3) as keepalived 2.2.7 takes
// them (`vrrp_state_backup()`, `vrrp_state_master_rx()`, `vrrp_saddr_cmp()`): pure comparisons, no state.

import type { Micros } from '../net/units.js';

/**
 * Parses an IPv4 or IPv6 address in text form into its bytes (4 or 16), or `undefined` when the text is
 * not an address. Accepts `::` compression and an embedded dotted quad; ignores a `%zone` suffix.
 */
export function addressBytes(text: string): Uint8Array | undefined {
  const t = text.split('%')[0] ?? '';
  if (!t.includes(':')) return ipv4Bytes(t);
  let head = t;
  let v4tail: Uint8Array | undefined;
  const lastColon = t.lastIndexOf(':');
  if (t.slice(lastColon + 1).includes('.')) {
    v4tail = ipv4Bytes(t.slice(lastColon + 1));
    if (!v4tail) return undefined;
    head = t.slice(0, lastColon + 1) + '0:0';
  }
  const parts = head.split('::');
  if (parts.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(parts[0] ?? '');
  const right = parts.length === 2 ? parseGroups(parts[1] ?? '') : [];
  if (!left || !right) return undefined;
  const fill = 8 - left.length - right.length;
  if (parts.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...left, ...new Array<number>(parts.length === 2 ? fill : 0).fill(0), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4tail) out.set(v4tail, 12);
  return out;
}

function ipv4Bytes(t: string): Uint8Array | undefined {
  const parts = t.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/**
 * Compares two addresses numerically as unsigned big-endian integers (RFC 5798 §6.4.3: "the primary IPv4
 * address of the sender is greater than the local primary IPv4 address" — keepalived `inet_inaddrcmp`).
 * Returns -1, 0 or 1. Addresses of different families, or unparsable ones, compare equal (keepalived's
 * `vrrp_saddr_cmp()` returns 0 on a family mismatch).
 */
export function compareAddresses(a: string, b: string): -1 | 0 | 1 {
  const x = addressBytes(a);
  const y = addressBytes(b);
  if (!x || !y || x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * MASTER side (RFC 5798 §6.4.3): does the sender of a valid advert win over us? True when its priority is
 * greater than ours, or equal and its address is greater (`addrCmp` = compare(sender, ours) > 0).
 * Priority 0 never wins (it is handled before this is asked).
 */
export function peerWins(advertPriority: number, ourPriority: number, addrCmp: number): boolean {
  if (advertPriority === 0) return false;
  return advertPriority > ourPriority || (advertPriority === ourPriority && addrCmp > 0);
}

/**
 * MASTER side: does a valid advert lose to us (`vrrp_state_master_rx()`'s "lower priority" branch)? True when
 * its priority is below ours, or equal and its address is lower. Equal priority and equal address is
 * neither a win nor a loss (keepalived warns and stays MASTER).
 */
export function peerLoses(advertPriority: number, ourPriority: number, addrCmp: number): boolean {
  return advertPriority < ourPriority || (advertPriority === ourPriority && addrCmp < 0);
}

export interface BackupAcceptInput {
  readonly advertPriority: number;
  readonly ourPriority: number;
  readonly nopreempt: boolean;
  /** `preempt_delay`; 0 = none. */
  readonly preemptDelay: Micros;
  /** When the running preempt delay ends; `undefined` = not started. */
  readonly preemptTime: Micros | undefined;
  readonly now: Micros;
}

/**
 * BACKUP side (RFC 5798 §6.4.2, keepalived `vrrp_state_backup()`), for a valid advert of priority > 0:
 * `accept` resets the down timer to Master_Down_Interval, `discard` leaves it running. Accepted when
 * `nopreempt` is set, or the advert's priority is ≥ ours (no address tie-break in BACKUP — keepalived-compat),
 * or a preempt delay is configured and has not yet run out (or not yet started).
 * Test: test/rfc/rfc5798-6.test.ts "RFC 5798 §6.4.2: equal priority is accepted in Backup (no address tie-break there)"; test/sim/testdata/election-v2-equal-priority-backup.txt.
 */
export function backupAccepts(i: BackupAcceptInput): 'accept' | 'discard' {
  if (i.nopreempt) return 'accept';
  if (i.advertPriority >= i.ourPriority) return 'accept';
  if (i.preemptDelay > 0 && (i.preemptTime === undefined || i.preemptTime > i.now)) return 'accept';
  return 'discard';
}
