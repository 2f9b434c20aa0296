// SIGHUP reload of a running havipd MASTER with keepalived 2.2.7 as its BACKUP peer (reference §3.15,
// §4.3): an unchanged instance keeps its state and VIP without a flap and without extra GARP; a broken
// configuration is refused and the running one keeps going; a lowered priority takes effect at once
// (adverts carry it, the peer preempts). VRRPv3 multicast at 0.5 s. The tests run in order on one pair.
// Times are the capture's; the test's clock only brackets a reload (read before the signal and after the
// outcome line was seen), so a busy machine widens a bracket but cannot make an assertion fail.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture, type Capture } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { createLan, destroyAll, scratchDir, sleep, sweepStaleNetns, waitFor, type Lan } from '../support/netns.js';
import { addrsOn, advertsFrom, describeRows, entering, explainFailure, garpsFor, startNode, vipIn, vrrpConfig, waitVip, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard();
const VRID = 140;
const ADVERT_S = 0.5;
/**
 * Capture stamp vs the daemon's log line: an advert sent before "Reload complete" is written may be stamped
 * a little after the test saw that line when the receive softirq is deferred on a loaded CPU.
 */
const STAMP_SLACK_S = 0.1;

describe.skipIf(guard.skip)('SIGHUP reload of a havipd MASTER (peer: keepalived 2.2.7)', () => {
  let lan: Lan;
  let h: VrrpNode;
  let k: VrrpNode;
  let cap: Capture;
  let vip = '';
  const scratch = scratchDir('hv-n2-reload');
  const nodes: VrrpNode[] = [];

  const conf = (side: 'a' | 'b', priority: number): string =>
    vrrpConfig({
      routerId: `hv_${side}`,
      globals: ['vrrp_garp_master_delay 1', 'vrrp_garp_master_repeat 2'],
      instances: [{ iface: side === 'a' ? lan.ifA : lan.ifB, vrid: VRID, priority, version: 3, advertInt: 0.5, vips: [`${vip}/24`] }],
    });

  /** Watch the VIP on A every 10 ms until `stop()`; returns whether it was ever missing. */
  const watchVip = (): { stop(): Promise<number> } => {
    let running = true;
    let missing = 0;
    const loop = (async () => {
      while (running) {
        if (!(await addrsOn(lan.a, lan.ifA)).includes(`${vip}/24`)) missing += 1;
        await sleep(10);
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return missing;
      },
    };
  };

  /**
   * SIGHUP havipd and wait for the outcome line (bounded). Returns the wall-clock time just before the
   * signal and the time the outcome line had been seen: whatever the reload sends lies between the two.
   */
  const reload = async (config: string, outcome: RegExp): Promise<{ t: number; seen: number }> => {
    h.havipd!.writeConfig(config);
    const before = h.countLog(outcome);
    const t = Date.now() / 1000;
    h.signal('SIGHUP');
    await h.waitForLog(outcome, { after: before, timeoutMs: 5_000 });
    return { t, seen: Date.now() / 1000 };
  };

  beforeAll(async () => {
    await sweepStaleNetns();
    lan = await createLan();
    vip = vipIn(lan.ipA, VRID);
    cap = await startCapture(lan.b, lan.ifB, join(scratch.path, 'reload.pcap'), { filter: 'arp or ip proto 112' });
    h = await startNode('havipd', lan.a, conf('a', 150));
    nodes.push(h);
    await h.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, { timeoutMs: 5_000 });
    k = await startNode('keepalived', lan.b, conf('b', 100));
    nodes.push(k);
    await explainFailure(
      () => nodes,
      async () => {
        await h.waitForLog(entering('MASTER'), { timeoutMs: 10_000 });
        await waitVip(lan.a, lan.ifA, `${vip}/24`, true);
        // Let the takeover burst and the delayed one (1 s) go out before any reload.
        await sleep(2_000);
        expect(k.countLog(entering('MASTER'))).toBe(0);
      },
    );
  });
  afterAll(async () => {
    await cap?.stop().catch(() => undefined);
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await destroyAll();
  });

  it('unchanged configuration: same state, VIP never missing, no GARP, no priority 0, peer undisturbed', async () => {
    await explainFailure(
      () => nodes,
      async () => {
        const transitions = h.countLog(/Entering \w+ STATE/);
        const watch = watchVip();
        const { t } = await reload(conf('a', 150), /Reload complete|reload failed|keeping the running one/);
        await sleep(2_000);
        const missing = await watch.stop();
        expect(h.log()).toMatch(/Reload complete/);
        expect(h.countLog(/Entering \w+ STATE/)).toBe(transitions);
        expect(missing, 'polls with the VIP missing from A during the reload').toBe(0);
        const rows = await cap.peek();
        const after = rows.filter((r) => r.time >= t);
        expect(garpsFor(after, vip), describeRows(after, t)).toEqual([]);
        expect(advertsFrom(after, lan.ipA, VRID, 0), describeRows(after, t)).toEqual([]);
        expect(advertsFrom(after, lan.ipB, VRID), describeRows(after, t)).toEqual([]);
        // Adverts kept flowing at 0.5 s through the reload: no advert interval went without one. The reload
        // sends one advert at once and restarts the interval from it, and parsing the file on a loaded CPU
        // may delay the advert due meanwhile, so a gap may exceed 0.5 s by that much; a gap of two intervals
        // means an advert was skipped (adverts stopped while reloading, or an instance restarted).
        const mine = advertsFrom(rows, lan.ipA, VRID, 150).filter((r) => r.time >= t - 1);
        const gaps = mine.slice(1).map((r, i) => r.time - mine[i]!.time);
        console.log(`reload unchanged: advert gaps through the reload ${gaps.map((g) => g.toFixed(3)).join(' ')} s (bound ${2 * ADVERT_S} s)`);
        expect(gaps.length, describeRows(mine, t)).toBeGreaterThanOrEqual(4);
        expect(Math.max(...gaps), describeRows(mine, t)).toBeLessThan(2 * ADVERT_S);
        expect(k.countLog(entering('MASTER'))).toBe(0);
      },
    );
  });

  it('broken configuration: refused with a clear line, the running one keeps going', async () => {
    await explainFailure(
      () => nodes,
      async () => {
        const transitions = h.countLog(/Entering \w+ STATE/);
        // `priority` without its value: keepalived's MISSING_PARAMETER class, which refuses to start.
        const broken = conf('a', 150).replace(/priority 150/, 'priority');
        const { t } = await reload(broken, /Reload complete|reload failed|keeping the running one/);
        await sleep(1_500);
        expect(h.log()).toMatch(/new configuration has errors, keeping the running one/);
        expect(h.countLog(/Entering \w+ STATE/)).toBe(transitions);
        expect((await addrsOn(lan.a, lan.ifA)).includes(`${vip}/24`)).toBe(true);
        const after = (await cap.peek()).filter((r) => r.time >= t);
        expect(advertsFrom(after, lan.ipA, VRID, 150).length, describeRows(after, t)).toBeGreaterThanOrEqual(2);
        expect(after.filter((r) => r.vrrp && r.vrrp.priority !== 150), describeRows(after, t)).toEqual([]);
        expect(k.countLog(entering('MASTER'))).toBe(0);
        h.havipd!.writeConfig(conf('a', 150)); // leave a good file for the next test
      },
    );
  });

  it('changed priority 150 → 90: adverts carry 90 at once (after the one reload advert), keepalived (100) preempts, the VIP moves', async () => {
    await explainFailure(
      () => nodes,
      async () => {
        const { t, seen } = await reload(conf('a', 90), /Reload complete|reload failed|keeping the running one/);
        expect(h.log()).toMatch(/Reload complete/);
        await k.waitForLog(entering('MASTER'), { timeoutMs: 5_000 });
        await h.waitForLog(/\(VI_1\) Entering BACKUP STATE$/, { timeoutMs: 5_000 });
        await waitVip(lan.b, lan.ifB, `${vip}/24`, true);
        await waitVip(lan.a, lan.ifA, `${vip}/24`, false);
        const c = cap;
        await waitFor(async () => advertsFrom(await c.peek(), lan.ipB, VRID, 100).length >= 1, { timeoutMs: 3_000, what: "keepalived's adverts" });
        const after = (await cap.peek()).filter((r) => r.time >= t);
        const mine = advertsFrom(after, lan.ipA, VRID);
        expect(mine.length, describeRows(after, t)).toBeGreaterThanOrEqual(1);
        // keepalived-compat: on SIGHUP a MASTER first sends one advert (still the old priority), then
        // re-reads the configuration; every advert after that one carries 90.
        // Both go out within the reload (between the signal and "Reload complete"), back to back: a first
        // 90 advert left to the advert timer would come one interval after the reload one, so the two must
        // be less than half an interval apart.
        // The advert timer runs on until the signal is handled, so one timed 150 advert may also fall
        // between `t` and the reload advert (CI saw one 6 ms before it). Two timed adverts are an interval
        // apart, so two 150s after `t` must be less than one interval apart, and never more than two.
        const old150 = mine.filter((r) => r.vrrp!.priority === 150);
        expect(old150.length, describeRows(after, t)).toBeLessThanOrEqual(2);
        if (old150.length === 2) expect(old150[1]!.time - old150[0]!.time, describeRows(after, t)).toBeLessThan(ADVERT_S);
        const reloadAdvert = old150.at(-1);
        if (reloadAdvert) expect(reloadAdvert.time, describeRows(after, t)).toBeLessThanOrEqual(seen + STAMP_SLACK_S);
        const first90 = mine.findIndex((r) => r.vrrp!.priority === 90);
        console.log(`reload 150→90: signal → outcome line seen ${(seen - t).toFixed(3)} s; 150 adverts at ${old150.map((r) => `+${(r.time - t).toFixed(3)}`).join(' ') || '-'} s, first 90 at +${first90 >= 0 ? (mine[first90]!.time - t).toFixed(3) : '-'} s`);
        expect(first90, describeRows(after, t)).toBeGreaterThanOrEqual(0);
        expect(mine.slice(first90).every((r) => r.vrrp!.priority === 90), describeRows(after, t)).toBe(true);
        expect(mine[first90]!.time, describeRows(after, t)).toBeLessThanOrEqual(seen + STAMP_SLACK_S);
        if (reloadAdvert) expect(mine[first90]!.time - reloadAdvert.time, describeRows(after, t)).toBeLessThan(ADVERT_S / 2);
        // keepalived ignored the 90 adverts and took over one Master_Down_Interval (1.5 + 0.305 s) after
        // the last 150 advert.
        const last150 = advertsFrom(await cap.peek(), lan.ipA, VRID, 150).at(-1)!;
        const firstK = advertsFrom(after, lan.ipB, VRID, 100)[0]!;
        const gap = firstK.time - last150.time;
        console.log(`reload 150→90: last 150 advert → keepalived's first advert ${gap.toFixed(3)} s (Master_Down_Interval 1.805 s)`);
        expect(gap).toBeGreaterThanOrEqual(1.5);
        expect(gap).toBeLessThanOrEqual(1.805 + 0.5);
        expect(k.log()).toMatch(/received lower priority \(90\) advert/);
      },
    );
  });
});
