// Which interfaces the runtime must watch (link state, primary addresses) for a configuration: the ones
// the instances run on, their VIPs' (when VIPs are managed), their tracked interfaces, their virtual routes'
// and rules' (when those are installed, unless no_track), and the sync groups' tracked interfaces.

import type { DaemonConfig } from '../config-parser/types.js';
import { routeTrackedInterfaces } from './route-interfaces.js';

export interface WatchOptions {
  /** VIPs are added and removed (not in UDP test mode without CAP_NET_ADMIN). */
  readonly managesVips: boolean;
  /** Virtual routes and rules are installed. */
  readonly managesRoutes: boolean;
}

export function watchedInterfaces(config: DaemonConfig, opts: WatchOptions): Set<string> {
  const names = new Set<string>();
  const g = config.global;
  for (const i of config.instances) {
    if (i.interface) names.add(i.interface);
    // VIP interfaces matter only when VIPs are managed: in UDP test mode without CAP_NET_ADMIN an
    // interface-less instance's VIP would otherwise fault it through a missing `default_interface`.
    if (opts.managesVips) for (const v of [...i.vips, ...i.excludedVips]) names.add(v.dev ?? i.interface ?? g.defaultInterface);
    for (const t of i.trackInterfaces) names.add(t.name);
    // Route / rule interfaces (unless no_track) matter only when the routes are installed.
    if (opts.managesRoutes) for (const n of routeTrackedInterfaces(i.virtualRoutes, i.virtualRules)) names.add(n);
  }
  for (const sg of config.syncGroups) for (const t of sg.trackInterfaces) names.add(t.name);
  return names;
}
