// Steady-state resource benchmark: `n` VRRPv2 instances (advert_int 1) as MASTER against a *silent*
// peer (the other end of the veth runs only tcpdump, which counts the adverts so a daemon cannot look
// cheap by not sending); or, with `role: 'backup'`, as BACKUP at priority 100 behind a keepalived 2.2.7
// MASTER of the same instances at 150 in the peer namespace (the same MASTER for both kinds, so both
// BACKUPs receive the same adverts). After every instance has logged `Entering MASTER STATE` (or BACKUP)
// and the second GARP burst (garp_master_delay 5 s) is over, the daemon's process tree is sampled once a
// second for `seconds`: CPU = Δ(utime+stime) from /proc/PID/stat summed over the tree (keepalived parent +
// VRRP child; havipd's one Node process, all threads), cross-checked with Σ per-thread schedstat (ns), which
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

/** Extra veth pairs between the pair's namespaces: `veth{2k}` (A, 10.250.k.1/24) ↔ `veth{2k+1}` (B, .2). */
async function addLinks(pair, count) {
  const links = [{ ifA: pair.ifA, ifB: pair.ifB, ipA: pair.ipA }];
  for (let k = 1; k < count; k++) {
    const ifA = `veth${2 * k}`;
    const ifB = `veth${2 * k + 1}`;
    await pair.a.ip(['link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', pair.b.name]);
    await pair.a.ip(['addr', 'add', `10.250.${k}.1/24`, 'dev', ifA]);
    await pair.b.ip(['addr', 'add', `10.250.${k}.2/24`, 'dev', ifB]);
    await pair.a.ip(['link', 'set', ifA, 'up']);
    await pair.b.ip(['link', 'set', ifB, 'up']);
    links.push({ ifA, ifB, ipA: `10.250.${k}.1` });
  }
  return links;
}

/** `steadyConfig` for the BACKUP role: the same instances at priority 100, starting in BACKUP. */
function backupConfig(opts) {
  return steadyConfig(opts).replace(/state MASTER/g, 'state BACKUP').replace(/priority 150/g, 'priority 100');
}

