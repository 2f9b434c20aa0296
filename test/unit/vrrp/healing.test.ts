// Split-brain healing and the announce-first hand-over (src/vrrp/healing.ts; issue 11 §1 §2): the pure
// episode rule, then one core driven by hand.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALING, HANDOVER_GRACE, newHealState, otherMaster } from '../../../src/vrrp/healing.js';
import type { Effect } from '../../../src/vrrp/effects.js';
import { micros } from '../../../src/net/units.js';
import { masterDownInterval } from '../../../src/vrrp/timers.js';
import { instanceConfig } from '../../support/config.js';
import { Harness, summarize } from '../../support/sim.js';

const MDI = micros(3_609_375); // v2, 1 s, priority 100
const MDI150 = 3_414_062; // v2, 1 s, priority 150 (first MASTER time of a 150 started alone)
const OFF = { healing: { reannounce: false, rerunNotifyMaster: false } } as const;
const reannounces = (out: readonly Effect[]) => out.filter((e) => e.kind === 'reannounce');

function master(h: Harness): number {
  h.start(0);
  h.runUntil(MDI150 + 1);
  expect(h.state()).toBe('MASTER');
  return MDI150 + 1;
}

describe('otherMaster (the episode rule)', () => {
  it('heals once per episode; an episode ends after Master_Down_Interval of silence', () => {
    const s = newHealState();
    s.masterSince = micros(0);
    expect(otherMaster(s, '10.0.0.2', micros(10_000_000), MDI, DEFAULT_HEALING)).toBe('heal');
    expect(otherMaster(s, '10.0.0.2', micros(11_000_000), MDI, DEFAULT_HEALING)).toBe('episode');
    expect(otherMaster(s, '10.0.0.3', micros(12_000_000), MDI, DEFAULT_HEALING)).toBe('episode');
    // 12 s + MDI - 1 µs: still the same episode; from 12 s + MDI on (after the last advert): a new one.
    expect(otherMaster(s, '10.0.0.2', micros(12_000_000 + MDI - 1), MDI, DEFAULT_HEALING)).toBe('episode');
    expect(otherMaster(s, '10.0.0.2', micros(12_000_000 + 2 * MDI), MDI, DEFAULT_HEALING)).toBe('heal');
  });
  it('the trailing advert of the master just taken over from is not a split brain (within Master_Down_Interval)', () => {
    const s = newHealState();
    s.masterSince = micros(5_000_000);
    s.tookOverFrom = '10.0.0.2';
    expect(otherMaster(s, '10.0.0.2', micros(5_000_300), MDI, DEFAULT_HEALING)).toBe('takeover-tail');
    expect(otherMaster(s, '10.0.0.3', micros(5_000_300), MDI, DEFAULT_HEALING)).toBe('heal');
    expect(otherMaster(newHealState(), '10.0.0.2', micros(1), MDI, { reannounce: false, rerunNotifyMaster: true })).toBe('off');
    const t = newHealState();
    t.masterSince = micros(5_000_000);
    t.tookOverFrom = '10.0.0.2';
    expect(otherMaster(t, '10.0.0.2', micros(5_000_000 + MDI), MDI, DEFAULT_HEALING)).toBe('heal'); // still master after MDI: stuck
  });
});

