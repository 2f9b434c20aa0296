// The route / rule edge: installs and removes `virtual_routes` / `static_routes` and `virtual_rules` /
// `static_rules` items (reference §1.9.1, §1.9.3) with `ip route` / `ip rule` via execFile.
//
// The items are kept as configured (keepalived's `ip route` / `ip rule` syntax). keepalived 2.2.7 parses
// them itself (vrrp_iproute.c `alloc_route()`, vrrp_iprule.c `alloc_rule()`) and sends RTM_NEWROUTE /
// RTM_NEWRULE; the facts that carry over to `ip`:
// - a route is added with NLM_F_CREATE only ("prepend" in `ip` words) unless the item says `add`
//   (NLM_F_EXCL) or `append`; keepalived's `prepend` / `add` / `append` words pick the command;
// - routes and rules carry protocol RTPROT_KEEPALIVED (18, `proto keepalived`) unless the item is
//   `no_track` and names its own `protocol` (a tracked item's protocol is forced back to 18);
// - the deprecated `gw` is `via`; `or ADDR` turns the route into a two-way multipath
//   (`nexthop via VIA nexthop via ADDR`); `inet` / `inet6` pick the family (`-4` / `-6`), as does any
//   IPv6 address; `no_track` and `track_group G` are keepalived-only and dropped;
// - a rule without `preference` gets one from keepalived (16384 counting down per family): the caller
//   passes it in;
// - a rule is added with NLM_F_CREATE | NLM_F_EXCL (`ip rule add`); its `tunnel-id` is `ip`'s `tun_id`.
//
// Idempotent: adding what is there (EEXIST) and removing what is not (ESRCH for routes, ENOENT for
// rules) are successes. Every other failure is a HavipdError('HAVIPD_ADDRESS') with an errno name; calls
// on one edge are serialised in call order.

import { execFile } from 'node:child_process';
import { isIPv6 } from 'node:net';
import { HavipdError } from '../errors.js';
import type { DaemonConfig } from '../config-parser/types.js';
import { ROUTE_LOCK, ROUTE_ONE } from '../config-parser/keywords/route-rule.js';
import { ipErrno } from './addresses.js';

/** keepalived's rtnetlink protocol number (RTPROT_KEEPALIVED). */
export const RTPROT_KEEPALIVED = '18';

export interface RouteEdge {
  /** Install a route item. Already there = success. */
  addRoute(item: string): Promise<void>;
  /** Remove a route item. Not there = success. */
  removeRoute(item: string): Promise<void>;
  /** Install a rule item; `pref` is used when the item has no preference of its own. */
  addRule(item: string, pref?: number): Promise<void>;
  /** Remove a rule item (same `pref` as when added). */
  removeRule(item: string, pref?: number): Promise<void>;
}

// ───────────────────────────── pure argument building ─────────────────────────────

const words = (item: string): string[] => item.trim().split(/\s+/).filter((w) => w !== '');

const isV6 = (w: string | undefined): boolean => w !== undefined && w.includes(':') && isIPv6(w.split('/')[0]!);

/** The address family of a route or rule item: `inet6` or any IPv6 address makes it 6. */
export function itemFamily(item: string): 4 | 6 {
  const w = words(item);
  return w.includes('inet6') || w.some((x) => isV6(x)) ? 6 : 4;
}

/** The `ip route` command keepalived's add of this item amounts to: `prepend` unless it says `add` / `append`. */
function routeAddCommand(w: readonly string[]): 'prepend' | 'add' | 'append' {
  let cmd: 'prepend' | 'add' | 'append' = 'prepend';
  for (const x of w) if (x === 'add' || x === 'append' || x === 'prepend') cmd = x;
  return cmd;
}

/**
 * argv for `ip` to add (`op` 'add') or delete a route item: `-4|-6 route prepend|add|append|del …`.
 * An item without a destination never gets here (the parser drops it: `route-no-destination`); one would
 * be a bug and throws.
 */
