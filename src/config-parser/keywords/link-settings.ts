// Item handlers of the root value blocks `linkbeat_interfaces` and `interface_up_down_delays` (keepalived
// 2.2.7 vrrp_parser.c alloc_linkbeat_interface / alloc_if_up_down_delay). Kept; havipd watches links with
// netlink and does not debounce link changes yet.

import { readDecimal } from '../values.js';
import type { RootDraft } from './state.js';
import type { KwCtx, ValueBlockKeyword } from './table.js';

/** keepalived looks the interface up (creating it with dynamic_interfaces); an unknown one is FATAL (-t exit 4). */
function knownInterface(ctx: KwCtx, what: string): boolean {
  const name = ctx.arg(0)!;
  const host = ctx.env.hostInterfaces;
  if (host === undefined || host.includes(name) || ctx.env.root.global.dynamicInterfaces) return true;
  ctx.report('error', 'unknown-interface', 'FATAL', `unknown interface ${name} specified for ${what}`);
  return false;
}

export const linkbeatInterfaces: ValueBlockKeyword<RootDraft> = {
  kind: 'values',
  item: (r, ctx) => {
    if (!knownInterface(ctx, 'linkbeat_interfaces')) return;
    const t = ctx.arg(1);
    let type: 'MII' | 'ETHTOOL' | 'IOCTL' | undefined;
    if (t !== undefined) {
      if (t === 'MII' || t === 'ETHTOOL' || t === 'IOCTL') type = t;
      // keepalived-compat: one word after the interface, upper case; anything else is reported (and polling
      // still enabled with the default method).
      // Test: test/unit/config-parser/keywords-root-blocks.test.ts "unknown method and extra words".
      if (type === undefined || ctx.tokens.length > 2) {
        ctx.report('error', 'linkbeat-extra', 'GENERAL_ERROR', `extra words after linkbeat interface ${ctx.arg(0)} (expected MII, ETHTOOL or IOCTL)`, { tok: 1 });
      }
    }
    r.linkbeatInterfaces.push({ interface: ctx.arg(0)!, type, pos: ctx.at(0) });
  },
};

function readDelay(ctx: KwCtx, idx: number, what: string): number | undefined {
  const r = readDecimal(ctx.arg(idx)!, 6, 0, 255_000_000);
  if (r.problem) {
    ctx.report('error', r.problem.code, 'INVALID_NUMBER', `${what} delay for ${ctx.arg(0)}: ${r.problem.message}${r.value === undefined ? ' - item ignored' : ''}`, { tok: idx });
  }
  return r.value;
}

export const interfaceUpDownDelays: ValueBlockKeyword<RootDraft> = {
  kind: 'values',
  item: (r, ctx) => {
    if (!knownInterface(ctx, 'up/down delay')) return;
    const name = ctx.arg(0)!;
    // keepalived only logs these two (no effect on `-t`).
    if (ctx.tokens.length < 2) {
      ctx.report('info', 'up-down-no-delay', undefined, `no delays given for ${name} up/down delays - ignored`);
      return;
    }
    if (ctx.tokens.length > 3) ctx.report('info', 'up-down-extra', undefined, `too many values for ${name} up/down delays (IF DOWN [UP]); the rest is ignored`, { tok: 3 });
    const down = readDelay(ctx, 1, 'down');
    if (down === undefined) return;
    let up = 0;
    if (ctx.tokens.length > 2) {
      const u = readDelay(ctx, 2, 'up');
      if (u === undefined) return;
      up = u;
    }
    r.interfaceUpDownDelays.push({ interface: name, down, up, pos: ctx.at(0) });
  },
};
