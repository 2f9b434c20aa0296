// The real clock edge: monotonic microseconds for the core, and the wall clock for dumps and logs.

import type { Micros } from '../net/units.js';

export interface Clock {
  /** Monotonic time in integer microseconds (never goes back, unaffected by NTP steps). */
  now(): Micros;
  /** Wall-clock epoch microseconds, for dump timestamps only. */
  epochMicros(): number;
  /**
   * CLOCK_REALTIME now, epoch microseconds: follows a step of the wall clock (`date -s`, NTP), which
   * `epochMicros` (the realtime at start plus the monotonic time since) does not. For auth_hmac's
   * time-based sequences and freshness window; `epochMicros` when absent.
   */
  realtimeMicros?(): number;
}

/** `process.hrtime.bigint()` (CLOCK_MONOTONIC ns) at which `systemClock.now()` is 0. */
export const monotonicOrigin = process.hrtime.bigint();
const origin = monotonicOrigin;

export const systemClock: Clock = {
  now: () => Number((process.hrtime.bigint() - origin) / 1000n) as Micros,
  epochMicros: () => Math.round((performance.timeOrigin + performance.now()) * 1000),
  // Date.now() reads CLOCK_REALTIME each time (millisecond resolution: the sequence only has to grow).
  realtimeMicros: () => Date.now() * 1000,
};

/** `clock.realtimeMicros()`, or `epochMicros()` for a clock without it (the fakes of older tests). */
export function realtimeMicros(clock: Clock): number {
  return clock.realtimeMicros ? clock.realtimeMicros() : clock.epochMicros();
}
