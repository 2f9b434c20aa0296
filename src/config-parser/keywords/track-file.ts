// Keyword table of `track_file NAME { … }` and its deprecated alias `vrrp_track_file` (reference §1.9.6).

import { readInteger } from '../values.js';
import type { TrackFileDraft } from './state.js';
import type { KeywordTable } from './table.js';
import { plain } from './table.js';

type D = TrackFileDraft;

export const trackFileTable: KeywordTable<D> = {
  file: plain((d, ctx) => {
    // keepalived-compat: a missing file name is an error, not a missing parameter.
    // Test: test/unit/config-parser/keywords-track-file.test.ts "file without a value is an error, not a missing parameter".
    if (ctx.arg(1) === undefined) {
      ctx.report('error', 'missing-value', 'GENERAL_ERROR', `track_file ${d.name}: file name missing`, { subject: d.name });
      return;
    }
    if (d.file !== undefined) {
      ctx.report('error', 'duplicate-file', 'GENERAL_ERROR', `the file of track_file ${d.name} is already set - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.file = ctx.arg(1)!;
  }),
  weight: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, -254, 254);
    if (r.value === undefined) {
      ctx.report('error', 'weight-out-of-range', 'GENERAL_ERROR', `weight ${ctx.arg(1)} must be an integer in [-254, 254] - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.weight = r.value;
    const o = ctx.arg(2);
    if (o === 'reverse') d.reverse = true;
    else if (o !== undefined && o !== 'noreverse') ctx.report('error', 'unknown-weight-option', 'GENERAL_ERROR', `unknown weight option '${o}' (expected reverse)`, { tok: 2, subject: d.name });
  }, 1),
  init_file: plain((d, ctx) => {
    let value = 0;
    let overwrite = false;
    for (let i = 1; i < ctx.tokens.length; i++) {
      const t = ctx.arg(i)!;
      if (t === 'overwrite') overwrite = true;
      else {
        const r = readInteger(t, -0x80000000, 0x7fffffff);
        if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `init_file: ${r.problem!.message}`, { tok: i, subject: d.name });
        else value = r.value;
      }
    }
    d.initFile = { value, overwrite };
  }),
};
