// Item handlers of the root value blocks `static_ipaddress`, `static_routes`, `static_rules` (reference §1.9.1).

import { parseVipItem } from './items.js';
import { checkRouteItem, checkRuleItem } from './route-rule.js';
import type { RootDraft } from './state.js';
import type { ValueBlockKeyword } from './table.js';

export const staticIpaddress: ValueBlockKeyword<RootDraft> = {
  kind: 'values',
  item: (r, ctx) => {
    const v = parseVipItem(ctx, undefined, true);
    if (v) r.staticAddresses.push(v);
  },
};

export const staticRoutes: ValueBlockKeyword<RootDraft> = {
  kind: 'values',
  item: (r, ctx) => { if (checkRouteItem(ctx, undefined, true)) r.staticRoutes.push(ctx.tokens.map((t) => t.text).join(' ')); },
};

export const staticRules: ValueBlockKeyword<RootDraft> = {
  kind: 'values',
  item: (r, ctx) => { if (checkRuleItem(ctx, undefined, true)) r.staticRules.push(ctx.tokens.map((t) => t.text).join(' ')); },
};
