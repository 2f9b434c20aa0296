// Mutable drafts the keyword handlers fill in, one per block, and the parse environment. resolve.ts turns
// them into the immutable, fully defaulted DaemonConfig.

import type { DiagnosticSink, SuggestionCache } from '../diagnostics.js';
import type { ConfigHost } from '../host.js';
import type {
  CommandSpec, Family, FifoSpec, SourcePos, TrackRef, UnicastPeer, VipConfig, VrrpVersion,
} from '../types.js';

export interface NotifyDraft {
  master?: CommandSpec;
  backup?: CommandSpec;
  fault?: CommandSpec;
  stop?: CommandSpec;
  generic?: CommandSpec;
  deleted?: { command?: CommandSpec };
  masterRxLowerPri?: CommandSpec;
}

/** A track_* item as written; weights resolved against the script/file in resolve.ts. */
export interface TrackDraft {
  readonly name: string;
  /** Explicit weight, if given. */
  readonly weight: number | undefined;
  readonly reverse: boolean;
  /** `reverse` / `noreverse` written on the item (else the tracked object's own setting applies, for track_process). */
  readonly reverseGiven?: boolean;
  readonly pos: SourcePos;
}

export interface GarpDraft {
  masterDelay?: number; // µs
  masterRepeat?: number;
  masterRefresh?: number; // µs
  masterRefreshRepeat?: number;
  lowerPrioDelay?: number; // µs
  lowerPrioRepeat?: number;
}

export interface InstanceDraft {
  readonly name: string;
  readonly pos: SourcePos;
  state?: 'MASTER' | 'BACKUP';
  iface?: string;
  vrid?: number;
  priority?: number;
  advertInt?: number; // µs as read
  version?: VrrpVersion;
  family?: Family;
  authType?: 'PASS' | 'AH';
  authPass?: string;
  /** `auth_hmac { … }` as read (keywords/auth-hmac.ts); checked and defaulted in resolve.ts. */
  authHmac?: AuthHmacDraft;
  vips: VipConfig[];
  evips: VipConfig[];
  routes: string[];
  rules: string[];
  unicastSrcIp?: string;
  mcastSrcIp?: string;
  unicastPeers: UnicastPeer[];
  /** Any unicast keyword given (unicast_src_ip, unicast_peer block, …). */
  unicastConfigured: boolean;
  mcastDstIp?: string;
  checkUnicastSrc: boolean;
  unicastFaultNoPeer: boolean;
  unicastTtl?: number;
  oldUnicastChecksum: 'auto' | 'always' | 'never';
  v3ChecksumAsV2?: boolean;
  nopreempt: boolean;
  preemptDelay: number; // µs
  trackInterfaces: TrackDraft[];
  trackScripts: TrackDraft[];
  trackFiles: TrackDraft[];
  /** track_process items resolved against vrrp_track_process blocks defined before the instance. */
  trackProcesses: TrackDraft[];
  dontTrackPrimary: boolean;
  trackSrcIp: boolean;
  notify: NotifyDraft;
  notifyPriorityChanges?: boolean;
  smtpAlert?: boolean;
  garp: GarpDraft;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  downTimerAdverts?: number;
  skipCheckAdvAddr?: boolean;
  strict?: boolean;
  accept?: boolean;
  promoteSecondaries: boolean;
  useVmac?: string;
  noVirtualIpaddress: boolean;
  /** `timer_expired_backup [PRIO]` (2.2.8): highest_other_priority, 1..254. */
  timerExpiredBackup?: number;
  /** `owner_ignore_adverts [BOOL]` (2.3.3). */
  ownerIgnoreAdverts?: boolean;
  inactive: string[];
  /** Interface named but absent from the host (already reported). */
  ifaceMissing?: boolean;
}

export interface ScriptDraft {
  readonly name: string;
  readonly pos: SourcePos;
  command?: CommandSpec;
  interval?: number; // µs
  timeout?: number; // µs
  weight: number;
  reverse: boolean;
  rise: number;
  fall: number;
  initFail: boolean;
  user?: string;
  group?: string;
}

