// The interfaces an instance tracks because of its `virtual_routes` / `virtual_rules` (reference §3.9;
// keepalived 2.2.7 vrrp.c `vrrp_complete_instance()`: `add_vrrp_to_interface(…, TRACK_ROUTE / TRACK_RULE)`
// for every item without `no_track`). A route's interface is its `dev` / `oif` before any `nexthop`
// (keepalived cannot track a route without one); a rule's are its `dev` / `iif` and `oif`. Pure.

/** Interface names tracked through these route and rule items, in first-seen order. */
export function routeTrackedInterfaces(routes: readonly string[], rules: readonly string[]): string[] {
  const out: string[] = [];
  const add = (name: string | undefined): void => {
    if (name !== undefined && !out.includes(name)) out.push(name);
  };
  for (const item of routes) {
    const w = item.trim().split(/\s+/);
    if (w.includes('no_track')) continue;
    const end = w.indexOf('nexthop');
    const head = end < 0 ? w : w.slice(0, end);
    let dev: string | undefined;
    for (let i = 0; i < head.length - 1; i++) if (head[i] === 'dev' || head[i] === 'oif') dev = head[i + 1];
    add(dev);
  }
  for (const item of rules) {
    const w = item.trim().split(/\s+/);
    if (w.includes('no_track')) continue;
    for (let i = 0; i < w.length - 1; i++) if (w[i] === 'dev' || w[i] === 'iif' || w[i] === 'oif') add(w[i + 1]);
  }
  return out;
}
