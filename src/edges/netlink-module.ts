// netlink@0.3.0 as havipd uses it: its rtnetlink socket, the rtnetlink message parsers and the NLM_F_* flags.
// Its index module also loads the nl80211, WireGuard and generic-netlink parts (about 300 KB of generated code,
// ~30 ms of a daemon's start); these modules are required one by one instead (CommonJS, not scanned for ESM
// exports), with the package's own index as the fallback should its layout ever differ.

import { createRequire } from 'node:module';
import type * as Netlink from 'netlink';

/** The parts of netlink@0.3.0 havipd uses. */
export type NetlinkModule = Pick<typeof Netlink, 'createRtNetlink' | 'rt' | 'FlagsNew'>;

const requireNetlink = createRequire(import.meta.url);

/** Loads the rtnetlink parts of netlink@0.3.0; throws when its addon cannot be loaded. */
export function requireRtNetlink(): NetlinkModule {
  try {
    const { createRtNetlink } = requireNetlink('netlink/dist/rt/rt') as Pick<typeof Netlink, 'createRtNetlink'>;
    const rt = requireNetlink('netlink/dist/rt/structs') as typeof Netlink.rt;
    const { FlagsNew } = requireNetlink('netlink/dist/constants') as Pick<typeof Netlink, 'FlagsNew'>;
    if (typeof createRtNetlink === 'function' && typeof rt.parseMessage === 'function' && FlagsNew !== undefined) return { createRtNetlink, rt, FlagsNew };
  } catch (err) {
    if (!/Cannot find module/.test(String((err as Error).message))) throw err;
  }
  const m = requireNetlink('netlink') as typeof Netlink & { default?: typeof Netlink };
  return typeof m.createRtNetlink === 'function' ? m : m.default!;
}
