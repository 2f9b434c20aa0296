// `npm run bench:clients`: client-visible failover (issue 11 §1), havipd against keepalived 2.2.7 side by
// side in the same run. Each daemon kind gets its own bridge with two VRRP nodes (unicast peers,
// advert_int 1, VRRPv2) and a client namespace that asks the VIP every 10 ms over ICMP and TCP and
// records which node answers; outage = the longest gap between two replies around the event. Scenarios
// and method: bench/lib/client-lan.mjs and bench/README.md. Writes bench/results/clients.md.
//
// Env: CLIENTS_REPS (repetitions per scenario and daemon, default 3), CLIENTS_ONLY (comma-separated
// scenario ids, default all), CLIENTS_PARALLEL (1 = both daemons' runs of a scenario at the same time,
// each on its own bridge — the default, it halves the run time; 0 = one after the other, interleaved
// ABBA), CLIENTS_FLAP_MS (link down time, 2000), CLIENTS_PARTITION_MS (split brain: both MASTER this
// long before healing, 6000), CLIENTS_HEAL_MAX_MS (split brain: observation cap after healing, 65000),
// CLIENTS_OUT (report path, default bench/results/clients.md), KEEPALIVED.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIOS, controlRequest, createClientLan, runScenario, startServices, stopServices } from './lib/client-lan.mjs';
import { KEEPALIVED, KINDS, ROOT, startDaemon, versions } from './lib/daemons.mjs';
import { createNetns, sweepStale } from './lib/netns.mjs';
import { fmt, max, median, ratio, table } from './lib/stats.mjs';

const env = process.env;
const REPS = Number(env.CLIENTS_REPS ?? 3);
const ONLY = (env.CLIENTS_ONLY ?? SCENARIOS.map((s) => s.id).join(',')).split(',').filter(Boolean);
const PARALLEL = env.CLIENTS_PARALLEL !== '0';
const OPTS = {
  flapMs: Number(env.CLIENTS_FLAP_MS ?? 2_000),
  partitionMs: Number(env.CLIENTS_PARTITION_MS ?? 6_000),
  healMaxMs: Number(env.CLIENTS_HEAL_MAX_MS ?? 65_000),
};
const OUT = resolve(env.CLIENTS_OUT ?? join(ROOT, 'bench/results/clients.md'));

const log = (msg) => process.stderr.write(`bench:clients: ${msg}\n`);

