// A frozen process (issue 8 §2): the pure decisions of src/vrrp/freeze.ts (threshold, keepalived's log
// line, `timer_expired_backup`'s takeover delay) and the core's late tick (RFC 3768 / RFC 5798 §6.4.2
// Master_Down_Timer, §6.4.3 Adver_Timer): a BACKUP whose down timer ran out while it was frozen does not
// take over on it; a MASTER sends one advert at the wake-up, not a catch-up burst.
import { describe, expect, it } from 'vitest';
import type { Effect, Input } from '../../../src/vrrp/effects.js';
import { FREEZE_THRESHOLD, freezeAction, freezeMessage, isFreeze, takeoverDelay, type FreezeFacts } from '../../../src/vrrp/freeze.js';
import { micros, type Micros } from '../../../src/net/units.js';
import { instanceConfig, s, syncGroup } from '../../support/config.js';
import { Harness, summarize } from '../../support/sim.js';

/** Master_Down_Interval of a v2 priority-100 BACKUP at advert_int 1: 3 s + 156/256 s. */
const MDI100 = 3_609_375;

const kinds = (out: readonly Effect[]): string[] => out.map((e) => e.kind);
const tick = (at: number, late: number): Input => ({ kind: 'tick', woke: { at: micros(at + late), late: micros(late) } });

/** A v2 priority-100 BACKUP that heard a priority-200 master every second from 1 s to 10 s. */
function backupHearingMaster(o: Parameters<typeof instanceConfig>[0] = {}): Harness {
  const h = new Harness([instanceConfig({ priority: 100, ...o })]);
  h.start(0);
  for (let t = 1; t <= 10; t++) h.advert(t * 1_000_000, { src: '10.0.0.2', priority: 200 });
  expect(h.state()).toBe('BACKUP');
  expect(h.core.nextDeadline()).toBe(10_000_000 + MDI100);
  return h;
}

describe('freeze decisions (pure)', () => {
  it('FREEZE_THRESHOLD is 1 s: a tick 999.999 ms late is not a freeze, one 1 s late is', () => {
    expect(FREEZE_THRESHOLD).toBe(1_000_000);
    expect(isFreeze(micros(999_999))).toBe(false);
    expect(isFreeze(micros(1_000_000))).toBe(true);
    expect(isFreeze(micros(0))).toBe(false);
  });
  it("logs keepalived's scheduler line: A thread timer expired S.UUUUUU seconds ago", () => {
    expect(freezeMessage(micros(4_123_456))).toBe('A thread timer expired 4.123456 seconds ago');
    expect(freezeMessage(micros(1_000_007))).toBe('A thread timer expired 1.000007 seconds ago');
  });
  it("timer_expired_backup's takeover delay: 3 × advert_int + skew of the highest other priority (keepalived's integer arithmetic)", () => {
    // v2: (256 − 254) × 1 000 000 / 256 = 7 812 µs, whatever the advert interval.
    expect(takeoverDelay(2, s(1), 254)).toBe(3_007_812);
    expect(takeoverDelay(2, s(3), 100)).toBe(9_000_000 + 609_375);
    // v3: on the µs interval, (256 − 254) × 100 000 / 256 = 781 µs.
    expect(takeoverDelay(3, s(0.1), 254)).toBe(300_781);
    expect(takeoverDelay(3, s(1), 1)).toBe(3_000_000 + 996_093);
  });
  const base: FreezeFacts = {
    state: 'BACKUP',
    isOwner: false,
    version: 2,
    advertInt: s(1),
    nopreempt: true,
    highestOtherPriority: 254,
    lastAdvertSent: micros(10_000_000),
    wokeAt: micros(13_007_812),
  };
  it('a BACKUP listens; an owner BACKUP acts (it preempts whoever took over)', () => {
    expect(freezeAction(base)).toBe('listen');
    expect(freezeAction({ ...base, isOwner: true })).toBe('act');
  });
  it('a MASTER reverts to BACKUP only with timer_expired_backup, nopreempt and the takeover delay passed since its last advert', () => {
    const m: FreezeFacts = { ...base, state: 'MASTER' };
    expect(freezeAction(m)).toBe('backup');
    expect(freezeAction({ ...m, wokeAt: micros(13_007_811) })).toBe('act');
    expect(freezeAction({ ...m, highestOtherPriority: undefined })).toBe('act');
    expect(freezeAction({ ...m, nopreempt: false })).toBe('act');
    expect(freezeAction({ ...m, lastAdvertSent: undefined })).toBe('act');
    // A lower "highest other priority" means a slower takeover: not yet.
    expect(freezeAction({ ...m, highestOtherPriority: 100 })).toBe('act');
    expect(freezeAction({ ...m, highestOtherPriority: 100, wokeAt: micros(10_000_000 + 3_609_375) })).toBe('backup');
  });
});

