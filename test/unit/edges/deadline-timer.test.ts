// The timerfd deadline timer (issue 12 §4): fires once, never before its deadline, for the latest arm
// only; cancel and close stop it. Ordering against a second timer, not wall-clock speed, is asserted.
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../../src/native/index.js';
import { systemClock } from '../../../src/edges/clock.js';
import { createNodeDeadlineTimer, createTimerfdDeadlineTimer } from '../../../src/edges/deadline-timer.js';
import type { Micros } from '../../../src/net/units.js';

const after = (us: number): Micros => (systemClock.now() + us) as Micros;

describe('timerfd deadline timer', () => {
  it('waitUntil waits on the CPU until its deadline, and at most 5 ms for one further away', () => {
    const t = createTimerfdDeadlineTimer(loadNative());
    try {
      expect(t.waitUntil).toBeTypeOf('function');
      const deadline = after(1_500);
      t.waitUntil!(deadline);
      expect(systemClock.now()).toBeGreaterThanOrEqual(deadline);
      // A deadline 10 s away: it gives up after 5 ms (the bound), long before the deadline.
      const start = systemClock.now();
      const far = after(10_000_000);
      t.waitUntil!(far);
      const end = systemClock.now();
      expect(end - start).toBeGreaterThanOrEqual(5_000);
      expect(end).toBeLessThan(far);
      // A deadline already past returns at once (no wait to assert; it must not throw).
      t.waitUntil!(after(-1_000));
    } finally {
      t.close();
    }
  });

  it('spinUntil refuses what is not a non-negative bigint', () => {
    const native = loadNative();
    expect(() => native.spinUntil!(-1n)).toThrow(TypeError);
    expect(() => (native.spinUntil as unknown as (x: unknown) => void)(5)).toThrow(TypeError);
    expect(() => (native.spinUntil as unknown as () => void)()).toThrow(TypeError);
  });

  it('runs the callback once, at or after its deadline on the systemClock scale', async () => {
    const t = createTimerfdDeadlineTimer(loadNative());
    try {
      const deadline = after(3_000);
      const firedAt = await new Promise<number>((resolve) => t.arm(deadline, () => resolve(systemClock.now())));
      expect(firedAt).toBeGreaterThanOrEqual(deadline);
    } finally {
      t.close();
    }
  });

  it('a re-arm replaces the deadline: only the latest callback runs', async () => {
    const t = createTimerfdDeadlineTimer(loadNative());
    try {
      const ran: string[] = [];
      t.arm(after(2_000), () => ran.push('first'));
      const second = after(6_000);
      await new Promise<void>((resolve) =>
        t.arm(second, () => {
          ran.push('second');
          resolve();
        }),
      );
      expect(ran).toEqual(['second']);
      expect(systemClock.now()).toBeGreaterThanOrEqual(second);
    } finally {
      t.close();
    }
  });

  it('a cancelled deadline never runs (a later timer on another fd fires first)', async () => {
    const native = loadNative();
    const a = createTimerfdDeadlineTimer(native);
    const b = createTimerfdDeadlineTimer(native);
    try {
      let aRan = false;
      a.arm(after(1_000), () => (aRan = true));
      a.cancel();
      await new Promise<void>((resolve) => b.arm(after(10_000), resolve));
      expect(aRan).toBe(false);
    } finally {
      a.close();
      b.close();
    }
  });

  it('a deadline already past fires at once; close releases the fd and ignores later arms', async () => {
    const native = loadNative();
    const before = native.openCount();
    const t = createTimerfdDeadlineTimer(native);
    expect(native.openCount()).toBe(before + 1);
    await new Promise<void>((resolve) => t.arm(0 as Micros, resolve));
    t.close();
    expect(native.openCount()).toBe(before);
    expect(() => t.arm(after(1_000), () => undefined)).not.toThrow();
  });

  it('the addon refuses a negative or non-bigint time with a TypeError', () => {
    const native = loadNative();
    const fd = native.openTimer();
    try {
      expect(() => native.armTimer(fd, -1n)).toThrow(TypeError);
      expect(() => native.armTimer(fd, 5 as unknown as bigint)).toThrow(TypeError);
      expect(native.readTimer(fd)).toBe(0);
    } finally {
      native.close(fd);
    }
  });
});

describe('setTimeout deadline timer (fallback without the addon)', () => {
  it('runs at or after the deadline, and not after cancel', async () => {
    const t = createNodeDeadlineTimer(() => systemClock.now());
    let cancelledRan = false;
    t.arm(after(1_000), () => (cancelledRan = true));
    t.cancel();
    const deadline = after(5_000);
    const firedAt = await new Promise<number>((resolve) => t.arm(deadline, () => resolve(systemClock.now())));
    expect(firedAt).toBeGreaterThanOrEqual(deadline);
    expect(cancelledRan).toBe(false);
    t.close();
  });
});
