// The order of the notify FIFO lines around a SIGHUP reload (reference §3.15; keepalived 2.2.7
// `reload_vrrp_thread()`: `clear_diff_vrrp()` notifies the removed instances, then `vrrp_init_state()` walks
// the sync groups and then the instances in configuration order, each writing its own notification or, with
// `fifo_write_vrrp_states_on_reload`, its current state). Pure: the notifier holds the lines of a reload back
// and writes them in the order this returns.

import type { CoreSnapshot } from './effects.js';
import type { VrrpState } from './types.js';

/** Whose notification a held line is. */
export interface NotificationOwner {
  readonly type: 'INSTANCE' | 'GROUP';
  readonly name: string;
}

/** One step of the reload's FIFO output: a held notification, or a current state to write. */
export type ReloadFifoStep<T> =
  | { readonly kind: 'held'; readonly item: T }
  | { readonly kind: 'state'; readonly type: 'INSTANCE' | 'GROUP'; readonly name: string; readonly state: VrrpState; readonly priority: number };

/**
 * Removed instances (and groups) first, then each group, then each instance in configuration order, each
 * with its own held notifications, or — with `rewriteStates` and none held — its current state; anything
 * left (none in practice) last. keepalived-compat: a kept MASTER instance gets no such state line (2.2.7
 * takes its reload_master branch, which writes none; verified), a group in MASTER does; INIT groups none.
 * Test: test/unit/notification/notify.test.ts "fifo_write_vrrp_states_on_reload: removed first, then groups, then instances in order; kept MASTERs are not re-written (keepalived 2.2.7)".
 */
export function orderReloadNotifications<T>(
  held: ReadonlyArray<{ readonly owner: NotificationOwner; readonly item: T }>,
  snapshot: Pick<CoreSnapshot, 'instances' | 'groups'>,
  rewriteStates: boolean,
): ReloadFifoStep<T>[] {
  const key = (o: NotificationOwner): string => `${o.type === 'GROUP' ? 'g' : 'i'}:${o.name}`;
  const known = new Set([...snapshot.groups.map((g) => `g:${g.name}`), ...snapshot.instances.map((i) => `i:${i.name}`)]);
  const used = new Set<number>();
  const out: ReloadFifoStep<T>[] = [];
  const take = (pred: (k: string) => boolean): boolean => {
    let any = false;
    held.forEach((h, idx) => {
      if (!used.has(idx) && pred(key(h.owner))) {
        used.add(idx);
        any = true;
        out.push({ kind: 'held', item: h.item });
      }
    });
    return any;
  };
  take((k) => !known.has(k));
  for (const g of snapshot.groups) {
    if (!take((k) => k === `g:${g.name}`) && rewriteStates && g.state !== 'INIT') out.push({ kind: 'state', type: 'GROUP', name: g.name, state: g.state, priority: 0 });
  }
  for (const i of snapshot.instances) {
    if (!take((k) => k === `i:${i.name}`) && rewriteStates && i.state !== 'MASTER') out.push({ kind: 'state', type: 'INSTANCE', name: i.name, state: i.state, priority: i.effectivePriority });
  }
  take(() => true);
  return out;
}
