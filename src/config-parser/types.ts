// The typed, fully defaulted configuration (keepalived.conf §1.9 of the reference) and the diagnostics
// the parser reports. This file is the contract between the config parser, the VRRP core and the runtime.
//
// Everything here is plain data (arrays and records, no Maps or classes) so that a `DaemonConfig`
// serialises to JSON as it is (`havipd --dump-config`) and compares structurally (SIGHUP reload diff).
// Durations are integer microseconds (`Micros`), as keepalived computes them.

import type { Micros } from '../net/units.js';

// ───────────────────────────── diagnostics ─────────────────────────────

/**
 * keepalived's `config_err_t` classes (lib/parser.h), in its enum order. `havipd -t` derives its exit
 * code from them exactly as keepalived 2.2.7 does (the class with the highest enum value seen wins):
 * FILE_NOT_FOUND, BAD_IF, FATAL → 4; MISSING_PARAMETER → 2 (parse stops at once); SECURITY_ERROR and
 * include-check errors → 6; everything else → 5.
 */
export const KEEPALIVED_ERROR_CLASSES = [
  'FILE_NOT_FOUND',
  'BAD_IF',
  'FATAL',
  'MULTIPLE_FILES',
  'UNKNOWN_KEYWORD',
  'UNEXPECTED_BOB',
  'MISSING_BOB',
  'UNEXPECTED_EOB',
  'MISSING_EOB',
  'UNMATCHED_QUOTE',
  'MISSING_PARAMETER',
  'INVALID_NUMBER',
  'GENERAL_ERROR',
  'WARNING',
  'DEPRECATED',
  'SECURITY_ERROR',
] as const;
export type KeepalivedErrorClass = (typeof KEEPALIVED_ERROR_CLASSES)[number];

/** `error`: keepalived refuses or ignores the item; `warning`: it defaults or corrects it; `info`: our own advice. */
export type Severity = 'error' | 'warning' | 'info';

export interface SourcePos {
  /** Path of the file as given (main file) or resolved (included files). */
  readonly file: string;
  /** 1-based line number in that file. */
  readonly line: number;
  /** 1-based column of the token the diagnostic is about (1 when it is about the whole line). */
  readonly col: number;
}

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable, kebab-case code (`unknown-keyword`, `number-out-of-range`, `lint-nopreempt-state-master`, …). */
  readonly code: string;
  /**
   * The class keepalived 2.2.7 reports this problem with, or `undefined` when keepalived says nothing
   * (our own lints): those never change the `-t` exit code, so `havipd -t` and `keepalived -t` agree.
   */
  readonly kaClass: KeepalivedErrorClass | undefined;
  readonly pos: SourcePos | undefined;
  /** Plain message, saying what form was expected where that helps. */
  readonly message: string;
  /** A suggestion (`did you mean 'vrrp_instance VI_1'?`). */
  readonly hint?: string;
  /** The instance or block name the message is about, when there is one. */
  readonly subject?: string;
}

