// RFC 5798 §6 (protocol state machine) — one test per MUST / SHOULD / defined behaviour, against the
// pure core with the real codec. Where keepalived 2.2.7 deviates, the test says so (keepalived-compat).
import { describe, expect, it } from 'vitest';
import { masterDownInterval, skewTime } from '../../src/vrrp/timers.js';
import { micros } from '../../src/net/units.js';
import { instanceConfig, s } from '../support/config.js';
import { Harness, summarize } from '../support/sim.js';

const v3 = (o: Parameters<typeof instanceConfig>[0] = {}) => instanceConfig({ version: 3, ...o });
const MDI100 = 3_609_375; // v3, 1 s, priority 100
/** havipd's split-brain healing off (src/vrrp/healing.ts): the RFC's (and keepalived's) behaviour alone. */
const NO_HEALING = { healing: { reannounce: false, rerunNotifyMaster: false } } as const;

function toMaster(h: Harness): void {
  h.start(0);
  h.tick(MDI100);
  expect(h.state()).toBe('MASTER');
}

describe('RFC 5798 §6.1 parameters', () => {
  it('RFC 5798 §6.1: the owner priority MUST be 255 and it advertises 255 whatever its trackers say', () => {
    const h = new Harness([v3({ priority: 255, trackScripts: [{ name: 'chk', weight: -50, reverse: false }] })]);
    h.step(0, { kind: 'script', name: 'chk', ok: false });
    h.start(0);
    const out = h.tick(1);
    expect(out.find((e) => e.kind === 'sendAdvert')).toMatchObject({ priority: 255 });
  });
  it('RFC 5798 §6.1: backup routers MUST use priorities 1–254: trackers never push a non-owner to 255 or 0', () => {
    const h = new Harness([v3({ priority: 250, trackScripts: [{ name: 'up', weight: 50, reverse: false }, { name: 'down', weight: -253, reverse: false }] })]);
    h.step(0, { kind: 'script', name: 'up', ok: true });
    h.start(0);
    expect(h.snap().effectivePriority).toBe(254);
    h.step(1, { kind: 'script', name: 'up', ok: false });
    h.step(2, { kind: 'script', name: 'down', ok: false });
    expect(h.snap().effectivePriority).toBe(1);
  });
  it('RFC 5798 §6.1: the default priority for backup routers is 100', () => {
    expect(instanceConfig().priority).toBe(100);
  });
  it('RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256', () => {
    expect(skewTime(3, 100, micros(1_000_000))).toBe(609_375);
    expect(skewTime(3, 200, micros(2_000_000))).toBe(437_500);
  });
  it('RFC 5798 §6.1: Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time', () => {
    expect(masterDownInterval(3, 100, micros(1_000_000))).toBe(MDI100);
    expect(masterDownInterval(3, 150, micros(500_000))).toBe(1_500_000 + 207_031);
  });
  it('RFC 5798 §6.1: Preempt_Mode defaults to true (a higher-priority backup takes over from a lower master)', () => {
    const h = new Harness([v3({ priority: 150 })]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 100 });
    expect(summarize(h.all.map((x) => x.effect))).toContain('log:(VI_1) received lower priority (100) advert from 10.0.0.2 - discarding');
    h.runUntil(masterDownInterval(3, 150, micros(1_000_000)));
    expect(h.state()).toBe('MASTER');
  });
});

describe('RFC 5798 §6.4.1 Initialize', () => {
  it('RFC 5798 §6.4.1: priority 255 → Send an ADVERTISEMENT, broadcast gratuitous ARP, transition to Master (keepalived: after 1 µs)', () => {
    const h = new Harness([v3({ priority: 255 })]);
    h.start(0);
    expect(h.core.nextDeadline()).toBe(1);
    const out = h.tick(1);
    expect(summarize(out, { logs: false })).toEqual(['sendAdvert:255', 'addVips', 'garp:master:10.0.0.100x5', 'transition:VI_1:BACKUP->MASTER']);
  });
  it('RFC 5798 §6.4.1: priority 255 → Set the Adver_Timer to Advertisement_Interval', () => {
    const h = new Harness([v3({ priority: 255, advertInt: s(2) })]);
    h.start(0);
    h.tick(1);
    expect(h.snap().sands).toBe(2_000_001);
  });
  it('RFC 5798 §6.4.1: otherwise Set Master_Adver_Interval to Advertisement_Interval and the Master_Down_Timer to Master_Down_Interval, transition to Backup', () => {
    const h = new Harness([v3({ advertInt: s(2) })]);
    const out = h.start(0);
    expect(summarize(out)).toEqual(['removeVips', 'log:(VI_1) Entering BACKUP STATE (init)', 'transition:VI_1:INIT->BACKUP']);
    expect(h.snap().masterAdverInterval).toBe(2_000_000);
    expect(h.snap().sands).toBe(masterDownInterval(3, 100, micros(2_000_000)));
  });
  it('RFC 5798 §6.4.1 (keepalived-compat): a non-owner configured state MASTER still waits a full Master_Down_Interval', () => {
    const h = new Harness([v3({ state: 'MASTER' })]);
    h.start(0);
    expect(h.state()).toBe('BACKUP');
    expect(h.core.nextDeadline()).toBe(MDI100);
  });
});

