// Turns the drafts into the immutable, fully defaulted DaemonConfig (reference §3.3, §3.8, §3.9, §3.11,
// §3.14): keepalived's vrrp_complete_init / vrrp_complete_instance decisions that belong to the config:
// minimum configuration, sync-group membership, state/priority interplay, strict-mode corrections,
// authentication rules, advert_int rounding, VIP count, owner and sync-group tracker weights, duplicate VRIDs.

import { micros } from '../net/units.js';
import { AUTH_HMAC_TRAILER_LEN, defaultTimeWindow } from '../vrrp/auth-hmac.js';
import type { DiagnosticSink } from './diagnostics.js';
import type {
  AuthHmacConfig, DaemonConfig, GarpConfig, GarpGroupConfig, GlobalDefs, InterfaceUpDownDelayConfig, LinkbeatInterfaceConfig, NotifyConfig,
  SyncGroupConfig, TrackFileConfig, TrackGroupConfig, TrackProcessConfig, TrackRef, VipConfig, VrrpInstanceConfig,
  VrrpScriptConfig,
} from './types.js';
import type { GarpDraft, GlobalDraft, InstanceDraft, NotifyDraft, RootDraft, SyncGroupDraft, TrackDraft } from './keywords/state.js';

const DEFAULT_MTU = 1500;

function garpOf(g: GarpDraft, base: GarpConfig): GarpConfig {
  return {
    masterDelay: micros(g.masterDelay ?? base.masterDelay),
    masterRepeat: g.masterRepeat ?? base.masterRepeat,
    masterRefresh: micros(g.masterRefresh ?? base.masterRefresh),
    masterRefreshRepeat: g.masterRefreshRepeat ?? base.masterRefreshRepeat,
    lowerPrioDelay: micros(g.lowerPrioDelay ?? base.lowerPrioDelay),
    lowerPrioRepeat: g.lowerPrioRepeat ?? base.lowerPrioRepeat,
  };
}

export function resolveGlobal(g: GlobalDraft): GlobalDefs {
  const masterDelay = g.garp.masterDelay ?? 5_000_000;
  const masterRepeat = g.garp.masterRepeat ?? 5;
  const garp: GarpConfig = {
    masterDelay: micros(masterDelay),
    masterRepeat,
    masterRefresh: micros(g.garp.masterRefresh ?? 0),
    masterRefreshRepeat: g.garp.masterRefreshRepeat ?? 1,
    lowerPrioDelay: micros(g.garp.lowerPrioDelay ?? masterDelay),
    lowerPrioRepeat: g.garp.lowerPrioRepeat ?? masterRepeat,
  };
  return {
    routerId: g.routerId,
    notificationEmail: [...g.notificationEmail],
    notificationEmailFrom: g.notificationEmailFrom,
    smtpServer: g.smtpServer,
    smtpHeloName: g.smtpHeloName,
    smtpConnectTimeout: micros(g.smtpConnectTimeout ?? 30_000_000),
    smtpAlert: g.smtpAlert,
    smtpAlertVrrp: g.smtpAlertVrrp,
    noEmailFaults: g.noEmailFaults,
    scriptUser: g.scriptUser,
    enableScriptSecurity: g.enableScriptSecurity,
    dynamicInterfaces: g.dynamicInterfaces,
    defaultInterface: g.defaultInterface ?? 'eth0',
    vrrpMcastGroup4: g.vrrpMcastGroup4 ?? '224.0.0.18',
    vrrpMcastGroup6: g.vrrpMcastGroup6 ?? 'ff02::12',
    vrrpVersion: g.vrrpVersion ?? 2,
    garp,
    garpInterval: micros(g.garpInterval ?? 0),
    gnaInterval: micros(g.gnaInterval ?? 0),
    garpExtraIf: g.garpExtraIf ? { interval: micros(g.garpExtraIf.interval), all: g.garpExtraIf.all } : undefined,
    downTimerAdverts: g.downTimerAdverts ?? 3,
    lowerPrioNoAdvert: g.lowerPrioNoAdvert ?? false,
    higherPrioSendAdvert: g.higherPrioSendAdvert ?? false,
    skipCheckAdvAddr: g.skipCheckAdvAddr,
    checkUnicastSrc: g.checkUnicastSrc,
    strict: g.strict,
    notifyFifo: g.notifyFifo,
    notifyFifoScript: g.notifyFifoScript,
    vrrpNotifyFifo: g.vrrpNotifyFifo,
    vrrpNotifyFifoScript: g.vrrpNotifyFifoScript,
    notifyPriorityChanges: g.notifyPriorityChanges,
    fifoWriteVrrpStatesOnReload: g.fifoWriteVrrpStatesOnReload,
    startupDelay: micros(g.startupDelay ?? 0),
    logUnknownVrids: g.logUnknownVrids,
    dataUseInstance: g.dataUseInstance,
    instanceName: g.instanceName,
    netNamespace: g.netNamespace,
    delayAfterBoot: micros(g.delayAfterBoot ?? 0),
    ownerIgnoreAdverts: g.ownerIgnoreAdverts ?? false,
    jsonVersion: g.jsonVersion ?? 1,
    ...(g.stateDumpFile !== undefined ? { stateDumpFile: g.stateDumpFile } : {}),
    ...(g.statsDumpFile !== undefined ? { statsDumpFile: g.statsDumpFile } : {}),
    ...(g.jsonDumpFile !== undefined ? { jsonDumpFile: g.jsonDumpFile } : {}),
    ...(g.iprouteUsrDir !== undefined ? { iprouteUsrDir: g.iprouteUsrDir } : {}),
    ...(g.iprouteEtcDir !== undefined ? { iprouteEtcDir: g.iprouteEtcDir } : {}),
    useSymlinkPaths: g.useSymlinkPaths ?? false,
  };
}

