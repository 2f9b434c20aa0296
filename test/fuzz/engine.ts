// The fuzz loop for one slice of a target's inputs (one worker thread, or the unit test in-process):
// input `index` comes from its own seeded stream (rng.ts), so a run is reproducible from (seed, index)
// whatever the number of workers. A failure is an exception (InvariantError included), an input slower
// than `slowMs`, or heap-after-GC growing without bound; failures are shrunk on fresh state (`replay`).
import { performance } from 'node:perf_hooks';
import { inputRng } from './rng.js';
import { InvariantError, type FuzzTarget, type Json, type TargetInstance } from './target.js';

export type FailureKind = 'exception' | 'invariant' | 'slow' | 'memory' | 'stall';

export interface Failure {
  readonly target: string;
  readonly kind: FailureKind;
  readonly message: string;
  readonly seed: number;
  readonly index: number;
  readonly ms: number;
  /** Whether `replay` on fresh state reproduces it (then `input` is the shrunk input). */
  readonly reproducible: boolean;
  readonly input: Json;
  readonly originalSize?: number;
  readonly describe: string;
}

export interface SliceStats {
  readonly target: string;
  tried: number;
  failures: Failure[];
  /** Failures beyond the first of each signature (not shrunk, not kept). */
  duplicateFailures: number;
  slowest: { ms: number; index: number; describe: string } | undefined;
  /** Heap used right after a forced GC (when `gc` is exposed), bytes: first sample after warm-up, peak, last. */
  heapAfterGc: { first: number; peak: number; last: number; samples: number } | undefined;
  peakHeapUsed: number;
  peakRss: number;
  elapsedMs: number;
}

export interface SliceOptions {
  readonly seed: number;
  /** Inputs `start`, `start + stride`, … below `count`. */
  readonly start: number;
  readonly stride: number;
  readonly count: number;
  /** Stop starting inputs once `Date.now()` passes this. */
  readonly deadline: number;
  /** Per-input time limit, ms (the issue: 1000). `Infinity` in unit tests (no wall-clock assertions there). */
  readonly slowMs: number;
  /** Predicate calls allowed when shrinking one failure. */
  readonly shrinkBudget?: number;
  /** How often (ms) to sample the heap after GC. */
  readonly memEveryMs?: number;
  /** Heap-after-GC growth (bytes) beyond which the slice reports a memory failure. */
  readonly memLimit?: number;
  /** Called before each input (the worker's stall detector) and every ~second with the stats. */
  readonly onInput?: (index: number) => void;
  /** Called before a failure is shrunk (bounded by `shrinkBudget`, not by the stall detector). */
  readonly onShrink?: () => void;
  readonly onProgress?: (s: SliceStats) => void;
}

function errorOf(e: unknown): { kind: FailureKind; message: string } {
  if (e instanceof InvariantError) return { kind: 'invariant', message: e.message };
  if (e instanceof Error) return { kind: 'exception', message: `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}` };
  return { kind: 'exception', message: `non-Error thrown: ${String(e)}` };
}

/** The signature failures are de-duplicated by: kind and first message line without numbers. */
export function signature(kind: FailureKind, message: string): string {
  return `${kind}:${(message.split('\n')[0] ?? '').replace(/\d+/g, 'N')}`;
}

/** Does `replay(input)` fail the same way (same signature; for 'slow', slower than `slowMs`)? */
function sameFailure<I>(inst: TargetInstance<I>, input: I, kind: FailureKind, sig: string, slowMs: number): boolean {
  const t0 = performance.now();
  try {
    inst.replay(input);
  } catch (e) {
    const r = errorOf(e);
    return kind !== 'slow' && signature(r.kind, r.message) === sig;
  }
  return kind === 'slow' && performance.now() - t0 > slowMs;
}

function sizeOf(j: Json): number {
  return JSON.stringify(j).length;
}

/** How many previous inputs a stateful target's failure may need (tried when the input alone does not fail on fresh state). */
export const HISTORY = 64;
/** Wall-clock bound of shrinking one failure. */
export const SHRINK_MS = 60_000;

