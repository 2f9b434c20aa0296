// Fake timers for the runtime's injected `Timers` (src/edges/timers.ts): time moves only when the test
// moves it, and timers fire in time order (then creation order). Between firings the test's promise
// callbacks and pending I/O callbacks get to run (`settle()`: a few event-loop turns, no wall-clock wait).
import type { TimerHandle, Timers } from '../../src/edges/timers.js';

interface FakeTimer extends TimerHandle {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class FakeTimers implements Timers {
  private t = 0;
  private seq = 0;
  private readonly pending = new Map<number, FakeTimer>();

  /** Milliseconds since the fake clock started. */
  now(): number {
    return this.t;
  }

  /** Timers not yet fired nor cleared. */
  get size(): number {
    return this.pending.size;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { id: this.seq++, at: this.t + Math.max(0, ms), fn, unref: () => timer };
    this.pending.set(timer.id, timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete((handle as FakeTimer).id);
  }

  private next(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const x of this.pending.values()) if (!best || x.at < best.at || (x.at === best.at && x.id < best.id)) best = x;
    return best;
  }

  /** Lets promise callbacks and already-queued I/O callbacks run (event-loop turns, no timers). */
  async settle(turns = 5): Promise<void> {
    for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
  }

  /** Fires every timer due up to now + `ms`, in order, settling after each; the clock ends at now + `ms`. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await this.settle();
    for (let n = 0; n < 100_000; n++) {
      const x = this.next();
      if (!x || x.at > target) break;
      this.pending.delete(x.id);
      this.t = Math.max(this.t, x.at);
      x.fn();
      await this.settle();
    }
    this.t = target;
  }

  /**
   * Awaits `p`, firing the next timer whenever nothing else can make progress (at most `maxMs` of fake
   * time); throws if `p` is still pending then.
   */
  async drive<T>(p: Promise<T>, maxMs = 60_000): Promise<T> {
    let done = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    p.then(
      (v) => {
        done = true;
        value = v;
      },
      (e: unknown) => {
        done = true;
        failed = true;
        error = e;
      },
    );
    const limit = this.t + maxMs;
    await this.settle();
    while (!done) {
      const x = this.next();
      if (!x || x.at > limit) throw new Error(`FakeTimers.drive: still pending at ${this.t} ms (next timer ${x ? `at ${x.at} ms` : 'none'})`);
      this.pending.delete(x.id);
      this.t = Math.max(this.t, x.at);
      x.fn();
      await this.settle();
    }
    if (failed) throw error;
    return value as T;
  }
}