function notifyOf(n: NotifyDraft): NotifyConfig {
  return { ...n };
}

/** Resolves sync groups: members must exist, belong to one group only. Returns member → group name. */
function resolveSyncGroups(root: RootDraft, sink: DiagnosticSink, valid: Set<string>): { groups: SyncGroupDraft[]; memberOf: Map<string, string>; members: Map<string, string[]> } {
  const memberOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  const groups: SyncGroupDraft[] = [];
  for (const g of root.syncGroups.values()) {
    if (g.members === undefined) {
      sink.add({ severity: 'error', code: 'sync-group-empty', kaClass: 'GENERAL_ERROR', pos: g.pos, subject: g.name, message: `sync group ${g.name} has no 'group' of instances - removed` });
      continue;
    }
    const list: string[] = [];
    for (const m of g.members) {
      if (!valid.has(m.name)) {
        sink.add({ severity: 'error', code: 'sync-group-unknown-member', kaClass: 'GENERAL_ERROR', pos: m.pos, subject: g.name, message: `vrrp_instance ${m.name} named in sync group ${g.name} does not exist - ignored` });
        continue;
      }
      const other = memberOf.get(m.name);
      if (other !== undefined) {
        sink.add({ severity: 'error', code: 'sync-group-member-twice', kaClass: 'GENERAL_ERROR', pos: m.pos, subject: g.name, message: `vrrp_instance ${m.name} is already in sync group ${other}; an instance can be in one sync group only - ignored in ${g.name}` });
        continue;
      }
      memberOf.set(m.name, g.name);
      list.push(m.name);
    }
    if (list.length === 0) {
      sink.add({ severity: 'error', code: 'sync-group-no-members', kaClass: 'GENERAL_ERROR', pos: g.pos, subject: g.name, message: `sync group ${g.name} has no existing vrrp_instance in its group - removed` });
      continue;
    }
    if (list.length === 1) {
      sink.add({ severity: 'warning', code: 'sync-group-one-member', kaClass: 'GENERAL_ERROR', pos: g.pos, subject: g.name, message: `sync group ${g.name} has only 1 instance - a sync group is meant to keep several instances together` });
    }
    members.set(g.name, list);
    groups.push(g);
  }
  return { groups, memberOf, members };
}

function trackRef(t: TrackDraft, weight: number): TrackRef {
  return { name: t.name, weight, reverse: t.reverse };
}

/** A track_process item against its vrrp_track_process (the first of that name): its weight and reverse unless given. */
function processRef(root: RootDraft, t: TrackDraft): TrackRef {
  const p = root.trackProcesses.find((x) => x.name === t.name);
  return { name: t.name, weight: t.weight ?? p?.weight ?? 0, reverse: t.reverseGiven === true ? t.reverse : (p?.reverse ?? false) };
}

function resolveTrackProcesses(root: RootDraft): TrackProcessConfig[] {
  return root.trackProcesses.map((p) => ({
    name: p.name, process: p.process!, params: [...p.params], paramMatch: p.paramMatch, fullCommand: p.fullCommand,
    weight: p.weight, reverse: p.reverse, quorum: p.quorum, quorumMax: p.quorumMax,
    terminateDelay: micros(p.terminateDelay), forkDelay: micros(p.forkDelay), pos: p.pos,
  }));
}

