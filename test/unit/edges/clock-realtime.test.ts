// The clock edge's two wall clocks: `epochMicros` (realtime at start + monotonic since, for dumps, as
// keepalived's timer_now) ignores a step of the wall clock; `realtimeMicros` (auth_hmac's sequences and
// freshness window, CLOCK_REALTIME read each time as keepalived 2.4.3 does) follows it at once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { realtimeMicros, systemClock } from '../../../src/edges/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('clock edge: realtime across a wall-clock step', () => {
  it.each([
    ['forward', +3_600_000],
    ['backward', -3_600_000],
  ])('the wall clock stepped %s by an hour: realtimeMicros moves by the hour, epochMicros and now() do not', (_d, stepMs) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = Date.parse('2026-12-02T10:00:00Z');
    vi.setSystemTime(t);
    const e0 = systemClock.epochMicros();
    expect(realtimeMicros(systemClock)).toBe(t * 1000);
    vi.setSystemTime(t + stepMs);
    expect(realtimeMicros(systemClock)).toBe((t + stepMs) * 1000);
    expect(Math.abs(systemClock.epochMicros() - e0)).toBeLessThan(60_000_000);
  });
  it('a clock without realtimeMicros (older fakes) falls back to epochMicros', () => {
    expect(realtimeMicros({ now: () => 0 as never, epochMicros: () => 42 })).toBe(42);
  });
});
