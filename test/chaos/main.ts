// `npm run chaos` (alias `npm run soak`): the chaos soak of issue 14 §1, seeded and bounded.
//
//   npm run chaos -- [--seed N] [--events N] [--fleet havipd|mixed|keepalived|all|pair-havipd|pair-mixed]
//                    [--pair havipd|mixed|both] [--nopreempt] [--advert-int S] [--max-minutes M] [--out FILE]
//                    [--faults A-B]
//
// Fleets of three nodes on one bridge, with a client namespace pinging the VIP: `havipd` (three havipd),
// `mixed` (two havipd + keepalived 2.2.7), `keepalived` (three keepalived 2.2.7: the reference, under the
// same schedule and checked by the same invariants; what it breaks is reported as keepalived's). `all`
// (the default) runs the three in that order. `--pair` runs the older two-node pairs (havipd/havipd,
// havipd/keepalived; `both` = the two). `--nopreempt` gives every instance `nopreempt`: the invariant
// "the highest priority is master" becomes "the master stays put". Default: a random seed (printed first), 40 faults per fleet,
// advert_int 0.5 s (VRRPv3), at most 30 minutes of faults per fleet; the report (figures side by side, then
// each fleet's, with any broken invariant) goes to bench/results/chaos.md. A failing seed replays the same
// schedule: `npm run chaos -- --seed N --events N --fleet F`. Needs root (network namespaces), nft, tcpdump,
// tshark, taskset, ping and keepalived. Exit status 1 when an invariant broke that is not keepalived's; such a
// run's seed, fleet and the faults its failures name are appended to test/chaos/regressions.json, which
// the interop suite replays (`--faults A-B` replays just those faults of the seed's schedule, as it does).
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../fuzz/paths.js';
import { addRegressions, regressionFor, REGRESSIONS_PATH } from './regressions.js';
import { runSoak, type Fleet, type SoakResult } from './soak.js';

const FLEET_ARGS: Record<string, readonly Fleet[]> = {
  havipd: ['havipd'],
  mixed: ['mixed'],
  keepalived: ['keepalived'],
  all: ['havipd', 'mixed', 'keepalived'],
  'pair-havipd': ['pair-havipd'],
  'pair-mixed': ['pair-mixed'],
};
const PAIR_ARGS: Record<string, readonly Fleet[]> = { havipd: ['pair-havipd'], mixed: ['pair-mixed'], both: ['pair-havipd', 'pair-mixed'] };

