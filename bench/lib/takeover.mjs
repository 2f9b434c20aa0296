// Takeover benchmark (RFC 5798 §6.4.2 Master_Down_Interval; keepalived reference §3.2, §3.5, §3.12):
// a MASTER (priority 200) and a BACKUP (priority 100) of the same kind on a fresh veth pair, the
// master SIGKILLed (whole process group, so keepalived cannot send its priority-0 goodbye), and every
// figure read from one tcpdump capture taken on the backup's interface:
//   takeover      = first advert of the new master − last advert of the killed master
//   first GARP    = first GARP of the new master for the VIP − its first advert
//   burst         = GARPs in the first burst, and the burst's length (first to last frame)
//   second burst  = start of the second GARP burst − start of the first (garp_master_delay)
//   advert period = median interval between the new master's adverts

import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TAKEOVER_VIP, takeoverConfig } from './configs.mjs';
import { startDaemon } from './daemons.mjs';
import { createPair, scratchDir, sleep, waitFor } from './netns.mjs';
import { startCapture } from './pcap.mjs';
import { median } from './stats.mjs';

const MASTER_PRIO = 200;
const BACKUP_PRIO = 100;

/** Master_Down_Interval of the priority-100 backup (keepalived §3.2): 3 × interval + Skew_Time. */
export function expectedTakeover(version, advertInt) {
  const skew = version === 2 ? (256 - BACKUP_PRIO) / 256 : ((256 - BACKUP_PRIO) * advertInt) / 256;
  return 3 * advertInt + skew;
}

/** A GARP burst boundary: frames further apart than this start a new burst. */
const BURST_GAP_S = 0.5;

/** Pure analysis of one capture (exported so it can be checked by hand on a saved pcap). */
export function analyseTakeover(rows, { ipA, ipB, macB, vip = TAKEOVER_VIP }) {
  const advertsA = rows.filter((r) => r.kind === 'vrrp' && r.src === ipA && r.vrrp.type === 1);
  const advertsB = rows.filter((r) => r.kind === 'vrrp' && r.src === ipB && r.vrrp.type === 1);
  const problems = [];
  if (advertsA.some((r) => r.vrrp.priority === 0)) problems.push('killed master sent a priority-0 advert');
  const last = advertsA.at(-1);
  if (!last) return { problems: [...problems, 'no advert from the master'] };
  if (advertsB.some((r) => r.t < last.t)) problems.push('backup sent adverts before the master was killed');
  const newAdverts = advertsB.filter((r) => r.t > last.t);
  const first = newAdverts[0];
  if (!first) return { problems: [...problems, 'no advert from the new master'] };
  const garps = rows.filter((r) => r.kind === 'arp' && r.ethSrc === macB && r.arp.senderIp === vip && r.t >= last.t);
  const bursts = [];
  for (const g of garps) {
    const b = bursts.at(-1);
    if (b && g.t - b.at(-1).t <= BURST_GAP_S) b.push(g);
    else bursts.push([g]);
  }
  const gaps = newAdverts.slice(1).map((r, i) => r.t - newAdverts[i].t);
  return {
    problems,
    takeoverS: first.t - last.t,
    firstGarpS: garps.length ? garps[0].t - first.t : NaN,
    burst1Count: bursts[0]?.length ?? 0,
    burst1LengthS: bursts[0] ? bursts[0].at(-1).t - bursts[0][0].t : NaN,
    burst2Count: bursts[1]?.length ?? 0,
    secondBurstS: bursts[1] ? bursts[1][0].t - bursts[0][0].t : NaN,
    advertPeriodS: gaps.length ? median(gaps) : NaN,
    newAdverts: newAdverts.length,
  };
}

/**
 * One repetition for daemon `kind`. Returns the analysis (with `problems` non-empty when the run is
 * not valid, e.g. the backup took over before the kill) — it never leaves namespaces behind.
 */
