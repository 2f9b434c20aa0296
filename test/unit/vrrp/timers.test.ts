import { describe, expect, it } from 'vitest';
import { masterDownInterval, shiftDownTimer, skewTime, skewTimeMin } from '../../../src/vrrp/timers.js';
import { micros } from '../../../src/net/units.js';

const us = micros;

describe('skewTime (keepalived VRRP_TIMER_SKEW)', () => {
  it.each([
    // version, priority, interval µs, expected µs
    [2, 100, 1_000_000, 609_375], // 156 × 1e6 / 256
    [2, 100, 3_000_000, 609_375], // v2: independent of advert_int
    [2, 255, 1_000_000, 3_906], // 1e6/256 truncated
    [2, 254, 1_000_000, 7_812],
    [2, 1, 1_000_000, 996_093],
    [2, 150, 1_000_000, 414_062],
    [3, 150, 500_000, 207_031], // 106 × 50cs × 625 / 16 = 207031.25
    [3, 100, 1_000_000, 609_375],
    [3, 255, 1_000_000, 3_906],
    [3, 100, 40_950_000, 24_953_906], // max v3 interval 4095 cs, no overflow
    [3, 200, 10_000, 2_187], // 1 cs: 56 × 1 × 625 / 16 = 2187.5
    [3, 100, 1_234_567, 749_531], // interval truncated to 123 cs: 156 × 123 × 625 / 16
  ] as const)('v%i prio %i interval %i → %i µs', (v, p, iv, exp) => {
    expect(skewTime(v, p, us(iv))).toBe(exp);
  });

  it('v3 skew truncates the interval to whole centiseconds first', () => {
    expect(skewTime(3, 100, us(1_009_999))).toBe(skewTime(3, 100, us(1_000_000)));
  });

  it.each([
    [2, 1_000_000, 3_906],
    [3, 1_000_000, 3_906],
    [3, 500_000, 1_953],
  ] as const)('skewTimeMin v%i interval %i → %i', (v, iv, exp) => {
    expect(skewTimeMin(v, us(iv))).toBe(exp);
  });
});

describe('masterDownInterval (keepalived VRRP_MS_DOWN_TIMER)', () => {
  it.each([
    [2, 100, 1_000_000, 3, 3_609_375], // reference: ≈3.609 s
    [3, 150, 500_000, 3, 1_707_031], // reference: 1.5 s + 207031 µs
    [2, 255, 1_000_000, 3, 3_003_906],
    [2, 100, 2_000_000, 3, 6_609_375],
    [2, 100, 1_000_000, 1, 1_609_375], // down_timer_adverts 1
    [2, 100, 1_000_000, 10, 10_609_375],
    [3, 100, 100_000, 3, 360_937], // 10cs: 156×10×625/16 = 60937.5
  ] as const)('v%i prio %i interval %i ×%i → %i µs', (v, p, iv, n, exp) => {
    expect(masterDownInterval(v, p, us(iv), n)).toBe(exp);
  });

  it('defaults down_timer_adverts to 3 (RFC 5798 §6.1)', () => {
    expect(masterDownInterval(2, 100, us(1_000_000))).toBe(3_609_375);
  });
});

describe('shiftDownTimer', () => {
  it.each([
    [10_000_000, 3_609_375, 3_414_062, 9_804_687], // priority 100 → 150 shortens by the skew difference
    [10_000_000, 3_414_062, 3_609_375, 10_195_313],
    [10_000_000, 3_609_375, 3_609_375, 10_000_000],
  ] as const)('deadline %i, %i → %i gives %i', (d, o, n, exp) => {
    expect(shiftDownTimer(us(d), us(o), us(n))).toBe(exp);
  });
});
