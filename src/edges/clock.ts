// The real clock edge: monotonic microseconds for the core, and the wall clock for dumps and logs.

import type { Micros } from '../net/units.js';

export interface Clock {
  /** Monotonic time in integer microseconds (never goes back, unaffected by NTP steps). */
  now(): Micros;
  /** Wall-clock epoch microseconds, for dump timestamps only. */
  epochMicros(): number;
}

/** `process.hrtime.bigint()` (CLOCK_MONOTONIC ns) at which `systemClock.now()` is 0. */
export const monotonicOrigin = process.hrtime.bigint();
const origin = monotonicOrigin;

export const systemClock: Clock = {
  now: () => Number((process.hrtime.bigint() - origin) / 1000n) as Micros,
  epochMicros: () => Math.round((performance.timeOrigin + performance.now()) * 1000),
};
