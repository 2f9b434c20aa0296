// A process that was frozen (SIGSTOP, VM pause, host overload) and what its VRRP instances do when it
// runs again (issue 8 §2; keepalived 2.2.8+ `timer_expired_backup`, `vrrp_thread_timeout_handler()` in
// keepalived/vrrp/vrrp.c; RFC 3768 / RFC 5798 §6.4.2 Master_Down_Timer, §6.4.3 Adver_Timer). Pure: the
// shell measures how late its timer ran and passes it in the `tick` input; the decisions are here.

import type { VrrpVersion } from '../config-parser/types.js';
import { micros, type Micros } from '../net/units.js';

/**
 * A timer that ran this much (or more) after it should have is taken as a freeze of the process.
 *
 * Why 1 s:
 * - It must stay clear of ordinary event-loop lateness, or a busy host would delay real failovers by a
 *   Master_Down_Interval. Measured on the project's 2-core machine while about seven helpers built and
 *   ran tests (load average 6–7): 3 000 100-ms `setTimeout`s ran p50 2.4 ms, p99 49 ms and at worst
 *   213 ms late; a shorter, calmer sample: max 55 ms. 1 s is over four times the worst seen.
 * - The freezes in the field are longer: SIGSTOP, a paused VM, a GC pause or a steal-time spike of
 *   several seconds (issue 8 §2: 4–5 s). Shorter freezes are still safe whenever the socket holds the
 *   adverts, because the shell drains the sockets before every tick; this rule only adds protection when
 *   adverts were lost meanwhile (a paused VM's NIC drops them). Below 1 s (e.g. a 300 ms live-migration
 *   stop, QEMU's default `downtime-limit`) havipd behaves as keepalived does.
 * keepalived has no default (its "A thread timer expired" check needs `min_auto_priority_delay`).
 */
export const FREEZE_THRESHOLD: Micros = micros(1_000_000);

/** Whether a tick that ran `late` after its due time means the process was frozen. */
export function isFreeze(late: Micros): boolean {
  return late >= FREEZE_THRESHOLD;
}

/**
 * keepalived's log line for a late scheduler (lib/scheduler.c, `thread_fetch_next_queue()`):
 * `A thread timer expired S.UUUUUU seconds ago`.
 */
export function freezeMessage(late: Micros): string {
  return `A thread timer expired ${seconds6(late)} seconds ago`;
}

/**
 * keepalived 2.2.8+ `timer_expired_backup [HIGHEST_PRIORITY_OF_OTHER_INSTANCES]` (default 254): how long
 * after a MASTER's last advert another router with that priority may have taken over —
 * `3 × advert_int + (256 − highest) × 1 s / 256` (v2) or `… × advert_int / 256` (v3), in µs, computed as
 * keepalived's `vrrp_thread_timeout_handler()` does (integer division, v3 on the µs interval).
 */
export function takeoverDelay(version: VrrpVersion, advertInt: Micros, highestOtherPriority: number): Micros {
  const skew = version === 2 ? Math.floor(((256 - highestOtherPriority) * 1_000_000) / 256) : Math.floor(((256 - highestOtherPriority) * advertInt) / 256);
  return micros(3 * advertInt + skew);
}

/**
 * keepalived 2.2.8+ `quickest_takeover` (`vrrp_complete_init()`): `2 × advert_int + skew`, the shortest time
 * another router could take over from this MASTER. keepalived registers the smallest over all instances
 * with `timer_expired_backup` as the scheduler lateness from which it runs its MASTER check
 * (`register_thread_timeout_handler()`, lib/scheduler.c).
 */
export function quickestTakeover(version: VrrpVersion, advertInt: Micros, highestOtherPriority: number): Micros {
  return micros(takeoverDelay(version, advertInt, highestOtherPriority) - advertInt);
}

/**
 * keepalived 2.4.3's `vrrp_thread_timeout_handler()` line, logged once per late scheduler pass that
 * reverts at least one MASTER: `VRRP thread timer expired S.UUUUUU seconds ago`.
 */
export function timerExpiredBackupMessage(late: Micros): string {
  return `VRRP thread timer expired ${seconds6(late)} seconds ago`;
}

/** keepalived's `%u.%6.6u` of a µs count. */
function seconds6(late: Micros): string {
  const us = Math.max(0, Math.floor(late));
  return `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, '0')}`;
}

/** What a due instance does on a tick that came after a freeze. */
export type FreezeAction =
  /** Act on the timer as usual (a MASTER sends its advert; an owner BACKUP takes over). */
  | 'act'
  /** A BACKUP does not take over: it restarts its down timer from the wake-up and listens. */
  | 'listen'
  /** A MASTER reverts to BACKUP (`timer_expired_backup`): another router has probably taken over. */
  | 'backup';

export interface FreezeFacts {
  readonly state: 'BACKUP' | 'MASTER';
  /** Priority 255: it preempts whoever took over, so it has nothing to wait for. */
  readonly isOwner: boolean;
  readonly version: VrrpVersion;
  readonly advertInt: Micros;
  readonly nopreempt: boolean;
  /**
   * `timer_expired_backup`'s HIGHEST_PRIORITY_OF_OTHER_INSTANCES (1–254), or undefined when the keyword
   * is not configured. keepalived ignores the keyword without `nopreempt` ("requires nopreempt").
   */
  readonly highestOtherPriority: number | undefined;
  /** When this MASTER last sent an advert (keepalived `last_advert_sent`), if it has. */
  readonly lastAdvertSent: Micros | undefined;
  /** When the process ran again. */
  readonly wokeAt: Micros;
}

/**
 * The decision for one instance whose timer came due while the process was frozen (`isFreeze`).
 *
 * - BACKUP (not an owner): `listen`. Its down timer ran out while it could not read: the adverts that
 *   reached the socket meanwhile have been read before this tick (the shell drains first), but a paused
 *   VM's NIC loses them, so an expiry seen after a freeze is no evidence that the master is gone.
 *   havipd: keepalived (which reads the socket first, as havipd now does) takes over here; havipd
 *   listens one Master_Down_Interval from the wake-up first, as keepalived's own `timer_expired_backup`
 *   MASTER does after it reverts (its BACKUP state arms the same interval). The price: when the master
 *   really died during the freeze, the takeover comes one Master_Down_Interval later.
 * - MASTER: `backup` when `timer_expired_backup` is configured with `nopreempt` and the time another
 *   router needs to take over (`takeoverDelay`) has passed since our last advert (keepalived: "we will
 *   just revert to backup state rather than sending further adverts"); otherwise `act`.
 * - An owner BACKUP: `act`.
 */
export function freezeAction(f: FreezeFacts): FreezeAction {
  if (f.state === 'BACKUP') return f.isOwner ? 'act' : 'listen';
  if (f.highestOtherPriority === undefined || !f.nopreempt || f.lastAdvertSent === undefined) return 'act';
  return f.lastAdvertSent + takeoverDelay(f.version, f.advertInt, f.highestOtherPriority) <= f.wokeAt ? 'backup' : 'act';
}
