// Defaulted VrrpInstanceConfig / DaemonConfig builders for the VRRP core's tests (keepalived 2.2.7
// defaults, reference §1.9). Independent of the real config parser.
import type { DaemonConfig, Family, GarpConfig, GlobalDefs, SyncGroupConfig, TrackRef, VipConfig, VrrpInstanceConfig } from '../../src/config-parser/types.js';
import { micros, type Micros } from '../../src/vrrp/units.js';

export const s = (n: number): Micros => micros(Math.round(n * 1_000_000));

export function vip(address: string, o: Partial<VipConfig> = {}): VipConfig {
  const family: Family = address.includes(':') ? 6 : 4;
  return {
    address,
    family,
    prefix: family === 4 ? 32 : 128,
    home: false,
    nodad: true,
    mngtmpaddr: false,
    noprefixroute: false,
    autojoin: false,
    noTrack: false,
    useVmac: false,
    raw: address,
    ...o,
  };
}

export const defaultGarp: GarpConfig = {
  masterDelay: s(5),
  masterRepeat: 5,
  masterRefresh: s(0),
  masterRefreshRepeat: 1,
  lowerPrioDelay: s(5),
  lowerPrioRepeat: 5,
};

export type InstanceOverrides = Partial<Omit<VrrpInstanceConfig, 'vips' | 'unicastPeers' | 'garp'>> & {
  vips?: readonly (string | VipConfig)[];
  peers?: readonly string[];
  garp?: Partial<GarpConfig>;
};

export function instanceConfig(o: InstanceOverrides = {}): VrrpInstanceConfig {
  const family: Family = o.family ?? 4;
  const { vips, peers, garp, ...rest } = o;
  return {
    name: 'VI_1',
    state: (o.priority ?? 100) === 255 ? 'MASTER' : 'BACKUP',
    interface: 'eth0',
    vrid: 51,
    priority: 100,
    advertInt: s(1),
    version: 2,
    family,
    auth: { type: 'NONE' },
    excludedVips: [],
    virtualRoutes: [],
    virtualRules: [],
    unicastSrcIp: undefined,
    mcastSrcIp: undefined,
    mcastDstIp: family === 4 ? '224.0.0.18' : 'ff02::12',
    checkUnicastSrc: false,
    unicastFaultNoPeer: false,
    unicastTtl: undefined,
    oldUnicastChecksum: 'auto',
    v3ChecksumAsV2: false,
    nopreempt: false,
    preemptDelay: micros(0),
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    dontTrackPrimary: false,
    trackSrcIp: false,
    notify: {},
    notifyPriorityChanges: false,
    smtpAlert: false,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    downTimerAdverts: 3,
    skipCheckAdvAddr: false,
    strict: false,
    accept: false,
    promoteSecondaries: false,
    useVmac: undefined,
    syncGroup: undefined,
    inactiveKeywords: [],
    ...rest,
    vips: (vips ?? [family === 4 ? '10.0.0.100' : '2001:db8::100']).map((v) => (typeof v === 'string' ? vip(v) : v)),
    unicastPeers: (peers ?? []).map((address) => ({ address })),
    garp: { ...defaultGarp, ...garp },
  };
}

export function globalDefs(o: Partial<GlobalDefs> = {}): GlobalDefs {
  return {
    routerId: undefined,
    notificationEmail: [],
    notificationEmailFrom: undefined,
    smtpServer: undefined,
    smtpHeloName: undefined,
    smtpConnectTimeout: s(30),
    smtpAlert: undefined,
    smtpAlertVrrp: undefined,
    noEmailFaults: false,
    scriptUser: undefined,
    enableScriptSecurity: false,
    dynamicInterfaces: false,
    defaultInterface: 'eth0',
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpVersion: 2,
    garp: defaultGarp,
    garpInterval: micros(0),
    gnaInterval: micros(0),
    garpExtraIf: undefined,
    downTimerAdverts: 3,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    skipCheckAdvAddr: false,
    checkUnicastSrc: false,
    strict: false,
    notifyFifo: undefined,
    notifyFifoScript: undefined,
    vrrpNotifyFifo: undefined,
    vrrpNotifyFifoScript: undefined,
    notifyPriorityChanges: false,
    fifoWriteVrrpStatesOnReload: false,
    startupDelay: micros(0),
    logUnknownVrids: false,
    dataUseInstance: false,
    instanceName: undefined,
    netNamespace: undefined,
    ...o,
  };
}

export function syncGroup(name: string, members: readonly string[], o: Partial<SyncGroupConfig> = {}): SyncGroupConfig {
  return { name, members, trackInterfaces: [], trackScripts: [], trackFiles: [], notify: {}, smtpAlert: undefined, notifyPriorityChanges: undefined, syncGroupTrackingWeight: false, ...o };
}

export function track(name: string, weight = 0, reverse = false): TrackRef {
  return { name, weight, reverse };
}

export function daemonConfig(o: { global?: Partial<GlobalDefs>; instances?: readonly VrrpInstanceConfig[]; syncGroups?: readonly SyncGroupConfig[] } = {}): DaemonConfig {
  const instances = o.instances ?? [instanceConfig()];
  return {
    global: globalDefs(o.global),
    scripts: [],
    trackFiles: [],
    syncGroups: o.syncGroups ?? [],
    instances: instances.map((i) => ({ ...i, syncGroup: o.syncGroups?.find((g) => g.members.includes(i.name))?.name ?? i.syncGroup })),
    staticAddresses: [],
    staticRoutes: [],
    staticRules: [],
    files: ['/etc/keepalived/keepalived.conf'],
  };
}
