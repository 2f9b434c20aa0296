// `npm run fuzz`: seeded fuzzing of every target (targets.ts) on at most 2 worker threads, bounded in
// time (--seconds, default 3600, shared by the targets in turn) and in count (--packets, --configs, or --NAME for any
// target). Prints a summary per target (inputs tried, rate, failures, slowest input, peak heap / RSS)
// and writes each distinct failure, shrunk, to test/fuzz/regressions/ (replayed by fuzz.test.ts).
//
//   npm run fuzz -- [--seed N] [--seconds S] [--workers 1|2] [--target packets,configs] [--packets N]
//                   [--configs N] [--slow-ms 1000] [--stall-seconds 30] [--no-write] [--json FILE]
//                   [--replay TARGET:INDEX]   (re-run one input of the seeded stream on fresh state)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { failureFrom, HISTORY, signature, type Failure, type SliceStats } from './engine.js';
import { ROOT } from './paths.js';
import { inputRng } from './rng.js';
import { TARGETS, targetByName } from './targets.js';
import type { WorkerJob } from './worker.js';


const REGRESSIONS = join(ROOT, 'test', 'fuzz', 'regressions');

interface Args {
  seed: number;
  seconds: number;
  workers: number;
  targets: string[];
  counts: Map<string, number>;
  slowMs: number;
  stallSeconds: number;
  write: boolean;
  json: string | undefined;
  replay: string | undefined;
  regressions: string;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { seed: 1, seconds: 3600, workers: 2, targets: TARGETS.map((t) => t.name), counts: new Map(), slowMs: 1000, stallSeconds: 30, write: true, json: undefined, replay: undefined, regressions: REGRESSIONS };
  const num = (v: string | undefined, what: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${what}: expected a non-negative number, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (k === '--seed') a.seed = num(value(), k) >>> 0;
    else if (k === '--seconds') a.seconds = num(value(), k);
    else if (k === '--workers') a.workers = Math.max(1, Math.min(2, Math.floor(num(value(), k))));
    else if (k === '--target') a.targets = (value() ?? '').split(',').filter(Boolean);
    else if (k === '--slow-ms') a.slowMs = num(value(), k);
    else if (k === '--stall-seconds') a.stallSeconds = num(value(), k);
    else if (k === '--no-write') a.write = false;
    else if (k === '--json') a.json = value();
    else if (k === '--replay') a.replay = value();
    else if (TARGETS.some((t) => `--${t.name}` === k)) a.counts.set(k.slice(2), Math.floor(num(value(), k)));
    else throw new Error(`unknown argument '${k}'`);
  }
  for (const t of a.targets) targetByName(t);
  return a;
}

const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;

interface TargetSummary {
  target: string;
  tried: number;
  /** The inputs asked for (--NAME or the target's default); `tried` is less when the time bound stopped it. */
  count: number;
  seconds: number;
  rate: number;
  failures: Failure[];
  duplicateFailures: number;
  slowest: SliceStats['slowest'];
  heapAfterGc: { first: number; peak: number; last: number } | undefined;
  peakHeapUsed: number;
  peakRss: number;
  regressionFiles: string[];
}

