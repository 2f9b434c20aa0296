// Defaulted VrrpInstanceConfig / DaemonConfig builders for the VRRP core's tests. The defaults are not
// written here: they come from the real config parser (keepalived 2.2.7 defaults, reference §1.9) run on
// a minimal keepalived.conf, and a test states only what it overrides.
import type { DaemonConfig, Family, GarpConfig, GlobalDefs, SyncGroupConfig, TrackRef, VipConfig, VrrpInstanceConfig } from '../../src/config-parser/types.js';
import { micros, type Micros } from '../../src/net/units.js';
import { configFromText } from './config-text.js';

export const s = (n: number): Micros => micros(Math.round(n * 1_000_000));

/** A deep copy of parsed config data without source positions (`pos`), so literals compare equal. */
function withoutPos<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'pos' ? undefined : x))) as T;
}

interface ParsedDefaults {
  readonly config: DaemonConfig;
  readonly instance: VrrpInstanceConfig;
  readonly vip: VipConfig;
  readonly syncGroup: SyncGroupConfig;
}

const parsed = new Map<Family, ParsedDefaults>();

/** What the parser makes of a minimal instance (and sync group) of `family`, parsed once per family. */
function defaults(family: Family): ParsedDefaults {
  let d = parsed.get(family);
  if (!d) {
    const address = family === 4 ? '10.0.0.100' : '2001:db8::100';
    const text = ['vrrp_instance VI_1 {', '  interface eth0', '  virtual_router_id 51', ...(family === 6 ? ['  version 3'] : []), '  virtual_ipaddress {', `    ${address}`, '  }', '}'].join('\n');
    const config = withoutPos(configFromText(text + '\n'));
    const grouped = withoutPos(configFromText(`vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n${text}\n`));
    const instance = config.instances[0]!;
    d = { config, instance, vip: instance.vips[0]!, syncGroup: grouped.syncGroups[0]! };
    parsed.set(family, d);
  }
  return d;
}

/** A VIP as the parser resolves `virtual_ipaddress { ADDRESS }`, with overrides. */
export function vip(address: string, o: Partial<VipConfig> = {}): VipConfig {
  const family: Family = address.includes(':') ? 6 : 4;
  // IPv4 VIPs: nodad is meaningless (the kernel flag is IPv6-only); these helpers always said true.
  return { ...defaults(family).vip, address, family, prefix: family === 4 ? 32 : 128, nodad: true, raw: address, ...o };
}

/** keepalived's GARP defaults (garp_master_delay 5, garp_master_repeat 5, …), as the parser resolves them. */
export const defaultGarp: GarpConfig = defaults(4).instance.garp;

export type InstanceOverrides = Partial<Omit<VrrpInstanceConfig, 'vips' | 'unicastPeers' | 'garp'>> & {
  vips?: readonly (string | VipConfig)[];
  peers?: readonly string[];
  garp?: Partial<GarpConfig>;
};

/**
 * The parser's default instance (VRID 51 on eth0, VRRPv2 unless `version`, one VIP) with overrides.
 * `state` defaults from the priority as keepalived's does (255 ⇒ MASTER).
 */
export function instanceConfig(o: InstanceOverrides = {}): VrrpInstanceConfig {
  const family: Family = o.family ?? 4;
  const { vips, peers, garp, ...rest } = o;
  const base = defaults(family).instance;
  return {
    ...base,
    state: (o.priority ?? 100) === 255 ? 'MASTER' : 'BACKUP',
    version: 2,
    // The core's tests predate the parser's default (accept on unless strict); the core does not read it.
    accept: false,
    ...rest,
    vips: (vips ?? [family === 4 ? '10.0.0.100' : '2001:db8::100']).map((v) => (typeof v === 'string' ? vip(v) : v)),
    unicastPeers: (peers ?? []).map((address) => ({ address })),
    garp: { ...base.garp, ...garp },
  };
}

/** The parser's global_defs defaults with overrides. */
export function globalDefs(o: Partial<GlobalDefs> = {}): GlobalDefs {
  return { ...defaults(4).config.global, ...o };
}

/** A sync group as the parser resolves `vrrp_sync_group NAME { group { … } }`, with overrides. */
export function syncGroup(name: string, members: readonly string[], o: Partial<SyncGroupConfig> = {}): SyncGroupConfig {
  return { ...defaults(4).syncGroup, name, members, ...o };
}

export function track(name: string, weight = 0, reverse = false): TrackRef {
  return { name, weight, reverse };
}

/** A DaemonConfig with the parser's defaults for everything not given; members name their sync group. */
export function daemonConfig(o: { global?: Partial<GlobalDefs>; instances?: readonly VrrpInstanceConfig[]; syncGroups?: readonly SyncGroupConfig[] } = {}): DaemonConfig {
  const instances = o.instances ?? [instanceConfig()];
  return {
    ...defaults(4).config,
    global: globalDefs(o.global),
    syncGroups: o.syncGroups ?? [],
    instances: instances.map((i) => ({ ...i, syncGroup: o.syncGroups?.find((g) => g.members.includes(i.name))?.name ?? i.syncGroup })),
  };
}