describe('split-brain healing in the core', () => {
  it('a MASTER hearing a lower MASTER logs one split-brain event, re-announces once per episode, and counts it', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    const t = master(h);
    const out = h.advert(t + 500_000, { src: '10.0.0.2', priority: 100 });
    expect(summarize(out)).toEqual([
      'log:(VI_1) Received advert from 10.0.0.2 with lower priority 100, ours 150, forcing new election',
      'sendAdvert:150',
      'log:(VI_1) split brain: 10.0.0.2 was MASTER too (priority 100, ours 150) - re-announcing the VIPs',
      'garp:lower-prio:10.0.0.100x5',
      'masterRxLowerPri',
      'reannounce',
    ]);
    expect(reannounces(out)).toEqual([{ kind: 'reannounce', instance: 'VI_1', vrid: 51, peer: '10.0.0.2', peerPriority: 100, priority: 150, group: undefined, rerunNotifyMaster: true }]);
    expect(out.find((e) => e.kind === 'log' && e.event === 'split-brain.heal')).toBeDefined();
    // The stuck peer keeps advertising: keepalived's lower-priority answer each time, no new re-announcement.
    for (let k = 1; k <= 5; k++) expect(reannounces(h.advert(t + 500_000 + k * 1_000_000, { src: '10.0.0.2', priority: 100 }))).toEqual([]);
    expect(h.snap().healing.heals).toBe(1);
    // Silent for longer than Master_Down_Interval (at 150: 3.414 s), then back: a new episode.
    const back = t + 500_000 + 5_000_000 + 3_500_000;
    h.runUntil(back - 1);
    expect(reannounces(h.advert(back, { src: '10.0.0.2', priority: 100 }))).toHaveLength(1);
    expect(h.snap().healing).toMatchObject({ heals: 2, last: { at: back, peer: '10.0.0.2', peerPriority: 100 } });
  });

  it('the re-announcement sends its burst once more an advert interval + HANDOVER_GRACE later, once per episode', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    const t = master(h);
    h.advert(t + 500_000, { src: '10.0.0.2', priority: 100 });
    const due = t + 500_000 + 1_000_000 + HANDOVER_GRACE;
    const followUps = (out: readonly Effect[]) => summarize(out, { logs: false }).filter((x) => x.startsWith('garp:follow-up'));
    expect(followUps(h.runUntil(due - 1))).toEqual([]);
    expect(followUps(h.runUntil(due))).toEqual(['garp:follow-up:10.0.0.100x5']);
    // The stuck peer's adverts in the same episode bring keepalived's lower-priority bursts, no more follow-ups.
    const rest: Effect[] = [];
    for (let k = 1; k <= 3; k++) rest.push(...h.advert(t + 500_000 + k * 1_000_000, { src: '10.0.0.2', priority: 100 }), ...h.runUntil(t + 500_000 + k * 1_000_000 + 500_000));
    expect(followUps(rest)).toEqual([]);
    // Healing off: no follow-up.
    const off = new Harness([instanceConfig({ priority: 150, ...OFF })]);
    const t2 = master(off);
    off.advert(t2 + 10, { src: '10.0.0.2', priority: 100 });
    expect(followUps(off.runUntil(t2 + 3_000_000))).toEqual([]);
  });

  it('a winner that leaves MASTER before its follow-up is due sends none (the VIPs are gone)', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    const t = master(h);
    h.advert(t + 10, { src: '10.0.0.2', priority: 100 });
    expect(summarize(h.advert(t + 200_000, { src: '10.0.0.3', priority: 200 }), { logs: false })).toContain('transition:VI_1:MASTER->BACKUP');
    expect(summarize(h.runUntil(t + 2_000_000), { logs: false }).filter((x) => x.startsWith('garp:'))).toEqual([]);
  });

  it('equal priority and a lower address is a split brain too; healing off is keepalived alone', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    const t = master(h);
    expect(reannounces(h.advert(t + 10, { src: '10.0.0.0', priority: 150 }))).toHaveLength(1);
    const off = new Harness([instanceConfig({ priority: 150, ...OFF })]);
    const t2 = master(off);
    const out = off.advert(t2 + 10, { src: '10.0.0.2', priority: 100 });
    expect(summarize(out, { logs: false })).toEqual(['sendAdvert:150', 'garp:lower-prio:10.0.0.100x5', 'masterRxLowerPri']);
    expect(off.snap().healing.heals).toBe(0);
  });

  it('rerun_notify_master off: the GARP and the count, but the effect says not to run the scripts', () => {
    const h = new Harness([instanceConfig({ priority: 150, healing: { reannounce: true, rerunNotifyMaster: false } })]);
    const t = master(h);
    expect(reannounces(h.advert(t + 10, { src: '10.0.0.2', priority: 100 }))).toMatchObject([{ rerunNotifyMaster: false }]);
  });

  it('with garp_lower_prio_repeat 0 (vrrp_strict) the re-announcement sends the becoming-MASTER burst itself', () => {
    const h = new Harness([instanceConfig({ priority: 150, garp: { lowerPrioRepeat: 0, masterRepeat: 3 } })]);
    const t = master(h);
    expect(summarize(h.advert(t + 10, { src: '10.0.0.2', priority: 100 }), { logs: false })).toEqual(['sendAdvert:150', 'garp:reannounce:10.0.0.100x3', 'masterRxLowerPri', 'reannounce']);
  });

  it('a preempting MASTER does not take the preempted master\'s trailing advert for a split brain', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 100 }); // lower: ignored (preempt), down timer runs
    h.runUntil(MDI150 + 1);
    expect(h.state()).toBe('MASTER');
    expect(reannounces(h.advert(MDI150 + 300, { src: '10.0.0.2', priority: 100 }))).toEqual([]);
    expect(h.snap().healing.heals).toBe(0);
  });

  it("the preempted master's first trailing advert brings one follow-up burst (it may have sent a GARP after ours)", () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 100 });
    h.runUntil(MDI150 + 1);
    expect(h.state()).toBe('MASTER');
    const followUps = (out: readonly Effect[]) => summarize(out, { logs: false }).filter((x) => x.startsWith('garp:follow-up'));
    const out: Effect[] = [...h.advert(MDI150 + 300, { src: '10.0.0.2', priority: 100 }), ...h.advert(MDI150 + 900_000, { src: '10.0.0.2', priority: 100 })];
    out.push(...h.runUntil(MDI150 + 300 + 1_000_000 + HANDOVER_GRACE - 1));
    expect(followUps(out)).toEqual([]);
    expect(followUps(h.runUntil(MDI150 + 300 + 1_000_000 + HANDOVER_GRACE))).toEqual(['garp:follow-up:10.0.0.100x5']);
    // A second trailing advert in the same MASTER period scheduled none; nor does healing off.
    expect(followUps(h.runUntil(MDI150 + 5_000_000))).toEqual([]);
    const off = new Harness([instanceConfig({ priority: 150, ...OFF })]);
    off.start(0);
    off.advert(1_000_000, { src: '10.0.0.2', priority: 100 });
    off.runUntil(MDI150 + 1);
    off.advert(MDI150 + 300, { src: '10.0.0.2', priority: 100 });
    expect(followUps(off.runUntil(MDI150 + 3_000_000))).toEqual([]);
  });

  it('the loser whose mastership began by master-no-response sends one last advert at its own priority as it steps down', () => {
    const h = new Harness([instanceConfig({ priority: 100 })]);
    h.start(0);
    h.runUntil(MDI + 1);
    expect(h.state()).toBe('MASTER');
    const out = h.advert(MDI + 500_000, { src: '10.0.0.2', priority: 150 });
    expect(summarize(out, { logs: false })).toEqual(['sendAdvert:100', 'removeVips', 'transition:VI_1:MASTER->BACKUP']);
    // Healing off: the RFC's silent step-down.
    const off = new Harness([instanceConfig({ priority: 100, ...OFF })]);
    off.start(0);
    off.runUntil(MDI + 1);
    expect(summarize(off.advert(MDI + 500_000, { src: '10.0.0.2', priority: 150 }), { logs: false })).toEqual(['removeVips', 'transition:VI_1:MASTER->BACKUP']);
  });

  it('a MASTER that took over by switchover steps down (when preempted back) without the notice', () => {
    const h = new Harness([instanceConfig({ priority: 100 })]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 150 });
    h.step(1_500_000, { kind: 'command', command: { type: 'switchover', instance: undefined } });
    expect(h.state()).toBe('MASTER');
    expect(summarize(h.advert(2_000_000, { src: '10.0.0.2', priority: 200 }), { logs: false })).toEqual(['removeVips', 'transition:VI_1:MASTER->BACKUP', 'priorityChange']);
  });
});

