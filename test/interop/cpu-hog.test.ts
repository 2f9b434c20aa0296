// A havipd pair under a CPU hog (issue 14 §4): a busy loop pinned to each core (taskset, same nice as the
// daemons) for 20 s while the MASTER advertises every 0.5 s (VRRPv3). From the bridge capture: the MASTER's
// advert gaps stay within the interval + 0.75 s and below the BACKUP's Master_Down_Interval, the BACKUP never
// sends an advert with a priority above 0 (no spurious failover) and never adds the VIP (ip monitor).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { masterDownS } from '../chaos/soak.js';
import { startCapture } from '../support/capture.js';
import { interopGuard } from '../support/interop-guard.js';
import { createNetns, destroyAll, scratchDir, sleep, sweepStaleNetns, waitFor, type Netns, type Spawned } from '../support/netns.js';
import { advertsFrom, entering, startNode, vrrpConfig, type VrrpNode } from '../support/scenario.js';

const guard = interopGuard(['taskset']);
const ADVERT_INT = 0.5;
const HOG_S = 20;

describe.skipIf(guard.skip)('havipd pair under a busy loop on every core (issue 14 §4)', () => {
  const nodes: VrrpNode[] = [];
  let sw: Netns;
  let a: Netns;
  let b: Netns;
  let subnet = '';
  const scratch = scratchDir('hv-hog');
  beforeAll(async () => {
    await sweepStaleNetns('hv-hog');
    sw = await createNetns('hv-hog');
    a = await createNetns('hv-hog');
    b = await createNetns('hv-hog');
    subnet = `10.${160 + (process.pid % 40)}.${(process.pid >> 7) % 250}`;
    await sw.ip(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    await sw.ip(['link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    await sw.ip(['link', 'set', 'br0', 'up']);
    for (const [i, ns] of [a, b].entries()) {
      await sw.ip(['link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
      await sw.ip(['link', 'set', `p${i}`, 'master', 'br0']);
      await sw.ip(['link', 'set', `p${i}`, 'up']);
      await ns.ip(['addr', 'add', `${subnet}.${i + 1}/24`, 'dev', 'eth0']);
      await ns.ip(['link', 'set', 'eth0', 'up']);
      await waitFor(async () => /LOWER_UP/.test((await ns.ip(['-o', 'link', 'show', 'dev', 'eth0'])).stdout), { timeoutMs: 10_000, intervalMs: 50, what: 'eth0 up' });
    }
  });
  afterAll(async () => {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await destroyAll();
    scratch.remove();
  });

  it(`MASTER keeps its ${ADVERT_INT} s period and the BACKUP stays BACKUP for ${HOG_S} s of hog`, async () => {
    const vip = `${subnet}.100`;
    const conf = (prio: number): string => vrrpConfig({ instances: [{ iface: 'eth0', vrid: 88, priority: prio, advertInt: ADVERT_INT, version: 3, vips: [`${vip}/24`] }] });
    const ma = await startNode('havipd', a, conf(150));
    nodes.push(ma);
    const mb = await startNode('havipd', b, conf(100));
    nodes.push(mb);
    await ma.waitForLog(entering('MASTER'), { timeoutMs: 15_000 });
    await mb.waitForLog(entering('BACKUP'), { timeoutMs: 15_000 });
    await sleep(2_000);
    const monitor = b.spawn(['ip', '-o', 'monitor', 'address', 'dev', 'eth0']);
    const cap = await startCapture(sw, 'br0', join(scratch.path, 'hog.pcap'), { filter: 'ip proto 112' });
    const t0 = Date.now() / 1000;
    const hogs: Spawned[] = [0, 1].map((cpu) => sw.spawn(['taskset', '-c', String(cpu), 'timeout', String(HOG_S + 5), 'sh', '-c', 'while :; do :; done']));
    let hogCpu = '';
    try {
      await sleep(HOG_S * 1000);
      hogCpu = hogs.map((h) => `${h.pid}:${h.hasExited() ? 'exited' : 'running'}`).join(' ');
    } finally {
      for (const h of hogs) await h.stop('SIGKILL', 0);
    }
    const t1 = Date.now() / 1000;
    const rows = await cap.stop();
    await monitor.stop('SIGTERM', 1_000);
    const fromA = advertsFrom(rows, `${subnet}.1`).filter((r) => r.time >= t0 && r.time <= t1);
    const fromB = advertsFrom(rows, `${subnet}.2`).filter((r) => (r.vrrp?.priority ?? 0) > 0);
    const gaps = fromA.slice(1).map((r, k) => r.time - fromA[k]!.time).sort((x, y) => x - y);
    const p = (q: number): number => gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * q))] ?? NaN;
    const md = masterDownS(ADVERT_INT, 100);
    process.stdout.write(`cpu hog (${hogCpu}): ${fromA.length} adverts from the MASTER in ${(t1 - t0).toFixed(1)} s; gaps p50 ${p(0.5).toFixed(3)} s, p99 ${p(0.99).toFixed(3)} s, max ${gaps[gaps.length - 1]?.toFixed(3)} s (interval ${ADVERT_INT} s, BACKUP Master_Down_Interval ${md.toFixed(3)} s); adverts from the BACKUP above priority 0: ${fromB.length}\n`);
    expect(hogCpu).toMatch(/running.*running/);
    expect(fromA.length).toBeGreaterThanOrEqual(Math.floor((t1 - t0) / ADVERT_INT) - 2);
    // one advert late by up to 0.75 s (measured: 0.31 s at load 8 with both hogs) and still far from the BACKUP's Master_Down_Interval
    expect(gaps[gaps.length - 1]!).toBeLessThanOrEqual(ADVERT_INT + 0.75);
    expect(gaps[gaps.length - 1]!).toBeLessThan(md);
    expect(fromB).toEqual([]);
    expect(monitor.output().split('\n').filter((l) => l.includes(` ${vip}/`) && !l.startsWith('Deleted'))).toEqual([]);
    expect(mb.countLog(entering('MASTER'))).toBe(0);
  }, 120_000);
});
