// Issue 8 §1 regression: a VRRPv3 advert with Max Adver Int 0 (RFC 5798 §5.2.7: 1..4095 centiseconds)
// sent to a sync group of two v3 BACKUP instances stalled havipd for good — the interval was adopted, the
// down timer became 0, the group refused MASTER and re-armed the timer at `now`, and `tick` picked the same
// instance forever. Now the advert is dropped (receive check 13, `advert_interval_invalid`), and the timer
// loop is bounded whatever reaches the state machine: each tick fires each instance's timer at most once
// and every timer it re-arms lies after `now`.

import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../../../src/config-parser/types.js';
import { parseText } from '../../support/parse-text.js';
import { transpileForChild, type ChildBundle } from '../../support/ts-child.js';
import { zeroIntervalConfig, type ZeroIntervalRun } from '../../support/zero-interval.js';

function issueConfig(): DaemonConfig {
  const parsed = parseText(zeroIntervalConfig());
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return parsed.config!;
}

const MDI_54 = 3_609_375; // VRID 54, v3, priority 100, 1 s: 3 × 1 s + (256 − 100) × 100 cs × 625 / 16 µs

let bundle: ChildBundle | undefined;
afterAll(() => bundle?.remove());

/** The scenario in a worker: a core that never returns fails the test after 10 s instead of hanging it. */
async function inWorker(acceptZero: boolean): Promise<ZeroIntervalRun> {
  const config = issueConfig();
  bundle ??= transpileForChild('test/unit/vrrp/tick-bound.worker.ts');
  const worker = new Worker(bundle.entry, { workerData: { config, acceptZero } });
  let timer: NodeJS.Timeout | undefined;
  return new Promise<ZeroIntervalRun>((resolve, reject) => {
    worker.on('message', (m: ZeroIntervalRun | { ready: true }) => {
      if ('ready' in m) {
        // From here the scenario takes milliseconds; the bound only catches a core that never returns.
        timer = setTimeout(() => reject(new Error('VrrpCore.step did not return within 10 s: the timer loop spins')), 10_000);
      } else resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) without a result`)));
  }).finally(() => {
    clearTimeout(timer);
    void worker.terminate();
  });
}

describe('issue 8 §1: Max Adver Int 0 cannot stall the core', () => {
  it('the advert is dropped and counted, the learned interval stays 1 s, the group takes over at VI_54\'s Master_Down_Interval and keeps advertising', async () => {
    const r = await inWorker(false);
    expect(r.drops.advert_interval_invalid).toBe(1);
    expect(r.masterAdverInterval53).toBe(1_000_000);
    const drop = r.effects.find((e) => e.kind === 'log' && e.event === 'advert.drop');
    expect(drop && drop.kind === 'log' ? drop.msg : undefined).toBe("(VI_53) invalid advertisement interval from 127.0.0.3: rcv'd=0 centi-sec, must be 1..4095 - ignoring");
    // Nothing learned from the bad advert: VI_53 (200) times out at its own 3.21875 s, the group refuses
    // (VI_54 does not want MASTER yet), VI_54 times out at 3.609375 s and the group goes MASTER together —
    // where keepalived 2.2.7 ends too, without its busy loop in between.
    expect(r.steps.find((s) => s.kind === 'tick' && s.at === MDI_54)).toBeDefined();
    expect(r.complete).toBe(true);
    expect(r.states).toEqual({ VI_53: 'MASTER', VI_54: 'MASTER' });
    const adverts = r.effects.filter((e) => e.kind === 'sendAdvert');
    // 3.609375 s … 10 s: the first advert of each at 3.609375 s, then one a second: 7 each.
    expect(adverts.filter((e) => e.kind === 'sendAdvert' && e.vrid === 53)).toHaveLength(7);
    expect(adverts.filter((e) => e.kind === 'sendAdvert' && e.vrid === 54)).toHaveLength(7);
    for (const s of r.steps) {
      expect(s.expirations).toBeLessThanOrEqual(2);
      if (s.next !== undefined) expect(s.next).toBeGreaterThan(s.at);
    }
    // SIGTERM: both MASTERs send priority 0 and stop.
    expect(r.stopEffects.filter((e) => e.kind === 'sendAdvert' && e.priority === 0)).toHaveLength(2);
  }, 120_000);

  it('even when a zero interval reaches the state machine (receive checks that accept it, as keepalived\'s do), every tick returns, fires each timer at most once and leaves the next deadline after now', async () => {
    const result = await inWorker(true);
    // The zero interval was learned: VI_53's down timer is 0, so it expires at every step and the group
    // refuses it (VI_54 does not want MASTER yet). keepalived 2.2.7 and 2.4.3 spin on exactly this until
    // VI_54's own timer runs out; the core cannot spin inside a step: each tick fires each timer at most
    // once and time moves on by at least 1 µs per step.
    expect(result.masterAdverInterval53).toBe(0);
    const after = result.steps.slice(result.steps.findIndex((s) => s.kind === 'packet') + 1);
    expect(after.length).toBeGreaterThan(1_000);
    for (const [n, s] of result.steps.entries()) {
      expect(s.expirations).toBeLessThanOrEqual(2);
      if (s.next !== undefined) expect(s.next).toBeGreaterThan(s.at);
      if (n > 0) expect(s.at).toBeGreaterThanOrEqual(result.steps[n - 1]!.at);
    }
    expect(after.every((s) => s.kind === 'tick' && s.expirations === 1)).toBe(true);
    expect(result.states).toEqual({ VI_53: 'BACKUP', VI_54: 'BACKUP' });
    expect(result.wantstates.VI_53).toBe('MASTER');
  }, 120_000);
});