export async function main(argv: readonly string[]): Promise<number> {
  let seed = randomInt(1, 2 ** 31);
  let events = 40;
  let fleets: readonly Fleet[] = FLEET_ARGS.all!;
  let fleetArg = 'all';
  let advertIntS = 0.5;
  let nopreempt = false;
  let maxMinutes = 30;
  let out = join(ROOT, 'bench', 'results', 'chaos.md');
  let window: [number, number] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--nopreempt') {
      nopreempt = true;
      continue;
    }
    const v = argv[++i];
    const num = (): number => {
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${k}: expected a number, got '${v}'`);
      return n;
    };
    if (k === '--seed') seed = Math.floor(num());
    else if (k === '--events') events = Math.min(10_000, Math.floor(num()));
    else if (k === '--fleet') {
      const f = FLEET_ARGS[v ?? ''];
      if (!f) throw new Error(`--fleet: ${Object.keys(FLEET_ARGS).join(', ')}; got '${v}'`);
      fleets = f;
      fleetArg = v!;
    } else if (k === '--pair') {
      const f = PAIR_ARGS[v ?? ''];
      if (!f) throw new Error(`--pair: havipd, mixed or both, got '${v}'`);
      fleets = f;
      fleetArg = `--pair ${v}`;
    } else if (k === '--advert-int') advertIntS = num();
    else if (k === '--max-minutes') maxMinutes = num();
    else if (k === '--out') out = v ?? out;
    else if (k === '--faults') {
      const m = /^(\d+)(?:-(\d+))?$/.exec(v ?? '');
      if (!m) throw new Error(`--faults: expected N or A-B (fault numbers of the schedule), got '${v}'`);
      window = [Number(m[1]), Number(m[2] ?? m[1])];
    }
    else throw new Error(`unknown argument '${k}'`);
  }
  process.stdout.write(`chaos: seed ${seed}\n`);
  const results: SoakResult[] = [];
  for (const fleet of fleets) {
    results.push(await runSoak({ seed, events, fleet, nopreempt, advertIntS, maxMs: maxMinutes * 60_000, ...(window ? { window } : {}), log: (l) => process.stdout.write(`${l}\n`) }));
    process.stdout.write(`${results[results.length - 1]!.report}\n\n`);
  }
  const text = [
    '# Chaos soak (issue 14 §1)',
    '',
    `Run ${new Date().toISOString()} on ${process.env.HOSTNAME ?? 'this machine'}: \`npm run chaos -- --seed ${seed} --events ${events} ${fleetArg.startsWith('--') ? fleetArg : `--fleet ${fleetArg}`}${window ? ` --faults ${window[0]}-${window[1]}` : ''}${nopreempt ? ' --nopreempt' : ''}\`.`,
    '',
    ...(results.length > 1 ? [compareTable(results), ''] : []),
    ...results.map((r) => r.report + '\n'),
  ].join('\n');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  const ok = results.every((r) => r.verdict.ok);
  const date = new Date().toISOString().slice(0, 10);
  const entries = results.flatMap((r) => regressionFor({ seed, events, fleet: r.fleet, nopreempt, ...(window ? { window } : {}) }, r.verdict, date) ?? []);
  if (entries.length > 0) {
    const added = addRegressions(entries);
    process.stdout.write(`chaos: ${added} new regression entr${added === 1 ? 'y' : 'ies'} in ${REGRESSIONS_PATH} (${entries.map((e) => `${e.fleet} faults ${e.faults.join('-')}`).join(', ')}); the interop suite replays them\n`);
  }
  const ka = results.reduce((n, r) => n + r.verdict.keepalivedFailures.length, 0);
  process.stdout.write(`chaos: report in ${out}; ${ok ? 'no invariant broken by havipd or a fleet with it' : `FAILED (seed ${seed})`}${ka > 0 ? `; keepalived broke ${ka} (reported as its own)` : ''}\n`);
  return ok ? 0 : 1;
}

/** The fleets' figures side by side (same seed, same schedule). */
export function compareTable(rs: readonly SoakResult[]): string {
  const s = (x: number | undefined): string => (x === undefined ? '—' : `${x.toFixed(2)} s`);
  const row = (label: string, f: (r: SoakResult) => string): string => `| ${label} | ${rs.map(f).join(' | ')} |`;
  return [
    `| same seed, same schedule | ${rs.map((r) => r.kinds).join(' | ')} |`,
    `|---|${rs.map(() => '---').join('|')}|`,
    row('faults injected', (r) => String(r.faults.length)),
    row('run time', (r) => `${r.durationS.toFixed(0)} s`),
    row('adverts captured', (r) => String(r.adverts)),
    row('steady state observed', (r) => `${r.verdict.figures.steadyS.toFixed(1)} s`),
    row('dual-master time in steady state', (r) => s(r.verdict.figures.dualMasterTotalS)),
    row('longest no-master window in steady state', (r) => s(r.verdict.figures.noMasterLongestS)),
    row('not the highest priority as master, steady state', (r) => s(r.verdict.figures.wrongMasterS)),
    row('convergence after the last fault', (r) => s(r.verdict.figures.convergeS)),
    row('client: longest gap overall', (r) => s(r.verdict.figures.client?.longestS)),
    row('client: longest gap, faults overlapping no other', (r) => s(Math.max(0, ...(r.verdict.figures.client?.perFault.filter((p) => p.isolated).map((p) => p.gapS) ?? [])))),
    row('client: longest gap in steady state', (r) => s(r.verdict.figures.client?.steadyLongestS)),
    row('notify FIFO vs wire, longest disagreement counted', (r) => s(Math.max(0, ...r.verdict.figures.notify.map((n) => n.longestS)))),
    row('max sole-master advert gap', (r) => s(Math.max(0, ...r.verdict.figures.period.map((p) => p.maxS)))),
    row('invariants broken (havipd or fleet / keepalived alone)', (r) => `${r.verdict.failures.length} / ${r.verdict.keepalivedFailures.length}`),
  ].join('\n');
}
