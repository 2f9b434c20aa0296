// VRRP timer arithmetic (RFC 3768 §6.1, RFC 5798 §6.1): Skew_Time and Master_Down_Interval in integer
// microseconds, computed exactly as keepalived 2.2.7 computes them (`VRRP_TIMER_SKEW_CALC`,
// `VRRP_MS_DOWN_TIMER` in keepalived/include/vrrp.h), so our timers match its timers to the microsecond.

import type { VrrpVersion } from '../config-parser/types.js';
import { micros, type Micros } from '../net/units.js';

const TIMER_HZ = 1_000_000;
const TIMER_CENTI_HZ = 10_000;

/**
 * keepalived's `VRRP_TIMER_SKEW_CALC(svr, priVal)`.
 * - v2: `priVal × 1 s / 256` (RFC 3768 §6.1: independent of the advertisement interval);
 * - v3: `priVal × Master_Adver_Interval / 256` with the interval first truncated to centiseconds and the
 *   division `× 625 / 16` done in integers (keepalived's overflow-avoiding form; 625/16 = 10000/256).
 * All divisions truncate, as C unsigned arithmetic does.
 */
function skewCalc(version: VrrpVersion, priVal: number, masterAdverInterval: Micros): Micros {
  if (version === 3) {
    const cs = Math.floor(masterAdverInterval / TIMER_CENTI_HZ);
    return micros(Math.floor((priVal * cs * 625) / 16));
  }
  return micros(Math.floor((priVal * TIMER_HZ) / 256));
}

/**
 * Skew_Time (RFC 5798 §6.1: `((256 - priority) * Master_Adver_Interval) / 256`; RFC 3768 §6.1:
 * `(256 - Priority) / 256` seconds). `priority` is the effective priority (255 for an owner).
 * Does not check the priority range.
 */
export function skewTime(version: VrrpVersion, priority: number, masterAdverInterval: Micros): Micros {
  return skewCalc(version, 256 - priority, masterAdverInterval);
}

/** keepalived's `VRRP_TIMER_SKEW_MIN`: the skew of priority 255 (used by a sync-group member that wants MASTER). */
export function skewTimeMin(version: VrrpVersion, masterAdverInterval: Micros): Micros {
  return skewCalc(version, 1, masterAdverInterval);
}

/**
 * Master_Down_Interval (RFC 5798 §6.1: `(3 * Master_Adver_Interval) + Skew_Time`), with keepalived's
 * `down_timer_adverts` in place of the 3. In v2 Master_Adver_Interval is the instance's own advert_int.
 */
export function masterDownInterval(
  version: VrrpVersion,
  priority: number,
  masterAdverInterval: Micros,
  downTimerAdverts = 3,
): Micros {
  return micros(downTimerAdverts * masterAdverInterval + skewTime(version, priority, masterAdverInterval));
}

/**
 * A running BACKUP down timer when the effective priority changes (keepalived
 * `vrrp_set_effective_priority()`): the expiry moves by the difference of the two down intervals, i.e. by
 * the difference of the skew times. Returns the new expiry.
 */
export function shiftDownTimer(deadline: Micros, oldInterval: Micros, newInterval: Micros): Micros {
  return micros(deadline + (newInterval - oldInterval));
}