/** track_group members: keepalived only logs unknown instances (no effect on `-t`). */
function resolveTrackGroups(root: RootDraft, sink: DiagnosticSink): TrackGroupConfig[] {
  const out: TrackGroupConfig[] = [];
  for (const g of root.trackGroups.values()) {
    const members: string[] = [];
    for (const m of g.members ?? []) {
      if (root.instances.has(m.name)) members.push(m.name);
      else sink.add({ severity: 'info', code: 'track-group-unknown-member', kaClass: undefined, pos: m.pos, subject: g.name, message: `vrrp_instance ${m.name} named in track group ${g.name} does not exist - ignored` });
    }
    out.push({ name: g.name, members, pos: g.pos });
  }
  return out;
}

function resolveGarpGroups(root: RootDraft): GarpGroupConfig[] {
  return root.garpGroups.map((g) => ({
    garpInterval: g.garpInterval === undefined ? undefined : micros(g.garpInterval),
    gnaInterval: g.gnaInterval === undefined ? undefined : micros(g.gnaInterval),
    interfaces: [...g.interfaces],
    pos: g.pos,
  }));
}

/** Builds the DaemonConfig. `files`: every file read. */
export function resolve(root: RootDraft, sink: DiagnosticSink, files: readonly string[]): DaemonConfig {
  const global = resolveGlobal(root.global);
  const instances: VrrpInstanceConfig[] = [];
  const drafts = [...root.instances.values()];

  // keepalived chk_min_cfg: a vrid is required; an interface or unicast.
  const valid = new Set<string>();
  for (const d of drafts) {
    if (d.vrid === undefined) {
      sink.add({ severity: 'error', code: 'missing-vrid', kaClass: 'GENERAL_ERROR', pos: d.pos, subject: d.name, message: `(${d.name}) virtual_router_id must be set (1..255); instance not started` });
      continue;
    }
    if (d.iface === undefined && !d.ifaceMissing && !d.unicastConfigured) {
      sink.add({ severity: 'error', code: 'missing-interface', kaClass: 'GENERAL_ERROR', pos: d.pos, subject: d.name, message: `(${d.name}) no interface: give 'interface IF' (or unicast_src_ip with unicast_peer); instance not started` });
      continue;
    }
    valid.add(d.name);
  }
  const sg = resolveSyncGroups(root, sink, valid);

  const usedScripts = new Set<string>();
  for (const d of drafts) {
    if (!valid.has(d.name)) continue;
    const inst = completeInstance(d, root, global, sg.memberOf.get(d.name), root.syncGroups, sink);
    if (!inst) continue;
    for (const t of inst.trackScripts) usedScripts.add(t.name);
    instances.push(inst);
  }
  for (const g of sg.groups) for (const t of g.trackScripts) usedScripts.add(t.name);

  const scripts: VrrpScriptConfig[] = [];
  for (const s of root.scripts.values()) {
    if (!usedScripts.has(s.name)) {
      sink.add({ severity: 'warning', code: 'script-unused', kaClass: 'GENERAL_ERROR', pos: s.pos, subject: s.name, message: `vrrp_script ${s.name} is not tracked by any instance or sync group - not run` });
      continue;
    }
    const interval = s.interval ?? 1_000_000;
    scripts.push({
      name: s.name, command: s.command!, interval: micros(interval), timeout: micros(s.timeout ?? interval),
      weight: s.weight, reverse: s.reverse, rise: s.rise, fall: s.fall, initFail: s.initFail, pos: s.pos,
    });
  }
  const trackFiles: TrackFileConfig[] = [...root.trackFiles.values()].map((f) => ({
    name: f.name, file: f.file!, weight: f.weight, reverse: f.reverse, initFile: f.initFile, pos: f.pos,
  }));
  const ownerMember = (g: SyncGroupDraft): boolean =>
    (sg.members.get(g.name) ?? []).some((m) => instances.find((i) => i.name === m)?.priority === 255);
  const syncGroups: SyncGroupConfig[] = sg.groups.map((g) => ({
    name: g.name,
    members: sg.members.get(g.name)!,
    trackInterfaces: g.trackInterfaces.map((t) => trackRef(t, t.weight ?? 0)),
    trackScripts: g.trackScripts.map((t) => trackRef(t, t.weight ?? root.scripts.get(t.name)?.weight ?? 0)),
    trackFiles: g.trackFiles.map((t) => trackRef(t, t.weight ?? root.trackFiles.get(t.name)?.weight ?? 1)),
    notify: notifyOf(g.notify),
    smtpAlert: g.smtpAlert,
    notifyPriorityChanges: g.notifyPriorityChanges,
    syncGroupTrackingWeight: g.syncGroupTrackingWeight,
    trackProcesses: g.trackProcesses.map((t) => {
      const ref = processRef(root, t);
      // keepalived-compat (vrrp.c vrrp_complete_init): weighted process tracking on a group with an owner member.
      // Test: test/unit/config-parser/keepalived-compat.test.ts "weighted track_process on a sync group with an address-owner member is dropped with an error".
      if (ref.weight && ownerMember(g)) {
        sink.add({ severity: 'error', code: 'tracker-weight-dropped', kaClass: 'GENERAL_ERROR', pos: t.pos, subject: g.name,
          message: `(${g.name}) cannot have weighted track process ${t.name} with a member having priority 255 - weight set to 0` });
        return { ...ref, weight: 0 };
      }
      return ref;
    }),
    pos: g.pos,
  }));

  checkDuplicateVrids(instances, global, sink);

  return {
    global, scripts, trackFiles, syncGroups, instances,
    staticAddresses: [...root.staticAddresses], staticRoutes: [...root.staticRoutes], staticRules: [...root.staticRules],
    trackProcesses: resolveTrackProcesses(root),
    trackGroups: resolveTrackGroups(root, sink),
    garpGroups: resolveGarpGroups(root),
    linkbeatInterfaces: root.linkbeatInterfaces.map((l): LinkbeatInterfaceConfig => ({ interface: l.interface, type: l.type })),
    interfaceUpDownDelays: root.interfaceUpDownDelays.map((l): InterfaceUpDownDelayConfig => ({ interface: l.interface, down: micros(l.down), up: micros(l.up) })),
    files: [...files],
  };
}

