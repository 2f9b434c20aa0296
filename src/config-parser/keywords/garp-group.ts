// Keyword table of `garp_group { … }` (reference §1.9.1; keepalived 2.2.7 vrrp_parser.c garp_group_*): the
// minimum gap between GARPs / unsolicited NAs on a set of interfaces. Kept; havipd does not apply it yet.

import { readSecondsUs } from './common.js';
import type { GarpGroupDraft } from './state.js';
import type { KeywordTable, KwCtx } from './table.js';
import { plain } from './table.js';

type D = GarpGroupDraft;

/** Whether `name` is already in a garp_group (keepalived keeps one group per interface). */
function taken(ctx: KwCtx, name: string): boolean {
  return ctx.env.root.garpGroups.some((g) => g.interfaces.includes(name));
}

/** Host check: keepalived reports a missing interface unless dynamic_interfaces is set (it then creates it). */
function exists(ctx: KwCtx, name: string): boolean {
  const host = ctx.env.hostInterfaces;
  return host === undefined || host.includes(name) || ctx.env.root.global.dynamicInterfaces;
}

function addInterface(d: D, ctx: KwCtx, idx: number): void {
  const name = ctx.arg(idx)!;
  if (!exists(ctx, name)) {
    ctx.report('error', 'unknown-interface', 'GENERAL_ERROR', `interface ${name} specified for garp_group does not exist - ignored`, { tok: idx });
    return;
  }
  if (taken(ctx, name)) {
    ctx.report('error', 'garp-group-interface-taken', 'GENERAL_ERROR', `interface ${name} is already in a garp_group - ignored`, { tok: idx });
    return;
  }
  d.interfaces.push(name);
}

function interval(d: D, ctx: KwCtx, key: 'garpInterval' | 'gnaInterval'): void {
  // keepalived: 0 .. INT_MAX µs, 6 decimal places.
  const v = readSecondsUs(ctx, 0, 0x7fffffff);
  if (v !== undefined) d[key] = v;
}

export const garpGroupTable: KeywordTable<D> = {
  garp_interval: plain((d, ctx) => interval(d, ctx, 'garpInterval'), 1),
  gna_interval: plain((d, ctx) => interval(d, ctx, 'gnaInterval'), 1),
  interface: plain((d, ctx) => addInterface(d, ctx, 1), 1),
  interfaces: {
    kind: 'values',
    handle: (d) => { d.aggregation = true; d.listItems = 0; },
    item: (d, ctx) => {
      for (let i = 0; i < ctx.tokens.length; i++) {
        d.listItems = (d.listItems ?? 0) + 1;
        addInterface(d, ctx, i);
      }
    },
    close: (d, ctx) => {
      if (!d.listItems) ctx.report('error', 'empty-interfaces', 'GENERAL_ERROR', `the garp_group interfaces block is empty`);
    },
  },
};