export interface ParseResult {
  /** `undefined` only when parsing could not finish (missing keyword argument, unreadable main file). */
  readonly config: DaemonConfig | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

// ───────────────────────────── shared pieces ─────────────────────────────

import type { Family } from '../net/inet.js';
export type { Family };
export type VrrpVersion = 2 | 3;
export type InitialState = 'MASTER' | 'BACKUP';

/** A script or notify command as keepalived stores it: the raw string, split into argv, and the user to run as. */
export interface CommandSpec {
  /** The command string as written (after lexer unquoting). */
  readonly raw: string;
  /** argv after keepalived's shell-like splitting ('…', "…", backslash escapes). argv[0] is the program. */
  readonly argv: readonly string[];
  /** User to run as; `undefined` = global `script_user` (or the daemon's user). */
  readonly user?: string;
  readonly group?: string;
}

/** One `virtual_ipaddress` / `virtual_ipaddress_excluded` / `static_ipaddress` item. */
export interface VipConfig {
  /** Canonical textual address (IPv6 compressed, lower case). */
  readonly address: string;
  readonly family: Family;
  /** Prefix length; default /32 or /128. */
  readonly prefix: number;
  /** Interface the address goes on; `undefined` = the instance's interface (or `default_interface`). */
  readonly dev?: string;
  /** `brd ADDR`, or `+` / `-` as written. */
  readonly broadcast?: string;
  readonly scope?: string;
  readonly label?: string;
  readonly peer?: string;
  readonly home: boolean;
  /** IPv6: add with IFA_F_NODAD. keepalived adds VIPs with nodad unless `-nodad` is given. */
  readonly nodad: boolean;
  readonly mngtmpaddr: boolean;
  readonly noprefixroute: boolean;
  readonly autojoin: boolean;
  readonly noTrack: boolean;
  readonly useVmac: boolean;
  /** `preferred_lft N|forever` as written. */
  readonly preferredLft?: string;
  /** static_ipaddress only: `track_group NAME` (a track_group defined before the item). */
  readonly trackGroup?: string;
  /** The item as written, for dumps and messages. */
  readonly raw: string;
  readonly pos?: SourcePos;
}

export interface TrackRef {
  /** Interface, vrrp_script or track_file name. */
  readonly name: string;
  /** Resolved weight (explicit, else the script's / file's own). */
  readonly weight: number;
  readonly reverse: boolean;
}

export interface NotifyConfig {
  readonly master?: CommandSpec;
  readonly backup?: CommandSpec;
  readonly fault?: CommandSpec;
  readonly stop?: CommandSpec;
  /** Generic `notify`: gets `INSTANCE|GROUP NAME STATE PRIORITY` appended. */
  readonly generic?: CommandSpec;
  /** `notify_deleted` given (with or without a command). */
  readonly deleted?: { readonly command?: CommandSpec };
  readonly masterRxLowerPri?: CommandSpec;
}

/** The GARP / unsolicited NA schedule of one instance (reference §3.12), globals already applied. */
export interface GarpConfig {
  /** `garp_master_delay`: second burst after becoming MASTER; 0 = none. */
  readonly masterDelay: Micros;
  readonly masterRepeat: number;
  /** `garp_master_refresh`: periodic GARP while MASTER; 0 = off. */
  readonly masterRefresh: Micros;
  readonly masterRefreshRepeat: number;
  readonly lowerPrioDelay: Micros;
  readonly lowerPrioRepeat: number;
}

// ───────────────────────────── global_defs ─────────────────────────────

export interface FifoSpec {
  readonly path: string;
  readonly user?: string;
  readonly group?: string;
}

export interface GlobalDefs {
  readonly routerId: string | undefined;
  readonly notificationEmail: readonly string[];
  readonly notificationEmailFrom: string | undefined;
  readonly smtpServer: { readonly host: string; readonly port: number } | undefined;
  readonly smtpHeloName: string | undefined;
  readonly smtpConnectTimeout: Micros;
  readonly smtpAlert: boolean | undefined;
  readonly smtpAlertVrrp: boolean | undefined;
  readonly noEmailFaults: boolean;
  readonly scriptUser: { readonly user: string; readonly group?: string } | undefined;
  readonly enableScriptSecurity: boolean;
  readonly dynamicInterfaces: boolean;
  readonly defaultInterface: string;
  readonly vrrpMcastGroup4: string;
  readonly vrrpMcastGroup6: string;
  readonly vrrpVersion: VrrpVersion;
  /** Instance defaults for the GARP schedule (`vrrp_garp_*`). */
  readonly garp: GarpConfig;
  /** `vrrp_garp_interval`: minimum gap between two GARPs on one interface; 0 = none. */
  readonly garpInterval: Micros;
  /** `vrrp_gna_interval`: the same for unsolicited NA. */
  readonly gnaInterval: Micros;
  readonly garpExtraIf: { readonly interval: Micros; readonly all: boolean } | undefined;
  readonly downTimerAdverts: number;
  readonly lowerPrioNoAdvert: boolean;
  readonly higherPrioSendAdvert: boolean;
  readonly skipCheckAdvAddr: boolean;
  readonly checkUnicastSrc: boolean;
  readonly strict: boolean;
  readonly notifyFifo: FifoSpec | undefined;
  readonly notifyFifoScript: CommandSpec | undefined;
  readonly vrrpNotifyFifo: FifoSpec | undefined;
  readonly vrrpNotifyFifoScript: CommandSpec | undefined;
  readonly notifyPriorityChanges: boolean;
  readonly fifoWriteVrrpStatesOnReload: boolean;
  readonly startupDelay: Micros;
  readonly logUnknownVrids: boolean;
  readonly dataUseInstance: boolean;
  /** `instance NAME` (top level): used in dump file names. */
  readonly instanceName: string | undefined;
  /** `net_namespace NAME` (top level): recorded, not acted on by havipd (run it under `ip netns exec`). */
  readonly netNamespace: string | undefined;
  // keepalived 2.2.8–2.4.3 (optional only so that hand-built configs stay valid; the parser always sets them).
  /**
   * `vrrp_delay_after_boot` (2.4.0): a start-up delay counted from boot. The shell turns it into
   * `startupDelay` with the uptime (src/vrrp/startup.ts `applyDelayAfterBoot`); 0 = none.
   */
  readonly delayAfterBoot?: Micros;
  /** `vrrp_owner_ignore_adverts` (2.3.3): default of the instances' `owner_ignore_adverts`. */
  readonly ownerIgnoreAdverts?: boolean;
  /** `json_version` (2.2.8): 1 = a bare array of instances, 2 = `{ "vrrp": [...], "track_process": [...] }`. */
  readonly jsonVersion?: 1 | 2;
  /** `state_dump_file` / `stats_dump_file` / `json_dump_file` (2.3.3): SIGUSR1 / SIGUSR2 / SIGJSON targets. */
  readonly stateDumpFile?: string;
  readonly statsDumpFile?: string;
  readonly jsonDumpFile?: string;
  /** `iproute_usr_dir` / `iproute_etc_dir` (2.3.2): where iproute2's rt_tables & co live. */
  readonly iprouteUsrDir?: string;
  readonly iprouteEtcDir?: string;
  /** `use_symlink_paths` (2.3.0): check script paths without resolving symlinks. */
  readonly useSymlinkPaths?: boolean;
}

// ───────────────────────────── vrrp_script / track_file ─────────────────────────────

export interface VrrpScriptConfig {
  readonly name: string;
  readonly command: CommandSpec;
  readonly interval: Micros;
  readonly timeout: Micros;
  readonly weight: number;
  readonly reverse: boolean;
  readonly rise: number;
  readonly fall: number;
  readonly initFail: boolean;
  readonly pos?: SourcePos;
}

export interface TrackFileConfig {
  readonly name: string;
  readonly file: string;
  readonly weight: number;
  readonly reverse: boolean;
  readonly initFile: { readonly value: number; readonly overwrite: boolean } | undefined;
  readonly pos?: SourcePos;
}

/**
 * `vrrp_track_process NAME { … }` (reference §1.9.7): recorded, not acted on by havipd yet.
 * keepalived matches the process on /proc/PID/comm, or on the command line when `fullCommand`.
 */
export interface TrackProcessConfig {
  readonly name: string;
  /** `process PATH|NAME` */
  readonly process: string;
  /** Parameters after the process name (they imply `paramMatch` 'exact' and `fullCommand`). */
  readonly params: readonly string[];
  /** `param_match`: 'none' (no parameters), 'exact', 'initial', 'partial'. */
  readonly paramMatch: 'none' | 'exact' | 'initial' | 'partial';
  readonly fullCommand: boolean;
  /** -254..254; 0 = the tracking instances go to FAULT when the quorum is not met. */
  readonly weight: number;
  readonly reverse: boolean;
  /** Minimum number of matching processes (default 1; 0 when quorum_max is 0). */
  readonly quorum: number;
  /** Maximum number of matching processes; undefined = unlimited. */
  readonly quorumMax: number | undefined;
  /** `delay` / `terminate_delay`: wait before acting on a process exit. */
  readonly terminateDelay: Micros;
  /** `delay` / `fork_delay`: wait before acting on a new process. */
  readonly forkDelay: Micros;
  readonly pos?: SourcePos;
}

/** `track_group NAME { group { VI … } }`: instances that go FAULT when a static item tagged with the group is deleted. */
export interface TrackGroupConfig {
  readonly name: string;
  /** Instance names as written (keepalived only logs unknown ones). */
  readonly members: readonly string[];
  readonly pos?: SourcePos;
}

/** `garp_group { … }`: the minimum gap between GARPs / NAs on a set of interfaces. */
export interface GarpGroupConfig {
  readonly garpInterval: Micros | undefined;
  readonly gnaInterval: Micros | undefined;
  readonly interfaces: readonly string[];
  readonly pos?: SourcePos;
}

/** `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`: keepalived polls these links; havipd uses netlink. */
export interface LinkbeatInterfaceConfig {
  readonly interface: string;
  readonly type: 'MII' | 'ETHTOOL' | 'IOCTL' | undefined;
}

/** `interface_up_down_delays { IF DOWN [UP] }`: link-change debouncing. */
export interface InterfaceUpDownDelayConfig {
  readonly interface: string;
  readonly down: Micros;
  /** keepalived 2.2.7 uses 0 when UP is not given (vrrp_parser.c alloc_if_up_down_delay). */
  readonly up: Micros;
}

// ───────────────────────────── vrrp_sync_group ─────────────────────────────

export interface SyncGroupConfig {
  readonly name: string;
  readonly members: readonly string[];
  readonly trackInterfaces: readonly TrackRef[];
  readonly trackScripts: readonly TrackRef[];
  readonly trackFiles: readonly TrackRef[];
  readonly notify: NotifyConfig;
  readonly smtpAlert: boolean | undefined;
  readonly notifyPriorityChanges: boolean | undefined;
  readonly syncGroupTrackingWeight: boolean;
  /** `track_process { NAME [weight W [reverse|noreverse]] }` (kept; havipd does not track processes yet). */
  readonly trackProcesses?: readonly TrackRef[];
  readonly pos?: SourcePos;
}

// ───────────────────────────── vrrp_instance ─────────────────────────────

export type AuthConfig =
  | { readonly type: 'NONE' }
  /** PASS: up to 8 bytes, sent zero-padded. Never logged or dumped. */
  | { readonly type: 'PASS'; readonly password: string }
  /** IPsec-AH (legacy): recognised, not implemented; adverts with AH are counted and dropped. */
  | { readonly type: 'AH'; readonly password: string };

/** One `auth_hmac` key: id 1..255, 32–64 bytes. The secret is never logged, dumped or shown. */
export interface AuthHmacKey {
  readonly id: number;
  readonly secret: Uint8Array;
}

/** `auth_hmac { … }` (keepalived 2.4): HMAC-SHA256 trailer on every advert (src/vrrp/auth-hmac.ts). */
export interface AuthHmacConfig {
  readonly keys: readonly AuthHmacKey[];
  /** Key id used to sign (always one of `keys`). */
  readonly activeKey: number;
  /** enforce (default): a valid trailer is required; permissive: sign, accept unsigned; receive-only: verify, do not sign. */
  readonly mode: 'enforce' | 'permissive' | 'receive-only';
  readonly antiReplay: 'time' | 'monotonic';
  /** Freshness window in seconds (resolved: `time_window`, else max(3 × advert_int, 5) ≤ 300). */
  readonly timeWindow: number;
}

export interface UnicastPeer {
  readonly address: string;
  readonly minTtl?: number;
  readonly maxTtl?: number;
}

/** havipd's `[healing]` settings of one instance (src/vrrp/healing.ts). */
export interface HealingSettings {
  /** Re-send the GARP/NA burst when another MASTER is detected (`reannounce`). */
  readonly reannounce: boolean;
  /** Re-run notify_master with HAVIPD_REANNOUNCE=1 then (`rerun_notify_master`). */
  readonly rerunNotifyMaster: boolean;
}

export interface VrrpInstanceConfig {
  readonly name: string;
  /** The configured wish; keepalived derives MASTER iff priority 255 when not given. */
  readonly state: InitialState;
  readonly interface: string | undefined;
  readonly vrid: number;
  /** Configured (base) priority, 1..255; 255 = address owner. */
  readonly priority: number;
  /** Own advertisement interval (Advertisement_Interval), already rounded as keepalived rounds it. */
  readonly advertInt: Micros;
  readonly version: VrrpVersion;
  readonly family: Family;
  readonly auth: AuthConfig;
  /** `auth_hmac` (keepalived 2.4); supersedes `auth` (which is then NONE). */
  readonly authHmac?: AuthHmacConfig;
  /**
   * havipd: split-brain healing switches (the settings file's `[healing]`, never keepalived.conf);
   * absent = both on (src/vrrp/healing.ts `DEFAULT_HEALING`).
   */
  readonly healing?: HealingSettings;
  /** VIPs carried in adverts (at most what one advert carries; the excess moved to excludedVips). */
  readonly vips: readonly VipConfig[];
  readonly excludedVips: readonly VipConfig[];
  /** `virtual_routes` / `virtual_rules` items as written (kept; acted on in a later issue). */
  readonly virtualRoutes: readonly string[];
  readonly virtualRules: readonly string[];
  readonly unicastSrcIp: string | undefined;
  readonly mcastSrcIp: string | undefined;
  readonly unicastPeers: readonly UnicastPeer[];
  /** Multicast group: `mcast_dst_ip`, else the global group of the family. */
  readonly mcastDstIp: string;
  readonly checkUnicastSrc: boolean;
  readonly unicastFaultNoPeer: boolean;
  /** `unicast_ttl`; `undefined` = 255 (IPv4) / kernel default (IPv6). */
  readonly unicastTtl: number | undefined;
  /** `old_unicast_checksum`: 'auto' (detect on receipt), 'always' (given), 'never'. */
  readonly oldUnicastChecksum: 'auto' | 'always' | 'never';
  /** VRRPv3 over IPv4 without the pseudo-header (Cisco/Juniper interop). */
  readonly v3ChecksumAsV2: boolean;
  readonly nopreempt: boolean;
  readonly preemptDelay: Micros;
  readonly trackInterfaces: readonly TrackRef[];
  readonly trackScripts: readonly TrackRef[];
  readonly trackFiles: readonly TrackRef[];
  /** `track_process` items (kept; havipd does not track processes yet). Absent in configs not built by the parser. */
  readonly trackProcesses?: readonly TrackRef[];
  readonly dontTrackPrimary: boolean;
  readonly trackSrcIp: boolean;
  readonly notify: NotifyConfig;
  readonly notifyPriorityChanges: boolean;
  readonly smtpAlert: boolean;
  readonly garp: GarpConfig;
  readonly lowerPrioNoAdvert: boolean;
  readonly higherPrioSendAdvert: boolean;
  readonly downTimerAdverts: number;
  readonly skipCheckAdvAddr: boolean;
  readonly strict: boolean;
  /** Accept_Mode (RFC 5798 §6.1); recorded, firewalling for no_accept is not done by havipd. */
  readonly accept: boolean;
  readonly promoteSecondaries: boolean;
  /** `use_vmac` as written, if given (recorded; havipd does not create macvlans yet). */
  readonly useVmac: string | undefined;
  /** Name of the sync group this instance belongs to, if any. */
  readonly syncGroup: string | undefined;
  /** Keywords keepalived accepts that havipd parses and keeps but does not act on (warned once). */
  readonly inactiveKeywords: readonly string[];
  /**
   * `timer_expired_backup [PRIO]` (2.2.8; needs nopreempt): highest_other_priority. When the process was frozen
   * long enough that a peer of this priority may have taken over, a MASTER drops to BACKUP. Absent = off.
   */
  readonly timerExpiredBackup?: number;
  /** `owner_ignore_adverts` (2.3.3): an address owner (priority 255) drops every received advert. */
  readonly ownerIgnoreAdverts?: boolean;
  /** `no_virtual_ipaddress` (2.2.8): the instance runs without VIPs on purpose. */
  readonly noVirtualIpaddress?: boolean;
  readonly pos?: SourcePos;
}

// ───────────────────────────── the whole file ─────────────────────────────

export interface DaemonConfig {
  readonly global: GlobalDefs;
  readonly scripts: readonly VrrpScriptConfig[];
  readonly trackFiles: readonly TrackFileConfig[];
  readonly syncGroups: readonly SyncGroupConfig[];
  readonly instances: readonly VrrpInstanceConfig[];
  readonly staticAddresses: readonly VipConfig[];
  readonly staticRoutes: readonly string[];
  readonly staticRules: readonly string[];
  // The fields below are always set by the parser; optional only so that hand-built configs stay valid.
  /** `vrrp_track_process` blocks (kept; havipd does not track processes yet). */
  readonly trackProcesses?: readonly TrackProcessConfig[];
  /** `track_group` blocks (kept; havipd does not install static items yet). */
  readonly trackGroups?: readonly TrackGroupConfig[];
  /** `garp_group` blocks (kept; havipd does not rate-limit GARPs per interface yet). */
  readonly garpGroups?: readonly GarpGroupConfig[];
  /** `linkbeat_interfaces` (kept; havipd watches links with netlink). */
  readonly linkbeatInterfaces?: readonly LinkbeatInterfaceConfig[];
  /** `interface_up_down_delays` (kept; havipd does not debounce link changes yet). */
  readonly interfaceUpDownDelays?: readonly InterfaceUpDownDelayConfig[];
  /** Every file read, main file first, in reading order. */
  readonly files: readonly string[];
}