function completeInstance(
  d: InstanceDraft, root: RootDraft, global: GlobalDefs, syncGroup: string | undefined, groups: Map<string, SyncGroupDraft>,
  sink: DiagnosticSink,
): VrrpInstanceConfig | undefined {
  const err = (code: string, message: string, warning = false): void =>
    sink.add({ severity: warning ? 'warning' : 'error', code, kaClass: 'GENERAL_ERROR', pos: d.pos, subject: d.name, message: `(${d.name}) ${message}` });
  const strict = d.strict ?? global.strict;
  const family = d.family ?? 4;
  let version = d.version;
  if (family === 6) {
    if (version === 2 && strict) {
      err('ipv6-needs-v3', 'IPv6 cannot use VRRP version 2 in strict mode; using version 3');
      version = 3;
    } else if (version === undefined) version = 3;
  }
  version ??= global.vrrpVersion;

  let noVirtualIpaddress = d.noVirtualIpaddress;
  if (noVirtualIpaddress && strict) {
    sink.add({ severity: 'warning', code: 'no-vip-strict', kaClass: 'WARNING', pos: d.pos, subject: d.name, message: `(${d.name}) no_virtual_ipaddress and strict mode are incompatible; no_virtual_ipaddress cleared` });
    noVirtualIpaddress = false;
  }
  if (d.vips.length === 0) {
    if ((version === 3 || strict) && !noVirtualIpaddress) {
      err('no-vip', 'no virtual_ipaddress given; VRRPv3 and strict mode need at least one - instance not started');
      return undefined;
    }
    if (!noVirtualIpaddress) {
      sink.add({ severity: 'warning', code: 'no-vip', kaClass: 'WARNING', pos: d.pos, subject: d.name, message: `(${d.name}) no virtual_ipaddress given; at least one is sensible` });
    }
  }

  // keepalived-compat: priority derived from state and state from priority.
  // Test: test/unit/config-parser/keywords-vrrp-instance.test.ts "state MASTER without priority gives priority 255"; test/unit/config-parser/resolve.test.ts "priority 255 derives MASTER".
  let priority = d.priority ?? (d.state === 'MASTER' ? 255 : 100);
  let state = d.state ?? (priority === 255 ? 'MASTER' : 'BACKUP');
  if (d.state !== undefined && strict && (state === 'MASTER') !== (priority === 255)) {
    err('strict-state-owner', 'state MASTER must match being the address owner (priority 255) in strict mode; corrected');
    state = priority === 255 ? 'MASTER' : 'BACKUP';
  }

  let auth: VrrpInstanceConfig['auth'] = { type: 'NONE' };
  if (d.authType !== undefined) {
    if (strict) err('strict-auth', 'strict mode does not support authentication - ignored');
    else if (version === 3) err('v3-auth', 'VRRP version 3 does not support authentication - ignored');
    else if (!d.authPass) err('auth-no-password', 'authentication given without auth_pass - ignored');
    else if (family === 6 && d.authType === 'AH') err('ah-ipv6', 'AH authentication cannot be used with IPv6 - ignored');
    else {
      auth = { type: d.authType, password: d.authPass };
      if (d.authType === 'AH' && state === 'MASTER' && priority !== 255) {
        err('ah-master', 'initial state MASTER is incompatible with AH authentication; using BACKUP');
        state = 'BACKUP';
      }
    }
  }

  const unicast = d.unicastConfigured && d.unicastPeers.length > 0;
  if (strict && unicast && d.iface !== undefined) {
    err('strict-unicast', 'unicast peers are not supported in strict mode - instance not started');
    return undefined;
  }
  if (d.iface === undefined && !d.ifaceMissing) {
    if (d.unicastSrcIp === undefined) {
      err('unicast-no-source', 'unicast instances need unicast_src_ip or an interface - instance not started');
      return undefined;
    }
  }
  if (d.unicastConfigured && d.unicastPeers.length === 0 && !d.unicastFaultNoPeer) {
    sink.add({ severity: 'warning', code: 'unicast-without-peers', kaClass: 'DEPRECATED', pos: d.pos, subject: d.name,
      message: `(${d.name}) a unicast keyword is given without any unicast_peer: keepalived falls back to multicast (deprecated behaviour)` });
  }

  // VIPs beyond what one advert carries become eVIPs.
  let vips: VipConfig[] = [...d.vips];
  const evips: VipConfig[] = [...d.evips];
  // keepalived 2.4.3 `vrrp_complete_instance()`: the auth_hmac trailer follows the VIPs, so it counts against
  // the MTU too (`vrrp_auth_hmac_trailer_len()`: only when the instance signs, i.e. not receive-only).
  const hdr = (family === 4 ? 14 + 20 + 8 + (version === 2 ? 8 : 0) : 14 + 40 + 8) + hmacTrailerLen(d, strict);
  const maxAddr = Math.min(255, Math.floor((DEFAULT_MTU - hdr) / (family === 4 ? 4 : 16)));
  if (vips.length > maxAddr) {
    err('too-many-vips', `${vips.length} VIPs exceed what one advert carries (max ${maxAddr}); the excess become virtual_ipaddress_excluded`);
    evips.push(...vips.slice(maxAddr));
    vips = vips.slice(0, maxAddr);
  }
  if (family === 6 && strict && vips[0] && !/^fe[89ab]/.test(vips[0].address)) {
    err('ipv6-first-vip-link-local', 'the first IPv6 VIP must be link-local in strict mode');
  }

  let nopreempt = d.nopreempt;
  let preemptDelay = d.preemptDelay;
  if (priority === 255 && nopreempt) {
    err('nopreempt-owner', 'nopreempt is incompatible with priority 255; nopreempt cleared');
    nopreempt = false;
  }
  if (state === 'MASTER') {
    if (nopreempt) {
      err('nopreempt-state-master', 'nopreempt does not work with initial state MASTER; nopreempt cleared');
      nopreempt = false;
    }
    if (preemptDelay) {
      err('preempt-delay-state-master', 'preempt_delay does not work with initial state MASTER; cleared');
      preemptDelay = 0;
    }
  }
  if (preemptDelay) {
    if (strict) {
      err('preempt-delay-strict', 'preempt_delay is incompatible with strict mode; cleared');
      preemptDelay = 0;
    }
    if (nopreempt) {
      err('preempt-delay-nopreempt', 'preempt_delay is incompatible with nopreempt; cleared');
      preemptDelay = 0;
    }
  }
  let timerExpiredBackup = d.timerExpiredBackup;
  if (timerExpiredBackup !== undefined && !nopreempt) {
    err('timer-expired-backup-preempt', 'timer_expired_backup requires nopreempt; reset');
    timerExpiredBackup = undefined;
  }
  let downTimerAdverts = d.downTimerAdverts ?? global.downTimerAdverts;
  if (downTimerAdverts !== 3 && strict) {
    err('down-timer-adverts-strict', 'down_timer_adverts must be 3 in strict mode; reset to 3');
    downTimerAdverts = 3;
  }
  let accept = d.accept ?? (priority === 255 ? true : !strict);
  if (accept && priority !== 255 && strict && version === 2) {
    err('accept-v2-strict', 'accept mode with VRRP version 2 does not comply with RFC 3768; accept cleared');
    accept = false;
  }
  let mcastDstIp = d.mcastDstIp ?? (family === 4 ? global.vrrpMcastGroup4 : global.vrrpMcastGroup6);
  if (unicast && d.mcastDstIp !== undefined) {
    err('mcast-dst-with-unicast', 'mcast_dst_ip is given with unicast peers - ignored');
    mcastDstIp = family === 4 ? global.vrrpMcastGroup4 : global.vrrpMcastGroup6;
  }

  const garp = garpOf(d.garp, global.garp);
  let { lowerPrioRepeat, lowerPrioDelay } = garp;
  if (d.garp.lowerPrioRepeat === undefined) lowerPrioRepeat = strict ? 0 : global.garp.lowerPrioRepeat;
  else if (strict && lowerPrioRepeat) {
    err('strict-garp-lower-prio-repeat', 'strict mode requires no lower-priority GARP repeats; reset to 0');
    lowerPrioRepeat = 0;
  }
  if (d.garp.lowerPrioDelay === undefined) lowerPrioDelay = micros(strict ? 0 : global.garp.lowerPrioDelay);
  else if (strict && lowerPrioDelay) {
    err('strict-garp-lower-prio-delay', 'strict mode requires no lower-priority GARP delay; reset to 0');
    lowerPrioDelay = micros(0);
  }
  let lowerPrioNoAdvert = d.lowerPrioNoAdvert ?? (strict ? true : global.lowerPrioNoAdvert);
  if (d.lowerPrioNoAdvert === false && strict) {
    err('strict-lower-prio-no-advert', 'strict mode requires lower_prio_no_advert; set');
    lowerPrioNoAdvert = true;
  }
  let higherPrioSendAdvert = d.higherPrioSendAdvert ?? (strict ? false : global.higherPrioSendAdvert);
  if (d.higherPrioSendAdvert === true && strict) {
    err('strict-higher-prio-send-advert', 'strict mode requires higher_prio_send_advert to be off; cleared');
    higherPrioSendAdvert = false;
  }
  // keepalived 2.3.3 vrrp_complete_instance: owner_ignore_adverts only for an owner; strict owners always.
  let ownerIgnoreAdverts = d.ownerIgnoreAdverts;
  if (ownerIgnoreAdverts === true && priority !== 255) {
    err('owner-ignore-adverts-not-owner', 'owner_ignore_adverts is ignored since the priority is not 255');
    ownerIgnoreAdverts = false;
  } else if (ownerIgnoreAdverts === undefined) {
    ownerIgnoreAdverts = priority === 255 && (strict || (global.ownerIgnoreAdverts ?? false));
  } else if (priority === 255 && !ownerIgnoreAdverts) {
    // keepalived-compat: 2.4.3 refuses an explicit `owner_ignore_adverts false` on an owner (its message names
    // Test: test/unit/config-parser/keywords-ka24.test.ts "owner_ignore_adverts false on an owner: error, set".
    // strict mode, its test does not) and sets it.
    err('owner-ignore-adverts-required', 'strict_mode with priority 255 requires owner_ignore_adverts; set');
    ownerIgnoreAdverts = true;
  }
  const smtpAlert = d.smtpAlert ?? global.smtpAlertVrrp ?? global.smtpAlert ?? false;
  const group = syncGroup !== undefined ? groups.get(syncGroup) : undefined;
  const notifyPriorityChanges = d.notifyPriorityChanges ?? group?.notifyPriorityChanges ?? global.notifyPriorityChanges;

  // advert_int rounding (keepalived-compat: reported, then rounded).
  // Test: test/unit/config-parser/keywords-vrrp-instance.test.ts "decimal advert_int: v3 keeps 0.5 s, v2 rounds with an error".
  let adv = d.advertInt ?? 1_000_000;
  if (version === 2) {
    if (adv >= 256_000_000) {
      err('advert-int-range', `VRRPv2 advert_int ${adv / 1e6}s is out of range (must be less than 256s); using 255s`);
      adv = 255_000_000;
    } else if (adv % 1_000_000) {
      err('advert-int-v2-fraction', `VRRPv2 advert_int ${adv / 1e6}s must be a whole number of seconds; rounded to ${Math.max(1, Math.round(adv / 1e6))}s`);
      adv = Math.floor((adv + 500_000) / 1_000_000) * 1_000_000 || 1_000_000;
    }
  } else if (adv >= 4096 * 10_000) {
    err('advert-int-range', `VRRPv3 advert_int ${adv / 1e6}s is out of range (must be less than 40.96s); using 40.95s`);
    adv = 4095 * 10_000;
  } else if (adv % 10_000) {
    err('advert-int-v3-units', `VRRPv3 advert_int ${adv / 1e6}s must be in units of 10ms; rounded`);
    adv = Math.floor((adv + 5_000) / 10_000) * 10_000 || 10_000;
  }

  // Owner / sync-group tracker weights (reference §3.8, §3.9).
  const scriptW = (t: TrackDraft): number => t.weight ?? root.scripts.get(t.name)?.weight ?? 0;
  const fileW = (t: TrackDraft): number => t.weight ?? root.trackFiles.get(t.name)?.weight ?? 1;
  let trackInterfaces = d.trackInterfaces.map((t) => trackRef(t, t.weight ?? 0));
  let trackScripts = d.trackScripts.map((t) => trackRef(t, scriptW(t)));
  let trackFiles = d.trackFiles.map((t) => trackRef(t, fileW(t)));
  const noWeights = (group !== undefined && !group.syncGroupTrackingWeight) || priority === 255;
  if (noWeights) {
    const why = group !== undefined && !group.syncGroupTrackingWeight ? 'SYNC group' : 'address owner';
    const sync = why === 'SYNC group';
    trackInterfaces = trackInterfaces.flatMap((t) => {
      if (!t.weight) return [t];
      err('tracker-weight-dropped', `ignoring ${sync ? 'the weight of ' : ''}tracked interface ${t.name} due to ${why}`);
      return sync ? [{ ...t, weight: 0 }] : [];
    });
    trackScripts = trackScripts.filter((t) => {
      if (!t.weight) return true;
      err('tracker-weight-dropped', `ignoring tracked script ${t.name} with weights due to ${why}`);
      return false;
    });
    trackFiles = trackFiles.flatMap((t) => {
      if (t.weight === 1) {
        err('tracker-weight-dropped', `ignoring the weight of tracked file ${t.name} due to ${why}; specify weight 0`);
        return [{ ...t, weight: 0 }];
      }
      if (t.weight) {
        err('tracker-weight-dropped', `ignoring tracked file ${t.name} with weight ${t.weight} due to ${why}`);
        return [];
      }
      return [t];
    });
  }
  if (d.iface !== undefined) {
    trackInterfaces = trackInterfaces.filter((t) => {
      if (t.name !== d.iface) return true;
      err('track-own-interface', `track_interface ${t.name} is the instance's own interface (always tracked) - ignored`);
      return false;
    });
  }
  priority = Math.max(1, Math.min(255, priority));

  const authHmac = resolveAuthHmac(d, adv, strict, sink);
  if (authHmac && auth.type !== 'NONE') {
    // keepalived-compat: auth_hmac supersedes the legacy authentication block, which is dropped.
    // Test: test/unit/config-parser/keywords-auth-hmac.test.ts "legacy authentication is dropped".
    err('auth-hmac-legacy-auth', 'auth_hmac cannot be combined with authentication, dropping legacy auth');
    auth = { type: 'NONE' };
  }

  return {
    name: d.name,
    state,
    interface: d.iface,
    vrid: d.vrid!,
    priority,
    advertInt: micros(adv),
    version,
    family,
    auth,
    ...(authHmac ? { authHmac } : {}),
    vips,
    excludedVips: evips,
    virtualRoutes: [...d.routes],
    virtualRules: [...d.rules],
    unicastSrcIp: d.unicastSrcIp,
    mcastSrcIp: d.mcastSrcIp,
    unicastPeers: [...d.unicastPeers],
    mcastDstIp,
    checkUnicastSrc: d.checkUnicastSrc || global.checkUnicastSrc,
    unicastFaultNoPeer: d.unicastFaultNoPeer,
    unicastTtl: unicast ? d.unicastTtl : undefined,
    oldUnicastChecksum: d.oldUnicastChecksum,
    v3ChecksumAsV2: d.v3ChecksumAsV2 ?? root.global.v3ChecksumAsV2,
    nopreempt,
    preemptDelay: micros(preemptDelay),
    trackInterfaces,
    trackScripts,
    trackFiles,
    trackProcesses: d.trackProcesses.map((t) => processRef(root, t)),
    dontTrackPrimary: d.dontTrackPrimary,
    trackSrcIp: d.trackSrcIp,
    notify: notifyOf(d.notify),
    notifyPriorityChanges,
    smtpAlert,
    garp: { ...garp, lowerPrioRepeat, lowerPrioDelay },
    lowerPrioNoAdvert,
    higherPrioSendAdvert,
    downTimerAdverts,
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? global.skipCheckAdvAddr,
    strict,
    accept,
    promoteSecondaries: d.promoteSecondaries,
    useVmac: d.useVmac,
    syncGroup,
    inactiveKeywords: [...d.inactive],
    ...(timerExpiredBackup !== undefined ? { timerExpiredBackup } : {}),
    ownerIgnoreAdverts,
    noVirtualIpaddress,
    pos: d.pos,
  };
}