export function routeArgs(op: 'add' | 'del', item: string): string[] {
  const w = words(item);
  const family = itemFamily(item);
  const out: string[] = [];
  const tail: string[] = [];
  let protocol: string | undefined;
  let noTrack = false;
  let dst = false;
  let via: string[] | undefined;
  let orAddr: string | undefined;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    if (x === 'nexthop') {
      tail.push(...w.slice(i));
      break;
    }
    if (x === 'inet' || x === 'inet6' || x === 'add' || x === 'append' || x === 'prepend') continue;
    if (x === 'no_track') noTrack = true;
    else if (x === 'track_group') i++;
    else if (x === 'protocol' || x === 'proto') protocol = w[++i];
    else if (x === 'via' || x === 'gw') {
      const next = w[i + 1];
      via = next === 'inet' || next === 'inet6' ? [next, w[i + 2] ?? ''] : [next ?? ''];
      i += via.length;
    } else if (x === 'or') orAddr = w[++i];
    else if (x === 'as') {
      // MPLS only; keepalived ignores it.
      if (w[i + 1] === 'to') i++;
      i++;
    } else if (x === 'onlink') out.push(x);
    else if (ROUTE_ONE.has(x)) out.push(x, w[++i] ?? '');
    else if (ROUTE_LOCK.has(x)) {
      if (w[i + 1] === 'lock') out.push(x, 'lock', w[(i += 2)] ?? '');
      else out.push(x, w[++i] ?? '');
    } else {
      // [to] [TYPE] PREFIX
      if (x === 'to') i++;
      const t = w[i];
      if (t !== undefined && ROUTE_TYPES.has(t) && w[i + 1] !== undefined) {
        out.unshift(t, w[++i]!);
      } else if (t !== undefined) out.unshift(t);
      dst = true;
    }
  }
  if (!dst) throw new RangeError(`route has no destination (the parser drops such items): ${item}`);
  if (orAddr !== undefined) {
    tail.unshift('nexthop', 'via', ...(via ?? []), 'nexthop', 'via', orAddr);
    via = undefined;
  }
  if (via) out.push('via', ...via);
  out.push('proto', noTrack && protocol !== undefined ? protocol : RTPROT_KEEPALIVED);
  return [`-${family}`, 'route', op === 'del' ? 'del' : routeAddCommand(w), ...out, ...tail];
}

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast']);

/** Rule keywords that take one argument, with `ip`'s spelling. */
const RULE_ONE: Readonly<Record<string, string>> = {
  from: 'from', to: 'to', table: 'table', lookup: 'table', tos: 'tos', dsfield: 'tos', fwmark: 'fwmark', realms: 'realms',
  suppress_prefixlength: 'suppress_prefixlength', sup_pl: 'suppress_prefixlength', suppress_ifgroup: 'suppress_ifgroup', sup_group: 'suppress_ifgroup',
  dev: 'iif', iif: 'iif', oif: 'oif', 'tunnel-id': 'tun_id', uidrange: 'uidrange', ipproto: 'ipproto', sport: 'sport', dport: 'dport', goto: 'goto', type: 'type',
};

/** Whether a rule item names its own preference (`preference` / `priority` / `order`). */
export function ruleHasPreference(item: string): boolean {
  return words(item).some((w) => w === 'preference' || w === 'priority' || w === 'order');
}

/** argv for `ip` to add or delete a rule item: `-4|-6 rule add|del …`; `pref` when the item has none. */
export function ruleArgs(op: 'add' | 'del', item: string, pref?: number): string[] {
  const w = words(item);
  const out: string[] = [];
  let protocol: string | undefined;
  let noTrack = false;
  let havePref = false;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    if (x === 'inet' || x === 'inet6') continue;
    if (x === 'no_track') noTrack = true;
    else if (x === 'track_group') i++;
    else if (x === 'protocol') protocol = w[++i];
    else if (x === 'preference' || x === 'priority' || x === 'order') {
      havePref = true;
      out.push('preference', w[++i] ?? '');
    } else if (RULE_ONE[x] !== undefined) out.push(RULE_ONE[x], w[++i] ?? '');
    else out.push(x); // not, l3mdev, nop, blackhole, unreachable, prohibit
  }
  if (!havePref && pref !== undefined) out.push('preference', String(pref));
  out.push('protocol', noTrack && protocol !== undefined ? protocol : RTPROT_KEEPALIVED);
  return [`-${itemFamily(item)}`, 'rule', op, ...out];
}