describe('announce-first switchover', () => {
  it('a takeover by switchover sends its GARP burst before its first advert', () => {
    const h = new Harness([instanceConfig({ priority: 100 })]);
    h.start(0);
    h.advert(1_000_000, { src: '10.0.0.2', priority: 150 });
    const out = h.step(1_500_000, { kind: 'command', command: { type: 'switchover', instance: undefined } });
    expect(summarize(out, { logs: false })).toEqual(['addVips', 'garp:master:10.0.0.100x5', 'sendAdvert:151', 'transition:VI_1:BACKUP->MASTER']);
  });

  it('a hand-over keeps the VIPs until the new master\'s first advert + HANDOVER_GRACE, then removes them', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    const t = master(h);
    const out = h.step(t + 100, { kind: 'command', command: { type: 'switchover', instance: undefined } });
    expect(summarize(out, { logs: false })).toEqual(['sendAdvert:0', 'transition:VI_1:MASTER->BACKUP']);
    expect(h.logs()).toContain('(VI_1) keeping VIPs until the new master has announced itself');
    expect(h.snap()).toMatchObject({ state: 'BACKUP', vipSet: false });
    expect(h.snap().vipHoldUntil).toBe(t + 100 + masterDownInterval(2, 150, micros(1_000_000)));
    const at = t + 100 + 400_000; // the backup's Skew_Time later
    expect(h.advert(at, { src: '10.0.0.2', priority: 100 }).filter((e) => e.kind === 'removeVips')).toEqual([]);
    expect(h.snap().vipHoldUntil).toBe(at + HANDOVER_GRACE);
    expect(summarize(h.runUntil(at + HANDOVER_GRACE - 1), { logs: false })).toEqual([]);
    const rel = h.runUntil(at + HANDOVER_GRACE);
    expect(rel).toEqual([
      expect.objectContaining({ kind: 'removeVips', reason: 'leave-master' }),
      expect.objectContaining({ kind: 'log', msg: '(VI_1) removing VIPs.' }),
    ]);
    expect(h.snap().vipHoldUntil).toBeUndefined();
  });

  it('with nobody taking over, the yielding instance is MASTER again at Master_Down_Interval and the VIPs simply stay', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    const t = master(h);
    h.step(t + 100, { kind: 'command', command: { type: 'switchover', instance: undefined } });
    const out = h.runUntil(t + 100 + MDI150 + 10);
    expect(out.filter((e) => e.kind === 'removeVips')).toEqual([]);
    expect(h.state()).toBe('MASTER');
    expect(h.snap()).toMatchObject({ vipSet: true, vipHoldUntil: undefined });
  });

  it('a fault or a stop during the hold removes the VIPs at once, before the transition', () => {
    const h = new Harness([instanceConfig({ priority: 150, trackInterfaces: [{ name: 'eth0', weight: 0, reverse: false }] })]);
    const t = master(h);
    h.step(t + 100, { kind: 'command', command: { type: 'switchover', instance: undefined } });
    const out = h.step(t + 200, { kind: 'link', ifname: 'eth0', up: false });
    expect(summarize(out, { logs: false })).toEqual(['removeVips', 'transition:VI_1:BACKUP->FAULT']);
    const s = new Harness([instanceConfig({ priority: 150 })]);
    const t2 = master(s);
    s.step(t2 + 100, { kind: 'command', command: { type: 'switchover', instance: undefined } });
    expect(summarize(s.step(t2 + 200, { kind: 'stop' }), { logs: false })).toEqual(['removeVips', 'transition:VI_1:BACKUP->STOP']);
  });
});