export interface TrackFileDraft {
  readonly name: string;
  readonly pos: SourcePos;
  file?: string;
  weight: number;
  reverse: boolean;
  initFile?: { value: number; overwrite: boolean };
}

export interface SyncGroupDraft {
  readonly name: string;
  readonly pos: SourcePos;
  members?: { name: string; pos: SourcePos }[];
  trackInterfaces: TrackDraft[];
  trackScripts: TrackDraft[];
  trackFiles: TrackDraft[];
  trackProcesses: TrackDraft[];
  notify: NotifyDraft;
  smtpAlert?: boolean;
  notifyPriorityChanges?: boolean;
  syncGroupTrackingWeight: boolean;
}

/** `vrrp_track_process NAME { … }` (keepalived vrrp_parser.c vrrp_tprocess_*). */
export interface TrackProcessDraft {
  readonly name: string;
  readonly pos: SourcePos;
  process?: string;
  params: string[];
  paramMatch: 'none' | 'exact' | 'initial' | 'partial';
  fullCommand: boolean;
  weight: number;
  reverse: boolean;
  quorum: number;
  /** undefined = unlimited (keepalived UINT_MAX). */
  quorumMax: number | undefined;
  terminateDelay: number; // µs
  forkDelay: number; // µs
}

/** `track_group NAME { group { VI … } }`. */
export interface TrackGroupDraft {
  readonly name: string;
  readonly pos: SourcePos;
  members?: { name: string; pos: SourcePos }[];
  /** A second `group` list is being ignored. */
  ignoringList?: boolean;
}

/** `garp_group { … }` (no name). */
export interface GarpGroupDraft {
  readonly pos: SourcePos;
  garpInterval?: number; // µs
  gnaInterval?: number; // µs
  interfaces: string[];
  /** `interfaces { … }` given (an aggregation group, in keepalived's words). */
  aggregation: boolean;
  /** Items seen in the current `interfaces { }` list (for the empty-list error). */
  listItems?: number;
}

export interface GlobalDraft {
  routerId?: string;
  notificationEmail: string[];
  notificationEmailFrom?: string;
  smtpServer?: { host: string; port: number };
  smtpHeloName?: string;
  smtpConnectTimeout?: number; // µs
  smtpAlert?: boolean;
  smtpAlertVrrp?: boolean;
  noEmailFaults: boolean;
  scriptUser?: { user: string; group?: string };
  enableScriptSecurity: boolean;
  dynamicInterfaces: boolean;
  defaultInterface?: string;
  vrrpMcastGroup4?: string;
  vrrpMcastGroup6?: string;
  vrrpVersion?: VrrpVersion;
  garp: GarpDraft;
  garpInterval?: number;
  gnaInterval?: number;
  garpExtraIf?: { interval: number; all: boolean };
  downTimerAdverts?: number;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  skipCheckAdvAddr: boolean;
  checkUnicastSrc: boolean;
  strict: boolean;
  notifyFifo?: FifoSpec;
  notifyFifoScript?: CommandSpec;
  vrrpNotifyFifo?: FifoSpec;
  vrrpNotifyFifoScript?: CommandSpec;
  notifyPriorityChanges: boolean;
  fifoWriteVrrpStatesOnReload: boolean;
  startupDelay?: number;
  logUnknownVrids: boolean;
  dataUseInstance: boolean;
  instanceName?: string;
  netNamespace?: string;
  v3ChecksumAsV2: boolean;
  /** µs, `vrrp_delay_after_boot` (2.4.0). */
  delayAfterBoot?: number;
  ownerIgnoreAdverts?: boolean;
  jsonVersion?: 1 | 2;
  stateDumpFile?: string;
  statsDumpFile?: string;
  jsonDumpFile?: string;
  iprouteUsrDir?: string;
  iprouteEtcDir?: string;
  useSymlinkPaths?: boolean;
}

