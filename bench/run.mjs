// `npm run bench`: havipd against keepalived 2.2.7, side by side in one run, inside throw-away network
// namespaces (hv-b1-*): (1) takeover latency after SIGKILL of the master, VRRPv2 advert_int 1 and
// VRRPv3 advert_int 0.1 (RFC 5798 §6.4.2, keepalived reference §3.2); (2) GARP timing after takeover
// (reference §3.5, §3.12); (3) steady-state CPU and RSS at 1 and 100 instances. Prints a report and
// writes it to bench/results/latest.md. Needs root, a built dist/ (+ native addon), keepalived, tcpdump.
// See bench/README.md for the method.
//
// Env: BENCH_REPS (takeover repetitions per daemon and scenario, default 10), BENCH_SECONDS (resource
// window, default 60), BENCH_INSTANCES (default "1,100"), BENCH_BACKUP_INSTANCES (the same window with the
// daemon as BACKUP behind a keepalived MASTER; default "255"), BENCH_ONLY ("takeover", "resources"; default
// both), BENCH_PARALLEL (0 = resource runs one daemon at a time; default 1 = both at once),
// BENCH_TAKEOVER_LISTEN (seconds the takeover's BACKUP hears the master before the kill, default 1),
// BENCH_TAKEOVER_VERSIONS (default "2,3"),
// KEEPALIVED (default /usr/sbin/keepalived).
//
// `npm run bench -- --scale` (or BENCH_ONLY=scale) adds the scale part (issue 12 §5): 1, 10, 100, 255
// instances on one interface and 1000 across four, both daemons side by side, CPU per minute, RSS,
// advert period and jitter; the table goes to bench/results/scale.md (and latest.md), the curve to
// bench/results/scale.svg. BENCH_SCALE_SIZES (default "1,10,100,255,1000"; above 255 = four interfaces),
// BENCH_SCALE_SECONDS (window per size, default 20). `--soak` (or BENCH_ONLY=soak): one long window at
// 255 instances (BENCH_SOAK_SECONDS, default 3600) for the RSS slope.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEEPALIVED, KINDS, ROOT, versions } from './lib/daemons.mjs';
import { sweepStale } from './lib/netns.mjs';
import { CLK_TCK } from './lib/proc.mjs';
import { resourceBench } from './lib/resources.mjs';
import { fmt, max, mean, median, min, ratio, spread, table } from './lib/stats.mjs';
import { svgCharts } from './lib/plot.mjs';
import { expectedTakeover, takeoverBench } from './lib/takeover.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const INSTANCES = (process.env.BENCH_INSTANCES ?? '1,100').split(',').map(Number).filter((n) => n > 0);
const BACKUP_INSTANCES = (process.env.BENCH_BACKUP_INSTANCES ?? '255').split(',').map(Number).filter((n) => n > 0);
const ARGS = process.argv.slice(2);
const ONLY = (process.env.BENCH_ONLY ?? ['takeover', 'resources', ...(ARGS.includes('--scale') ? ['scale'] : []), ...(ARGS.includes('--soak') ? ['soak'] : [])].join(',')).split(',');
const SCALE_SIZES = (process.env.BENCH_SCALE_SIZES ?? '1,10,100,255,1000').split(',').map(Number).filter((n) => n > 0);
const SCALE_SECONDS = Number(process.env.BENCH_SCALE_SECONDS ?? 20);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 3600);
/** Interfaces a scale size is spread over: one up to 255 instances, four above (≤ 250 per interface at 1000). */
const ifacesFor = (n) => (n > 255 ? 4 : 1);
const PARALLEL = process.env.BENCH_PARALLEL !== '0';
const TAKEOVER_VERSIONS = (process.env.BENCH_TAKEOVER_VERSIONS ?? '2,3').split(',').map(Number);
const TAKEOVER_LISTEN = Number(process.env.BENCH_TAKEOVER_LISTEN ?? 1);
const SCENARIOS = [
  { version: 2, advertInt: 1, label: 'VRRPv2, advert_int 1 s' },
  { version: 3, advertInt: 0.1, label: 'VRRPv3, advert_int 0.1 s' },
].filter((sc) => TAKEOVER_VERSIONS.includes(sc.version));

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

