// The fuzz target contract. A target is set up once per worker thread; it generates inputs from a
// seeded stream, runs them (`run`, may keep state across inputs, as the daemon does), and can replay one
// input on fresh state (`replay`, deterministic: used to shrink failures and by the regression test).
// To add a target: implement `FuzzTarget`, add it to `TARGETS` in targets.ts.
import type { Rng } from './rng.js';

/** A JSON-serialisable description of one input (what a regression file stores under `input`). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class InvariantError extends Error {
  override name = 'InvariantError';
}

export interface TargetInstance<I> {
  /** One input from this stream. */
  generate(rng: Rng): I;
  /** Runs the input through the code under test; throws on a failure (any exception is one). */
  run(input: I): void;
  /** After a failure in `run`: start again from fresh state (what the failure left is not trusted). */
  reset?(): void;
  /** Runs the input on fresh state (deterministic); throws on a failure. */
  replay(input: I): void;
  /** A smaller input that still satisfies `fails`, within `budget` calls. */
  shrink(input: I, fails: (i: I) => boolean, budget: number): I;
  /**
   * For stateful targets: one input that replays `before` (their failures ignored: they only build the
   * state) and then `input`, on fresh state. Lets a failure that needs history be reproduced and shrunk.
   */
  withHistory?(before: readonly I[], input: I): I;
  toJson(input: I): Json;
  fromJson(j: Json): I;
  /** One line describing the input, for the summary (size, kind). */
  describe(input: I): string;
}

export interface FuzzTarget<I = unknown> {
  readonly name: string;
  /** Inputs per full run (the figure). */
  readonly defaultCount: number;
  setup(): TargetInstance<I>;
}
