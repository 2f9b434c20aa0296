// Steady-state resource benchmark: `n` VRRPv2 instances (advert_int 1) as MASTER against a *silent*
// peer (the other end of the veth runs only tcpdump, which counts the adverts so a daemon cannot look
// cheap by not sending). After every instance has logged `Entering MASTER STATE` and the second GARP
// burst (garp_master_delay 5 s) is over, the daemon's process tree is sampled once a second for
// `seconds`: CPU = Δ(utime+stime) from /proc/PID/stat summed over the tree (keepalived parent + VRRP
// child; havipd's one Node process, all threads), cross-checked with Σ per-thread schedstat (ns), which
// also gives the per-slice CPU rates; RSS = Σ VmRSS from /proc/PID/status.

import { join } from 'node:path';
import { steadyConfig } from './configs.mjs';
import { startDaemon } from './daemons.mjs';
import { createPair, scratchDir, sleep } from './netns.mjs';
import { startCapture, tsharkCount } from './pcap.mjs';
import { CLK_TCK, sampleTree } from './proc.mjs';
import { median } from './stats.mjs';

/** Time after the last `Entering MASTER STATE` before measuring: second GARP burst (5 s) + margin. */
const SETTLE_MS = 6_500;

async function setUp(kind, n, log) {
  const pair = await createPair('10.250.0', ['r', 'q']);
  const scratch = scratchDir('hv-b1-pcap');
  let daemon;
  try {
    const cap = await startCapture(pair.b, pair.ifB, join(scratch.path, 'steady.pcap'), 'ip proto 112');
    daemon = await startDaemon(kind, pair.a, steadyConfig({ n, ifname: pair.ifA }));
    const t0 = Date.now();
    await daemon.waitLog(/Entering MASTER STATE/, n, 60_000 + n * 200);
    log(`resources ${kind} × ${n}: all MASTER after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { kind, pair, scratch, cap, daemon };
  } catch (e) {
    await daemon?.stop(2_000).catch(() => {});
    await pair.destroy();
    scratch.remove();
    throw e;
  }
}

async function tearDown(s) {
  await s.cap.stop().catch(() => {});
  await s.daemon.stop(5_000).catch(() => {});
  await s.pair.destroy();
  s.scratch.remove();
}

/**
 * Measure `kinds` at `n` instances for `seconds`. With `parallel` (default) all kinds run at the same
 * time, each in its own namespace pair, so both see the same background load; otherwise one after the
 * other. Returns `{ [kind]: Result }` with CPU seconds, per-slice CPU rates, RSS samples and adverts.
 */
export async function resourceBench(kinds, { n, seconds, parallel = true, log = () => {} }) {
  const out = {};
  const groups = parallel ? [kinds] : kinds.map((k) => [k]);
  for (const group of groups) {
    const setups = [];
    try {
      for (const kind of group) setups.push(await setUp(kind, n, log));
      await sleep(SETTLE_MS);
      Object.assign(out, await measure(setups, seconds));
    } finally {
      for (const s of setups) await tearDown(s);
    }
  }
  return out;
}

async function measure(setups, seconds) {
  const slices = Math.max(1, Math.min(6, Math.floor(seconds / 5)));
  const sliceEvery = seconds / slices;
  const st = setups.map((s) => {
    const first = sampleTree(s.daemon.pid);
    return { s, first, last: first, rss: [first.rssKiB], sliceNs: [first.schedNs], pidsMax: first.pids.length, dead: false };
  });
  const t0 = Date.now();
  for (let i = 1; i <= seconds; i++) {
    // Sample on a fixed grid (t0 + i s) so the window is `seconds` long however slow the loop is.
    await sleep(Math.max(0, t0 + i * 1000 - Date.now()));
    for (const x of st) {
      const smp = sampleTree(x.s.daemon.pid);
      if (smp.pids.length === 0 || x.s.daemon.proc.hasExited()) {
        x.dead = true;
        continue;
      }
      x.last = smp;
      x.rss.push(smp.rssKiB);
      x.pidsMax = Math.max(x.pidsMax, smp.pids.length);
      if (i >= Math.round(sliceEvery * x.sliceNs.length)) x.sliceNs.push(smp.schedNs);
    }
  }
  const t1 = Date.now();
  const wall = (t1 - t0) / 1000;
  const res = {};
  for (const x of st) {
    const rows = await x.s.cap.stop();
    const adverts = rows.filter((r) => r.kind === 'vrrp' && r.src === x.s.pair.ipA && r.t * 1000 >= t0 && r.t * 1000 <= t1);
    const byVrid = new Map();
    for (const r of adverts) byVrid.set(r.vrrp.vrid, [...(byVrid.get(r.vrrp.vrid) ?? []), r.t]);
    const gaps = [...byVrid.values()].flatMap((ts) => ts.slice(1).map((t, i) => t - ts[i]));
    const rates = x.sliceNs.slice(1).map((t, i) => (t - x.sliceNs[i]) / 1e9 / sliceEvery);
    res[x.s.kind] = {
      dead: x.dead,
      wallS: wall,
      cpuS: (x.last.ticks - x.first.ticks) / CLK_TCK,
      schedCpuS: (x.last.schedNs - x.first.schedNs) / 1e9,
      sliceCpuPerS: rates,
      sliceS: sliceEvery,
      rssKiB: x.rss,
      processes: x.pidsMax,
      adverts: adverts.length,
      vridsSeen: byVrid.size,
      advertPeriodS: median(gaps),
      advertPeriodMaxS: gaps.length ? Math.max(...gaps) : NaN,
      captureDropped: x.s.cap.dropped(),
      // Cross-check of the pcap reader on the whole capture: VRRP frames it decoded vs tshark's count.
      parserCheck: { ours: rows.filter((r) => r.kind === 'vrrp').length, tshark: (await tsharkCount(x.s.cap.pcap))?.vrrp },
    };
  }
  return res;
}
