// The Supervisor's one timer (the earliest VRRP deadline of all instances). Node's setTimeout has
// millisecond resolution, counts from the loop's cached time and runs after the loop's other work,
// so a down timer fired ~1–5 ms late (issue 12 §4). The timerfd variant arms a CLOCK_MONOTONIC timerfd
// for the exact microsecond deadline and is polled by libuv like a socket: the loop wakes at the
// deadline (kernel hrtimer, ~50 µs timer slack) and the callback runs at once.

import { monotonicOrigin } from './clock.js';
import type { NativeAddon } from '../native/index.js';
import type { Micros } from '../net/units.js';

export interface DeadlineTimer {
  /** Fires within a fraction of a millisecond of its deadline (timerfd), so waking early and waiting the rest pays. */
  readonly precise?: boolean;
  /**
   * Waits on the CPU until `deadline` (at most 5 ms), allocating nothing (so no scavenge lands in the wait). Absent:
   * the caller waits in a loop on the clock.
   */
  readonly waitUntil?: (deadline: Micros) => void;
  /** Call `cb` once at `deadline` (the `systemClock.now()` scale), replacing any armed deadline. */
  arm(deadline: Micros, cb: () => void): void;
  /** Disarm (the callback of the armed deadline will not run). */
  cancel(): void;
  /** Release the timer; later `arm` calls are ignored. */
  close(): void;
}

/** A timerfd deadline timer (needs the native addon). `origin` maps clock micros to CLOCK_MONOTONIC ns. */
export function createTimerfdDeadlineTimer(native: NativeAddon, origin: bigint = monotonicOrigin): DeadlineTimer {
  let fd: number | undefined = native.openTimer();
  let cb: (() => void) | undefined;
  native.watch(fd, () => {
    if (fd === undefined) return;
    // Reading clears readability; 0 = a stale wake-up for a deadline since replaced or cancelled.
    if (native.readTimer(fd) === 0 || !cb) return;
    const run = cb;
    cb = undefined;
    run();
  });
  /** A deadline in CLOCK_MONOTONIC ns. */
  const toNs = (deadline: Micros): bigint => origin + BigInt(Math.max(0, Math.ceil(deadline))) * 1000n;
  const spin = native.spinUntil?.bind(native);
  return {
    precise: true,
    ...(spin ? { waitUntil: (deadline: Micros) => spin(toNs(deadline)) } : {}),
    arm(deadline, fn) {
      if (fd === undefined) return;
      cb = fn;
      // Never 0n (that disarms): a deadline at or before the origin fires at once.
      const ns = toNs(deadline);
      native.armTimer(fd, ns > 0n ? ns : 1n);
    },
    cancel() {
      cb = undefined;
      if (fd !== undefined) native.armTimer(fd, 0n);
    },
    close() {
      cb = undefined;
      if (fd === undefined) return;
      native.close(fd);
      fd = undefined;
    },
  };
}

/** Node's setTimeout (millisecond resolution): the fallback without the addon, and for fake-clock tests. */
export function createNodeDeadlineTimer(now: () => Micros): DeadlineTimer {
  let t: NodeJS.Timeout | undefined;
  return {
    arm(deadline, fn) {
      if (t) clearTimeout(t);
      t = setTimeout(() => {
        t = undefined;
        // libuv timers count from a cached loop time and may fire a little early: wait for the rest then.
        if (now() < deadline) this.arm(deadline, fn);
        else fn();
      }, Math.max(0, Math.ceil((deadline - now()) / 1000)));
    },
    cancel() {
      if (t) clearTimeout(t);
      t = undefined;
    },
    close() {
      this.cancel();
    },
  };
}
