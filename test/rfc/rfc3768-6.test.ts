// RFC 3768 (VRRPv2) §6–§7 where it differs from RFC 5798: Skew_Time independent of the interval, no
// learning of the master's interval, Adver Int MUST match, authentication.
import { describe, expect, it } from 'vitest';
import { masterDownInterval, skewTime } from '../../src/vrrp/timers.js';
import { micros } from '../../src/net/units.js';
import { instanceConfig, s } from '../support/config.js';
import { Harness } from '../support/sim.js';

const v2 = (o: Parameters<typeof instanceConfig>[0] = {}) => instanceConfig({ version: 2, ...o });

describe('RFC 3768 §6.1 parameters', () => {
  it('RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds, whatever the advert interval', () => {
    expect(skewTime(2, 100, micros(1_000_000))).toBe(609_375);
    expect(skewTime(2, 100, micros(5_000_000))).toBe(609_375);
  });
  it('RFC 3768 §6.1: Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time (≈3.609 s for 100 / 1 s)', () => {
    expect(masterDownInterval(2, 100, micros(1_000_000))).toBe(3_609_375);
    const h = new Harness([v2()]);
    h.start(0);
    expect(h.core.nextDeadline()).toBe(3_609_375);
  });
  it('RFC 3768 §6.1: Master_Down_Interval with a 2 s interval uses the same skew', () => {
    const h = new Harness([v2({ advertInt: s(2) })]);
    h.start(0);
    expect(h.core.nextDeadline()).toBe(6_609_375);
  });
});

describe('RFC 3768 §6.4 state machine (v2)', () => {
  it('RFC 3768 §6.4.2: an accepted advert resets the Master_Down_Timer to Master_Down_Interval (no interval learning)', () => {
    const h = new Harness([v2()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 150 });
    expect(h.snap().masterAdverInterval).toBe(1_000_000);
    expect(h.snap().sands).toBe(1_000_000 + 3_609_375);
  });
  it('RFC 3768 §6.4.2: priority 0 sets the Master_Down_Timer to Skew_Time', () => {
    const h = new Harness([v2()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 0 });
    expect(h.snap().sands).toBe(1_609_375);
  });
  it('RFC 3768 §6.4.3: a Master seeing a higher priority goes Backup', () => {
    const h = new Harness([v2()]);
    h.start(0);
    h.tick(3_609_375);
    h.advert(4_000_000, { src: '10.0.0.2', priority: 101 });
    expect(h.state()).toBe('BACKUP');
  });
  it('RFC 3768 §6.4.3: on Shutdown the Master sends priority 0', () => {
    const h = new Harness([v2()]);
    h.start(0);
    h.tick(3_609_375);
    const out = h.step(4_000_000, { kind: 'stop' });
    expect(out.find((e) => e.kind === 'sendAdvert')).toMatchObject({ priority: 0, version: 2 });
  });
});

describe('RFC 3768 §7.1 receiving (v2)', () => {
  it('RFC 3768 §7.1: MUST verify the Adver Interval matches the local one — a mismatch is discarded', () => {
    const h = new Harness([v2()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200, advertIntCs: 200 });
    expect(h.snap().sands).toBe(3_609_375);
    expect(h.snap().stats.drops.advert_interval_mismatch).toBe(1);
    expect(h.logs().some((l) => l.includes('advertisement interval mismatch'))).toBe(true);
  });
  it('RFC 3768 §7.1 / §5.3.6: MUST verify authentication — a wrong password is discarded', () => {
    const h = new Harness([v2({ auth: { type: 'PASS', password: 'secret' } })]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200 }); // sent without auth
    expect(h.snap().sands).toBe(3_609_375);
    expect(h.snap().stats.authtype_mismatch + h.snap().stats.auth_failure).toBeGreaterThan(0);
  });
  it('RFC 3768 §7.2: adverts carry auth type PASS and the password when configured (peer accepts them)', () => {
    const cfg = v2({ auth: { type: 'PASS', password: 'secret' } });
    const a = new Harness([cfg]);
    a.start(0);
    a.runUntil(3_609_375);
    const ad = a.effects().find((e) => e.kind === 'sendAdvert');
    if (ad?.kind !== 'sendAdvert') throw new Error('no advert');
    const b = new Harness([{ ...cfg, priority: 50 }], { address: '10.0.0.9' });
    b.start(0);
    b.step(1_000_000, { kind: 'packet', packet: { family: 4, ifname: 'eth0', src: '10.0.0.1', dst: '224.0.0.18', ttl: 255, data: ad.destinations[0]!.bytes, hasIpHeader: false } });
    expect(b.snap().stats.advert_rcvd).toBe(1);
    expect(JSON.stringify(a.effects().filter((e) => e.kind === 'log'))).not.toContain('secret');
  });
});
