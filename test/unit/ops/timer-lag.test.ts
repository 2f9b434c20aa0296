import { describe, expect, it } from 'vitest';
import { TimerLag } from '../../../src/ops/timer-lag.js';

function clock(start = 1000) {
  let mono = start;
  return { epochMs: () => 1_800_000_000_000 + mono, monoMs: () => mono, advance: (ms: number) => (mono += ms) };
}

describe('TimerLag (event-loop lag from the protocol timers, no timer of its own)', () => {
  it('reports zero before any timer ran', () => {
    expect(new TimerLag(clock()).stats()).toEqual({ mean: 0, p99: 0, max: 0 });
  });

  it('mean, p99 and max of how late the timers ran in the current minute, in ms', () => {
    const c = clock();
    const lag = new TimerLag(c);
    for (let i = 0; i < 99; i++) lag.record(1000); // 1 ms late
    lag.record(250_000); // one 250 ms stall
    const s = lag.stats();
    expect(s.max).toBeCloseTo(250, 0);
    expect(s.p99).toBeCloseTo(1, 1);
    expect(s.mean).toBeCloseTo((99 * 1 + 250) / 100, 1);
  });

  it('keeps the last full minute when the new one has no tick yet, and its max while it fills', () => {
    const c = clock();
    const lag = new TimerLag(c);
    lag.record(40_000);
    c.advance(60_000);
    expect(lag.stats().max).toBeCloseTo(40, 0);
    lag.record(2000);
    const s = lag.stats();
    expect(s.p99).toBeCloseTo(2, 1);
    expect(s.max).toBeCloseTo(40, 0);
  });

  it('forgets a stall once a whole minute without it has passed', () => {
    const c = clock();
    const lag = new TimerLag(c);
    lag.record(40_000);
    c.advance(60_000);
    lag.record(1000);
    c.advance(60_000);
    expect(lag.stats().max).toBeCloseTo(1, 1);
    c.advance(120_000);
    expect(lag.stats()).toEqual({ mean: 0, p99: 0, max: 0 });
  });

  it('a timer that ran on time counts as (nearly) zero, never negative', () => {
    const lag = new TimerLag(clock());
    lag.record(0);
    expect(lag.stats().max).toBeGreaterThanOrEqual(0);
    expect(lag.stats().max).toBeLessThan(0.01);
  });
});
