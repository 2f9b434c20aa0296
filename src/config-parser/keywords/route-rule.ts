// The few checks keepalived 2.2.7 makes on `virtual_routes` / `static_routes` and `virtual_rules` /
// `static_rules` items that change what `-t` reports (vrrp_iproute.c alloc_route, vrrp_iprule.c alloc_rule).
// havipd keeps these items as text (src/edges/routes.ts turns them into `ip route` / `ip rule` argv): this
// is not a route / rule parser.

import { parseAddress } from './items.js';
import type { KwCtx } from './table.js';

/** Route keywords that take one argument (`ip route` syntax). */
export const ROUTE_ONE: ReadonlySet<string> = new Set(['src', 'from', 'tos', 'dsfield', 'table', 'scope', 'metric', 'priority', 'preference', 'dev', 'oif', 'expires', 'hoplimit', 'window', 'initcwnd', 'initrwnd', 'features', 'quickack', 'pref', 'ttl-propagate', 'fastopen_no_cookie', 'realms', 'vrf', 'encap']);
/** Route metrics that take an optional `lock` then a value. */
export const ROUTE_LOCK: ReadonlySet<string> = new Set(['mtu', 'advmss', 'rtt', 'rttvar', 'reordering', 'cwnd', 'ssthresh', 'rto_min', 'congctl']);

/**
 * Whether a route item names a destination (`[to] [TYPE] PREFIX`) before any `nexthop`: every other word
 * is a keyword with its arguments. The same walk as src/edges/routes.ts `routeArgs()`.
 */
export function routeHasDestination(words: readonly string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    const x = words[i]!;
    if (x === 'nexthop') return false;
    if (x === 'inet' || x === 'inet6' || x === 'add' || x === 'append' || x === 'prepend' || x === 'no_track' || x === 'onlink') continue;
    if (x === 'track_group' || x === 'protocol' || x === 'proto' || x === 'or' || ROUTE_ONE.has(x)) i++;
    else if (x === 'via' || x === 'gw') i += words[i + 1] === 'inet' || words[i + 1] === 'inet6' ? 2 : 1;
    else if (x === 'as') i += words[i + 1] === 'to' ? 2 : 1;
    else if (ROUTE_LOCK.has(x)) i += words[i + 1] === 'lock' ? 2 : 1;
    else return true;
  }
  return false;
}

function ifaceMissing(ctx: KwCtx, name: string): boolean {
  const host = ctx.env.hostInterfaces;
  return host !== undefined && !host.includes(name) && !ctx.env.root.global.dynamicInterfaces;
}

/**
 * A route item. Returns false when keepalived drops it. Reported as keepalived reports them: a `dev` / `oif`
 * naming a missing interface (item dropped), the deprecated `gw` and `or`, and a tracked route (no `no_track`)
 * without an interface of its own (`dev` before any `nexthop`), which keepalived cannot track.
 */
export function checkRouteItem(ctx: KwCtx, subject: string | undefined, isStatic: boolean): boolean {
  const words = ctx.tokens.map((t) => t.text);
  let oif = false;
  let nexthop = false;
  let trackGroup = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'nexthop') nexthop = true;
    else if ((w === 'dev' || w === 'oif') && i + 1 < words.length) {
      const name = words[i + 1]!;
      if (ifaceMissing(ctx, name)) {
        ctx.report('error', 'unknown-interface', 'GENERAL_ERROR', `interface ${name} for the route does not exist - route ignored`, { tok: i + 1, subject });
        return false;
      }
      if (!nexthop) oif = true;
      i++;
    } else if (w === 'gw') {
      ctx.report('warning', 'deprecated-keyword', 'GENERAL_ERROR', `'gw' in routes is deprecated - use 'via'`, { tok: i, subject });
    } else if (w === 'or') {
      ctx.report('warning', 'deprecated-keyword', 'GENERAL_ERROR', `'or' in routes is deprecated - use 'nexthop'`, { tok: i, subject });
    } else if (isStatic && w === 'track_group') trackGroup = knownTrackGroup(ctx, i, subject);
  }
  if (!routeHasDestination(words)) {
    // keepalived alloc_route(): "Route must have a destination", the item is dropped.
    ctx.report('error', 'route-no-destination', 'GENERAL_ERROR', `Route must have a destination - route ${words.join(' ')} ignored`, { subject });
    return false;
  }
  if (!words.includes('no_track') && !oif) {
    // havipd: follows keepalived 2.4.3, which no longer reports it (2.2.7: "cannot track route ... with no
    // interface specified", a config error, -t exit 5); the route is kept, and not tracked.
    // Test: test/unit/config-parser/keywords-sync-group-static.test.ts "tracked route without dev (dev only in a nexthop): a notice, rc 0 as in 2.4.3".
    ctx.report('info', 'route-not-tracked', undefined, `route ${words.join(' ')} has no 'dev': it is not tracked (add 'dev IF' or 'no_track')`, { subject });
  }
  if (trackGroup && !oif) {
    ctx.report('error', 'route-track-group-no-dev', 'GENERAL_ERROR', `a static route cannot have a track_group without 'dev'`, { subject });
  }
  return true;
}

/**
 * `track_group NAME` on a static route / rule: the group must be defined before (keepalived-compat).
 * Test: test/unit/config-parser/keywords-root-blocks.test.ts "static route naming an unknown group".
 */
function knownTrackGroup(ctx: KwCtx, i: number, subject: string | undefined): boolean {
  const name = ctx.arg(i + 1);
  if (name === undefined) return false;
  if (ctx.env.root.trackGroups.has(name)) return true;
  ctx.report('error', 'unknown-track-group', 'GENERAL_ERROR', `track_group ${name} not found (a track_group block must come before the static item that names it)`, { tok: i + 1, subject });
  return false;
}

const SPECIAL = new Set(['default', 'any', 'all', 'default6']);

/**
 * A rule item. Returns false when keepalived drops it: an invalid `from` / `to` address. A rule without
 * `preference` / `priority` / `order` is reported (keepalived picks one counting down from 16384 / 16383).
 */
export function checkRuleItem(ctx: KwCtx, subject: string | undefined, isStatic: boolean): boolean {
  const words = ctx.tokens.map((t) => t.text);
  let pref = false;
  let iif = false;
  let trackGroup = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === 'from' || w === 'to') && i + 1 < words.length) {
      const v = words[i + 1]!;
      if (!SPECIAL.has(v) && parseAddress(v) === undefined) {
        ctx.report('error', 'invalid-address', 'GENERAL_ERROR', `invalid rule ${w} address ${v} - rule ignored`, { tok: i + 1, subject });
        return false;
      }
      i++;
    } else if (w === 'preference' || w === 'priority' || w === 'order') {
      pref = true;
      i++;
    } else if (w === 'dev' || w === 'iif') {
      iif = true;
      i++;
    } else if (isStatic && w === 'track_group') trackGroup = knownTrackGroup(ctx, i, subject);
  }
  if (!pref) {
    ctx.report('warning', 'rule-no-preference', 'GENERAL_ERROR', `rule ${words.join(' ')} has no preference; keepalived picks one (counting down from 16384 for IPv4, 16383 for IPv6), which is probably not what you want`, { subject });
  }
  if (trackGroup && !iif) {
    ctx.report('error', 'rule-track-group-no-dev', 'GENERAL_ERROR', `a static rule cannot have a track_group without 'dev' / 'iif' - track_group ignored`, { subject });
  }
  return true;
}