/**
 * The preferences keepalived gives rules that have none: 16384 counting down, one counter per family,
 * in configuration order (havipd: `static_rules` first, then the instances' `virtual_rules` in order;
 * keepalived follows the file's order). Keyed by item text (the first occurrence wins).
 */
export function defaultRulePreferences(config: Pick<DaemonConfig, 'staticRules' | 'instances'>): Map<string, number> {
  const next = { 4: 16384, 6: 16384 };
  const out = new Map<string, number>();
  for (const item of [...config.staticRules, ...config.instances.flatMap((i) => i.virtualRules)]) {
    if (ruleHasPreference(item) || out.has(item)) continue;
    out.set(item, next[itemFamily(item)]--);
  }
  return out;
}

/** errno name for a failed `ip route` / `ip rule` run, from its stderr. */
export function routeErrno(stderr: string): string | undefined {
  if (/No such process/i.test(stderr)) return 'ESRCH';
  if (/No such file or directory/i.test(stderr)) return 'ENOENT';
  if (/Network is unreachable/i.test(stderr)) return 'ENETUNREACH';
  if (/Nexthop has invalid gateway|Invalid (prefsrc|source) address/i.test(stderr)) return 'EINVAL';
  if (/Error: .*(invalid|not a valid|argument)|Command line is not complete|Usage:|garbage/i.test(stderr)) return 'EINVAL';
  return ipErrno(stderr);
}

// ───────────────────────────── the real edge ─────────────────────────────

export interface RouteEdgeOptions {
  /** Path of the `ip` binary (default 'ip' on PATH). */
  readonly ipPath?: string;
  /** Bound on each `ip` run, ms (default 5000). */
  readonly timeoutMs?: number;
}

class IpFailure extends Error {
  constructor(
    message: string,
    readonly errno: string,
    /** From the kernel (stderr), as opposed to `ip` not running at all. */
    readonly kernel: boolean,
  ) {
    super(message);
  }
}

/** The real route / rule edge. See `RouteEdge` for the contract. */
export function createRouteEdge(opts: RouteEdgeOptions = {}): RouteEdge {
  const ipPath = opts.ipPath ?? 'ip';
  const timeout = opts.timeoutMs ?? 5_000;
  let chain: Promise<unknown> = Promise.resolve();
  const run = (args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      execFile(ipPath, args, { timeout, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EACCES') return reject(new IpFailure(`${ipPath}: ${err.message}`, code, false));
        if (err.killed) return reject(new IpFailure(`${ipPath} ${args.join(' ')}: timed out`, 'ETIMEDOUT', false));
        reject(new IpFailure(`${ipPath} ${args.join(' ')}: ${stderr.trim() || err.message}`, routeErrno(stderr) ?? 'EIO', true));
      });
    });
  const serial = (what: string, ok: readonly string[], build: () => string[]): Promise<void> => {
    const p = chain.then(async () => {
      let args: string[];
      try {
        args = build();
      } catch (e) {
        throw new HavipdError('HAVIPD_ADDRESS', `${what}: EINVAL (${(e as Error).message})`, { cause: e, errno: 'EINVAL' });
      }
      try {
        await run(args);
      } catch (e) {
        const f = e instanceof IpFailure ? e : new IpFailure(String(e), 'EIO', false);
        if (f.kernel && ok.includes(f.errno)) return;
        throw new HavipdError('HAVIPD_ADDRESS', `${what}: ${f.errno} (${f.message})`, { cause: e, errno: f.errno });
      }
    });
    chain = p.catch(() => undefined);
    return p;
  };
  return {
    addRoute: (item) => serial(`add route ${item}`, ['EEXIST'], () => routeArgs('add', item)),
    removeRoute: (item) => serial(`remove route ${item}`, ['ESRCH', 'ENOENT'], () => routeArgs('del', item)),
    addRule: (item, pref) => serial(`add rule ${item}`, ['EEXIST'], () => ruleArgs('add', item, pref)),
    removeRule: (item, pref) => serial(`remove rule ${item}`, ['ENOENT', 'ESRCH'], () => ruleArgs('del', item, pref)),
  };
}
