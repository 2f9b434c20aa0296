// static_ipaddress / static_routes / static_rules (reference §1.9.1): what to install at start, remove at
// stop, and change on a reload. They belong to no instance and never move; the decisions here are which
// interface each static address goes on and which items a reload removes and adds.

import type { DaemonConfig, VipConfig } from '../config-parser/types.js';

export interface StaticAddress {
  readonly vip: VipConfig;
  /** `dev` when given, else the global default interface (keepalived: `default_interface`). */
  readonly ifname: string;
}

export interface StaticItems {
  readonly addresses: readonly StaticAddress[];
  readonly routes: readonly string[];
  readonly rules: readonly string[];
}

/** Everything static the config asks for, each address with the interface it goes on. */
export function staticItems(config: DaemonConfig): StaticItems {
  return {
    addresses: config.staticAddresses.map((vip) => ({ vip, ifname: vip.dev ?? config.global.defaultInterface })),
    routes: config.staticRoutes,
    rules: config.staticRules,
  };
}

/**
 * A reload: the items no longer configured go, the new ones come, unchanged ones are not touched. An
 * address is the same item when its address, prefix, interface, label and scope are; so an address
 * without `dev` moves when `default_interface` changes.
 */
export function staticChanges(oldConfig: DaemonConfig, newConfig: DaemonConfig): { readonly remove: StaticItems; readonly add: StaticItems } {
  const o = staticItems(oldConfig);
  const n = staticItems(newConfig);
  return {
    remove: { addresses: minus(o.addresses, n.addresses, addressKey), routes: minus(o.routes, n.routes, String), rules: minus(o.rules, n.rules, String) },
    add: { addresses: minus(n.addresses, o.addresses, addressKey), routes: minus(n.routes, o.routes, String), rules: minus(n.rules, o.rules, String) },
  };
}

const addressKey = (a: StaticAddress): string => `${a.vip.address}/${a.vip.prefix}|${a.ifname}|${a.vip.label ?? ''}|${a.vip.scope ?? ''}`;

/** Items of `a` that `b` does not have, compared by `key`. */
function minus<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): T[] {
  const keep = new Set(b.map(key));
  return a.filter((x) => !keep.has(key(x)));
}
