// `npm run bench`: havipd against keepalived 2.2.7, side by side in one run, inside throw-away network
// namespaces (hv-b1-*): (1) takeover latency after SIGKILL of the master, VRRPv2 advert_int 1 and
// VRRPv3 advert_int 0.1 (RFC 5798 §6.4.2, keepalived reference §3.2); (2) GARP timing after takeover
// (reference §3.5, §3.12); (3) steady-state CPU and RSS at 1 and 100 instances. Prints a report and
// writes it to bench/results/latest.md. Needs root, a built dist/ (+ native addon), keepalived, tcpdump.
// See bench/README.md for the method.
//
// Env: BENCH_REPS (takeover repetitions per daemon and scenario, default 5), BENCH_SECONDS (resource
// window, default 60), BENCH_INSTANCES (default "1,100"), BENCH_ONLY ("takeover", "resources"; default
// both), BENCH_PARALLEL (0 = resource runs one daemon at a time; default 1 = both at once),
// KEEPALIVED (default /usr/sbin/keepalived).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEEPALIVED, KINDS, ROOT, versions } from './lib/daemons.mjs';
import { sweepStale } from './lib/netns.mjs';
import { CLK_TCK } from './lib/proc.mjs';
import { resourceBench } from './lib/resources.mjs';
import { fmt, max, mean, median, min, ratio, spread, table } from './lib/stats.mjs';
import { expectedTakeover, takeoverBench } from './lib/takeover.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const INSTANCES = (process.env.BENCH_INSTANCES ?? '1,100').split(',').map(Number).filter((n) => n > 0);
const ONLY = (process.env.BENCH_ONLY ?? 'takeover,resources').split(',');
const PARALLEL = process.env.BENCH_PARALLEL !== '0';
const SCENARIOS = [
  { version: 2, advertInt: 1, label: 'VRRPv2, advert_int 1 s' },
  { version: 3, advertInt: 0.1, label: 'VRRPv3, advert_int 0.1 s' },
];

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

function preflight() {
  const problems = [];
  if (process.getuid?.() !== 0) problems.push('needs root (ip netns, raw sockets, tcpdump)');
  if (!existsSync(KEEPALIVED)) problems.push(`${KEEPALIVED} not found (set KEEPALIVED)`);
  if (!existsSync(join(ROOT, 'dist/cli/main.js')) || !existsSync(join(ROOT, 'dist/cli/run.js'))) problems.push('dist/ is missing or incomplete: run `npx tsc -p tsconfig.json`');
  if (!existsSync(join(ROOT, 'build/Release/havipd_native.node'))) problems.push('native addon missing: `npm_config_nodedir=/usr npx node-gyp rebuild`');
  if (!['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].some(existsSync)) problems.push('tcpdump not found');
  if (!Number.isInteger(REPS) || REPS < 1) problems.push(`BENCH_REPS=${process.env.BENCH_REPS} is not a positive integer`);
  if (!Number.isInteger(SECONDS) || SECONDS < 1) problems.push(`BENCH_SECONDS=${process.env.BENCH_SECONDS} is not a positive integer`);
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

function resourceSection(n, res) {
  const [h, k] = KINDS.map((kind) => res[kind]);
  const mib = (kib) => kib / 1024;
  const r = (label, f, d, note = '') => {
    const hv = f(h);
    const ka = f(k);
    return [label, fmt(hv, d), fmt(ka, d), ratio(hv, ka), note];
  };
  const expectAdverts = (x) => n * x.wallS;
  const lines = [
    `### ${n} instance${n === 1 ? '' : 's'} (VRRPv2, advert_int 1, MASTER, silent peer), ${fmt(h.wallS, 1)} s window`,
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
      takeover.push([sc, await takeoverBench(KINDS, { version: sc.version, advertInt: sc.advertInt, reps: REPS, log })]);
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
  const load1 = loadavg();
  const totalS = (Date.now() - t0) / 1000;

  const summary = [];
  for (const [sc, res] of takeover) {
    const [h, k] = KINDS.map((kind) => median(pick(res[kind].runs, 'takeoverS')) * 1000);
    summary.push([`takeover, ${sc.label} (ms, median)`, fmt(h, 1), fmt(k, 1), ratio(h, k)]);
    const [hg, kg] = KINDS.map((kind) => median(pick(res[kind].runs, 'firstGarpS')) * 1000);
    summary.push([`first GARP after takeover, ${sc.label} (ms, median)`, fmt(hg, 2), fmt(kg, 2), ratio(hg, kg)]);
  }
  for (const [n, res] of resources) {
    if (!res) continue;
    const [h, k] = KINDS.map((kind) => res[kind]);
    summary.push([`CPU s in ${fmt(h.wallS, 0)} s, ${n} instance(s), utime+stime`, fmt(h.cpuS, 2), fmt(k.cpuS, 2), ratio(h.cpuS, k.cpuS)]);
    summary.push([`CPU s in ${fmt(h.wallS, 0)} s, ${n} instance(s), schedstat`, fmt(h.schedCpuS, 4), fmt(k.schedCpuS, 4), ratio(h.schedCpuS, k.schedCpuS)]);
    summary.push([`peak RSS MiB, ${n} instance(s)`, fmt(max(h.rssKiB) / 1024, 1), fmt(max(k.rssKiB) / 1024, 1), ratio(max(h.rssKiB), max(k.rssKiB))]);
  }

  const md = [
    '# Side-by-side benchmark: havipd vs keepalived',
    '',
    `Generated by \`npm run bench\` (bench/run.mjs) on ${started.toISOString().replace('T', ' ').slice(0, 19)} UTC in ${fmt(totalS / 60, 1)} min.`,
    `Machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'} (nproc ${availableParallelism()}), ${fmt(totalmem() / 2 ** 30, 1)} GiB, Linux ${release()}, Node ${process.version}.`,
    `Daemons: ${v.havipd}; ${v.keepalived}.`,
    `Load average (1/5/15 min) at start ${load0.map((x) => x.toFixed(2)).join('/')}, at end ${load1.map((x) => x.toFixed(2)).join('/')}` +
      ' — the machine may be shared with other jobs; expect noise, compare the ratio rather than absolute figures.',
    `Settings: BENCH_REPS=${REPS}, BENCH_SECONDS=${SECONDS}, BENCH_INSTANCES=${INSTANCES.join(',')}, BENCH_PARALLEL=${PARALLEL ? 1 : 0}.`,
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
      'adverts for at least 1 s (and 2 advert intervals), the master\'s whole process group is SIGKILLed (no priority-0 advert).',
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
  const text = `${md.join('\n').trimEnd()}\n`;
  process.stdout.write(`\n${text}`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.md'), text);
  log(`wrote bench/results/latest.md (${fmt(totalS, 0)} s)`);
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