describe('RFC 5798 §6.4.2 Backup', () => {
  it('RFC 5798 §6.4.2: MUST NOT respond to ARP for / accept packets to the VIPs — no VIPs are added in Backup', () => {
    const h = new Harness([v3()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 200 });
    expect(h.all.some((x) => x.effect.kind === 'addVips')).toBe(false);
    expect(h.snap().vipSet).toBe(false);
  });
  it('RFC 5798 §6.4.2: on Shutdown cancel the Master_Down_Timer (nothing is sent by a backup)', () => {
    const h = new Harness([v3()]);
    h.start(0);
    const out = h.step(10, { kind: 'stop' });
    expect(out.some((e) => e.kind === 'sendAdvert')).toBe(false);
    expect(h.core.nextDeadline()).toBeUndefined();
    expect(summarize(out)).toEqual(['transition:VI_1:BACKUP->STOP']);
  });
  it('RFC 5798 §6.4.2: if the Master_Down_Timer fires: Send an ADVERTISEMENT, gratuitous ARP, Adver_Timer, transition to Master', () => {
    const h = new Harness([v3()]);
    h.start(0);
    const out = h.tick(MDI100);
    expect(summarize(out)).toEqual([
      'log:(VI_1) Receive advertisement timeout',
      'sendAdvert:100',
      'log:(VI_1) Entering MASTER STATE',
      'addVips',
      'log:(VI_1) setting VIPs.',
      'garp:master:10.0.0.100x5',
      'transition:VI_1:BACKUP->MASTER',
    ]);
    expect(h.snap().sands).toBe(MDI100 + 1_000_000);
  });
  it('RFC 5798 §6.4.2: an ADVERTISEMENT with Priority zero sets the Master_Down_Timer to Skew_Time', () => {
    const h = new Harness([v3()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 0 });
    expect(h.snap().sands).toBe(1_000_000 + 609_375);
    h.tick(1_609_375);
    expect(h.state()).toBe('MASTER');
  });
  it('RFC 5798 §6.4.2: priority ≥ local: Set Master_Adver_Interval to the advert\'s interval and reset the Master_Down_Timer', () => {
    const h = new Harness([v3()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 150, advertIntCs: 50 });
    expect(h.snap().masterAdverInterval).toBe(500_000);
    expect(h.snap().sands).toBe(1_000_000 + masterDownInterval(3, 100, micros(500_000)));
    expect(h.snap().masterAddress).toBe('10.0.0.2');
  });
  it('RFC 5798 §6.4.2: equal priority is accepted in Backup (no address tie-break there)', () => {
    const h = new Harness([v3()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.0', priority: 100 });
    expect(h.snap().sands).toBe(1_000_000 + MDI100);
  });
  it('RFC 5798 §6.4.2: lower priority with Preempt_Mode true: discard the ADVERTISEMENT (timer keeps running)', () => {
    const h = new Harness([v3()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 90 });
    expect(h.snap().sands).toBe(MDI100);
  });
  it('RFC 5798 §6.4.2: Preempt_Mode false (nopreempt) accepts a lower priority and never preempts', () => {
    const h = new Harness([v3({ priority: 150, nopreempt: true })]);
    h.start(0);
    for (let t = 1_000_000; t <= 20_000_000; t += 1_000_000) {
      h.runUntil(t - 1);
      h.advert(t, { src: '10.0.0.2', priority: 100 });
    }
    expect(h.state()).toBe('BACKUP');
  });
});

describe('RFC 5798 §6.4.3 Master', () => {
  it('RFC 5798 §6.4.3: MUST respond for the VIPs — they are added on entering Master, before the gratuitous ARP', () => {
    const h = new Harness([v3()]);
    h.start(0);
    const out = summarize(h.tick(MDI100), { logs: false });
    expect(out.indexOf('addVips')).toBeLessThan(out.indexOf('garp:master:10.0.0.100x5'));
  });
  it('RFC 5798 §6.4.3: on Shutdown send an ADVERTISEMENT with Priority = 0 (before the VIPs go)', () => {
    const h = new Harness([v3()]);
    toMaster(h);
    const out = h.step(MDI100 + 10, { kind: 'stop' });
    expect(summarize(out, { logs: false })).toEqual(['sendAdvert:0', 'removeVips', 'transition:VI_1:MASTER->STOP']);
    expect(h.snap().stats.pri_zero_sent).toBe(1);
  });
  it('RFC 5798 §6.4.3: if the Adver_Timer fires: Send an ADVERTISEMENT and reset the Adver_Timer', () => {
    const h = new Harness([v3()]);
    toMaster(h);
    const out = h.tick(MDI100 + 1_000_000);
    expect(summarize(out)).toEqual(['sendAdvert:100']);
    expect(h.snap().sands).toBe(MDI100 + 2_000_000);
  });
  it('RFC 5798 §6.4.3: the Master sends with its own Advertisement_Interval, not a learned one', () => {
    const h = new Harness([v3()]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 0, advertIntCs: 300 });
    h.runUntil(2_000_000);
    const ad = h.all.map((x) => x.effect).find((e) => e.kind === 'sendAdvert');
    expect(ad).toMatchObject({ advertInt: 100 });
  });
  it('RFC 5798 §6.4.3: priority 0 received: Send an ADVERTISEMENT and reset the Adver_Timer', () => {
    const h = new Harness([v3()]);
    toMaster(h);
    const out = h.advert(MDI100 + 300_000, { src: '10.0.0.2', priority: 0 });
    expect(summarize(out)).toEqual(['sendAdvert:100', 'log:(VI_1) Master received priority 0 message']);
    expect(h.snap().sands).toBe(MDI100 + 1_300_000);
    expect(h.state()).toBe('MASTER');
  });
  it('RFC 5798 §6.4.3: greater priority: cancel Adver_Timer, learn the interval, set the Master_Down_Timer, go Backup', () => {
    const h = new Harness([v3(NO_HEALING)]);
    toMaster(h);
    const out = h.advert(MDI100 + 300_000, { src: '10.0.0.2', priority: 150, advertIntCs: 200 });
    expect(summarize(out)).toEqual([
      // keepalived 2.3.3+ (deliberately unlike 2.2.7, which was silent): the interval mismatch is logged once.
      "log:(VI_1) advertisement interval mismatch ours = 100 centi-sec rcv'd=200 centi-sec",
      'log:(VI_1) Master received advert from 10.0.0.2 with higher priority 150, ours 100',
      'log:(VI_1) Entering BACKUP STATE',
      'removeVips',
      'log:(VI_1) removing VIPs.',
      'transition:VI_1:MASTER->BACKUP',
    ]);
    expect(h.snap().masterAdverInterval).toBe(2_000_000);
    expect(h.snap().sands).toBe(MDI100 + 300_000 + masterDownInterval(3, 100, micros(2_000_000)));
  });
  it('RFC 5798 §6.4.3: equal priority and greater sender address: go Backup', () => {
    const h = new Harness([v3()]);
    toMaster(h);
    h.advert(MDI100 + 300_000, { src: '10.0.0.2', priority: 100 });
    expect(h.state()).toBe('BACKUP');
    expect(h.logs()).toContain('(VI_1) Master received advert from 10.0.0.2 with same priority 100 but higher IP address than ours');
  });
  it('RFC 5798 §6.4.3: equal priority and lower sender address: stay Master', () => {
    const h = new Harness([v3()]);
    toMaster(h);
    h.advert(MDI100 + 300_000, { src: '10.0.0.0', priority: 100 });
    expect(h.state()).toBe('MASTER');
  });
  it('RFC 5798 §6.4.3 (keepalived-compat): lower priority is not just discarded: the Master answers with an advert and GARPs', () => {
    const h = new Harness([v3({ garp: { lowerPrioRepeat: 2, lowerPrioDelay: s(3) }, ...NO_HEALING })]);
    toMaster(h);
    const t = MDI100 + 300_000;
    const out = h.advert(t, { src: '10.0.0.2', priority: 90 });
    expect(summarize(out)).toEqual([
      'log:(VI_1) Received advert from 10.0.0.2 with lower priority 90, ours 100, forcing new election',
      'sendAdvert:100',
      'garp:lower-prio:10.0.0.100x2',
      'masterRxLowerPri',
    ]);
    const later = h.runUntil(t + 3_000_000);
    expect(summarize(later)).toContain('garp:lower-prio-delay:10.0.0.100x2');
  });
  it('RFC 5798 §6.4.3: lower_prio_no_advert discards the lower-priority advert as the RFC says', () => {
    const h = new Harness([v3({ lowerPrioNoAdvert: true, garp: { lowerPrioRepeat: 0 }, ...NO_HEALING })]);
    toMaster(h);
    const out = h.advert(MDI100 + 300_000, { src: '10.0.0.2', priority: 90 });
    expect(summarize(out)).toEqual(['log:(VI_1) Received advert from 10.0.0.2 with lower priority 90, ours 100', 'masterRxLowerPri']);
    expect(h.snap().sands).toBe(MDI100 + 1_000_000); // Adver_Timer not reset
  });
  it('RFC 5798 §6.4.3: higher_prio_send_advert sends one advert before yielding', () => {
    const h = new Harness([v3({ higherPrioSendAdvert: true })]);
    toMaster(h);
    const out = summarize(h.advert(MDI100 + 300_000, { src: '10.0.0.2', priority: 150 }), { logs: false });
    expect(out).toEqual(['sendAdvert:100', 'removeVips', 'transition:VI_1:MASTER->BACKUP']);
  });
  it('RFC 5798 §6.4.3: leaving Master for a higher priority sends no priority-0 advert', () => {
    const h = new Harness([v3(NO_HEALING)]);
    toMaster(h);
    const out = h.advert(MDI100 + 300_000, { src: '10.0.0.2', priority: 150 });
    expect(out.some((e) => e.kind === 'sendAdvert')).toBe(false);
  });
});
