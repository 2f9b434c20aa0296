// Keyword table of `vrrp_track_process NAME { … }` (reference §1.9.7), with keepalived 2.2.7's ranges and
// corrections (vrrp_parser.c vrrp_tprocess_*). The tracking itself: src/tracking/track-process.ts.

import { readInteger } from '../values.js';
import { readSecondsUs } from './common.js';
import type { TrackProcessDraft } from './state.js';
import type { KeywordTable, KwCtx } from './table.js';
import { plain } from './table.js';

type D = TrackProcessDraft;

/** `delay` sets both delays; `terminate_delay` / `fork_delay` one each. 0.000001..3600 s. */
function delay(d: D, ctx: KwCtx, which: 'both' | 'terminate' | 'fork'): void {
  const v = readSecondsUs(ctx, 1, 3600 * 1_000_000, d.name);
  if (v === undefined) return;
  if (which !== 'fork') d.terminateDelay = v;
  if (which !== 'terminate') d.forkDelay = v;
}

export const trackProcessTable: KeywordTable<D> = {
  process: plain((d, ctx) => {
    if (d.process !== undefined) {
      ctx.report('error', 'duplicate-process', 'GENERAL_ERROR', `the process of track process ${d.name} is already set - ignoring '${ctx.arg(1)}'`, { tok: 1, subject: d.name });
      return;
    }
    d.process = ctx.arg(1)!;
    if (ctx.tokens.length > 2) {
      d.params = ctx.tokens.slice(2).map((t) => t.text);
      // keepalived-compat: parameters imply an exact parameter match on the full command line.
      // Test: test/unit/config-parser/keywords-track-process.test.ts "process with parameters implies exact match on the full command line".
      if (d.paramMatch === 'none') d.paramMatch = 'exact';
      d.fullCommand = true;
    }
  }, 1),
  param_match: plain((d, ctx) => {
    const v = ctx.arg(1);
    if (v === undefined) d.paramMatch = 'exact';
    else if (v === 'initial' || v === 'partial') d.paramMatch = v;
    else {
      ctx.report('error', 'invalid-param-match', 'GENERAL_ERROR', `invalid param_match type '${v}' (expected nothing, 'initial' or 'partial') - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.fullCommand = true;
  }),
  weight: plain((d, ctx) => {
    const w = ctx.arg(1);
    if (w === undefined) {
      ctx.report('error', 'weight-missing-value', 'GENERAL_ERROR', `no weight given for track process ${d.name} - ignored`, { subject: d.name });
      return;
    }
    // keepalived-compat: a second weight is refused only when the first one was not 0.
    // Test: test/unit/config-parser/keywords-track-process.test.ts "weight 0 then weight 3 foo: weight set, option reported".
    if (d.weight !== 0) {
      ctx.report('error', 'duplicate-weight', 'GENERAL_ERROR', `the weight of track process ${d.name} is already set - ignoring ${w}`, { tok: 1, subject: d.name });
      return;
    }
    const r = readInteger(w, -254, 254);
    if (r.value === undefined) {
      ctx.report('error', 'weight-out-of-range', 'GENERAL_ERROR', `weight ${w} for vrrp_track_process ${d.name} must be an integer in [-254, 254] - ignored`, { tok: 1, subject: d.name });
      return;
    }
    const o = ctx.arg(2);
    if (o === 'reverse') d.reverse = true;
    else if (o !== undefined) ctx.report('error', 'unknown-weight-option', 'GENERAL_ERROR', `vrrp_track_process ${d.name}: unknown weight option '${o}' (expected reverse)`, { tok: 2, subject: d.name });
    d.weight = r.value;
  }),
  quorum: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 1, 65535, true);
    if (r.value === undefined) {
      ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `quorum ${ctx.arg(1)} for vrrp_track_process ${d.name} must be in [1, 65535] - ignored`, { tok: 1, subject: d.name });
      return;
    }
    if (d.quorumMax !== undefined && r.value > d.quorumMax) {
      ctx.report('error', 'quorum-above-max', 'GENERAL_ERROR', `quorum ${r.value} is greater than quorum_max ${d.quorumMax} - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.quorum = r.value;
  }, 1),
  quorum_max: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 0, 65535, true);
    if (r.value === undefined) {
      ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `quorum_max ${ctx.arg(1)} for vrrp_track_process ${d.name} must be in [0, 65535] - ignored`, { tok: 1, subject: d.name });
      return;
    }
    const max = r.value;
    // keepalived-compat: quorum_max 0 is allowed while quorum is the default 1 (and then sets quorum to 0).
    // Test: test/unit/config-parser/keywords-track-process.test.ts "quorum_max 0 with the default quorum sets quorum 0".
    if ((max !== 0 || d.quorum > 1) && max < d.quorum) {
      ctx.report('error', 'quorum-max-below-quorum', 'GENERAL_ERROR', `quorum_max ${max} is less than quorum ${d.quorum} - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.quorumMax = max;
    if (max === 0) d.quorum = 0;
    else if (d.quorum === 0) d.quorum = 1;
  }, 1),
  delay: plain((d, ctx) => delay(d, ctx, 'both'), 1),
  terminate_delay: plain((d, ctx) => delay(d, ctx, 'terminate'), 1),
  fork_delay: plain((d, ctx) => delay(d, ctx, 'fork'), 1),
  full_command: plain((d) => { d.fullCommand = true; }),
};