/** keepalived: two instances with the same VRID, family and interface (and multicast group, or overlapping unicast peers) conflict. */
function checkDuplicateVrids(instances: readonly VrrpInstanceConfig[], _global: GlobalDefs, sink: DiagnosticSink): void {
  // Only instances with the same VRID and family can clash: each is compared with the earlier ones of its
  // group, in file order (the pairs and their order are those of comparing every pair; 255 instances are
  // 32 000 pairs, a thousand half a million).
  const groups = new Map<string, number[]>();
  for (let i = 0; i < instances.length; i++) {
    const key = `${instances[i]!.vrid}/${instances[i]!.family}`;
    const earlier = groups.get(key) ?? [];
    if (earlier.length === 0) groups.set(key, earlier);
    for (const j of earlier) {
      const a = instances[i]!;
      const b = instances[j]!;
      if (a.vrid !== b.vrid || a.family !== b.family) continue;
      const ua = a.unicastPeers.length > 0;
      const ub = b.unicastPeers.length > 0;
      if (ua || ub) {
        if (!(ua && ub)) continue;
        if (a.interface !== b.interface) continue;
        const overlap = a.unicastPeers.some((p) => b.unicastPeers.some((q) => q.address === p.address));
        if (!overlap) continue;
        sink.add({ severity: 'error', code: 'duplicate-vrid', kaClass: 'GENERAL_ERROR', pos: a.pos, subject: a.name,
          message: `(${a.name}) VRID ${a.vrid} is also used by ${b.name} with overlapping unicast peers` });
        continue;
      }
      if (a.interface === undefined || a.interface !== b.interface || a.mcastDstIp !== b.mcastDstIp) continue;
      sink.add({ severity: 'error', code: 'duplicate-vrid', kaClass: 'GENERAL_ERROR', pos: a.pos, subject: a.name,
        message: `${b.name} and ${a.name} both use VRID ${a.vrid} with IPv${a.family} on interface ${a.interface}` });
    }
    earlier.push(i);
  }
}

