// vrrp_script runner: keepalived 2.2.7's rise/fall counter (vrrp_scheduler.c vrrp_script_child_thread(),
// reference §3.9), reload carry-over (vrrp.c clear_diff_script()), overlap skipping and log lines, with a
// fake spawner and fake timers.

import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { VrrpScriptConfig } from '../../../src/config-parser/types.js';
import { createLogger } from '../../../src/log.js';
import type { ProcessHandle, ProcessOutcome, ProcessSpec } from '../../../src/scripts/process.js';
import { applyResult, carryOverRiseFall, describeOutcome, initialRiseFall, isOk, ScriptRunner, type RiseFallState } from '../../../src/tracking/scripts.js';
import type { Micros } from '../../../src/net/units.js';
import { FakeTimers } from '../../support/fake-timers.js';

function capture(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push((JSON.parse(l) as { msg: string }).msg);
      cb();
    },
  });
  return { logger: createLogger({ format: 'json', detail: true, destination: dest }), lines };
}

const script = (over: Partial<VrrpScriptConfig> = {}): VrrpScriptConfig => ({
  name: 'chk',
  command: { raw: '/x/chk.sh', argv: ['/x/chk.sh'] },
  interval: 1_000_000 as Micros,
  timeout: 1_000_000 as Micros,
  weight: 0,
  reverse: false,
  rise: 1,
  fall: 1,
  initFail: false,
  ...over,
});

/** Runs a sequence of results (true = success) through the counter; returns the reported changes. */
function run(rise: number, fall: number, results: boolean[], initFail = false): Array<boolean | undefined> {
  let s: RiseFallState = initialRiseFall({ rise, initFail });
  return results.map((ok) => {
    const r = applyResult(s, ok, rise, fall);
    s = r.state;
    return r.change;
  });
}

describe('rise/fall counter (reference §3.9)', () => {
  it.each([
    // rise, fall, results, expected changes
    [1, 1, [true, true, false, false, true], [true, undefined, false, undefined, true]],
    [1, 2, [false, true, false, false, false], [false, true, undefined, false, undefined]],
    [2, 2, [true, false, false, true, true], [true, undefined, false, undefined, true]],
    [3, 1, [false, true, true, true], [false, undefined, undefined, true]],
    [3, 3, [true, false, false, false], [true, undefined, undefined, false]],
  ] as const)('rise %i fall %i: %j reports %j', (rise, fall, results, expected) => {
    expect(run(rise, fall, [...results])).toEqual(expected);
  });

  it('the first result decides whatever rise and fall are', () => {
    for (const rise of [1, 2, 5]) for (const fall of [1, 3]) {
      expect(run(rise, fall, [true])).toEqual([true]);
      expect(run(rise, fall, [false])).toEqual([false]);
    }
  });

  it('init_fail: r = 0, a first failure reports nothing, rise successes report OK', () => {
    expect(initialRiseFall({ rise: 2, initFail: true })).toEqual({ r: 0, init: 'failed' });
    expect(run(2, 1, [false, true, true], true)).toEqual([undefined, undefined, true]);
    expect(run(1, 1, [true], true)).toEqual([true]);
  });

  it('r stays in [0, rise+fall-1]', () => {
    let s = initialRiseFall({ rise: 2, initFail: false });
    for (let i = 0; i < 10; i++) s = applyResult(s, true, 2, 3).state;
    expect(s.r).toBe(4);
    for (let i = 0; i < 10; i++) s = applyResult(s, false, 2, 3).state;
    expect(s.r).toBe(0);
    expect(isOk(s, 2)).toBe(false);
  });

  it('reload keeps the status, mapped onto the new rise/fall (clear_diff_script)', () => {
    expect(carryOverRiseFall({ r: 0, init: 'init' }, { rise: 1, fall: 1 }, { rise: 1, fall: 1 })).toBeUndefined();
    expect(carryOverRiseFall({ r: 1, init: 'done' }, { rise: 1, fall: 1 }, { rise: 3, fall: 2 })).toEqual({ r: 4, init: 'done' });
    expect(carryOverRiseFall({ r: 0, init: 'done' }, { rise: 1, fall: 1 }, { rise: 3, fall: 2 })).toEqual({ r: 0, init: 'done' });
    expect(carryOverRiseFall({ r: 2, init: 'done' }, { rise: 2, fall: 3 }, { rise: 2, fall: 3 })).toEqual({ r: 2, init: 'done' });
    expect(carryOverRiseFall({ r: 1, init: 'done' }, { rise: 3, fall: 1 }, { rise: 2, fall: 1 })).toEqual({ r: 0, init: 'done' });
  });

  it('outcomes in keepalived words', () => {
    expect(describeOutcome({ kind: 'exited', code: 0 })).toEqual({ success: true, type: 'succeeded' });
    expect(describeOutcome({ kind: 'exited', code: 1 })).toEqual({ success: false, type: 'failed', reason: 'exited with status 1' });
    expect(describeOutcome({ kind: 'signaled', signal: 'SIGKILL', signo: 9 })).toEqual({ success: false, type: 'failed', reason: 'due to signal 9' });
    expect(describeOutcome({ kind: 'timedOut', signal: 'SIGTERM', signo: 15 })).toEqual({ success: false, type: 'timed_out' });
    expect(describeOutcome({ kind: 'spawnError', code: 'ENOENT', message: 'x' }).success).toBe(false);
  });
});

