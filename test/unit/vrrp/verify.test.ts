// Announce and verify (issue 11 §3): the pure schedule of verify attempts, re-GARPs, the deadline and the move.
import { describe, expect, it } from 'vitest';
import { VerifySchedule, type VerifyEffect } from '../../../src/vrrp/verify.js';
import type { VerifySettings } from '../../../src/config-parser/settings.js';
import type { Micros } from '../../../src/net/units.js';

const s = (ms: number): Micros => (ms * 1000) as Micros;
const base: VerifySettings = { verify: ['/bin/verify'], move: ['/bin/move'], intervalMs: 1000, deadlineMs: 5000, timeoutMs: 2000, moveTimeoutMs: 3000 };
const kinds = (es: readonly VerifyEffect[]): string[] => es.map((e) => (e.kind === 'log' ? `log:${e.event}` : e.kind === 'runVerify' ? `runVerify#${e.attempt}` : e.kind));

function setup(settings: VerifySettings = base): VerifySchedule {
  const v = new VerifySchedule();
  v.step(s(0), { kind: 'settings', settings: { VI_1: settings, VI_2: { ...settings, verify: undefined, move: undefined } } });
  return v;
}
const fail = (run: number, t = 'exit 1') => ({ kind: 'result', instance: 'VI_1', run, command: 'verify', ok: false, detail: t }) as const;
const ok = (run: number) => ({ kind: 'result', instance: 'VI_1', run, command: 'verify', ok: true, detail: 'exit 0' }) as const;

