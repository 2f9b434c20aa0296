// Handler helpers shared by several keyword tables: optional booleans, notify commands, timers.

import { commandSpec } from '../command.js';
import { readBool, readDecimal, readInteger } from '../values.js';
import type { CommandSpec } from '../types.js';
import type { KwCtx } from './table.js';
import type { NotifyDraft } from './state.js';

/** A flag keyword with an optional lower-case boolean (`kw`, `kw true`, `kw off`…). Undefined = invalid (reported). */
export function optionalBool(ctx: KwCtx, subject?: string): boolean | undefined {
  const v = ctx.arg(1);
  if (v === undefined) return true;
  const b = readBool(v);
  if (b === undefined) {
    ctx.report('error', 'invalid-boolean', 'GENERAL_ERROR', `invalid value '${v}' for ${ctx.arg(0)} (expected true/false, on/off or yes/no, lower case) - ignored`, { tok: 1, subject });
  }
  return b;
}

/** `CMD [USER [GROUP]]`. */
export function readCommand(ctx: KwCtx, from = 1): CommandSpec {
  return commandSpec(ctx.arg(from)!, ctx.arg(from + 1), ctx.arg(from + 2));
}

export type NotifyKey = 'master' | 'backup' | 'fault' | 'stop' | 'generic' | 'masterRxLowerPri';

/** notify_* handler: first one wins, later ones are reported and ignored (keepalived "already specified"). */
export function setNotify(notify: NotifyDraft, key: NotifyKey, ctx: KwCtx, subject: string): void {
  if (notify[key] !== undefined) {
    ctx.report('error', 'duplicate-notify', 'GENERAL_ERROR', `${ctx.arg(0)} is already set for ${subject} - ignoring '${ctx.arg(1)}'`, { tok: 1, subject });
    return;
  }
  notify[key] = readCommand(ctx);
}

/** Reads a decimal seconds value as µs in [minUs, maxUs]; reports with the keyword name. */
export function readSecondsUs(ctx: KwCtx, minUs: number, maxUs: number, subject?: string, places = 6): number | undefined {
  const r = readDecimal(ctx.arg(1)!, places, Math.round(minUs / 10 ** (6 - places)), Math.round(maxUs / 10 ** (6 - places)));
  if (r.problem) ctx.report('error', r.problem.code, 'INVALID_NUMBER', `${ctx.arg(0)}: ${r.problem.message}${r.value === undefined ? ' - ignored' : ''}`, { tok: 1, subject });
  return r.value === undefined ? undefined : r.value * 10 ** (6 - places);
}

/** Reads an integer in [min, max]; reports with the keyword name and `- ignored`. */
export function readInt(ctx: KwCtx, min: number, max: number, subject?: string, idx = 1): number | undefined {
  const r = readInteger(ctx.arg(idx)!, min, max);
  if (r.value === undefined) ctx.report('error', r.problem!.code, 'GENERAL_ERROR', `${ctx.arg(0)}: ${r.problem!.message} - ignored`, { tok: idx, subject });
  return r.value;
}

/** The "havipd does not act on X yet" notice: info, no kaClass, once per keyword. */
export function notActedOn(ctx: KwCtx, what: string, subject?: string): void {
  const kw = ctx.arg(0)!;
  if (ctx.env.noticed.has(`inactive:${kw}`)) return;
  ctx.env.noticed.add(`inactive:${kw}`);
  ctx.report('info', 'not-acted-on', undefined, `havipd parses '${kw}' but does not act on it yet (${what})`, { subject });
}
