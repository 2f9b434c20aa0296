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
import { frameIpv4 } from '../edges/transport/ipv4-header.js';
import { buildGarp, buildUnsolicitedNa } from '../garp/frames.js';

const SCRATCH_MAC = new Uint8Array([2, 0, 0, 0, 0, 1]);

/** What a rehearsal did: core steps taken, instances that reached MASTER, adverts they encoded. */
export interface Rehearsal {
  readonly steps: number;
  readonly masters: number;
  readonly adverts: number;
}

/**
 * The instances worth rehearsing: the first of each kind (version, family, auth type, unicast or not,
 * HMAC or not) outside sync groups, plus the first sync group with its members. Compiling a code path
 * once is enough, and a thousand instances would block the loop for most of a second.
 */
export function rehearsalConfig(config: DaemonConfig): DaemonConfig {
  const group = config.syncGroups[0];
  const grouped = new Set(config.syncGroups.flatMap((g) => g.members));
  const seen = new Set<string>();
  const picked = config.instances.filter((i) => {
    if (group?.members.includes(i.name)) return true;
    if (grouped.has(i.name)) return false;
    const kind = `${i.version}/${i.family}/${i.auth.type}/${i.unicastPeers.length > 0}/${i.authHmac !== undefined}/${i.vips.map((v) => v.family).join('')}`;
    if (seen.has(kind)) return false;
    seen.add(kind);
    return true;
  });
  return { ...config, instances: picked, syncGroups: group ? [group] : [] };
}

/** Steps a scratch core through start-up and the instances' first takeovers (bounded by `maxSteps`). */
export function rehearseTakeover(config: DaemonConfig, opts: VrrpCoreOptions, inputs: readonly Input[], maxSteps = 64 + 8 * config.instances.length): Rehearsal {
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
      // The shell's pure frame builders on the same data (the raw transport's IPv4 header, GARP / NA).
      if (e.kind === 'sendAdvert' && e.family === 4) for (const d of e.destinations) frameIpv4(d.bytes, { src: e.src, dst: d.dst, ttl: d.ttl, id: e.ipId ?? 1 });
      if (e.kind === 'sendGarp') for (const a of e.addresses) void (e.family === 4 ? buildGarp(SCRATCH_MAC, a) : buildUnsolicitedNa(SCRATCH_MAC, a, false));
    }
    if (masters.size === config.instances.length && advertsAfter >= config.instances.length) break;
  }
  core.step(now, { kind: 'stop' });
  return { steps, masters: masters.size, adverts: advertsAfter };
}