function preflight() {
  const problems = [];
  if (process.getuid?.() !== 0) problems.push('needs root (ip netns, raw sockets, tcpdump)');
  if (!existsSync(KEEPALIVED)) problems.push(`${KEEPALIVED} not found (set KEEPALIVED)`);
  if (!existsSync(join(ROOT, 'dist/cli/main.js')) || !existsSync(join(ROOT, 'dist/cli/run.js'))) problems.push('dist/ is missing or incomplete: run `npx tsc -p tsconfig.json`');
  if (!existsSync(join(ROOT, 'build/Release/havipd_native.node'))) problems.push('native addon missing: `npm_config_nodedir=/usr npx node-gyp rebuild`');
  if (!['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].some(existsSync)) problems.push('tcpdump not found');
  if (!Number.isInteger(REPS) || REPS < 1) problems.push(`BENCH_REPS=${process.env.BENCH_REPS} is not a positive integer`);
  if (!(TAKEOVER_LISTEN >= 1 && TAKEOVER_LISTEN <= 3600)) problems.push(`BENCH_TAKEOVER_LISTEN=${process.env.BENCH_TAKEOVER_LISTEN}: 1..3600 seconds`);
  if (SCENARIOS.length === 0 || TAKEOVER_VERSIONS.some((v) => v !== 2 && v !== 3)) problems.push(`BENCH_TAKEOVER_VERSIONS=${process.env.BENCH_TAKEOVER_VERSIONS}: 2, 3 or 2,3`);
  if (!Number.isInteger(SECONDS) || SECONDS < 1) problems.push(`BENCH_SECONDS=${process.env.BENCH_SECONDS} is not a positive integer`);
  if (!Number.isInteger(SCALE_SECONDS) || SCALE_SECONDS < 1) problems.push(`BENCH_SCALE_SECONDS=${process.env.BENCH_SCALE_SECONDS} is not a positive integer`);
  if (SCALE_SIZES.some((n) => !Number.isInteger(n) || n > 1020)) problems.push(`BENCH_SCALE_SIZES=${process.env.BENCH_SCALE_SIZES}: 1..1020 instances`);
  if (problems.length) throw new Error(problems.join('; '));
}

const ms = (xs) => xs.map((x) => x * 1000);
const pick = (runs, key) => runs.map((r) => r[key]);

function takeoverSection(sc, res) {
  const [h, k] = KINDS.map((kind) => res[kind].runs);
  const exp = expectedTakeover(sc.version, sc.advertInt);
  const row = (label, key, scale, d, expected) => {
    const hv = scale(pick(h, key));
    const ka = scale(pick(k, key));
    return [label, spread(hv, d), spread(ka, d), ratio(median(hv), median(ka)), expected];
  };
  const id = (xs) => xs;
  const lines = [
    `### ${sc.label}`,
    '',
    table(
      ['', 'havipd median (min–max)', 'keepalived median (min–max)', 'ratio havipd / keepalived', 'expected'],
      [
        row('takeover: last advert of killed master → first advert of new master (ms)', 'takeoverS', ms, 1, fmt(exp * 1000, 1)),
        row('first GARP after the new master\'s first advert (ms)', 'firstGarpS', ms, 2, 'a few ms'),
        row('GARPs in the first burst', 'burst1Count', id, 0, '5 (garp_master_repeat)'),
        row('first burst length, first → last GARP (ms)', 'burst1LengthS', ms, 2, 'back to back'),
        row('second burst: start of 2nd − start of 1st (s)', 'secondBurstS', id, 3, '5.000 (garp_master_delay)'),
        row('GARPs in the second burst', 'burst2Count', id, 0, '5'),
        row('new master\'s advert period, median (ms)', 'advertPeriodS', ms, 2, fmt(sc.advertInt * 1000, 0)),
      ],
      'lrrrl',
    ),
    '',
    `Raw takeover (ms) — havipd: ${ms(pick(h, 'takeoverS')).map((x) => fmt(x, 1)).join(', ') || 'none'};` +
      ` keepalived: ${ms(pick(k, 'takeoverS')).map((x) => fmt(x, 1)).join(', ') || 'none'}.`,
    `Median error vs Master_Down_Interval ${fmt(exp * 1000, 1)} ms — havipd ${fmt((median(pick(h, 'takeoverS')) - exp) * 1000, 1)} ms,` +
      ` keepalived ${fmt((median(pick(k, 'takeoverS')) - exp) * 1000, 1)} ms.`,
    `Raw first-GARP delay (ms) — havipd: ${ms(pick(h, 'firstGarpS')).map((x) => fmt(x, 2)).join(', ') || 'none'};` +
      ` keepalived: ${ms(pick(k, 'firstGarpS')).map((x) => fmt(x, 2)).join(', ') || 'none'}.`,
  ];
  for (const kind of KINDS) {
    const inv = res[kind].invalid;
    if (inv.length) lines.push(`${kind}: ${inv.length} invalid run(s) discarded and retried: ${inv.join(' | ')}.`);
  }
  return lines.join('\n');
}

function resourceSection(n, res, role = 'MASTER, silent peer') {
  const [h, k] = KINDS.map((kind) => res[kind]);
  const mib = (kib) => kib / 1024;
  const r = (label, f, d, note = '') => {
    const hv = f(h);
    const ka = f(k);
    return [label, fmt(hv, d), fmt(ka, d), ratio(hv, ka), note];
  };
  // A BACKUP sends nothing: its expected count is 0 (and its period and jitter rows stay empty).
  const expectAdverts = (x) => (role.startsWith('BACKUP') ? 0 : n * x.wallS);
  const lines = [
    `### ${n} instance${n === 1 ? '' : 's'} (VRRPv2, advert_int 1, ${role}), ${fmt(h.wallS, 1)} s window`,
    '',
    table(
      ['', 'havipd', 'keepalived', 'ratio havipd / keepalived', 'note'],
      [
        r('CPU seconds (utime+stime, whole window)', (x) => x.cpuS, 2, `${1000 / CLK_TCK} ms tick resolution`),
        r('CPU seconds (Σ per-thread schedstat)', (x) => x.schedCpuS, 4, 'ns resolution; cross-check'),
        r('CPU % of one core (utime+stime)', (x) => (100 * x.cpuS) / x.wallS, 3, ''),
        [
          `CPU ms per s (schedstat), per ${fmt(h.sliceS, 0)} s slice: median (min–max)`,
          spread(h.sliceCpuPerS.map((v) => v * 1000), 3),
          spread(k.sliceCpuPerS.map((v) => v * 1000), 3),
          ratio(median(h.sliceCpuPerS), median(k.sliceCpuPerS)),
          'spread within the window',
        ],
        r('RSS peak (MiB)', (x) => mib(max(x.rssKiB)), 1, 'Σ VmRSS over the process tree, sampled 1/s'),
        r('RSS average (MiB)', (x) => mib(mean(x.rssKiB)), 1, ''),
        r('RSS min (MiB)', (x) => mib(min(x.rssKiB)), 1, ''),
        r('private memory peak (MiB)', (x) => mib(max(x.anonKiB)), 1, 'Σ RssAnon: RSS less the shared, clean pages of the executable and libraries'),
        [
          'RSS first → last sample (MiB)',
          `${fmt(mib(h.rssKiB[0]), 1)} → ${fmt(mib(h.rssKiB.at(-1)), 1)}`,
          `${fmt(mib(k.rssKiB[0]), 1)} → ${fmt(mib(k.rssKiB.at(-1)), 1)}`,
          '',
          'growth would hint at a leak',
        ],
        ['processes measured', String(h.processes), String(k.processes), '', 'keepalived: parent + VRRP child'],
        [
          'adverts on the wire / expected',
          `${h.adverts} / ${fmt(expectAdverts(h), 0)}`,
          `${k.adverts} / ${fmt(expectAdverts(k), 0)}`,
          '',
          `VRIDs seen: ${h.vridsSeen} / ${k.vridsSeen}`,
        ],
        r('advert period, median over all instances (ms)', (x) => x.advertPeriodS * 1000, 2, 'expected 1000'),
        r('advert period, worst gap (ms)', (x) => x.advertPeriodMaxS * 1000, 1, ''),
        r('advert jitter p99, |interval − advert_int| (ms)', (x) => x.jitterP99S * 1000, 2, 'target < 2 ms'),
      ],
      'lrrrl',
    ),
  ];
  const notes = [];
  for (const kind of KINDS) {
    const x = res[kind];
    if (x.dead) notes.push(`**${kind} exited during the window: its figures are incomplete.**`);
    if (x.captureDropped > 0) notes.push(`tcpdump dropped ${x.captureDropped} frames on ${kind}'s link: advert counts are low bounds.`);
    if (x.parserCheck.tshark !== undefined && x.parserCheck.tshark !== x.parserCheck.ours) {
      notes.push(`pcap reader disagrees with tshark on ${kind}'s capture: ${x.parserCheck.ours} vs ${x.parserCheck.tshark} VRRP frames.`);
    }
  }
  return lines.join('\n');
}

/** CPU seconds per minute of wall time (schedstat, ns resolution). */
const cpuPerMin = (x) => (60 * x.schedCpuS) / x.wallS;

function scaleSection(rows) {
  const ok = rows.filter((r) => r.res);
  const cell = (f, d) => (r) => KINDS.map((k) => fmt(f(r.res[k]), d));
  const body = ok.map((r) => {
    const [h, k] = KINDS.map((kind) => r.res[kind]);
    return [
      `${r.n}${r.ifaces > 1 ? ` (${r.ifaces} interfaces)` : ''}`,
      ...cell(cpuPerMin, 3)(r), ratio(cpuPerMin(h), cpuPerMin(k)),
      ...cell((x) => max(x.rssKiB) / 1024, 1)(r), ratio(max(h.rssKiB), max(k.rssKiB)),
      ...cell((x) => x.advertPeriodS * 1000, 2)(r),
      ...cell((x) => x.jitterP99S * 1000, 2)(r),
      `${h.adverts} / ${k.adverts} / ${fmt(r.n * h.wallS, 0)}`,
    ];
  });
  const lines = [
    '## Scale: cost against instances',
    '',
    `N VRRPv2 instances (advert_int 1, MASTER, one VIP each) against a silent peer, as in the steady-state part, ${SCALE_SECONDS} s window per size`,
    'after all are MASTER + 6.5 s, both daemons at once. Up to 255 instances on one interface; 1000 as 4 × 250 on four veth pairs',
    '(VRIDs 1..250 on each). CPU per minute from Σ per-thread schedstat; RSS peak over the window (sampled 1/s); jitter p99 = 99th',
    'percentile over all instances of |interval between two adverts of one VRID − 1000 ms| (from the tcpdump captures).',
    '',
    table(
      ['instances', 'CPU s/min havipd', 'CPU s/min keepalived', 'ratio', 'RSS peak MiB havipd', 'RSS peak MiB keepalived', 'ratio', 'period ms havipd', 'period ms keepalived', 'jitter p99 ms havipd', 'jitter p99 ms keepalived', 'adverts havipd / keepalived / expected'],
      body,
    ),
    '',
    '![CPU and RSS against instances](scale.svg)',
  ];
  for (const r of rows.filter((x) => !x.res)) lines.push('', `**${r.n} instances failed:** ${r.err}`);
  for (const r of ok) {
    for (const kind of KINDS) {
      const x = r.res[kind];
      if (x.dead) lines.push('', `**${kind} exited during the ${r.n}-instance window: its figures are incomplete.**`);
      if (x.captureDropped > 0) lines.push('', `tcpdump dropped ${x.captureDropped} frames on ${kind}'s links at ${r.n} instances: advert counts are low bounds.`);
    }
  }
  return lines.join('\n');
}

function scaleSvg(rows) {
  const ok = rows.filter((r) => r.res);
  const colors = { havipd: '#c0392b', keepalived: '#2e6fba' };
  const series = (f) => KINDS.map((k) => ({ name: k, color: colors[k], points: ok.map((r) => [r.n, f(r.res[k])]) }));
  return svgCharts([
    { title: 'CPU seconds per minute', ylabel: 'CPU s / min', series: series(cpuPerMin) },
    { title: 'RSS peak', ylabel: 'MiB', series: series((x) => max(x.rssKiB) / 1024) },
    { title: 'advert jitter p99', ylabel: 'ms', series: series((x) => x.jitterP99S * 1000) },
  ]);
}

/** RSS slope of a long window: least-squares MiB per hour over the samples after the first minute. */
function rssSlopeMiBPerHour(rssKiB) {
  const pts = rssKiB.map((v, i) => [i, v / 1024]).slice(60);
  if (pts.length < 2) return NaN;
  const mx = mean(pts.map((p) => p[0]));
  const my = mean(pts.map((p) => p[1]));
  const num = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return (num / den) * 3600;
}

async function main() {
  preflight();
  const stale = sweepStale();
  if (stale.length) log(`removed stale namespaces of dead runs: ${stale.join(', ')}`);
  const started = new Date();
  const t0 = Date.now();
  const load0 = loadavg();
  const v = versions();
  log(`${v.havipd} vs ${v.keepalived}; ${REPS} reps, ${SECONDS} s windows, instances ${INSTANCES.join('/')}`);

  const takeover = [];
  if (ONLY.includes('takeover')) {
    for (const sc of SCENARIOS) {
      log(`takeover, ${sc.label}`);
      takeover.push([sc, await takeoverBench(KINDS, { version: sc.version, advertInt: sc.advertInt, reps: REPS, listenS: TAKEOVER_LISTEN, log })]);
    }
  }
  const resources = [];
  if (ONLY.includes('resources')) {
    for (const n of INSTANCES) {
      log(`resources, ${n} instance(s), ${SECONDS} s${PARALLEL ? ', both daemons at once' : ''}`);
      try {
        resources.push([n, await resourceBench(KINDS, { n, seconds: SECONDS, parallel: PARALLEL, log })]);
      } catch (e) {
        const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
        log(`resources, ${n} instance(s) failed: ${msg}`);
        resources.push([n, undefined, msg]);
      }
    }
  }
  const backups = [];
  if (ONLY.includes('resources')) {
    for (const n of BACKUP_INSTANCES) {
      log(`resources as BACKUP, ${n} instance(s) behind a keepalived MASTER, ${SECONDS} s`);
      try {
        backups.push([n, await resourceBench(KINDS, { n, seconds: SECONDS, parallel: PARALLEL, role: 'backup', log })]);
      } catch (e) {
        const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
        log(`resources as BACKUP, ${n} instance(s) failed: ${msg}`);
        backups.push([n, undefined, msg]);
      }
    }
  }
  const scale = [];
  if (ONLY.includes('scale')) {
    for (const n of SCALE_SIZES) {
      const ifaces = ifacesFor(n);
      log(`scale, ${n} instance(s) on ${ifaces} interface(s), ${SCALE_SECONDS} s`);
      try {
        scale.push({ n, ifaces, res: await resourceBench(KINDS, { n, seconds: SCALE_SECONDS, parallel: PARALLEL, ifaces, log }) });
      } catch (e) {
        const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
        log(`scale, ${n} instance(s) failed: ${msg}`);
        scale.push({ n, ifaces, err: msg });
      }
    }
  }
  let soak;
  if (ONLY.includes('soak')) {
    log(`soak, 255 instances, ${SOAK_SECONDS} s`);
    soak = await resourceBench(KINDS, { n: 255, seconds: SOAK_SECONDS, parallel: PARALLEL, log });
  }
  const load1 = loadavg();
  const totalS = (Date.now() - t0) / 1000;

  const summary = [];
  for (const [sc, res] of takeover) {
    const [h, k] = KINDS.map((kind) => median(pick(res[kind].runs, 'takeoverS')) * 1000);
    summary.push([`takeover, ${sc.label} (ms, median)`, fmt(h, 1), fmt(k, 1), ratio(h, k)]);
    const exp = expectedTakeover(sc.version, sc.advertInt) * 1000;
    summary.push([`takeover error vs Master_Down_Interval ${fmt(exp, 1)} ms, ${sc.label} (ms, median)`, fmt(h - exp, 2), fmt(k - exp, 2), ratio(h - exp, k - exp)]);
    const [hg, kg] = KINDS.map((kind) => median(pick(res[kind].runs, 'firstGarpS')) * 1000);
    summary.push([`first GARP after takeover, ${sc.label} (ms, median)`, fmt(hg, 2), fmt(kg, 2), ratio(hg, kg)]);
  }
  for (const r of scale) {
    if (!r.res) continue;
    const [h, k] = KINDS.map((kind) => r.res[kind]);
    summary.push([`CPU s per minute, scale, ${r.n} instance(s)`, fmt(cpuPerMin(h), 3), fmt(cpuPerMin(k), 3), ratio(cpuPerMin(h), cpuPerMin(k))]);
    summary.push([`advert jitter p99 ms, scale, ${r.n} instance(s)`, fmt(h.jitterP99S * 1000, 2), fmt(k.jitterP99S * 1000, 2), ratio(h.jitterP99S, k.jitterP99S)]);
  }
  if (soak) {
    const [h, k] = KINDS.map((kind) => soak[kind]);
    summary.push([`RSS slope MiB/h, 255 instances, ${fmt(h.wallS / 60, 0)} min`, fmt(rssSlopeMiBPerHour(h.rssKiB), 2), fmt(rssSlopeMiBPerHour(k.rssKiB), 2), '']);
  }
  for (const [n, res] of resources) {
    if (!res) continue;
    const [h, k] = KINDS.map((kind) => res[kind]);
    summary.push([`CPU s in ${fmt(h.wallS, 0)} s, ${n} instance(s), utime+stime`, fmt(h.cpuS, 2), fmt(k.cpuS, 2), ratio(h.cpuS, k.cpuS)]);
    summary.push([`CPU s in ${fmt(h.wallS, 0)} s, ${n} instance(s), schedstat`, fmt(h.schedCpuS, 4), fmt(k.schedCpuS, 4), ratio(h.schedCpuS, k.schedCpuS)]);
    summary.push([`peak RSS MiB, ${n} instance(s)`, fmt(max(h.rssKiB) / 1024, 1), fmt(max(k.rssKiB) / 1024, 1), ratio(max(h.rssKiB), max(k.rssKiB))]);
    summary.push([`peak private memory (Σ RssAnon) MiB, ${n} instance(s)`, fmt(max(h.anonKiB) / 1024, 1), fmt(max(k.anonKiB) / 1024, 1), ratio(max(h.anonKiB), max(k.anonKiB))]);
  }
  for (const [n, res] of backups) {
    if (!res) continue;
    const [h, k] = KINDS.map((kind) => res[kind]);
    summary.push([`CPU s in ${fmt(h.wallS, 0)} s, ${n} instance(s) as BACKUP, utime+stime`, fmt(h.cpuS, 2), fmt(k.cpuS, 2), ratio(h.cpuS, k.cpuS)]);
    summary.push([`peak RSS MiB, ${n} instance(s) as BACKUP`, fmt(max(h.rssKiB) / 1024, 1), fmt(max(k.rssKiB) / 1024, 1), ratio(max(h.rssKiB), max(k.rssKiB))]);
  }

  const md = [
    '# Side-by-side benchmark: havipd vs keepalived',
    '',
    `Generated by \`npm run bench\` (bench/run.mjs) on ${started.toISOString().replace('T', ' ').slice(0, 19)} UTC in ${fmt(totalS / 60, 1)} min.`,
    `Machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'} (nproc ${availableParallelism()}), ${fmt(totalmem() / 2 ** 30, 1)} GiB, Linux ${release()}, Node ${process.version}.`,
    `Daemons: ${v.havipd}; ${v.keepalived}.`,
    `Load average (1/5/15 min) at start ${load0.map((x) => x.toFixed(2)).join('/')}, at end ${load1.map((x) => x.toFixed(2)).join('/')}` +
      ' — the machine may be shared with other jobs; expect noise, compare the ratio rather than absolute figures.',
    `Settings: BENCH_REPS=${REPS}, BENCH_TAKEOVER_LISTEN=${TAKEOVER_LISTEN}, BENCH_TAKEOVER_VERSIONS=${TAKEOVER_VERSIONS.join(',')}, BENCH_SECONDS=${SECONDS}, BENCH_INSTANCES=${INSTANCES.join(',')}, BENCH_PARALLEL=${PARALLEL ? 1 : 0}` +
      `${ONLY.includes('scale') ? `, BENCH_SCALE_SIZES=${SCALE_SIZES.join(',')}, BENCH_SCALE_SECONDS=${SCALE_SECONDS}` : ''}${ONLY.includes('soak') ? `, BENCH_SOAK_SECONDS=${SOAK_SECONDS}` : ''}; parts: ${ONLY.join(', ')}.`,
    'All traffic stays inside network namespaces named hv-b1-*, one veth pair per run. Method: bench/README.md.',
    '',
    '## Summary',
    '',
    table(['', 'havipd', 'keepalived', 'ratio havipd / keepalived'], summary),
    '',
  ];
  if (takeover.length) {
    md.push(
      '## Takeover latency and GARP after takeover',
      '',
      `Two namespaces joined by veth; MASTER priority 200 and BACKUP priority 100, **both of the same kind** (havipd vs havipd, keepalived vs keepalived),`,
      'one VIP, default GARP settings. The backup starts after the master has initialised; once the backup has heard',
      `adverts for at least ${TAKEOVER_LISTEN} s (and 2 advert intervals), the master's whole process group is SIGKILLed (no priority-0 advert).`,
      `Every figure comes from one tcpdump capture (nanosecond time stamps) on the backup's interface. ${REPS} valid run${REPS === 1 ? '' : 's'} per daemon and scenario,`,
      'interleaved havipd, keepalived, keepalived, havipd, … Expected takeover = Master_Down_Interval = 3 × interval + Skew_Time',
      '(v2: (256 − 100)/256 s; v3: (256 − 100) × interval / 256).',
      '',
    );
    for (const [sc, res] of takeover) md.push(takeoverSection(sc, res), '');
  }
  if (resources.length) {
    md.push(
      '## CPU and memory in steady state',
      '',
      'One namespace runs the daemon (N VRRPv2 instances, VRID 1..N, priority 150, advert_int 1, one VIP each); the other end of the',
      'veth is a **silent peer** (only tcpdump, counting the adverts). Measurement starts after every instance logged',
      `\`Entering MASTER STATE\` plus 6.5 s (past the second GARP burst) and lasts ${SECONDS} s. CPU = Δ(utime+stime) from /proc/PID/stat`,
      'summed over the process tree (keepalived: parent + VRRP child; havipd: one Node process, all threads); RSS = Σ VmRSS from',
      `/proc/PID/status, sampled once a second. ${PARALLEL ? 'Both daemons run at the same time, each in its own namespace pair, so they share the same background load.' : 'The daemons run one after the other.'}`,
      'One window per daemon and size: the spread shown is across slices of the window, not across repetitions.',
      '',
    );
    for (const [n, res, err] of resources) {
      md.push(res ? resourceSection(n, res) : `### ${n} instance(s)\n\n**Failed:** ${err}`, '');
    }
  }
  if (backups.length) {
    md.push(
      '## CPU and memory as BACKUP',
      '',
      'The same instances at priority 100, starting in BACKUP, on one end of the veth; on the other end a keepalived 2.2.7 MASTER of the',
      'same instances at priority 150 (the same MASTER for both kinds), so each BACKUP receives N adverts a second and runs its receive',
      'checks and down timers on every one. Measured as above; the advert counts are the BACKUP\'s own (0 when it stays BACKUP).',
      '',
    );
    for (const [n, res, err] of backups) {
      md.push(res ? resourceSection(n, res, 'BACKUP behind a keepalived MASTER') : `### ${n} instance(s) as BACKUP\n\n**Failed:** ${err}`, '');
    }
  }
  if (scale.length) {
    const sec = scaleSection(scale);
    md.push(sec, '');
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/scale.svg'), scaleSvg(scale));
    writeFileSync(join(ROOT, 'bench/results/scale.md'), `# Scale benchmark: havipd vs keepalived\n\nGenerated by \`npm run bench -- --scale\` on ${started.toISOString().replace('T', ' ').slice(0, 19)} UTC; load average at start ${load0.map((x) => x.toFixed(2)).join('/')}, at end ${load1.map((x) => x.toFixed(2)).join('/')}.\nDaemons: ${v.havipd}; ${v.keepalived}.\n\n${sec}\n`);
  }
  if (soak) {
    const [h, k] = KINDS.map((kind) => soak[kind]);
    md.push('## Soak: RSS over a long window at 255 instances', '', table(['', 'havipd', 'keepalived'], [
      ['window (min)', fmt(h.wallS / 60, 1), fmt(k.wallS / 60, 1)],
      ['RSS first → last sample (MiB)', `${fmt(h.rssKiB[0] / 1024, 1)} → ${fmt(h.rssKiB.at(-1) / 1024, 1)}`, `${fmt(k.rssKiB[0] / 1024, 1)} → ${fmt(k.rssKiB.at(-1) / 1024, 1)}`],
      ['RSS peak (MiB)', fmt(max(h.rssKiB) / 1024, 1), fmt(max(k.rssKiB) / 1024, 1)],
      ['RSS slope after the first minute (MiB/h, least squares)', fmt(rssSlopeMiBPerHour(h.rssKiB), 2), fmt(rssSlopeMiBPerHour(k.rssKiB), 2)],
      ['CPU s per minute', fmt(cpuPerMin(h), 3), fmt(cpuPerMin(k), 3)],
    ]), '');
  }
  const text = `${md.join('\n').trimEnd()}\n`;
  process.stdout.write(`\n${text}`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  // A soak alone does not replace the last full run's figures: it goes to its own file.
  const file = ONLY.every((part) => part === 'soak') ? 'bench/results/soak.md' : 'bench/results/latest.md';
  writeFileSync(join(ROOT, file), text);
  log(`wrote ${file} (${fmt(totalS, 0)} s)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