describe('VrrpCore: a tick that comes after a freeze', () => {
  it('a BACKUP frozen past its down timer, with the adverts still queued, stays BACKUP: no advert, VIP or GARP', () => {
    const h = backupHearingMaster();
    const deadline = 10_000_000 + MDI100;
    // Frozen from 10.5 s to 15.5 s: the master's adverts of 11–15 s sit in the socket, unread.
    const late = 15_500_000 - deadline;
    const out = h.step(deadline, tick(deadline, late));
    expect(kinds(out)).not.toContain('sendAdvert');
    expect(kinds(out)).not.toContain('addVips');
    expect(kinds(out)).not.toContain('sendGarp');
    expect(kinds(out)).not.toContain('transition');
    expect(h.state()).toBe('BACKUP');
    expect(summarize(out)).toEqual([
      'log:A thread timer expired 1.890625 seconds ago',
      'log:(VI_1) Receive advertisement timeout after a freeze - staying BACKUP for Master_Down_Interval',
    ]);
    // Now the queued adverts are read; the master is alive and nothing ever happened on the wire.
    for (let t = 11; t <= 15; t++) expect(kinds(h.advert(15_500_000 + t, { src: '10.0.0.2', priority: 200 }))).toEqual([]);
    expect(h.state()).toBe('BACKUP');
    expect(h.all.some((x) => x.effect.kind === 'addVips' || x.effect.kind === 'sendGarp')).toBe(false);
  });

  it('a BACKUP frozen past its down timer whose master really is gone takes over one Master_Down_Interval after the wake-up', () => {
    const h = backupHearingMaster();
    const deadline = 10_000_000 + MDI100;
    const wake = 15_500_000;
    h.step(deadline, tick(deadline, wake - deadline));
    expect(h.core.nextDeadline()).toBe(wake + MDI100);
    const out = h.runUntil(wake + MDI100);
    expect(h.state()).toBe('MASTER');
    expect(summarize(out).slice(0, 3)).toEqual(['log:(VI_1) Receive advertisement timeout', 'sendAdvert:100', 'log:(VI_1) Entering MASTER STATE']);
    const t = h.all.find((x) => x.effect.kind === 'transition' && x.effect.to === 'MASTER');
    expect(t?.t).toBe(wake + MDI100);
    expect(t?.effect.kind === 'transition' && t.effect.reason).toBe('master-no-response');
  });

  it('a tick late by less than FREEZE_THRESHOLD is acted on as before (the drained socket had nothing): MASTER at the deadline', () => {
    const h = backupHearingMaster();
    const deadline = 10_000_000 + MDI100;
    const out = h.step(deadline, tick(deadline, 999_999));
    expect(h.state()).toBe('MASTER');
    expect(summarize(out)).not.toContain('log:A thread timer expired 0.999999 seconds ago');
    expect(kinds(out)).toContain('addVips');
  });

  it('a tick without wake-up information (simulations, old callers) is acted on as before', () => {
    const h = backupHearingMaster();
    h.tick(10_000_000 + MDI100);
    expect(h.state()).toBe('MASTER');
  });

  it('an address owner takes over at once after a freeze (it would preempt anyone)', () => {
    const h = new Harness([instanceConfig({ priority: 255 })]);
    h.start(0);
    // The 1 µs owner start-up timer, run 2 s late.
    const out = h.step(1, tick(1, 2_000_000));
    expect(h.state()).toBe('MASTER');
    expect(summarize(out)[0]).toBe('log:A thread timer expired 2.000000 seconds ago');
  });

  it('a MASTER frozen 5 s at advert_int 0.1 sends one advert at the wake-up and the next 100 ms later (no catch-up burst)', () => {
    const h = new Harness([instanceConfig({ priority: 150, version: 3, advertInt: s(0.1) })]);
    h.start(0);
    h.runUntil(1_000_000);
    expect(h.state()).toBe('MASTER');
    const d = h.core.nextDeadline()!;
    const wake = d + 5_000_000;
    const out = h.step(d, tick(d, 5_000_000));
    expect(out.filter((e) => e.kind === 'sendAdvert').length).toBe(1);
    expect(h.core.nextDeadline()).toBe(wake + 100_000);
    expect(h.state()).toBe('MASTER');
  });

  it('logs the freeze once for all instances due in that tick', () => {
    const h = new Harness([instanceConfig({ priority: 100 }), instanceConfig({ name: 'VI_2', vrid: 52, priority: 100, vips: ['10.0.0.200'] })]);
    h.start(0);
    const d: Micros = h.core.nextDeadline()!;
    const out = h.step(d, tick(d, 3_000_000));
    expect(summarize(out).filter((l) => l.startsWith('log:A thread timer expired'))).toEqual(['log:A thread timer expired 3.000000 seconds ago']);
    expect(summarize(out).filter((l) => l.includes('after a freeze')).length).toBe(2);
    expect(h.state('VI_1')).toBe('BACKUP');
    expect(h.state('VI_2')).toBe('BACKUP');
  });
});

