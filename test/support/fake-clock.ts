// A fake monotonic clock for the pure core's tests: time only moves when the test moves it.
import { micros, type Micros } from '../../src/net/units.js';

export class FakeClock {
  private t: Micros;
  constructor(start: Micros = micros(0)) {
    this.t = start;
  }
  now(): Micros {
    return this.t;
  }
  /** Moves to `t`; time never goes backwards. */
  advanceTo(t: Micros): void {
    if (t < this.t) throw new Error(`FakeClock: ${t} is before ${this.t}`);
    this.t = t;
  }
  advanceBy(d: Micros): void {
    this.t = micros(this.t + d);
  }
}