/** A fake spawner: each spawn is answered by the test through `finish`. */
class FakeSpawner {
  readonly spawned: Array<{ spec: ProcessSpec; finish: (o: ProcessOutcome) => void; terminated: boolean }> = [];
  readonly spawn = (spec: ProcessSpec): ProcessHandle => {
    let resolve!: (o: ProcessOutcome) => void;
    const done = new Promise<ProcessOutcome>((r) => (resolve = r)).then((outcome) => ({ outcome, output: '', outputBytes: 0, pid: 1 }));
    const entry = { spec, finish: resolve, terminated: false };
    this.spawned.push(entry);
    return {
      pid: 1,
      done,
      terminate: () => {
        entry.terminated = true;
        resolve({ kind: 'timedOut', signal: 'SIGTERM', signo: 15 });
      },
      kill: () => resolve({ kind: 'signaled', signal: 'SIGKILL', signo: 9 }),
    };
  };
}

describe('ScriptRunner', () => {
  // The runner's injected clock: intervals and grace periods fire only when the test advances it.
  let timers: FakeTimers;
  beforeEach(() => {
    timers = new FakeTimers();
  });

  it('runs at start and every interval; feeds only status changes; logs as keepalived', async () => {
    const { logger, lines } = capture();
    const sp = new FakeSpawner();
    const fed: Array<{ name: string; ok: boolean }> = [];
    const r = new ScriptRunner([{ config: script({ fall: 2 }), argv: ['/x/chk.sh'], uid: 0, gid: 0 }], { spawn: sp.spawn, logger, feed: (i) => fed.push({ name: i.name, ok: i.ok }), timers });
    expect(r.initialInputs()).toEqual([]);
    r.start();
    expect(sp.spawned).toHaveLength(1);
    expect(sp.spawned[0]!.spec).toMatchObject({ argv: ['/x/chk.sh'], uid: 0, gid: 0, timeoutMs: 1000 });
    sp.spawned[0]!.finish({ kind: 'exited', code: 0 });
    await timers.advance(1000);
    expect(fed).toEqual([{ name: 'chk', ok: true }]);
    sp.spawned[1]!.finish({ kind: 'exited', code: 1 });
    await timers.advance(1000);
    expect(fed).toHaveLength(1); // fall 2: one failure is not enough
    sp.spawned[2]!.finish({ kind: 'exited', code: 1 });
    await timers.advance(1);
    expect(fed).toEqual([{ name: 'chk', ok: true }, { name: 'chk', ok: false }]);
    expect(lines.filter((l) => /chk/.test(l))).toEqual([
      'VRRP_Script(chk) succeeded',
      'Script `chk` now returning 1',
      'VRRP_Script(chk) failed (exited with status 1)',
    ]);
    await r.stop();
  });

  it('never runs two copies: a run still going is skipped with keepalived’s message', async () => {
    const { logger, lines } = capture();
    const sp = new FakeSpawner();
    const r = new ScriptRunner([{ config: script({ timeout: 5_000_000 as Micros }), argv: ['/x/chk.sh'] }], { spawn: sp.spawn, logger, feed: () => undefined, timers });
    r.start();
    await timers.advance(3000);
    expect(sp.spawned).toHaveLength(1);
    expect(lines.filter((l) => l === 'Track script chk is already running, expect idle - skipping run')).toHaveLength(3);
    sp.spawned[0]!.finish({ kind: 'exited', code: 0 });
    await timers.advance(1000);
    expect(sp.spawned).toHaveLength(2);
    await r.stop();
  });

  it('init_fail scripts are reported failed before start; timeouts log timed_out', async () => {
    const { logger, lines } = capture();
    const sp = new FakeSpawner();
    const fed: boolean[] = [];
    const r = new ScriptRunner([{ config: script({ initFail: true }), argv: ['/x/chk.sh'] }], { spawn: sp.spawn, logger, feed: (i) => fed.push(i.ok), timers });
    expect(r.initialInputs()).toEqual([{ kind: 'script', name: 'chk', ok: false }]);
    r.start();
    sp.spawned[0]!.finish({ kind: 'timedOut', signal: 'SIGTERM', signo: 15 });
    await timers.advance(1000);
    expect(fed).toEqual([]); // already failed: nothing to report
    sp.spawned[1]!.finish({ kind: 'exited', code: 0 });
    await timers.advance(1000);
    sp.spawned[2]!.finish({ kind: 'timedOut', signal: 'SIGTERM', signo: 15 });
    await timers.advance(1);
    expect(fed).toEqual([true, false]);
    expect(lines).toContain('VRRP_Script(chk) timed_out');
    await r.stop();
  });

  it('stop terminates running scripts and stops the timer', async () => {
    const { logger } = capture();
    const sp = new FakeSpawner();
    const r = new ScriptRunner([{ config: script(), argv: ['/x/chk.sh'] }], { spawn: sp.spawn, logger, feed: () => undefined, timers });
    r.start();
    await r.stop();
    expect(sp.spawned[0]!.terminated).toBe(true);
    await timers.advance(5000);
    expect(sp.spawned).toHaveLength(1);
  });

  it('carries statuses over a reload and reports them before start', () => {
    const { logger, lines } = capture();
    const sp = new FakeSpawner();
    const carry = new Map([['chk', { config: script(), state: { r: 1, init: 'done' as const }, lastStatus: 0 }]]);
    const r = new ScriptRunner([{ config: script({ rise: 2, fall: 2 }), argv: ['/x/chk.sh'] }], { spawn: sp.spawn, logger, feed: () => undefined, timers }, carry);
    expect(r.initialInputs()).toEqual([{ kind: 'script', name: 'chk', ok: true }]);
    expect(lines).toContain('VRRP_Script(chk) considered successful on reload');
  });
});