function preflight() {
  const problems = [];
  if (process.getuid?.() !== 0) problems.push('needs root (ip netns, raw sockets, nft)');
  if (!existsSync(KEEPALIVED)) problems.push(`${KEEPALIVED} not found (set KEEPALIVED)`);
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) problems.push('dist/ is missing: run `npx tsc -p tsconfig.json`');
  if (!existsSync(join(ROOT, 'build/Release/havipd_native.node'))) problems.push('native addon missing: `npm_config_nodedir=/usr npx node-gyp rebuild`');
  for (const tool of ['ping', 'nft', 'sysctl']) {
    if (!['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, tool)))) problems.push(`${tool} not found`);
  }
  if (!Number.isInteger(REPS) || REPS < 1 || REPS > 50) problems.push(`CLIENTS_REPS=${env.CLIENTS_REPS} is not an integer in 1..50`);
  for (const id of ONLY) if (!SCENARIOS.some((s) => s.id === id)) problems.push(`unknown scenario ${id} in CLIENTS_ONLY (${SCENARIOS.map((s) => s.id).join(', ')})`);
  for (const [k, v] of Object.entries(OPTS)) if (!Number.isFinite(v) || v < 100 || v > 600_000) problems.push(`${k} ${v} is not in 100..600000 ms`);
  if (problems.length) throw new Error(problems.join('; '));
}

/** The daemon starter runScenario expects, over bench/lib/daemons.mjs. */
function starter(kind, lan) {
  return async (side, config) => {
    const d = await startDaemon(kind, lan[side], config);
    return {
      waitLog: (re, timeoutMs) => d.waitLog(re, 1, timeoutMs),
      countLog: (re) => d.count(re),
      kill: () => d.kill(),
      signal: (sig) => {
        try {
          process.kill(d.pid, sig);
        } catch {
          /* already gone */
        }
      },
      log: () => d.log(),
      async stop() {
        d.kill();
        await d.stop(1_000);
      },
      // What `havipd switchover` sends, written on the control socket from here so that the event time
      // is when the daemon gets the request, not when a CLI process has finished starting.
      switchover: () => controlRequest(join(d.dir, 'havipd.sock'), { cmd: 'switchover' }),
    };
  };
}

async function makeLan(kind) {
  const tag = kind === 'havipd' ? 'h' : 'k';
  const lan = await createClientLan((role) => createNetns(`${tag}${role}`), { net: '10.254.0' });
  await startServices(lan, { maxMs: 3_600_000 });
  return lan;
}

const ms0 = (x) => fmt(x, 0);
const medMax = (xs) => (xs.length ? `${ms0(median(xs))} / ${ms0(max(xs))}` : 'n/a');

function summaryRows(results) {
  const rows = [];
  const ok = (kind, id, keep = () => true) => results.filter((r) => r.kind === kind && r.scenario === id && !r.error && keep(r));
  const cell = (runs, key) => {
    const xs = runs.map((r) => r[key].outageMs);
    const open = runs.some((r) => r[key].ongoing);
    return { xs, text: `${medMax(xs)}${open ? ' (≥, not recovered)' : ''}${runs.length && runs.length !== REPS ? ` [${runs.length} run${runs.length === 1 ? '' : 's'}]` : ''}` };
  };
  const row = (label, hRuns, kRuns) => {
    const [hI, kI, hT, kT] = [cell(hRuns, 'icmp'), cell(kRuns, 'icmp'), cell(hRuns, 'tcp'), cell(kRuns, 'tcp')];
    rows.push([label, hI.text, kI.text, ratio(median(hI.xs), median(kI.xs)), hT.text, kT.text, ratio(median(hT.xs), median(kT.xs))]);
  };
  for (const sc of SCENARIOS.filter((s) => ONLY.includes(s.id))) {
    // keepalived has no switchover command: its planned path is SIGTERM (priority 0), measured under 'switchover'.
    if (sc.id === 'switchover-backup') {
      row(`${sc.label} — keepalived: same runs as the row above`, ok('havipd', sc.id), ok('keepalived', 'switchover'));
      continue;
    }
    row(sc.label, ok('havipd', sc.id), ok('keepalived', sc.id));
    if (sc.id === 'splitbrain') {
      // Who hears whom first after the heal decides everything: split the runs by it.
      const first = (r) => r.partition?.aHeardLower === true;
      const second = (r) => r.partition?.aHeardLower === false;
      row('… runs where the winner a heard b first (a answers with an advert and a GARP burst)', ok('havipd', sc.id, first), ok('keepalived', sc.id, first));
      row('… runs where b heard a first and stepped down (no GARP from a)', ok('havipd', sc.id, second), ok('keepalived', sc.id, second));
    }
  }
  return rows;
}

function detail(results, sc) {
  const mine = results.filter((r) => r.scenario === sc.id);
  if (mine.length === 0) return '';
  const rows = mine.map((r) =>
    r.error
      ? [r.kind, String(r.rep), `**failed**: ${r.error}`, '', '', '', '', '', '']
      : [
          r.kind,
          String(r.rep),
          ms0(r.icmp.baselineGapMs),
          `${ms0(r.icmp.outageMs)}${r.icmp.ongoing ? '+' : ''}`,
          `${ms0(r.tcp.outageMs)}${r.tcp.ongoing ? '+' : ''}`,
          `${ms0(r.tcp.worstWaitMs)}${r.tcp.failed ? ` (${r.tcp.failed} failed)` : ''}`,
          r.tcp.answered,
          r.neigh.seen,
          [r.neigh.toFinalMs === undefined ? `never → ${sc.final}` : `→ ${sc.final} +${ms0(r.neigh.toFinalMs)}`, ...r.notes].join('; '),
        ],
  );
  const lines = [
    `### ${sc.label}`,
    '',
    table(
      ['daemon', 'run', 'baseline gap ICMP', 'ICMP outage', 'TCP outage', 'worst TCP wait', 'TCP answered by (ms after event)', 'client neigh MAC of VIP', 'neigh / notes'],
      rows,
      'llrrrrlll',
    ),
  ];
  if (sc.id === 'splitbrain') {
    const p = mine.filter((r) => r.partition);
    if (p.length) {
      lines.push(
        '',
        'During the partition (before healing): ' +
          p.map((r) => `${r.kind} #${r.rep}: b MASTER ${ms0(r.partition.bMasterMs)} ms after the drop, client neigh → b ${r.partition.neighToB === undefined ? 'never' : `+${ms0(r.partition.neighToB)} ms`}, longest ICMP gap ${ms0(r.partition.icmpGapMs)} ms`).join('; ') +
          '.',
        '',
        'After the heal: ' +
          p
            .map((r) => `${r.kind} #${r.rep} (heal offset ${r.partition.healOffsetMs} ms): ${r.partition.aHeardLower ? "a heard b's lower-priority advert first (answered with an advert and a GARP burst)" : "a heard nothing from b (b stepped down on a's advert first): no GARP from a"}`)
            .join('; ') +
          '.',
      );
    }
  }
  const sw = mine.filter((r) => r.switchover);
  if (sw.length) lines.push('', `\`havipd switchover\` said: ${sw.map((r) => `#${r.rep} “${r.switchover.split('\n').slice(0, 3).join(' / ')}”`).join('; ')}.`);
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
  const scenarios = SCENARIOS.filter((s) => ONLY.includes(s.id));
  log(`${v.havipd} vs ${v.keepalived}; ${REPS} reps of ${scenarios.map((s) => s.id).join(', ')}${PARALLEL ? ', both daemons at once' : ''}`);
  const lans = {};
  for (const kind of KINDS) lans[kind] = await makeLan(kind);
  const results = [];
  const one = async (kind, sc, rep) => {
    const opts = { flapMs: OPTS.flapMs, partitionMs: OPTS.partitionMs, log, ...(sc.id === 'splitbrain' ? { maxObserveMs: OPTS.healMaxMs } : {}) };
    const t1 = Date.now();
    try {
      const r = await runScenario(lans[kind], kind, sc, starter(kind, lans[kind]), opts);
      results.push({ ...r, rep });
      log(`${kind} ${sc.id} #${rep} took ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      log(`${kind} ${sc.id} #${rep} failed: ${msg}`);
      results.push({ kind, scenario: sc.id, rep, error: msg });
    }
  };
  for (let rep = 1; rep <= REPS; rep++) {
    for (const sc of scenarios) {
      const kinds = KINDS.filter((k) => !sc.kinds || sc.kinds.includes(k));
      if (PARALLEL) await Promise.all(kinds.map((k) => one(k, sc, rep)));
      else for (const k of rep % 2 ? kinds : [...kinds].reverse()) await one(k, sc, rep);
    }
  }
  for (const kind of KINDS) {
    await stopServices(lans[kind]).catch(() => {});
    for (const role of ['c', 'b', 'a', 'sw']) await lans[kind][role].destroy().catch(() => {});
  }
  const load1 = loadavg();
  const totalS = (Date.now() - t0) / 1000;
  const failed = results.filter((r) => r.error);

  const md = [
    '# Client-visible failover: havipd vs keepalived',
    '',
    `Generated by \`npm run bench:clients\` (bench/clients.mjs) on ${started.toISOString().replace('T', ' ').slice(0, 19)} UTC in ${fmt(totalS / 60, 1)} min.`,
    `Machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'} (nproc ${availableParallelism()}), ${fmt(totalmem() / 2 ** 30, 1)} GiB, Linux ${release()}, Node ${process.version}.`,
    `Daemons: ${v.havipd}; ${v.keepalived}.`,
    `Load average (1/5/15 min) at start ${load0.map((x) => x.toFixed(2)).join('/')}, at end ${load1.map((x) => x.toFixed(2)).join('/')}.`,
    `Settings: CLIENTS_REPS=${REPS}, CLIENTS_PARALLEL=${PARALLEL ? 1 : 0}, CLIENTS_FLAP_MS=${OPTS.flapMs}, CLIENTS_PARTITION_MS=${OPTS.partitionMs}, CLIENTS_HEAL_MAX_MS=${OPTS.healMaxMs}.`,
    '',
    ...(env.CLIENTS_NOTE ? [env.CLIENTS_NOTE, ''] : []),
    'Two VRRP nodes (VRRPv2, advert_int 1, unicast peers, MASTER priority 150 on a, BACKUP 100 on b, one VIP, GARP settings',
    'at their defaults) and a client on one Linux bridge, one bridge per daemon kind. The client sends to the VIP every 10 ms:',
    'ICMP echo (`ping -D -i 0.01`; each node replies with its own TTL, so every reply names its node) and a fresh TCP',
    'connection to a service bound to the VIP on each node, which answers with its node name. **Outage = the longest gap',
    'between two consecutive replies** from the last reply before the event until the final node answers steadily for 1 s',
    '(the baseline gap column is the same measure in the 1 s before the event: the noise floor). The client uses ARP',
    'normally (its neighbour entry is only flushed between runs), so gratuitous ARP is what moves it. Method: bench/README.md.',
    '',
    '## Summary: client-visible outage (ms, median / max over the runs; [n runs] where fewer than all)',
    '',
    table(
      ['scenario', 'havipd ICMP', 'keepalived ICMP', 'ratio', 'havipd TCP', 'keepalived TCP', 'ratio'],
      summaryRows(results),
      'lrrrrrr',
    ),
    '',
    'keepalived has no switchover command: its best planned path is SIGTERM of the master (one priority-0 advert, the backup',
    'takes over after its Skew_Time); that is what its "planned switchover" row measures, in runs of its own.',
    ...(failed.length ? ['', `**${failed.length} run(s) failed** and are left out of the summary: ${failed.map((r) => `${r.kind} ${r.scenario} #${r.rep} (${r.error})`).join('; ')}.`] : []),
    '',
    '## Runs',
    '',
    'Times in ms. "answered by" lists who answered TCP in turn, with the first answer of each new node in ms after the',
    'event; "client neigh" is the MAC the client\'s neighbour entry for the VIP held, in the same form; `+` after an',
    'outage means it ran to the end of the observation window. Worst TCP wait: the longest a probe started after the',
    'event waited for its answer (or its 3 s timeout) — what one client that connected during the outage saw, SYN',
    'retransmission included.',
    '',
  ];
  for (const sc of scenarios) md.push(detail(results, sc), '');
  const text = `${md.join('\n').trimEnd()}\n`;
  process.stdout.write(`\n${text}`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, text);
  log(`wrote ${OUT} (${fmt(totalS, 0)} s)`);
  return failed.length === results.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`bench:clients: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