export async function takeoverOnce(kind, { version, advertInt, listenS = 1, log = () => {} }) {
  const pair = await createPair('10.251.0', ['m', 's']);
  const scratch = scratchDir('hv-b1-pcap');
  const ms = advertInt * 1000;
  let master;
  let backup;
  try {
    const cap = await startCapture(pair.b, pair.ifB, join(scratch.path, 'takeover.pcap'));
    const conf = (routerId, ifname, priority) => takeoverConfig({ routerId, ifname, priority, advertInt, version });
    master = await startDaemon(kind, pair.a, conf('BENCH_M', pair.ifA, MASTER_PRIO));
    // The backup starts once the master has initialised, so the master's (shorter) down timer always
    // fires first and the roles are never in doubt.
    await master.waitLog(/Entering (BACKUP|MASTER) STATE/, 1, 30_000);
    backup = await startDaemon(kind, pair.b, conf('BENCH_B', pair.ifB, BACKUP_PRIO));
    const fromA = (r) => r.kind === 'vrrp' && r.src === pair.ipA && r.vrrp.priority === MASTER_PRIO;
    await waitFor(() => cap.peek().some(fromA), { timeoutMs: 30_000, intervalMs: Math.min(100, ms), what: `${kind} master's first advert` });
    await backup.waitLog(/Entering BACKUP STATE/, 1, 30_000);
    // Let the backup hear a few adverts (at least `listenS`, default 1 s) so it runs on its steady-state timer. A
    // longer listen is closer to a BACKUP that has waited for hours: its takeover code has not run since start-up.
    await sleep(Math.max(listenS * 1000, 2 * ms) + 200);
    master.kill();
    const fromB = (r) => r.kind === 'vrrp' && r.src === pair.ipB && r.vrrp.type === 1;
    await waitFor(() => cap.peek().some(fromB), { timeoutMs: 10 * ms + 15_000, intervalMs: Math.min(100, ms), what: `${kind} backup's first advert after the kill` });
    // Wait for the second GARP burst (garp_master_delay, default 5 s), bounded; then a little more so
    // the burst is complete.
    const garpB = (r) => r.kind === 'arp' && r.ethSrc === pair.macB && r.arp.senderIp === TAKEOVER_VIP;
    await waitFor(() => {
      const g = cap.peek().filter(garpB);
      return g.length > 0 && g.at(-1).t - g[0].t > 1;
    }, { timeoutMs: 9_000, intervalMs: 200, what: 'second GARP burst' }).catch(() => log(`(${kind}: no second GARP burst within 9 s)`));
    await sleep(600);
    const rows = await cap.stop();
    const a = analyseTakeover(rows, { ipA: pair.ipA, ipB: pair.ipB, macB: pair.macB });
    if (a.problems.length) a.problems.push(`logs kept in ${keepEvidence(kind, scratch.path, master, backup)}`);
    return a;
  } catch (e) {
    const where = keepEvidence(kind, scratch.path, master, backup);
    throw new Error(`${e instanceof Error ? e.message.split('\n')[0] : String(e)} (logs kept in ${where})`);
  } finally {
    await backup?.stop(3_000).catch(() => {});
    await master?.stop(1_000).catch(() => {});
    await pair.destroy();
    scratch.remove();
  }
}

/** Copy both daemons' output and the capture of a failed run to a directory that outlives the run. */
function keepEvidence(kind, scratchPath, master, backup) {
  const dir = mkdtempSync(join(tmpdir(), `hv-b1-failed-${kind}-`));
  if (master) writeFileSync(join(dir, 'master.log'), master.log());
  if (backup) writeFileSync(join(dir, 'backup.log'), backup.log());
  const pcap = join(scratchPath, 'takeover.pcap');
  if (existsSync(pcap)) copyFileSync(pcap, join(dir, 'takeover.pcap'));
  return dir;
}

/**
 * `reps` valid repetitions per kind, interleaved ABBA (havipd, keepalived, keepalived, havipd, …) so
 * drifting machine load hits both alike. An invalid repetition is logged and retried (up to 3 extra
 * per kind). Returns `{ [kind]: { runs: Analysis[], invalid: string[] } }`.
 */
export async function takeoverBench(kinds, { version, advertInt, reps, listenS = 1, log }) {
  const res = Object.fromEntries(kinds.map((k) => [k, { runs: [], invalid: [] }]));
  for (let i = 0; res[kinds[0]].runs.length < reps || res[kinds.at(-1)].runs.length < reps; i++) {
    const order = i % 2 === 0 ? kinds : [...kinds].reverse();
    let progressed = false;
    for (const kind of order) {
      const r = res[kind];
      if (r.runs.length >= reps || r.invalid.length >= 3) continue;
      progressed = true;
      let a;
      try {
        a = await takeoverOnce(kind, { version, advertInt, listenS, log });
      } catch (e) {
        a = { problems: [e instanceof Error ? e.message.split('\n')[0] : String(e)] };
      }
      if (a.problems.length === 0) {
        r.runs.push(a);
        log(`v${version}/${advertInt}s ${kind} #${r.runs.length}: takeover ${(a.takeoverS * 1000).toFixed(1)} ms, first GARP ${(a.firstGarpS * 1000).toFixed(1)} ms, 2nd burst ${a.secondBurstS.toFixed(3)} s`);
      } else {
        r.invalid.push(a.problems.join('; '));
        log(`v${version}/${advertInt}s ${kind}: invalid run (${a.problems.join('; ')})`);
      }
    }
    if (!progressed) break;
  }
  return res;
}
