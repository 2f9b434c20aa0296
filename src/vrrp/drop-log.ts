// Rate-limited logging decision for dropped adverts (ARCHITECTURE.md §4.1, FD.io VPP named drops):
// one counter per DropReason, and "log this one?" at most once per interval per reason, with the
// number suppressed in between. Fixed-size state: a flood costs counters, not memory. Pure (time is
// an argument).

import type { DropReason } from './types.js';
import type { Micros } from '../net/units.js';

/** Every DropReason, in the order of the union (dispatcher first, then keepalived's checks). */
export const DROP_REASONS = [
  'too_short',
  'unknown_vrid',
  'instance_not_ready',
  'family_mismatch',
  'authtype_mismatch',
  'packet_len_err',
  'ip_ttl_err',
  'vers_err',
  'invalid_authtype',
  'auth_failure',
  'ah_unsupported',
  'advert_interval_mismatch',
  'invalid_type_rcvd',
  'advert_interval_invalid',
  'chk_err',
  'mcast_unicast_mismatch',
  'addr_list_err',
  'unicast_src_not_peer',
  'owner_ignore_adverts',
  'auth_ext_missing',
  'auth_ext_malformed',
  'auth_ext_unknown_key',
  'auth_ext_invalid_hmac',
  'auth_ext_stale',
  'auth_ext_replay',
] as const satisfies readonly DropReason[];

// Compile-time exhaustiveness: adding a DropReason without listing it above fails here.
type _Missing = Exclude<DropReason, (typeof DROP_REASONS)[number]>;
const _exhaustive: [_Missing] extends [never] ? true : _Missing = true;
void _exhaustive;

/** The decision for one drop. */
export interface DropLogDecision {
  readonly log: boolean;
  /** When `log`: how many drops of this reason were not logged since the last logged one. */
  readonly suppressed: number;
}

/**
 * Per-reason counters and a log rate limit. `record(reason, now)` counts the drop and says whether to
 * log it: the first drop of a reason is logged, then at most one per `intervalUs` (default 1 s —
 * keepalived 2.2.7 logs every bad packet, i.e. about one per advert interval; a flood is cut here).
 * `resetLogLimit()` makes the next drop of every reason loggable again (keepalived HEAD resets its
 * once-per-kind flags on MASTER entry/exit and on a new master, RFC 9568). Counters never reset.
 */
export class DropLog {
  private readonly counts = new Map<DropReason, number>();
  private readonly lastLogged = new Map<DropReason, number>();
  private readonly pending = new Map<DropReason, number>();

  constructor(private readonly intervalUs: number = 1_000_000) {}

  record(reason: DropReason, now: Micros): DropLogDecision {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    const last = this.lastLogged.get(reason);
    if (last === undefined || now - last >= this.intervalUs || now < last) {
      const suppressed = this.pending.get(reason) ?? 0;
      this.lastLogged.set(reason, now);
      this.pending.set(reason, 0);
      return { log: true, suppressed };
    }
    this.pending.set(reason, (this.pending.get(reason) ?? 0) + 1);
    return { log: false, suppressed: 0 };
  }

  count(reason: DropReason): number {
    return this.counts.get(reason) ?? 0;
  }

  /** All counters, every reason present (zeros included), in DROP_REASONS order. */
  snapshot(): Readonly<Record<DropReason, number>> {
    const out = {} as Record<DropReason, number>;
    for (const r of DROP_REASONS) out[r] = this.counts.get(r) ?? 0;
    return out;
  }

  resetLogLimit(): void {
    this.lastLogged.clear();
  }
}
