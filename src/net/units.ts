// Branded time units. keepalived keeps every VRRP timer in integer microseconds (TIMER_HZ = 1e6);
// so do we, so our timers match its timers to the microsecond. A bare `number` is never a duration.

/** Integer microseconds (monotonic clock or a duration). */
export type Micros = number & { readonly __unit: 'µs' };
/** Integer centiseconds: the unit of the VRRPv3 Max Adver Int field (RFC 5798 §5.2.7). */
export type Centiseconds = number & { readonly __unit: 'cs' };

/** Brands an integer count of microseconds. Throws on a non-integer (a bug, not input). */
export function micros(n: number): Micros {
  if (!Number.isSafeInteger(n)) throw new RangeError(`micros: not an integer: ${n}`);
  return n as Micros;
}

export function centiseconds(n: number): Centiseconds {
  if (!Number.isSafeInteger(n)) throw new RangeError(`centiseconds: not an integer: ${n}`);
  return n as Centiseconds;
}

/** µs → centiseconds, rounded to the nearest (keepalived sends adver_int / (TIMER_HZ / 100)). */
export function microsToCentis(us: Micros): Centiseconds {
  return centiseconds(Math.round(us / 10_000));
}