export function failureFrom<I>(
  target: FuzzTarget<I>,
  inst: TargetInstance<I>,
  o: { kind: FailureKind; message: string; seed: number; index: number; ms: number; input: I; slowMs: number; shrinkBudget: number; history?: readonly I[] },
): Failure {
  const sig = signature(o.kind, o.message);
  let input = o.input;
  let reproducible = sameFailure(inst, input, o.kind, sig, o.slowMs);
  if (o.kind === 'slow' && reproducible) {
    // timing on a busy machine: confirmed only when a second replay is slow too
    reproducible = sameFailure(inst, input, o.kind, sig, o.slowMs);
  }
  if (!reproducible && o.kind !== 'slow' && inst.withHistory && o.history && o.history.length > 0) {
    const withHistory = inst.withHistory(o.history, o.input);
    if (sameFailure(inst, withHistory, o.kind, sig, o.slowMs)) {
      input = withHistory;
      reproducible = true;
    }
  }
  if (reproducible) {
    const orig = input;
    const budget = o.kind === 'slow' ? Math.min(o.shrinkBudget, 15) : o.shrinkBudget;
    // time-boxed too (a slow input costs seconds per try on a busy machine): past it, nothing shrinks further
    const until = Date.now() + SHRINK_MS;
    input = inst.shrink(orig, (c) => Date.now() < until && sameFailure(inst, c, o.kind, sig, o.slowMs), budget);
  }
  return {
    target: target.name,
    kind: o.kind,
    message: o.message,
    seed: o.seed,
    index: o.index,
    ms: Math.round(o.ms),
    reproducible,
    input: inst.toJson(input),
    originalSize: sizeOf(inst.toJson(o.input)),
    describe: inst.describe(input),
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

export function runSlice<I>(target: FuzzTarget<I>, opts: SliceOptions, inst: TargetInstance<I> = target.setup()): SliceStats {
  const started = Date.now();
  const shrinkBudget = opts.shrinkBudget ?? 400;
  const memEveryMs = opts.memEveryMs ?? 2000;
  const memLimit = opts.memLimit ?? 256 * 1024 * 1024;
  const stats: SliceStats = {
    target: target.name,
    tried: 0,
    failures: [],
    duplicateFailures: 0,
    slowest: undefined,
    heapAfterGc: undefined,
    peakHeapUsed: 0,
    peakRss: 0,
    elapsedMs: 0,
  };
  const seen = new Set<string>();
  const history: I[] = [];
  let lastMem = Date.now();
  let lastProgress = Date.now();
  let memFailed = false;
  const sampleMemory = (afterGc: boolean): void => {
    const m = process.memoryUsage();
    stats.peakHeapUsed = Math.max(stats.peakHeapUsed, m.heapUsed);
    stats.peakRss = Math.max(stats.peakRss, m.rss);
    if (!afterGc || !gc) return;
    gc();
    const h = process.memoryUsage().heapUsed;
    const a = stats.heapAfterGc;
    if (!a) {
      stats.heapAfterGc = { first: h, peak: h, last: h, samples: 1 };
      return;
    }
    a.peak = Math.max(a.peak, h);
    a.last = h;
    a.samples++;
  };
  for (let index = opts.start; index < opts.count; index += opts.stride) {
    if (Date.now() >= opts.deadline) break;
    opts.onInput?.(index);
    const input = inst.generate(inputRng(opts.seed, target.name, index));
    const t0 = performance.now();
    let error: { kind: FailureKind; message: string } | undefined;
    try {
      inst.run(input);
    } catch (e) {
      error = errorOf(e);
    }
    const ms = performance.now() - t0;
    stats.tried++;
    if (!stats.slowest || ms > stats.slowest.ms) stats.slowest = { ms, index, describe: inst.describe(input) };
    if (!error && ms > opts.slowMs) error = { kind: 'slow', message: `input took ${Math.round(ms)} ms (limit ${opts.slowMs} ms)` };
    if (error) {
      // the state the failure left is not trusted: fresh state, and no history before it
      inst.reset?.();
      const failedHistory = [...history];
      history.length = 0;
      const sig = signature(error.kind, error.message);
      if (seen.has(sig)) stats.duplicateFailures++;
      else {
        seen.add(sig);
        opts.onShrink?.();
        stats.failures.push(failureFrom(target, inst, { ...error, seed: opts.seed, index, ms, input, slowMs: opts.slowMs, shrinkBudget, history: failedHistory }));
      }
    }
    if (inst.withHistory && !error) {
      history.push(input);
      if (history.length > HISTORY) history.shift();
    }
    const now = Date.now();
    if (now - lastMem >= memEveryMs) {
      lastMem = now;
      sampleMemory(true);
      const a = stats.heapAfterGc;
      if (a && a.samples >= 3 && !memFailed && a.last - a.first > memLimit) {
        memFailed = true;
        stats.failures.push({
          target: target.name, kind: 'memory', message: `heap after GC grew from ${a.first} to ${a.last} bytes`, seed: opts.seed, index, ms: 0,
          reproducible: false, input: inst.toJson(input), describe: 'heap growth over the run (the last input is recorded, not the cause)',
        });
      }
    } else if ((stats.tried & 255) === 0) sampleMemory(false);
    if (opts.onProgress && now - lastProgress >= 1000) {
      lastProgress = now;
      stats.elapsedMs = now - started;
      opts.onProgress(stats);
    }
  }
  sampleMemory(true);
  stats.elapsedMs = Date.now() - started;
  return stats;
}
