// The chaos soak's regression list (issue 14 §1: seeds of any failing run go into a list the suite replays):
// test/chaos/regressions.json. `npm run chaos` appends the seed, fleet and faults of every run that broke an
// invariant (one that is not keepalived's alone) with `fixed: null`; test/interop/chaos-regressions.test.ts
// replays each entry's faults (`scheduleWindow`: those faults only, from the priorities the reloads before
// them left) and fails on any broken invariant, so a failing seed keeps the suite red until it is fixed. A
// replay repeats the faults, not the race inside them (loss is random, timers are the daemons'): where a race
// matters, an interop test that forces it sits beside the entry (`covered`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../fuzz/paths.js';
import type { Verdict } from './invariants.js';
import { FLEETS as FLEET_KINDS, type Fleet } from './soak.js';

export interface Regression {
  readonly seed: number;
  /** The schedule's length in the run that failed (the schedule is a function of seed and length). */
  readonly events: number;
  readonly fleet: Fleet;
  /** The faults replayed, first and last (inclusive). */
  readonly faults: readonly [number, number];
  readonly nopreempt?: boolean;
  /**
   * The client's longest gap in the replay may not exceed this, s: for a failure the invariants do not bound
   * (faults that overlap) or put on keepalived alone (a keepalived node left the client on its MAC), which
   * havipd has since healed from its side.
   */
  readonly clientGapMaxS?: number;
  /** When, and what broke. */
  readonly found: string;
  /** The commit(s) that fixed it, or null while it still fails. */
  readonly fixed: string | null;
  /** The test that reproduces the race deterministically, if any. */
  readonly covered?: string;
}

export const REGRESSIONS_PATH = join(ROOT, 'test', 'chaos', 'regressions.json');
const FLEETS = Object.keys(FLEET_KINDS) as Fleet[];

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Parses and checks the list; an error names the entry and the field. */
export function parseRegressions(text: string, file = REGRESSIONS_PATH): Regression[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) throw new Error(`${file}: expected an array of entries`);
  return data.map((e: unknown, i): Regression => {
    const bad = (what: string): Error => new Error(`${file}: entry ${i}: ${what}`);
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw bad('expected an object');
    const r = e as Record<string, unknown>;
    const known = new Set(['seed', 'events', 'fleet', 'faults', 'nopreempt', 'clientGapMaxS', 'found', 'fixed', 'covered']);
    for (const k of Object.keys(r)) if (!known.has(k)) throw bad(`unknown field '${k}'`);
    if (!isCount(r.seed)) throw bad('seed: expected a non-negative integer');
    if (!isCount(r.events) || r.events < 1 || r.events > 10_000) throw bad('events: expected an integer 1-10000');
    if (typeof r.fleet !== 'string' || !FLEETS.includes(r.fleet as Fleet)) throw bad(`fleet: expected one of ${FLEETS.join(', ')}`);
    const f = r.faults;
    if (!Array.isArray(f) || f.length !== 2 || !isCount(f[0]) || !isCount(f[1]) || f[1] < f[0] || f[1] >= r.events) throw bad(`faults: expected [first, last] within 0-${r.events - 1}`);
    if (r.nopreempt !== undefined && typeof r.nopreempt !== 'boolean') throw bad('nopreempt: expected true or false');
    if (r.clientGapMaxS !== undefined && (typeof r.clientGapMaxS !== 'number' || !(r.clientGapMaxS > 0))) throw bad('clientGapMaxS: expected a positive number');
    if (typeof r.found !== 'string' || r.found === '') throw bad('found: expected a text');
    if (r.fixed !== null && (typeof r.fixed !== 'string' || r.fixed === '')) throw bad('fixed: expected a text or null');
    if (r.covered !== undefined && typeof r.covered !== 'string') throw bad('covered: expected a text');
    return {
      seed: r.seed, events: r.events, fleet: r.fleet as Fleet, faults: [f[0], f[1]],
      ...(r.nopreempt ? { nopreempt: true } : {}),
      ...(r.clientGapMaxS !== undefined ? { clientGapMaxS: r.clientGapMaxS } : {}),
      found: r.found, fixed: r.fixed as string | null,
      ...(r.covered !== undefined ? { covered: r.covered } : {}),
    };
  });
}

export function loadRegressions(file = REGRESSIONS_PATH): Regression[] {
  return existsSync(file) ? parseRegressions(readFileSync(file, 'utf8'), file) : [];
}

/**
 * The faults a run's failures name (`#N +…`, as the invariants label them), first and last; the whole
 * schedule when they name none (a convergence or exit failure at the end).
 */
export function faultsNamed(failures: readonly string[], events: number, window?: readonly [number, number]): [number, number] {
  const ns = failures.flatMap((m) => [...m.matchAll(/#(\d+) \+/g)].map((x) => Number(x[1]))).filter((n) => n < events);
  if (ns.length > 0) return [Math.min(...ns), Math.max(...ns)];
  return window ? [window[0], window[1]] : [0, events - 1];
}

/** The entry for a run whose verdict failed (not keepalived's alone), or undefined when it passed. */
export function regressionFor(o: { seed: number; events: number; fleet: Fleet; nopreempt?: boolean; window?: readonly [number, number] }, verdict: Verdict, date: string): Regression | undefined {
  if (verdict.ok) return undefined;
  const first = verdict.failures[0] ?? '';
  return {
    seed: o.seed, events: o.events, fleet: o.fleet, faults: faultsNamed(verdict.failures, o.events, o.window),
    ...(o.nopreempt ? { nopreempt: true } : {}),
    found: `${date}: ${first.length > 300 ? `${first.slice(0, 300)}…` : first}${verdict.failures.length > 1 ? ` (+${verdict.failures.length - 1} more)` : ''}`,
    fixed: null,
  };
}

/** Appends the entries the list lacks (same seed, events, fleet, faults and nopreempt); returns how many. */
export function addRegressions(entries: readonly Regression[], file = REGRESSIONS_PATH): number {
  const list = loadRegressions(file);
  const key = (r: Regression): string => `${r.seed}/${r.events}/${r.fleet}/${r.faults.join('-')}/${r.nopreempt === true}`;
  const have = new Set(list.map(key));
  const add = entries.filter((r) => !have.has(key(r)));
  if (add.length === 0) return 0;
  writeFileSync(file, `${JSON.stringify([...list, ...add], null, 2)}\n`);
  return add.length;
}