async function setUp(kind, n, log, ifaces = 1, role = 'master') {
  const pair = await createPair('10.250.0', ['r', 'q']);
  const scratch = scratchDir('hv-b1-pcap');
  let daemon;
  let peer;
  const caps = [];
  try {
    const links = await addLinks(pair, ifaces);
    for (const l of links) caps.push({ ...l, cap: await startCapture(pair.b, l.ifB, join(scratch.path, `steady-${l.ifB}.pcap`), 'ip proto 112') });
    const ifnames = links.map((l) => l.ifA);
    if (role === 'backup') {
      // The MASTER on the other end is keepalived for both kinds, so both BACKUPs hear the same adverts.
      peer = await startDaemon('keepalived', pair.b, steadyConfig({ n, ifnames: links.map((l) => l.ifB) }));
      await peer.waitLog(/Entering MASTER STATE/, n, 60_000 + n * 200);
    }
    daemon = await startDaemon(kind, pair.a, role === 'backup' ? backupConfig({ n, ifnames }) : steadyConfig({ n, ifnames }));
    const t0 = Date.now();
    const state = role === 'backup' ? 'BACKUP' : 'MASTER';
    await daemon.waitLog(new RegExp(`Entering ${state} STATE`), n, 60_000 + n * 200);
    log(`resources ${kind} × ${n}${ifaces > 1 ? ` on ${ifaces} interfaces` : ''}: all ${state} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { kind, pair, scratch, caps, cap: caps[0].cap, daemon, peer };
  } catch (e) {
    for (const c of caps) await c.cap.stop().catch(() => {});
    await daemon?.stop(2_000).catch(() => {});
    await peer?.stop(2_000).catch(() => {});
    await pair.destroy();
    scratch.remove();
    throw e;
  }
}

async function tearDown(s) {
  for (const c of s.caps) await c.cap.stop().catch(() => {});
  await s.daemon.stop(5_000).catch(() => {});
  await s.peer?.stop(5_000).catch(() => {});
  await s.pair.destroy();
  s.scratch.remove();
}

/**
 * Measure `kinds` at `n` instances for `seconds`. With `parallel` (default) all kinds run at the same
 * time, each in its own namespace pair, so both see the same background load; otherwise one after the
 * other. Returns `{ [kind]: Result }` with CPU seconds, per-slice CPU rates, RSS samples and adverts.
 */
export async function resourceBench(kinds, { n, seconds, parallel = true, ifaces = 1, role = 'master', log = () => {} }) {
  const out = {};
  const groups = parallel ? [kinds] : kinds.map((k) => [k]);
  for (const group of groups) {
    const setups = [];
    try {
      for (const kind of group) setups.push(await setUp(kind, n, log, ifaces, role));
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
    return { s, first, last: first, rss: [first.rssKiB], anon: [first.anonKiB], sliceNs: [first.schedNs], pidsMax: first.pids.length, dead: false };
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
      x.anon.push(smp.anonKiB);
      x.pidsMax = Math.max(x.pidsMax, smp.pids.length);
      if (i >= Math.round(sliceEvery * x.sliceNs.length)) x.sliceNs.push(smp.schedNs);
    }
  }
  const t1 = Date.now();
  const wall = (t1 - t0) / 1000;
  const res = {};
  for (const x of st) {
    let vrrpRows = 0;
    const adverts = [];
    const byVrid = new Map();
    let dropped = 0;
    for (const c of x.s.caps) {
      const rows = await c.cap.stop();
      vrrpRows += rows.filter((r) => r.kind === 'vrrp').length;
      dropped += c.cap.dropped() || 0;
      for (const r of rows) {
        if (r.kind !== 'vrrp' || r.src !== c.ipA || r.t * 1000 < t0 || r.t * 1000 > t1) continue;
        adverts.push(r);
        const key = `${c.ifB}/${r.vrrp.vrid}`;
        let ts = byVrid.get(key);
        if (!ts) byVrid.set(key, (ts = []));
        ts.push(r.t);
      }
    }
    const gaps = [...byVrid.values()].flatMap((ts) => ts.slice(1).map((t, i) => t - ts[i]));
    // Jitter: how far each advert interval is from advert_int (1 s), in seconds.
    const dev = gaps.map((g) => Math.abs(g - 1)).sort((a, b) => a - b);
    const pct = (p) => (dev.length ? dev[Math.min(dev.length - 1, Math.ceil(p * dev.length) - 1)] : NaN);
    const rates = x.sliceNs.slice(1).map((t, i) => (t - x.sliceNs[i]) / 1e9 / sliceEvery);
    res[x.s.kind] = {
      dead: x.dead,
      wallS: wall,
      cpuS: (x.last.ticks - x.first.ticks) / CLK_TCK,
      schedCpuS: (x.last.schedNs - x.first.schedNs) / 1e9,
      sliceCpuPerS: rates,
      sliceS: sliceEvery,
      rssKiB: x.rss,
      anonKiB: x.anon,
      processes: x.pidsMax,
      adverts: adverts.length,
      vridsSeen: byVrid.size,
      advertPeriodS: median(gaps),
      advertPeriodMaxS: gaps.length ? gaps.reduce((a, b) => Math.max(a, b), -Infinity) : NaN,
      jitterP50S: pct(0.5),
      jitterP99S: pct(0.99),
      jitterMaxS: dev.length ? dev[dev.length - 1] : NaN,
      captureDropped: dropped,
      // Cross-check of the pcap reader (one-interface runs): VRRP frames it decoded vs tshark's count.
      parserCheck: { ours: vrrpRows, tshark: x.s.caps.length === 1 ? (await tsharkCount(x.s.cap.pcap))?.vrrp : undefined },
    };
  }
  return res;
}