async function runTarget(args: Args, name: string, deadline: number): Promise<TargetSummary> {
  const target = targetByName(name);
  const count = args.counts.get(name) ?? target.defaultCount;
  const started = Date.now();
  const results: (SliceStats & { worker: number })[] = [];
  const extra: Failure[] = [];
  let peakRss = 0;
  const progress = new Array<number>(args.workers).fill(0);
  let lastPrint = 0;
  await Promise.all(
    Array.from({ length: args.workers }, (_, w) => {
      const heartbeat = new SharedArrayBuffer(24);
      const hb = new Float64Array(heartbeat);
      const job: WorkerJob = { target: name, heartbeat, slice: { seed: args.seed, start: w, stride: args.workers, count, deadline, slowMs: args.slowMs } };
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
      return new Promise<void>((resolve) => {
        let stalled = false;
        const watch = setInterval(() => {
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
          const shrinking = hb[2] === 1;
          const limit = args.stallSeconds * 1000 * (shrinking ? 4 : 1);
          if (!stalled && hb[1]! > 0 && Date.now() - hb[1]! > limit) {
            stalled = true;
            // an input that does not return: name it (regenerated from its seed, with the inputs before
            // it in this worker for stateful targets), stop this worker
            const index = hb[0]!;
            const inst = target.setup();
            const gen = (k: number): unknown => inst.generate(inputRng(args.seed, name, k));
            let input = gen(index);
            if (inst.withHistory) {
              const before: unknown[] = [];
              for (let k = index - args.workers * HISTORY; k < index; k += args.workers) if (k >= 0) before.push(gen(k));
              input = inst.withHistory(before, input);
            }
            const what = shrinking ? `shrinking the failure at input ${index} (a replay with its history)` : `input ${index}`;
            extra.push({ target: name, kind: 'stall', message: `${what} ran for more than ${limit / 1000} s (worker stopped)`, seed: args.seed, index, ms: Date.now() - hb[1]!, reproducible: false, input: inst.toJson(input), describe: inst.describe(input) });
            void worker.terminate();
          }
          const now = Date.now();
          if (now - lastPrint > 10_000) {
            lastPrint = now;
            process.stderr.write(`fuzz ${name}: ${progress.reduce((x, y) => x + y, 0)} inputs, ${Math.round((now - started) / 1000)} s\n`);
          }
        }, 500);
        worker.on('message', (m: { type: 'progress'; tried: number } | { type: 'done'; stats: SliceStats }) => {
          if (m.type === 'progress') progress[w] = m.tried;
          else results.push({ ...m.stats, worker: w });
        });
        worker.on('error', (e) => {
          extra.push({ target: name, kind: 'exception', message: `worker crashed: ${e.stack ?? String(e)}`, seed: args.seed, index: hb[0]!, ms: 0, reproducible: false, input: null, describe: 'worker crash' });
        });
        worker.on('exit', () => {
          clearInterval(watch);
          resolve();
        });
      });
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  // a worker stopped for a stall sends no stats: count what it reported last
  const tried = results.reduce((s, r) => s + r.tried, 0) + progress.reduce((s, p, w) => s + (results.some((r) => r.worker === w) ? 0 : p), 0);
  const bySig = new Map<string, Failure>();
  let dupAcrossWorkers = 0;
  for (const f of [...results.flatMap((r) => r.failures), ...extra]) {
    const sig = signature(f.kind, f.message);
    if (bySig.has(sig)) dupAcrossWorkers++;
    else bySig.set(sig, f);
  }
  const failures = [...bySig.values()];
  const slowest = results.map((r) => r.slowest).filter((x) => x !== undefined).sort((x, y) => y.ms - x.ms)[0];
  const heaps = results.map((r) => r.heapAfterGc).filter((x) => x !== undefined);
  const summary: TargetSummary = {
    target: name,
    tried,
    count,
    seconds,
    rate: tried / Math.max(seconds, 1e-3),
    failures,
    duplicateFailures: results.reduce((s, r) => s + r.duplicateFailures, 0) + dupAcrossWorkers,
    slowest,
    heapAfterGc: heaps.length > 0 ? { first: Math.max(...heaps.map((h) => h.first)), peak: Math.max(...heaps.map((h) => h.peak)), last: Math.max(...heaps.map((h) => h.last)) } : undefined,
    peakHeapUsed: Math.max(0, ...results.map((r) => r.peakHeapUsed)),
    peakRss: Math.max(peakRss, ...results.map((r) => r.peakRss)),
    regressionFiles: [],
  };
  if (args.write) {
    mkdirSync(args.regressions, { recursive: true });
    for (const f of failures) {
      const file = join(args.regressions, `${f.target}-${f.kind}-s${f.seed}-i${f.index}.json`);
      writeFileSync(file, `${JSON.stringify({ target: f.target, kind: f.kind, message: f.message.split('\n')[0], seed: f.seed, index: f.index, reproducible: f.reproducible, describe: f.describe, input: f.input }, null, 1)}\n`);
      summary.regressionFiles.push(file);
    }
  }
  return summary;
}

function printSummary(args: Args, all: TargetSummary[]): void {
  const out: string[] = [`fuzz summary (seed ${args.seed}, ${args.workers} worker(s), per-input limit ${args.slowMs} ms, gc ${(globalThis as { gc?: unknown }).gc ? 'exposed' : 'NOT exposed: no heap-after-GC check'})`];
  for (const s of all) {
    if (s.tried < s.count) out.push(`  ${s.target}: STOPPED BY THE TIME BOUND at ${s.tried} of ${s.count} inputs (give more --seconds for the full count)`);
    out.push(`  ${s.target}: ${s.tried} inputs in ${s.seconds.toFixed(1)} s (${Math.round(s.rate)}/s), ${s.failures.length} distinct failure(s)${s.duplicateFailures ? ` + ${s.duplicateFailures} duplicate(s)` : ''}`);
    if (s.slowest) out.push(`    slowest input: ${s.slowest.ms.toFixed(1)} ms (index ${s.slowest.index}) ${s.slowest.describe.slice(0, 160)}`);
    if (s.heapAfterGc) out.push(`    heap after GC (per worker, max): first ${mib(s.heapAfterGc.first)}, peak ${mib(s.heapAfterGc.peak)}, last ${mib(s.heapAfterGc.last)}`);
    out.push(`    peak heap used ${mib(s.peakHeapUsed)}, peak RSS (process) ${mib(s.peakRss)}`);
    for (const f of s.failures) out.push(`    FAILURE ${f.kind} at index ${f.index}${f.reproducible ? ' (reproduced on fresh state, shrunk)' : ' (not reproduced on fresh state)'}: ${f.message.split('\n')[0]}\n      ${f.describe.slice(0, 200)}`);
    for (const r of s.regressionFiles) out.push(`    wrote ${r}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function replay(args: Args, spec: string): Promise<number> {
  const [name, idx] = spec.split(':');
  const target = targetByName(name ?? '');
  const inst = target.setup();
  const index = Number(idx);
  const input = inst.generate(inputRng(args.seed, target.name, index));
  process.stdout.write(`${inst.describe(input)}\n`);
  try {
    inst.replay(input);
    process.stdout.write('replay: no failure\n');
    return 0;
  } catch (e) {
    const f = failureFrom(target, inst, { kind: 'exception', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), seed: args.seed, index, ms: 0, input, slowMs: args.slowMs, shrinkBudget: 1500 });
    process.stdout.write(`replay: ${f.message}\n${JSON.stringify(f.input)}\n`);
    return 1;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.replay) return replay(args, args.replay);
  const end = Date.now() + args.seconds * 1000;
  const all: TargetSummary[] = [];
  for (let k = 0; k < args.targets.length; k++) {
    const left = args.targets.length - k;
    const deadline = Date.now() + Math.max(0, end - Date.now()) / left;
    all.push(await runTarget(args, args.targets[k]!, deadline));
  }
  printSummary(args, all);
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ seed: args.seed, workers: args.workers, slowMs: args.slowMs, targets: all }, null, 1)}\n`);
  return all.some((s) => s.failures.length > 0) ? 1 : 0;
}