/**
 * The bytes of the auth_hmac trailer this instance's adverts will carry: 28 when `resolveAuthHmac` will keep
 * the extension and it signs (strict mode forces `enforce`), else 0.
 */
function hmacTrailerLen(d: InstanceDraft, strict: boolean): number {
  const h = d.authHmac;
  if (!h || h.activeKey === undefined || !h.keys.some((k) => k.id === h.activeKey)) return 0;
  return strict || h.mode !== 'receive-only' ? AUTH_HMAC_TRAILER_LEN : 0;
}

/**
 * keepalived 2.4.3 `vrrp_complete_instance()` on `auth_hmac`: the active key must be defined, strict mode
 * forces `enforce`, and the `time` window defaults to max(3 × advert_int, 5) s (≤ 300).
 */
function resolveAuthHmac(d: InstanceDraft, advertIntUs: number, strict: boolean, sink: DiagnosticSink): AuthHmacConfig | undefined {
  const h = d.authHmac;
  if (!h) return undefined;
  if (h.activeKey === undefined || !h.keys.some((k) => k.id === h.activeKey)) {
    // havipd: refused (FATAL). keepalived 2.4.3 reports it and runs with the extension disabled.
    sink.add({
      severity: 'error', code: 'auth-hmac-no-active-key', kaClass: 'FATAL', pos: h.pos, subject: d.name,
      message: h.activeKey === undefined ? `(${d.name}) auth_hmac has no active_key` : `(${d.name}) auth_hmac active_key ${h.activeKey} is not defined`,
    });
    return undefined;
  }
  let mode = h.mode;
  if (strict && mode !== 'enforce') {
    sink.add({ severity: 'error', code: 'auth-hmac-strict-mode', kaClass: 'GENERAL_ERROR', pos: h.pos, subject: d.name, message: `(${d.name}) strict mode requires auth_hmac mode enforce` });
    mode = 'enforce';
  }
  return {
    keys: h.keys.map((k) => ({ id: k.id, secret: k.secret })),
    activeKey: h.activeKey,
    mode,
    antiReplay: h.antiReplay,
    timeWindow: h.timeWindow ?? defaultTimeWindow(advertIntUs),
  };
}
