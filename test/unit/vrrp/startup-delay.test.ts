// vrrp_delay_after_boot (keepalived 2.4.0): the start-up delay counted from boot, and no advert nor GARP before it ends.
import { describe, expect, it } from 'vitest';
import { applyDelayAfterBoot, startupDelayAfterBoot } from '../../../src/vrrp/startup-delay.js';
import { micros } from '../../../src/net/units.js';
import { daemonConfig, instanceConfig, s } from '../../support/config.js';
import { Harness } from '../../support/sim.js';

describe('startupDelayAfterBoot', () => {
  it('what remains of the delay after the uptime, or the startup delay when larger', () => {
    expect(startupDelayAfterBoot(s(0), s(60), s(20))).toBe(40_000_000);
    expect(startupDelayAfterBoot(s(50), s(60), s(20))).toBe(50_000_000);
    expect(startupDelayAfterBoot(s(3), s(60), s(61))).toBe(3_000_000);
    expect(startupDelayAfterBoot(s(3), s(60), s(60))).toBe(3_000_000);
    expect(startupDelayAfterBoot(s(3), s(60), undefined)).toBe(3_000_000);
  });
  it('applyDelayAfterBoot raises global.startupDelay and leaves the config alone otherwise', () => {
    const c = daemonConfig({ global: { delayAfterBoot: s(30) } });
    expect(applyDelayAfterBoot(c, micros(10_500_000)).global.startupDelay).toBe(19_500_000);
    expect(applyDelayAfterBoot(c, s(31))).toBe(c);
  });
});

describe('an owner under vrrp_delay_after_boot', () => {
  it('sends no advert and no GARP before the delay ends, then takes over', () => {
    const config = applyDelayAfterBoot(daemonConfig({ global: { delayAfterBoot: s(30) } }), s(27));
    const h = new Harness([instanceConfig({ priority: 255 })], { global: config.global });
    const early = [...h.start(0), ...h.runUntil(2_999_999)];
    expect(early.filter((e) => e.kind === 'sendAdvert' || e.kind === 'sendGarp' || e.kind === 'addVips')).toEqual([]);
    expect(h.state()).toBe('BACKUP');
    const later = h.runUntil(3_000_001);
    expect(h.state()).toBe('MASTER');
    expect(later.some((e) => e.kind === 'sendAdvert')).toBe(true);
    expect(later.some((e) => e.kind === 'sendGarp')).toBe(true);
  });
});