export interface RootDraft {
  global: GlobalDraft;
  scripts: Map<string, ScriptDraft>;
  trackFiles: Map<string, TrackFileDraft>;
  syncGroups: Map<string, SyncGroupDraft>;
  instances: Map<string, InstanceDraft>;
  staticAddresses: VipConfig[];
  staticRoutes: string[];
  staticRules: string[];
  /** vrrp_track_process blocks in order; keepalived allows duplicate names (the first one is found). */
  trackProcesses: TrackProcessDraft[];
  trackGroups: Map<string, TrackGroupDraft>;
  garpGroups: GarpGroupDraft[];
  linkbeatInterfaces: { interface: string; type: 'MII' | 'ETHTOOL' | 'IOCTL' | undefined; pos: SourcePos }[];
  interfaceUpDownDelays: { interface: string; down: number; up: number; pos: SourcePos }[];
  /** Names of other root blocks seen and kept (vrrp_track_process, track_group, …) for the once-only notices. */
  skippedBlocks: Set<string>;
}

/** What handlers may consult besides their own draft: options, the root (for definition-order lookups), diagnostics. */
/** An `auth_hmac` block as read (keys already checked; a refused key line reported FATAL). */
export interface AuthHmacDraft {
  readonly pos: SourcePos;
  keys: { id: number; secret: Uint8Array }[];
  activeKey?: number;
  mode: 'enforce' | 'permissive' | 'receive-only';
  antiReplay: 'time' | 'monotonic';
  timeWindow?: number;
}

export interface ParseEnv {
  readonly root: RootDraft;
  readonly hostInterfaces: readonly string[] | undefined;
  readonly sink: DiagnosticSink;
  /** Set when a keyword misses its argument: parsing stops (keepalived exits 2). */
  fatal: boolean;
  /** Notices already given once (e.g. "havipd does not act on X yet"). */
  readonly noticed: Set<string>;
  /** '}' lines that close more blocks than the text opened (keepalived's textual brace count goes below 0). */
  readonly extraClose?: ReadonlySet<object>;
  /** `file:line` of the lines on which the preprocessor found an unmatched double quote. */
  readonly unmatchedQuoteLines?: ReadonlySet<string>;
  /** The file-system seam, for files read by keywords (`auth_hmac` `key N file:PATH`); absent in text-only parses. */
  readonly host?: ConfigHost;
  /** "did you mean" answers for this parse (one search per unknown word and table). */
  readonly suggestions: SuggestionCache;
}

export function newGlobalDraft(): GlobalDraft {
  return {
    notificationEmail: [], noEmailFaults: false, enableScriptSecurity: false, dynamicInterfaces: false, garp: {},
    skipCheckAdvAddr: false, checkUnicastSrc: false, strict: false, notifyPriorityChanges: false,
    fifoWriteVrrpStatesOnReload: false, logUnknownVrids: false, dataUseInstance: false, v3ChecksumAsV2: false,
  };
}

export function newRootDraft(): RootDraft {
  return {
    global: newGlobalDraft(), scripts: new Map(), trackFiles: new Map(), syncGroups: new Map(), instances: new Map(),
    staticAddresses: [], staticRoutes: [], staticRules: [], skippedBlocks: new Set(),
    trackProcesses: [], trackGroups: new Map(), garpGroups: [], linkbeatInterfaces: [], interfaceUpDownDelays: [],
  };
}

export function newInstanceDraft(name: string, pos: SourcePos): InstanceDraft {
  return {
    name, pos, vips: [], evips: [], routes: [], rules: [], unicastPeers: [], unicastConfigured: false,
    checkUnicastSrc: false, unicastFaultNoPeer: false, oldUnicastChecksum: 'auto', nopreempt: false, preemptDelay: 0,
    trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], dontTrackPrimary: false, trackSrcIp: false, notify: {},
    garp: {}, promoteSecondaries: false, noVirtualIpaddress: false, inactive: [],
  };
}

export type { TrackRef };