describe('verify schedule', () => {
  it('fails twice then succeeds: two re-GARPs, three attempts an interval apart, confirmed', () => {
    const v = setup();
    const e1 = v.step(s(100), { kind: 'master', instance: 'VI_1', master: true });
    expect(e1).toEqual([{ kind: 'runVerify', instance: 'VI_1', run: 1, attempt: 1, argv: ['/bin/verify'], timeoutMs: 2000 }]);
    expect(v.view('VI_1')).toMatchObject({ status: 'verifying', attempts: 1 });
    expect(v.nextDeadline()).toBeUndefined(); // nothing is due while the attempt runs
    expect(kinds(v.step(s(300), fail(1)))).toEqual(['log:verify.failed', 'regarp']);
    expect(v.nextDeadline()).toBe(s(1300));
    expect(v.step(s(1299), { kind: 'tick' })).toEqual([]);
    expect(kinds(v.step(s(1300), { kind: 'tick' }))).toEqual(['runVerify#2']);
    expect(kinds(v.step(s(1500), fail(1)))).toEqual(['log:verify.failed', 'regarp']);
    expect(kinds(v.step(s(2500), { kind: 'tick' }))).toEqual(['runVerify#3']);
    const done = v.step(s(2600), ok(1));
    expect(kinds(done)).toEqual(['log:verify.confirmed']);
    expect(v.view('VI_1')).toMatchObject({ status: 'confirmed', attempts: 3, decidedAt: s(2600), move: 'none', lastResult: 'exit 0' });
    expect(v.nextDeadline()).toBeUndefined();
  });

  it('past the deadline: unconfirmed, the move runs once, then one more verify attempt decides', () => {
    const v = setup();
    v.step(s(0), { kind: 'master', instance: 'VI_1', master: true });
    let t = 0;
    for (let a = 1; a <= 3; a++) {
      t += 500;
      expect(kinds(v.step(s(t), fail(1)))).toEqual(['log:verify.failed', 'regarp']);
      t += 1000;
      expect(kinds(v.step(s(t), { kind: 'tick' }))).toEqual([`runVerify#${a + 1}`]);
    }
    // attempt 4 fails at 5000 ms: the deadline (5 s after MASTER) has come.
    const e = v.step(s(5000), fail(1, 'timed out (SIGTERM)'));
    expect(kinds(e)).toEqual(['log:verify.failed', 'log:verify.unconfirmed', 'runMove']);
    expect(e[2]).toEqual({ kind: 'runMove', instance: 'VI_1', run: 1, attempts: 4, argv: ['/bin/move'], timeoutMs: 3000 });
    expect(v.view('VI_1')).toMatchObject({ status: 'unconfirmed', move: 'running' });
    expect(kinds(v.step(s(6000), { kind: 'result', instance: 'VI_1', run: 1, command: 'move', ok: true, detail: 'exit 0' }))).toEqual(['log:verify.moved']);
    expect(v.nextDeadline()).toBe(s(7000));
    expect(kinds(v.step(s(7000), { kind: 'tick' }))).toEqual(['runVerify#5']);
    expect(kinds(v.step(s(7100), ok(1)))).toEqual(['log:verify.confirmed']);
    expect(v.view('VI_1')).toMatchObject({ status: 'confirmed', move: 'ok', attempts: 5 });
  });

  it('the deadline can fall between attempts: the tick at the deadline decides, no attempt after it', () => {
    const v = setup({ ...base, intervalMs: 4000, move: undefined });
    v.step(s(0), { kind: 'master', instance: 'VI_1', master: true });
    v.step(s(2000), fail(1));
    expect(v.nextDeadline()).toBe(s(5000)); // min(2000 + 4000, deadline)
    expect(kinds(v.step(s(5000), { kind: 'tick' }))).toEqual(['log:verify.unconfirmed']);
    expect(v.view('VI_1')).toMatchObject({ status: 'unconfirmed', move: 'none', attempts: 1 });
    expect(v.nextDeadline()).toBeUndefined();
  });

  it('a failed attempt after the move leaves it unconfirmed for the term (no loop)', () => {
    const v = setup({ ...base, deadlineMs: 100 });
    v.step(s(0), { kind: 'master', instance: 'VI_1', master: true });
    expect(kinds(v.step(s(200), fail(1)))).toEqual(['log:verify.failed', 'log:verify.unconfirmed', 'runMove']);
    expect(kinds(v.step(s(300), { kind: 'result', instance: 'VI_1', run: 1, command: 'move', ok: false, detail: 'exit 2' }))).toEqual(['log:verify.move-failed']);
    v.step(s(1300), { kind: 'tick' });
    expect(kinds(v.step(s(1400), fail(1)))).toEqual(['log:verify.failed']);
    expect(v.view('VI_1')).toMatchObject({ status: 'unconfirmed', move: 'failed' });
    expect(v.nextDeadline()).toBeUndefined();
  });

  it('leaving MASTER cancels the running command; its late result and the next term are kept apart', () => {
    const v = setup();
    v.step(s(0), { kind: 'master', instance: 'VI_1', master: true });
    expect(kinds(v.step(s(100), { kind: 'master', instance: 'VI_1', master: false }))).toEqual(['cancel', 'log:verify.cancelled']);
    expect(v.view('VI_1').status).toBe('off');
    expect(v.step(s(150), ok(1))).toEqual([]); // stale: the term is gone
    expect(kinds(v.step(s(200), { kind: 'master', instance: 'VI_1', master: true }))).toEqual(['runVerify#1']);
    expect(v.step(s(250), ok(1))).toEqual([]); // a result of run 1 does not confirm run 2
    expect(v.view('VI_1').status).toBe('verifying');
    expect(kinds(v.step(s(300), ok(2)))).toEqual(['log:verify.confirmed']);
  });

  it('leaving MASTER while waiting between attempts: nothing to kill, no further tick', () => {
    const v = setup();
    v.step(s(0), { kind: 'master', instance: 'VI_1', master: true });
    v.step(s(100), fail(1));
    expect(kinds(v.step(s(200), { kind: 'master', instance: 'VI_1', master: false }))).toEqual(['log:verify.cancelled']);
    expect(v.nextDeadline()).toBeUndefined();
  });

  it('instances without a verify command are never verified; a reload that removes the command cancels', () => {
    const v = setup();
    expect(v.step(s(0), { kind: 'master', instance: 'VI_2', master: true })).toEqual([]);
    expect(v.view('VI_2').status).toBe('off');
    expect(v.configured()).toEqual(['VI_1']);
    v.step(s(0), { kind: 'master', instance: 'VI_1', master: true });
    expect(kinds(v.step(s(10), { kind: 'settings', settings: {} }))).toEqual(['cancel', 'log:verify.cancelled']);
    expect(v.configured()).toEqual([]);
  });
});
