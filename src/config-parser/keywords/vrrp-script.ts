// Keyword table of `vrrp_script NAME { … }` (reference §1.9.4).

import { commandSpec, hasUnterminatedQuote } from '../command.js';
import { readDecimal, readInteger } from '../values.js';
import type { ScriptDraft } from './state.js';
import type { KeywordTable, KwCtx } from './table.js';
import { plain } from './table.js';

type D = ScriptDraft;
const MAX_S = Math.floor(0xffffffff / 1_000_000);

/**
 * keepalived 2.4.3 `vrrp_vscript_interval_handler` / `_timeout_handler`: decimal seconds with millisecond
 * resolution, 0..4294 (UINT_MAX / TIMER_HZ); 0 is reported and set to 1 second.
 */
function decimalSeconds(d: D, ctx: KwCtx, what: 'interval' | 'timeout'): number | undefined {
  const r = readDecimal(ctx.arg(1)!, 3, 0, MAX_S * 1000);
  if (r.value === undefined) {
    ctx.report('error', r.problem?.code ?? 'invalid-number', 'GENERAL_ERROR', `vrrp script ${what} '${ctx.arg(1)}' must be between 0.001 and ${MAX_S} seconds (millisecond resolution) - ignored`, { tok: 1, subject: d.name });
    return undefined;
  }
  if (r.problem) ctx.report('error', r.problem.code, 'INVALID_NUMBER', `vrrp script ${what}: ${r.problem.message}`, { tok: 1, subject: d.name });
  if (r.value === 0) {
    ctx.report('error', `${what}-zero`, 'GENERAL_ERROR', `the script ${what} must be greater than 0; set to 1 second`, { tok: 1, subject: d.name });
    return 1_000_000;
  }
  return r.value * 1000;
}

export const vrrpScriptTable: KeywordTable<D> = {
  // keepalived-compat: `script` with nothing after it is not fatal (vrrp_vscript_script_handler re-reads the line);
  // the block is then removed for having no script.
  // Test: test/unit/config-parser/keywords-vrrp-script.test.ts "script keyword without a value is not fatal".
  script: plain((d, ctx) => {
    if (ctx.tokens.length < 2) return;
    const raw = ctx.tokens.slice(1).map((t) => t.text).join(' ');
    if (hasUnterminatedQuote(raw)) ctx.report('error', 'unterminated-quote', 'GENERAL_ERROR', `unterminated quote in the script command`, { tok: 1, subject: d.name });
    d.command = commandSpec(raw, d.user, d.group);
  }),
  // havipd: follows keepalived 2.4.3 (decimal seconds, e.g. `interval 0.5`); 2.2.7 took whole seconds only and
  // refused fractions. 0 is reported and set to 1 in both.
  // Test: test/unit/config-parser/keywords-vrrp-script.test.ts "fractional interval accepted as in 2.4.3".
  interval: plain((d, ctx) => { const v = decimalSeconds(d, ctx, 'interval'); if (v !== undefined) d.interval = v; }, 1),
  timeout: plain((d, ctx) => { const v = decimalSeconds(d, ctx, 'timeout'); if (v !== undefined) d.timeout = v; }, 1),
  weight: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, -253, 253);
    if (r.value === undefined) {
      ctx.report('error', 'weight-out-of-range', 'GENERAL_ERROR', `weight ${ctx.arg(1)} must be an integer in [-253, 253] - ignored`, { tok: 1, subject: d.name });
      return;
    }
    d.weight = r.value;
    const o = ctx.arg(2);
    if (o === 'reverse') d.reverse = true;
    else if (o === 'noreverse') d.reverse = false;
    else if (o !== undefined) ctx.report('error', 'unknown-weight-option', 'GENERAL_ERROR', `unknown weight option '${o}' (expected reverse or noreverse)`, { tok: 2, subject: d.name });
  }, 1),
  rise: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 1, 0x7fffffff, true);
    if (r.value === undefined) {
      ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `rise: ${r.problem!.message}; using 1`, { tok: 1, subject: d.name });
      d.rise = 1;
    } else d.rise = r.value;
  }, 1),
  fall: plain((d, ctx) => {
    const r = readInteger(ctx.arg(1)!, 1, 0x7fffffff, true);
    if (r.value === undefined) {
      ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `fall: ${r.problem!.message}; using 1`, { tok: 1, subject: d.name });
      d.fall = 1;
    } else d.fall = r.value;
  }, 1),
  user: plain((d, ctx) => {
    d.user = ctx.arg(1)!;
    const g = ctx.arg(2);
    if (g !== undefined) d.group = g.startsWith(':') ? g.slice(1) : g;
    if (d.command) d.command = commandSpec(d.command.raw, d.user, d.group);
  }, 1),
  init_fail: plain((d) => { d.initFail = true; }),
};
