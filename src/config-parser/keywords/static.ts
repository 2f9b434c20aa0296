// Item handlers of the root value blocks `static_ipaddress`, `static_routes`, `static_rules` (reference §1.9.1).

import { parseVipItem } from './items.js';
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
  item: (r, ctx) => { r.staticRoutes.push(ctx.tokens.map((t) => t.text).join(' ')); },
};

export const staticRules: ValueBlockKeyword<RootDraft> = {
  kind: 'values',
  item: (r, ctx) => { r.staticRules.push(ctx.tokens.map((t) => t.text).join(' ')); },
};
