// How late the daemon's protocol timers ran, per minute: the "event loop lag" of status and /metrics.
//
// It is fed by the Supervisor's own timer ticks (each tick input carries how late it ran), so measuring it
// costs no timer and no wake-up of its own. A sampler timer did (issue 9): at 10 ms it cost 0.6 s of CPU a
// minute on an idle 1-instance daemon, at 1 s it still doubled the process's wake-ups. What an operator
// needs to know is exactly this figure: how late adverts and down timers ran.

import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { RecorderClock } from './recorder.js';

export interface LagStats {
  readonly mean: number;
  readonly p99: number;
  readonly max: number;
}

const WINDOW_MS = 60_000;
const ZERO: LagStats = { mean: 0, p99: 0, max: 0 };

export class TimerLag {
  private hist: RecordableHistogram = createHistogram();
  private windowStart: number;
  private last: LagStats = ZERO;

  constructor(private readonly clock: RecorderClock) {
    this.windowStart = clock.monoMs();
  }

  /** One timer ran `lateMicros` after its deadline (0 or more). */
  record(lateMicros: number): void {
    this.roll();
    // The histogram takes integers ≥ 1 (ns).
    this.hist.record(Math.max(1, Math.round(lateMicros * 1000)));
  }

  /** Stats of the current minute, or of the last full minute when nothing ran yet in this one (ms). */
  stats(): LagStats {
    this.roll();
    if (this.hist.count === 0) return this.last;
    const now = statsOf(this.hist);
    return { ...now, max: Math.max(now.max, this.last.max) };
  }

  private roll(): void {
    const now = this.clock.monoMs();
    if (now - this.windowStart < WINDOW_MS) return;
    // The minute that just ended; zero when nothing ran in it (or more than one minute has passed since).
    this.last = this.hist.count === 0 || now - this.windowStart >= 2 * WINDOW_MS ? ZERO : statsOf(this.hist);
    this.hist.reset();
    // Whole windows: a daemon idle for an hour starts its next window now, not an hour ago.
    this.windowStart = now - ((now - this.windowStart) % WINDOW_MS);
  }
}

function statsOf(h: RecordableHistogram): LagStats {
  const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
  return { mean: ms(h.mean), p99: ms(h.percentile(99)), max: ms(h.max) };
}
