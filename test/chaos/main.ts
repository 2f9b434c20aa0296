// `npm run chaos` (alias `npm run soak`): the chaos soak of issue 14 §1, seeded and bounded.
//
//   npm run chaos -- [--seed N] [--events N] [--pair havipd|mixed|both] [--advert-int S]
//                    [--max-minutes M] [--out FILE]
//
// Default: a random seed (printed first), 40 faults per pair, both pairs (havipd/havipd, then
// havipd/keepalived 2.2.7), advert_int 0.5 s (VRRPv3), at most 30 minutes of faults per pair; the report
// (figures and any broken invariant) goes to bench/results/chaos.md. A failing seed replays the same
// schedule: `npm run chaos -- --seed N --events N --pair P`. Needs root (network namespaces), nft, tcpdump,
// tshark, taskset and keepalived. Exit status 1 when an invariant broke.
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../fuzz/paths.js';
import { runSoak, type SoakResult } from './soak.js';

export async function main(argv: readonly string[]): Promise<number> {
  let seed = randomInt(1, 2 ** 31);
  let events = 40;
  let pairs: ('havipd' | 'mixed')[] = ['havipd', 'mixed'];
  let advertIntS = 0.5;
  let maxMinutes = 30;
  let out = join(ROOT, 'bench', 'results', 'chaos.md');
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[++i];
    const num = (): number => {
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${k}: expected a number, got '${v}'`);
      return n;
    };
    if (k === '--seed') seed = Math.floor(num());
    else if (k === '--events') events = Math.min(10_000, Math.floor(num()));
    else if (k === '--pair') pairs = v === 'both' ? ['havipd', 'mixed'] : v === 'havipd' || v === 'mixed' ? [v] : (() => { throw new Error(`--pair: havipd, mixed or both, got '${v}'`); })();
    else if (k === '--advert-int') advertIntS = num();
    else if (k === '--max-minutes') maxMinutes = num();
    else if (k === '--out') out = v ?? out;
    else throw new Error(`unknown argument '${k}'`);
  }
  process.stdout.write(`chaos: seed ${seed}\n`);
  const results: SoakResult[] = [];
  for (const pair of pairs) {
    results.push(await runSoak({ seed, events, pair, advertIntS, maxMs: maxMinutes * 60_000, log: (l) => process.stdout.write(`${l}\n`) }));
    process.stdout.write(`${results[results.length - 1]!.report}\n\n`);
  }
  const text = [
    '# Chaos soak (issue 14 §1)',
    '',
    `Run ${new Date().toISOString()} on ${process.env.HOSTNAME ?? 'this machine'}: \`npm run chaos -- --seed ${seed} --events ${events} --pair ${pairs.length === 2 ? 'both' : pairs[0]}\`.`,
    '',
    ...results.map((r) => r.report + '\n'),
  ].join('\n');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  process.stdout.write(`chaos: report in ${out}; ${results.every((r) => r.verdict.ok) ? 'all invariants held' : `FAILED (seed ${seed})`}\n`);
  return results.every((r) => r.verdict.ok) ? 0 : 1;
}