// keepalived 2.2.8+ `timer_expired_backup` on a MASTER (2.4.3 `vrrp_thread_timeout_handler()`, run by the
// scheduler when its earliest timer is at least the smallest `quickest_takeover` late).
describe('VrrpCore: timer_expired_backup (a MASTER frozen past another router’s takeover time)', () => {
  /** A v2 (or v3) MASTER with nopreempt, at its next advert deadline. */
  function master(o: Parameters<typeof instanceConfig>[0] = {}): { h: Harness; d: Micros } {
    const h = new Harness([instanceConfig({ priority: 150, nopreempt: true, timerExpiredBackup: 254, ...o })]);
    h.start(0);
    h.runUntil(6_000_000);
    expect(h.state()).toBe('MASTER');
    return { h, d: h.core.nextDeadline()! };
  }

  it('timer_expired_backup: frozen 5 s, the MASTER goes BACKUP without a priority-0 advert, removes its VIPs and logs once', () => {
    const { h, d } = master();
    const release = h.snap().stats.release_master;
    const out = h.step(d, tick(d, 5_000_000));
    expect(h.state()).toBe('BACKUP');
    expect(out.filter((e) => e.kind === 'sendAdvert')).toEqual([]);
    const lines = summarize(out);
    expect(lines.filter((l) => l.startsWith('log:VRRP thread timer expired'))).toEqual(['log:VRRP thread timer expired 5.000000 seconds ago']);
    expect(lines).toContain('log:(VI_1) Entering BACKUP STATE');
    expect(out.some((e) => e.kind === 'removeVips')).toBe(true);
    const t = out.find((e) => e.kind === 'transition');
    expect(t).toMatchObject({ from: 'MASTER', to: 'BACKUP', reason: 'timer-expired-backup' });
    expect(h.snap().stats.release_master).toBe(release + 1);
    // BACKUP's down timer runs from the wake-up (nopreempt: it then waits for an advert or the timeout).
    expect(h.core.nextDeadline()).toBe(d + 5_000_000 + 3_414_062);
  });

  it('timer_expired_backup: the boundary is the last advert + 3 × advert_int + skew(254) = late ≥ 2.007812 s at advert_int 1', () => {
    const a = master();
    a.h.step(a.d, tick(a.d, 2_007_812));
    expect(a.h.state()).toBe('BACKUP');
    const b = master();
    const out = b.h.step(b.d, tick(b.d, 2_007_811));
    expect(b.h.state()).toBe('MASTER');
    expect(out.filter((e) => e.kind === 'sendAdvert').length).toBe(1);
  });

  it('timer_expired_backup: a lower highest_other_priority waits longer (skew of priority 1: 0.996093 s)', () => {
    const a = master({ timerExpiredBackup: 1 });
    a.h.step(a.d, tick(a.d, 2_996_093));
    expect(a.h.state()).toBe('BACKUP');
    const b = master({ timerExpiredBackup: 1 });
    b.h.step(b.d, tick(b.d, 2_996_092));
    expect(b.h.state()).toBe('MASTER');
  });

  it('timer_expired_backup: without the keyword a MASTER frozen 5 s stays MASTER and sends one advert', () => {
    const { h, d } = master({ timerExpiredBackup: undefined });
    const out = h.step(d, tick(d, 5_000_000));
    expect(h.state()).toBe('MASTER');
    expect(out.filter((e) => e.kind === 'sendAdvert').length).toBe(1);
    expect(summarize(out).some((l) => l.startsWith('log:VRRP thread timer expired'))).toBe(false);
  });

  it('timer_expired_backup: v3 at 0.1 s reverts on a 250 ms late tick, under the 1 s freeze threshold (keepalived has no such floor)', () => {
    const { h, d } = master({ version: 3, advertInt: s(0.1) });
    const out = h.step(d, tick(d, 250_000));
    expect(h.state()).toBe('BACKUP');
    expect(summarize(out)).toContain('log:VRRP thread timer expired 0.250000 seconds ago');
    expect(summarize(out).some((l) => l.startsWith('log:A thread timer expired'))).toBe(false);
  });

  it('timer_expired_backup: a sync group follows the reverted member to BACKUP (havipd: keepalived leaves the group as it is)', () => {
    const h = new Harness(
      [
        instanceConfig({ name: 'VI_1', vrid: 51, priority: 150, nopreempt: true, timerExpiredBackup: 254 }),
        instanceConfig({ name: 'VI_2', vrid: 52, priority: 150, vips: ['10.0.0.200'] }),
      ],
      { syncGroups: [syncGroup('SG1', ['VI_1', 'VI_2'])] },
    );
    h.start(0);
    h.runUntil(6_000_000);
    expect([h.state('VI_1'), h.state('VI_2')]).toEqual(['MASTER', 'MASTER']);
    const d = h.core.nextDeadline()!;
    const out = h.step(d, tick(d, 5_000_000));
    expect([h.state('VI_1'), h.state('VI_2')]).toEqual(['BACKUP', 'BACKUP']);
    expect(summarize(out)).toContain('group:SG1:MASTER->BACKUP');
  });
});