describe('withHealing (the settings file into the instances)', () => {
  it('sets each instance\'s switches from the settings, keeping the config when they are the defaults', async () => {
    const { withHealing } = await import('../../../src/vrrp/healing.js');
    const { daemonConfig } = await import('../../support/config.js');
    const config = daemonConfig({ instances: [instanceConfig({ name: 'VI_1' }), instanceConfig({ name: 'VI_2', vrid: 52 })] });
    expect(withHealing(config, () => DEFAULT_HEALING)).toBe(config);
    const off = withHealing(config, (n) => (n === 'VI_2' ? { reannounce: false, rerunNotifyMaster: true } : DEFAULT_HEALING));
    expect(off.instances.map((i) => i.healing)).toEqual([undefined, { reannounce: false, rerunNotifyMaster: true }]);
    // And the core obeys it: VI_2 with reannounce off answers a lower MASTER as keepalived does.
    const h = new Harness([off.instances[1]!]);
    h.start(0);
    h.runUntil(MDI + 1);
    expect(reannounces(h.advert(MDI + 10, { src: '10.0.0.0', priority: 50, vrid: 52 }))).toEqual([]);
  });
});

describe('the claim watch (another host ARPs for a VIP of this MASTER)', () => {
  const MAC = '52:54:00:00:00:02';
  const arp = (h: Harness, t: number, senderIp = '10.0.0.100', ifname = 'eth0'): readonly Effect[] => h.step(t, { kind: 'arp', ifname, senderIp, senderMac: MAC });
  const probes = (out: readonly Effect[]) => out.filter((e) => e.kind === 'sendArpProbe');
  const releaseBursts = (out: readonly Effect[]) => out.filter((e) => e.kind === 'sendGarp' && e.reason === 'claim-released');

  it('claimSeen / claimScheduleProbe / claimDue: a watch, a probe half an interval after each advert, a release when one goes unanswered', async () => {
    const { claimAnswerWait, claimDeadline, claimDue, claimScheduleProbe, claimSeen } = await import('../../../src/vrrp/healing.js');
    const INT = micros(1_000_000);
    expect(claimAnswerWait(INT)).toBe(250_000);
    expect(claimAnswerWait(micros(100_000))).toBe(25_000);
    const s = newHealState();
    expect(claimSeen(s, 'eth0', '10.0.0.100', MAC, micros(10), { reannounce: false, rerunNotifyMaster: true })).toBe(false);
    expect(s.claim).toBeUndefined();
    expect(claimSeen(s, 'eth0', '10.0.0.100', MAC, micros(10), DEFAULT_HEALING)).toBe(true);
    expect(claimSeen(s, 'eth0', '10.0.0.100', MAC, micros(20), DEFAULT_HEALING)).toBe(false);
    expect(s.claims).toBe(1);
    expect(claimDeadline(s)).toBeUndefined();
    expect(claimDue(s, micros(30), INT)).toBeUndefined(); // nothing scheduled yet
    expect(claimScheduleProbe(s, micros(1_000_000), INT)).toBe(true); // an advert
    expect(claimScheduleProbe(s, micros(1_000_000), INT)).toBe(false);
    expect(claimDeadline(s)).toBe(1_500_000);
    expect(claimDue(s, micros(1_499_999), INT)).toBeUndefined();
    expect(claimDue(s, micros(1_500_000), INT)).toMatchObject({ kind: 'probe', claim: { vip: '10.0.0.100', checkAt: 1_750_000 } });
    expect(claimScheduleProbe(s, micros(1_600_000), INT)).toBe(false); // one outstanding at a time
    claimSeen(s, 'eth0', '10.0.0.100', MAC, micros(1_500_400), DEFAULT_HEALING); // the answer
    expect(claimDue(s, micros(1_749_999), INT)).toBeUndefined();
    expect(claimDue(s, micros(1_750_000), INT)?.kind).toBe('held');
    claimScheduleProbe(s, micros(2_000_000), INT);
    expect(claimDue(s, micros(2_500_000), INT)?.kind).toBe('probe');
    expect(claimDue(s, micros(2_750_000), INT)?.kind).toBe('released');
    expect(s.claim).toBeUndefined();
    expect(s.claimReleases).toBe(1);
  });

  it('in the core: a probe half an interval after each advert; an unanswered one brings the becoming-MASTER burst once', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    const t = master(h);
    expect(summarize(arp(h, t + 10), { logs: true })).toEqual([expect.stringContaining('claims VIP 10.0.0.100 on eth0')]);
    const firstAdvert = h.snap().sands!;
    expect(probes(h.runUntil(firstAdvert + 500_000 - 1))).toEqual([]);
    expect(probes(h.runUntil(firstAdvert + 500_000))).toEqual([{ kind: 'sendArpProbe', instance: 'VI_1', ifname: 'eth0', address: '10.0.0.100' }]);
    arp(h, firstAdvert + 500_300); // answered: the other host still holds it
    expect(releaseBursts(h.runUntil(firstAdvert + 1_500_000 - 1))).toEqual([]);
    expect(h.snap().healing.watching).toMatchObject({ mac: MAC, vip: '10.0.0.100' });
    // The next probe goes unanswered: 250 ms later, the burst (garp_master_repeat 5).
    const out2 = h.runUntil(firstAdvert + 1_500_000 + 250_000);
    expect(probes(out2)).toHaveLength(1);
    expect(releaseBursts(out2)).toEqual([expect.objectContaining({ kind: 'sendGarp', instance: 'VI_1', ifname: 'eth0', addresses: ['10.0.0.100'], repeat: 5 })]);
    expect(h.snap().healing).toMatchObject({ claims: 1, claimReleases: 1, watching: undefined });
    // Watch over: no more probes.
    expect(probes(h.runUntil(firstAdvert + 5_000_000))).toEqual([]);
  });

  it('not a claim: a BACKUP, another address or interface, healing off; leaving MASTER ends the watch', () => {
    const h = new Harness([instanceConfig({ priority: 150 })]);
    h.start(0);
    expect(arp(h, 10)).toEqual([]); // BACKUP
    const t = master(h);
    expect(arp(h, t + 10, '10.0.0.7')).toEqual([]);
    expect(arp(h, t + 20, '10.0.0.100', 'eth1')).toEqual([]);
    expect(h.snap().healing.claims).toBe(0);
    arp(h, t + 30);
    h.advert(t + 40, { src: '10.0.0.3', priority: 200 }); // a better master: BACKUP
    expect(h.state()).toBe('BACKUP');
    expect(h.snap().healing.watching).toBeUndefined();
    expect(probes(h.runUntil(t + 3_000_000))).toEqual([]);
    const off = new Harness([instanceConfig({ priority: 150, ...OFF })]);
    const t2 = master(off);
    expect(arp(off, t2 + 10)).toEqual([]);
    expect(probes(off.runUntil(t2 + 3_000_000))).toEqual([]);
  });

  it('claimWatchPlan: the IPv4 VIPs (and excluded ones) per interface of instances that re-announce', async () => {
    const { claimWatchPlan } = await import('../../../src/vrrp/healing.js');
    const { daemonConfig, vip } = await import('../../support/config.js');
    const config = daemonConfig({
      instances: [
        instanceConfig({ name: 'VI_1', vips: [vip('10.0.0.100'), vip('10.0.1.1', { dev: 'eth1' }), vip('fd00::1')], excludedVips: [vip('10.0.0.101')] }),
        instanceConfig({ name: 'VI_2', vrid: 52, vips: [vip('10.0.0.200')], ...OFF }),
        instanceConfig({ name: 'VI_3', vrid: 53, vips: [vip('10.0.0.100')] }),
      ],
    });
    expect(Object.fromEntries(claimWatchPlan(config))).toEqual({ eth0: ['10.0.0.100', '10.0.0.101'], eth1: ['10.0.1.1'] });
  });
});

describe('the claim watch across a reload', () => {
  it('ends when the claimed VIP leaves the instance or healing is switched off; stays otherwise', () => {
    const arp = (h: Harness, t: number): void => void h.step(t, { kind: 'arp', ifname: 'eth0', senderIp: '10.0.0.100', senderMac: '52:54:00:00:00:02' });
    for (const [label, next, kept] of [
      ['unchanged', instanceConfig({ priority: 150 }), true],
      ['VIP moved', instanceConfig({ priority: 150, vips: ['10.0.0.101'] }), false],
      ['healing off', instanceConfig({ priority: 150, ...OFF }), false],
    ] as const) {
      const h = new Harness([instanceConfig({ priority: 150 })]);
      const t = master(h);
      arp(h, t + 10);
      expect(h.snap().healing.watching, label).toBeDefined();
      h.step(t + 20, { kind: 'reload', config: { ...h.core.currentConfig, instances: [next] } });
      expect(h.snap().healing.watching !== undefined, label).toBe(kept);
    }
  });
});
