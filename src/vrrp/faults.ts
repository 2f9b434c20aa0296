// Why an instance is in FAULT (keepalived 2.2.7 `down_instance()` callers, reference §3.9–3.10): a closed
// union, one formatter for the text shown in snapshots, dumps ("Fault reasons = …") and log fields, and
// one for keepalived's "entering FAULT state" line of each kind. Not in the RFCs (RFC 5798 has no FAULT).

import type { Family } from '../config-parser/types.js';

/** Failures an edge of the runtime reports with a `fault` input (src/vrrp/edge-faults.ts `EDGE_FAULT`). */
export type EdgeFault = 'socket' | 'vip-add';

export type FaultReason =
  /** The primary interface, a VIP's or a route's interface, or a weight-0 `track_interface`, is down. */
  | { readonly kind: 'interface'; readonly ifname: string }
  /** A weight-0 `track_script` failed (or succeeded, with `reverse`). */
  | { readonly kind: 'script'; readonly name: string }
  /** A `track_file` put the instance in FAULT (weight 0, or status ≤ −254). */
  | { readonly kind: 'file'; readonly name: string }
  /** A weight-0 `track_process` lost its quorum (or holds it, with `reverse`). */
  | { readonly kind: 'process'; readonly name: string }
  /** No address of the instance's family on its interface to send from. */
  | { readonly kind: 'no-source-ip' }
  /** `unicast_fault_no_peer` with no unicast peer configured. */
  | { readonly kind: 'config-error' }
  /** An edge failed for this instance (its socket, adding its VIPs). */
  | { readonly kind: 'edge'; readonly edge: EdgeFault };

/** The display form (`interface eth0`, `script chk`, `file f`, `no-source-ip`, `config-error`, `socket`, `vip-add`); also the identity of a reason. */
export function formatFaultReason(f: FaultReason): string {
  switch (f.kind) {
    case 'interface':
      return `interface ${f.ifname}`;
    case 'script':
      return `script ${f.name}`;
    case 'file':
      return `file ${f.name}`;
    case 'process':
      return `process ${f.name}`;
    case 'no-source-ip':
    case 'config-error':
      return f.kind;
    case 'edge':
      return f.edge;
  }
}

/** Whether `list` holds a reason equal to `f`. */
export function hasFault(list: readonly FaultReason[], f: FaultReason): boolean {
  const k = formatFaultReason(f);
  return list.some((x) => formatFaultReason(x) === k);
}

/** keepalived's log line for an instance entering FAULT for `f`, each kind phrased as keepalived 2.2.7 phrases it. */
export function faultLogMessage(instance: string, family: Family, f: FaultReason): string {
  switch (f.kind) {
    case 'no-source-ip':
      return `(${instance}) entering FAULT state (no IPv${family} address for interface)`;
    case 'interface':
      return `(${instance}): entering FAULT state (interface ${f.ifname} down)`;
    case 'script':
      return `(${instance}): entering FAULT state due to script ${f.name}`;
    case 'file':
      return `(${instance}): entering FAULT state (tracked file ${f.name} has status -254)`;
    case 'process':
      return `(${instance}) entering FAULT state (tracked process ${f.name} quorum not achieved)`;
    case 'config-error':
    case 'edge':
      return `(${instance}) entering FAULT state (${formatFaultReason(f)})`;
  }
}
