// Warming the takeover path (issue 12 §4). V8 compiles a function to bytecode on its first call, so
// the first BACKUP → MASTER transition of a process ran a hundred or so functions for the first time
// (the down-timer expiry, the transition, the first advert's encoding, the VIP and GARP effects):
// measured 3–5 ms between the timer's wake-up and the first advert leaving. A throw-away core, fed the
// same inputs as the real one, is stepped through its instances' first down-timer expiries and first
// adverts at start, in simulated time; its effects are discarded. The real core is not touched.

import type { DaemonConfig } from '../config-parser/types.js';
import { VrrpCore, type VrrpCoreOptions } from '../vrrp/core.js';
import type { Input } from '../vrrp/effects.js';
import type { Micros } from '../net/units.js';

/** Steps a scratch core through start-up and the instances' first takeovers. Returns the steps taken. */
export function rehearseTakeover(config: DaemonConfig, opts: VrrpCoreOptions, inputs: readonly Input[], maxSteps = 64 + 8 * config.instances.length): number {
  const core = new VrrpCore(config, opts);
  let now = 1_000_000 as Micros;
  for (const input of inputs) core.step(now, input);
  core.step(now, { kind: 'start' });
  // Long enough for every instance's Master_Down_Interval (≤ 3 × 255 s advert_int is the worst case,
  // but the step bound ends it first) plus two adverts as MASTER.
  let steps = 0;
  const masters = new Set<string>();
  let advertsAfter = 0;
  while (steps < maxSteps) {
    const d = core.nextDeadline();
    if (d === undefined) break;
    now = Math.max(now, d) as Micros;
    const effects = core.step(now, { kind: 'tick' });
    steps++;
    for (const e of effects) {
      if (e.kind === 'transition' && e.to === 'MASTER') masters.add(e.instance);
      if (e.kind === 'sendAdvert' && masters.size === config.instances.length) advertsAfter++;
    }
    if (masters.size === config.instances.length && advertsAfter >= config.instances.length) break;
  }
  core.step(now, { kind: 'stop' });
  return steps;
}
