// State dumps on signals, in keepalived 2.2.7's layout for the fields both daemons have (reference §4.3,
// §4.4): SIGUSR1 → $TMPDIR/keepalived.data, SIGUSR2 → keepalived.stats, SIGRTMIN+2 → keepalived.json.
// Third-party exporters parse `State =`, `Virtual Router ID`, `Virtual IP (N):`; those lines keep
// keepalived's exact spelling. Passwords are never written (keepalived 2.4 prints ********; so do we).

import { writeFileSync, renameSync, openSync, closeSync, fsyncSync } from 'node:fs';
import { join, isAbsolute } from 'node:path';
import type { DaemonConfig, VipConfig, VrrpInstanceConfig, CommandSpec } from '../config-parser/types.js';
import type { VrrpState } from '../vrrp/types.js';

/** keepalived's per-instance counters (reference §2.7), in its stats order. */
export interface InstanceStats {
  readonly advert_rcvd: number;
  readonly advert_sent: number;
  readonly become_master: number;
  readonly release_master: number;
  readonly packet_len_err: number;
  readonly advert_interval_err: number;
  readonly ip_ttl_err: number;
  readonly invalid_type_rcvd: number;
  readonly addr_list_err: number;
  readonly invalid_authtype: number;
  readonly authtype_mismatch: number;
  readonly auth_failure: number;
  readonly pri_zero_rcvd: number;
  readonly pri_zero_sent: number;
  /** keepalived 2.4 `auth_ext_*` counters; present only for an instance with `auth_hmac`. */
  readonly auth_ext_missing?: number;
  readonly auth_ext_malformed?: number;
  readonly auth_ext_unknown_key?: number;
  readonly auth_ext_invalid_hmac?: number;
  readonly auth_ext_stale?: number;
  readonly auth_ext_replay?: number;
}

/** The six keepalived 2.4 `auth_ext_*` counters of a core instance's stats. */
export function authExtStats(st: Readonly<Record<'auth_ext_missing' | 'auth_ext_malformed' | 'auth_ext_unknown_key' | 'auth_ext_invalid_hmac' | 'auth_ext_stale' | 'auth_ext_replay', number>>): Partial<InstanceStats> {
  return {
    auth_ext_missing: st.auth_ext_missing,
    auth_ext_malformed: st.auth_ext_malformed,
    auth_ext_unknown_key: st.auth_ext_unknown_key,
    auth_ext_invalid_hmac: st.auth_ext_invalid_hmac,
    auth_ext_stale: st.auth_ext_stale,
    auth_ext_replay: st.auth_ext_replay,
  };
}

export const ZERO_STATS: InstanceStats = {
  advert_rcvd: 0, advert_sent: 0, become_master: 0, release_master: 0, packet_len_err: 0,
  advert_interval_err: 0, ip_ttl_err: 0, invalid_type_rcvd: 0, addr_list_err: 0, invalid_authtype: 0,
  authtype_mismatch: 0, auth_failure: 0, pri_zero_rcvd: 0, pri_zero_sent: 0,
};

/** What the runtime knows about one instance at dump time (from the core's snapshot). */
export interface InstanceRuntimeView {
  readonly state: VrrpState;
  readonly wantState: VrrpState;
  readonly basePriority: number;
  readonly effectivePriority: number;
  readonly totalPriority: number;
  /** Wall-clock epoch microseconds of the last transition (0 = none yet). */
  readonly lastTransitionEpochUs: number;
  /** Master_Down_Interval in µs. */
  readonly masterDownIntervalUs: number;
  /** Master_Adver_Interval in µs (v3: learned from the master). */
  readonly masterAdverIntUs: number;
  readonly masterAddr: string | undefined;
  readonly masterPriority: number | undefined;
  readonly sourceIp: string | undefined;
  readonly faultReasons: readonly string[];
  readonly vipsSet: boolean;
  readonly stats: InstanceStats;
}

/** What the process tracker knows about one `vrrp_track_process` at dump time. */
export interface TrackProcessView {
  readonly current: number;
  readonly haveQuorum: boolean;
  readonly forkTimerRunning: boolean;
  readonly terminateTimerRunning: boolean;
}

export interface DumpInput {
  readonly config: DaemonConfig;
  /** Keyed by instance name; instances missing here are dumped from config alone (INIT). */
  readonly runtime: Readonly<Record<string, InstanceRuntimeView>>;
  /** Keyed by vrrp_track_process name (json_version 2 lists them); missing ones count 0 processes. */
  readonly trackProcesses?: Readonly<Record<string, TrackProcessView>>;
}

// ─────────────────────────── paths ───────────────────────────

export type DumpKind = 'data' | 'stats' | 'json';

/**
 * keepalived 2.4.3's rule. Stats and JSON: `$TMPDIR` if absolute, else /tmp (`make_tmp_filename`); the data dump
 * (`open_dump_file`): `state_dump_file` (2.3.3) gives the directory when absolute and the file name unless it
 * ends in '/', else the same temporary directory and `keepalived.data`. `data_use_instance` inserts
 * `.<netns>_<instance>` before the data file's extension, and before `.stats` / `.json`. keepalived-compat:
 * `stats_dump_file` and `json_dump_file` are parsed but not used by keepalived 2.4.3 (its man page says
 * otherwise; the binary wins).
 * Test: test/unit/runtime/dumps.test.ts "state_dump_file (2.3.3) places the data dump; stats and JSON stay in the temporary directory".
 */
export function dumpPath(kind: DumpKind, env: NodeJS.ProcessEnv, config: DaemonConfig): string {
  const tmp = env.TMPDIR && isAbsolute(env.TMPDIR) ? env.TMPDIR : '/tmp';
  const g = config.global;
  let suffix = '';
  if (g.dataUseInstance) {
    const parts = [g.netNamespace, g.instanceName].filter((x): x is string => !!x);
    if (parts.length > 0) suffix = '.' + parts.join('_');
  }
  if (kind !== 'data') return join(tmp, `keepalived${suffix}.${kind}`);
  const f = g.stateDumpFile;
  let dir = tmp;
  if (f !== undefined && f.startsWith('/')) dir = f.endsWith('/') ? f.slice(0, -1) : f.slice(0, f.lastIndexOf('/'));
  const name = f !== undefined && !f.endsWith('/') ? f.slice(f.lastIndexOf('/') + 1) : 'keepalived.data';
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot)];
  return `${dir}/${stem}${suffix}${ext}`;
}

/** Writes with mode 0600 (keepalived's umask 0177) through a temporary file and rename. */
export function writeDump(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, path);
}

// ─────────────────────────── keepalived.stats ───────────────────────────

export function formatStats(input: DumpInput): string {
  const out: string[] = [];
  for (const inst of input.config.instances) {
    const s = input.runtime[inst.name]?.stats ?? ZERO_STATS;
    out.push(
      `VRRP Instance: ${inst.name}`,
      '  Advertisements:',
      `    Received: ${s.advert_rcvd}`,
      `    Sent: ${s.advert_sent}`,
      `  Became master: ${s.become_master}`,
      `  Released master: ${s.release_master}`,
      '  Packet Errors:',
      `    Length: ${s.packet_len_err}`,
      `    TTL: ${s.ip_ttl_err}`,
      `    Invalid Type: ${s.invalid_type_rcvd}`,
      `    Advertisement Interval: ${s.advert_interval_err}`,
      `    Address List: ${s.addr_list_err}`,
      '  Authentication Errors:',
      `    Invalid Type: ${s.invalid_authtype}`,
      `    Type Mismatch: ${s.authtype_mismatch}`,
      `    Failure: ${s.auth_failure}`,
      // havipd: keepalived 2.4.3 prints this section for every instance; we print it only for auth_hmac
      // ones, so 2.2.7-format dumps of other instances stay byte-identical.
      ...(inst.authHmac
        ? [
            '  Authentication Extension Errors:',
            `    Missing: ${s.auth_ext_missing ?? 0}`,
            `    Malformed: ${s.auth_ext_malformed ?? 0}`,
            `    Unknown Key: ${s.auth_ext_unknown_key ?? 0}`,
            `    Invalid HMAC: ${s.auth_ext_invalid_hmac ?? 0}`,
            `    Stale: ${s.auth_ext_stale ?? 0}`,
            `    Replay: ${s.auth_ext_replay ?? 0}`,
          ]
        : []),
      '  Priority Zero:',
      `    Received: ${s.pri_zero_rcvd}`,
      `    Sent: ${s.pri_zero_sent}`,
    );
  }
  return out.join('\n') + (out.length ? '\n' : '');
}

// ─────────────────────────── keepalived.data ───────────────────────────

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `1795217731.899822 (Fri Nov 20 23:35:31.899822 2026)`, local time as keepalived prints it. */
export function formatEpochUs(us: number): string {
  const sec = Math.floor(us / 1e6);
  const frac = String(us % 1e6).padStart(6, '0');
  const d = new Date(sec * 1000);
  const human = `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${frac} ${d.getFullYear()}`;
  return `${sec}.${frac} (${human})`;
}

/** A VIP as keepalived dumps it: `10.77.0.100/24 dev hvla scope global label hvla:vip set`. */
export function formatVip(vip: VipConfig, defaultDev: string | undefined, set: boolean): string {
  const parts = [`${vip.address}/${vip.prefix}`];
  if (vip.broadcast && vip.family === 4) parts.push(`brd ${vip.broadcast}`);
  const dev = vip.dev ?? defaultDev;
  if (dev) parts.push(`dev ${dev}`);
  parts.push(`scope ${vip.scope ?? 'global'}`);
  if (vip.label) parts.push(`label ${vip.label}`);
  if (vip.peer) parts.push(`peer ${vip.peer}`);
  if (vip.family === 6) parts.push(`preferred_lft ${vip.preferredLft ?? 'forever'}`);
  if (set) parts.push('set');
  return parts.join(' ');
}

/** `'/tmp/notify.sh' 'A'` — keepalived quotes each argv element. */
export function formatCommand(cmd: CommandSpec): string {
  return cmd.argv.map((a) => `'${a}'`).join(' ');
}

function formatInterval(us: number, version: number): string {
  if (version === 2 || us % 1_000_000 === 0) return `${Math.round(us / 1_000_000)} sec`;
  return `${Math.round(us / 1000)} milli-sec`;
}

const onOff = (b: boolean): string => (b ? 'true' : 'false');

export function formatData(input: DumpInput, scriptUid = '0:0'): string {
  const { config } = input;
  const g = config.global;
  const L: string[] = [];
  L.push('------< Global definitions >------');
  L.push(` Network namespace = ${g.netNamespace ?? '(default)'}`);
  L.push(` Router ID = ${g.routerId ?? ''}`);
  L.push(` Default smtp_alert = ${g.smtpAlert === undefined ? 'unset' : g.smtpAlert ? 'on' : 'off'}`);
  L.push(` Default smtp_alert_vrrp = ${g.smtpAlertVrrp === undefined ? 'unset' : g.smtpAlertVrrp ? 'on' : 'off'}`);
  L.push(` Dynamic interfaces = ${onOff(g.dynamicInterfaces)}`);
  L.push(` Default interface = ${g.defaultInterface}`);
  if (g.vrrpNotifyFifo) L.push(` VRRP notify fifo = ${g.vrrpNotifyFifo.path}, uid:gid ${scriptUid}`);
  if (g.notifyFifo) L.push(` Global notify fifo = ${g.notifyFifo.path}, uid:gid ${scriptUid}`);
  L.push(` FIFO write vrrp states on reload = ${onOff(g.fifoWriteVrrpStatesOnReload)}`);
  L.push(` VRRP notify priority changes = ${onOff(g.notifyPriorityChanges)}`);
  L.push(` VRRP IPv4 mcast group = ${g.vrrpMcastGroup4}`);
  L.push(` VRRP IPv6 mcast group = ${g.vrrpMcastGroup6}`);
  L.push(` Gratuitous ARP delay = ${g.garp.masterDelay / 1e6}`);
  L.push(` Gratuitous ARP repeat = ${g.garp.masterRepeat}`);
  L.push(` Gratuitous ARP refresh timer = ${g.garp.masterRefresh / 1e6}`);
  L.push(` Gratuitous ARP refresh repeat = ${g.garp.masterRefreshRepeat}`);
  L.push(` Gratuitous ARP lower priority delay = ${g.garp.lowerPrioDelay / 1e6}`);
  L.push(` Gratuitous ARP lower priority repeat = ${g.garp.lowerPrioRepeat}`);
  L.push(` Num adverts before down = ${g.downTimerAdverts}`);
  L.push(` Send advert after receive lower priority advert = ${onOff(!g.lowerPrioNoAdvert)}`);
  L.push(` Send advert after receive higher priority advert = ${onOff(g.higherPrioSendAdvert)}`);
  L.push(` Gratuitous ARP interval = ${(g.garpInterval / 1e6).toFixed(6)}`);
  L.push(` Gratuitous NA interval = ${(g.gnaInterval / 1e6).toFixed(6)}`);
  L.push(` VRRP default protocol version = ${g.vrrpVersion}`);
  L.push(` VRRP check unicast_src = ${onOff(g.checkUnicastSrc)}`);
  L.push(` VRRP skip check advert addresses = ${onOff(g.skipCheckAdvAddr)}`);
  L.push(` VRRP strict mode = ${onOff(g.strict)}`);
  L.push(` Script security ${g.enableScriptSecurity ? 'enabled' : 'disabled'}`);
  L.push(` Default script uid:gid ${scriptUid}`);

  L.push('------< VRRP Topology >------');
  for (const inst of config.instances) L.push(...formatInstance(inst, input.runtime[inst.name]));

  if (config.syncGroups.length > 0) {
    L.push('------< VRRP Sync groups >------');
    for (const sg of config.syncGroups) {
      const states = sg.members.map((m) => input.runtime[m]?.state ?? 'INIT');
      const groupState = states.includes('FAULT') ? 'FAULT' : states.every((s) => s === 'MASTER') ? 'MASTER' : states.every((s) => s === 'BACKUP' || s === 'MASTER') ? 'BACKUP' : 'INIT';
      L.push(` VRRP Sync Group = ${sg.name}, ${groupState}`);
      L.push('   VRRP member instances :');
      for (const m of sg.members) L.push(`     ${m}`);
      if (sg.notify.master) L.push(`   Master state transition script = ${formatCommand(sg.notify.master)}, uid:gid ${scriptUid}`);
      if (sg.notify.backup) L.push(`   Backup state transition script = ${formatCommand(sg.notify.backup)}, uid:gid ${scriptUid}`);
      if (sg.notify.fault) L.push(`   Fault state transition script = ${formatCommand(sg.notify.fault)}, uid:gid ${scriptUid}`);
      if (sg.notify.stop) L.push(`   Stop state transition script = ${formatCommand(sg.notify.stop)}, uid:gid ${scriptUid}`);
      if (sg.notify.generic) L.push(`   Generic state transition script = ${formatCommand(sg.notify.generic)}, uid:gid ${scriptUid}`);
    }
  }

  if (config.scripts.length > 0) {
    L.push('------< VRRP Scripts >------');
    for (const s of config.scripts) {
      L.push(` VRRP Script = ${s.name}`);
      L.push(`   Command = ${formatCommand(s.command)}`);
      L.push(`   Interval = ${Math.round(s.interval / 1e6)} sec`);
      L.push(`   Timeout = ${Math.round(s.timeout / 1e6)} sec`);
      L.push(`   Weight = ${s.weight}${s.reverse ? ' reverse' : ''}`);
      L.push(`   Rise = ${s.rise}`);
      L.push(`   Fall = ${s.fall}`);
      L.push('   Tracking instances :');
      for (const inst of config.instances) {
        const ref = inst.trackScripts.find((t) => t.name === s.name);
        if (ref) L.push(`     ${inst.name}, weight ${ref.weight}${ref.reverse ? ' reverse' : ''}`);
      }
    }
  }

  if (config.trackFiles.length > 0) {
    L.push('------< VRRP Track files >------');
    for (const f of config.trackFiles) {
      L.push(` Track file = ${f.name}`);
      L.push(`   File = ${f.file}`);
      L.push(`   Weight = ${f.weight}${f.reverse ? ' reverse' : ''}`);
      L.push('   Tracking instances :');
      for (const inst of config.instances) {
        const ref = inst.trackFiles.find((t) => t.name === f.name);
        if (ref) L.push(`     ${inst.name}, weight ${ref.weight}${ref.reverse ? ' reverse' : ''}`);
      }
    }
  }
  return L.join('\n') + '\n';
}

function formatInstance(inst: VrrpInstanceConfig, rt: InstanceRuntimeView | undefined): string[] {
  const L: string[] = [];
  const unicast = inst.unicastPeers.length > 0;
  L.push(` VRRP Instance = ${inst.name}`);
  L.push(`   VRRP Version = ${inst.version}`);
  if (inst.family === 6) L.push('   Using Native IPv6');
  L.push(`   State = ${rt?.state ?? 'INIT'}`);
  if (unicast) L.push('   Flags:', '     Using unicast');
  else L.push('   Flags: none');
  L.push(`   Wantstate = ${rt?.wantState ?? inst.state}`);
  if (rt && rt.faultReasons.length > 0) L.push(`   Fault reasons = ${rt.faultReasons.join(', ')}`);
  if (rt && rt.lastTransitionEpochUs > 0) L.push(`   Last transition = ${formatEpochUs(rt.lastTransitionEpochUs)}`);
  if (rt) L.push(`   Master down timer = ${rt.masterDownIntervalUs} usecs`);
  if (inst.interface) L.push(`   Interface = ${inst.interface}`);
  const src = rt?.sourceIp ?? inst.unicastSrcIp ?? inst.mcastSrcIp;
  if (src) L.push(`   Using src_ip = ${src}${inst.unicastSrcIp && src === inst.unicastSrcIp ? ' (from configuration)' : ''}`);
  if (!unicast) L.push(`   Multicast address ${inst.mcastDstIp}`);
  L.push(`   Gratuitous ARP delay = ${inst.garp.masterDelay / 1e6}`);
  L.push(`   Gratuitous ARP repeat = ${inst.garp.masterRepeat}`);
  L.push(`   Gratuitous ARP refresh = ${inst.garp.masterRefresh / 1e6}`);
  L.push(`   Gratuitous ARP refresh repeat = ${inst.garp.masterRefreshRepeat}`);
  L.push(`   Gratuitous ARP lower priority delay = ${inst.garp.lowerPrioDelay / 1e6}`);
  L.push(`   Gratuitous ARP lower priority repeat = ${inst.garp.lowerPrioRepeat}`);
  L.push(`   Down timer adverts = ${inst.downTimerAdverts}`);
  L.push(`   Send advert after receive lower priority advert = ${onOff(!inst.lowerPrioNoAdvert)}`);
  L.push(`   Send advert after receive higher priority advert = ${onOff(inst.higherPrioSendAdvert)}`);
  L.push(`   Virtual Router ID = ${inst.vrid}`);
  L.push(`   Priority = ${rt?.basePriority ?? inst.priority}`);
  L.push(`   Effective priority = ${rt?.effectivePriority ?? inst.priority}`);
  L.push(`   Total priority = ${rt?.totalPriority ?? inst.priority}`);
  L.push(`   Advert interval = ${formatInterval(inst.advertInt, inst.version)}`);
  if (rt?.state === 'BACKUP' && rt.masterAddr) {
    L.push(`   Master router = ${rt.masterAddr}`);
    if (rt.masterPriority !== undefined) L.push(`   Master priority = ${rt.masterPriority}`);
    if (inst.version === 3) L.push(`   Master advert interval = ${Math.round(rt.masterAdverIntUs / 1000)} milli-sec`);
  }
  L.push(`   Accept = ${inst.accept ? 'enabled' : 'disabled'}`);
  L.push(`   Preempt = ${inst.nopreempt ? 'disabled' : 'enabled'}`);
  if (inst.preemptDelay > 0) L.push(`   Preempt delay = ${inst.preemptDelay / 1e6} secs`);
  L.push(`   Promote_secondaries = ${inst.promoteSecondaries ? 'enabled' : 'disabled'}`);
  if (inst.auth.type !== 'NONE') {
    L.push(`   Authentication type = ${inst.auth.type === 'PASS' ? 'SIMPLE_PASSWORD' : 'IPSEC_AH'}`);
    L.push('   Password = ********');
  }
  if (inst.authHmac) {
    // keepalived 2.4.3 `dump_vrrp()`: the extension's settings, never a key.
    const h = inst.authHmac;
    L.push('   Authentication extension = HMAC-SHA256-128');
    L.push(`     Keys = ${h.keys.length}, active key id = ${h.activeKey}`);
    L.push(`     Mode = ${h.mode}`);
    L.push(h.antiReplay === 'time' ? `     Anti replay = time, window = ${h.timeWindow} sec` : '     Anti replay = monotonic');
  }
  const set = rt?.vipsSet ?? false;
  if (inst.vips.length > 0) {
    L.push(`   Virtual IP (${inst.vips.length}):`);
    for (const v of inst.vips) L.push(`     ${formatVip(v, inst.interface, set)}`);
  }
  if (inst.excludedVips.length > 0) {
    L.push(`   Virtual IP Excluded (${inst.excludedVips.length}):`);
    for (const v of inst.excludedVips) L.push(`     ${formatVip(v, inst.interface, set)}`);
  }
  if (unicast) {
    L.push(`   Unicast TTL = ${inst.unicastTtl ?? 255}`);
    L.push(`   Check unicast src : ${inst.checkUnicastSrc ? 'yes' : 'no'}`);
    L.push('   Unicast Peer :');
    for (const p of inst.unicastPeers) L.push(`     ${p.address} min_ttl ${p.minTtl ?? 0} max_ttl ${p.maxTtl ?? 255}`);
    L.push(`   Unicast checksum compatibility = ${inst.oldUnicastChecksum === 'auto' ? 'no' : inst.oldUnicastChecksum === 'never' ? 'never' : 'yes'}`);
  }
  if (inst.trackInterfaces.length > 0) {
    L.push('   Tracked interfaces :');
    for (const t of inst.trackInterfaces) L.push(`     ${t.name} weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
  }
  if (inst.trackScripts.length > 0) {
    L.push('   Tracked scripts :');
    for (const t of inst.trackScripts) L.push(`     ${t.name} weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
  }
  if (inst.trackFiles.length > 0) {
    L.push('   Tracked files :');
    for (const t of inst.trackFiles) L.push(`     ${t.name}, weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
  }
  L.push(`   Using smtp notification = ${inst.smtpAlert ? 'yes' : 'no'}`);
  L.push(`   Notify deleted = ${inst.notify.deleted ? 'Deleted' : 'Fault'}`);
  const n = inst.notify;
  if (n.backup) L.push(`   Backup state transition script = ${formatCommand(n.backup)}, uid:gid 0:0`);
  if (n.master) L.push(`   Master state transition script = ${formatCommand(n.master)}, uid:gid 0:0`);
  if (n.fault) L.push(`   Fault state transition script = ${formatCommand(n.fault)}, uid:gid 0:0`);
  if (n.stop) L.push(`   Stop state transition script = ${formatCommand(n.stop)}, uid:gid 0:0`);
  if (n.generic) L.push(`   Generic state transition script = ${formatCommand(n.generic)}, uid:gid 0:0`);
  if (n.masterRxLowerPri) L.push(`   Master receive lower priority state transition script = ${formatCommand(n.masterRxLowerPri)}, uid:gid 0:0`);
  L.push(`   Notify priority changes = ${onOff(inst.notifyPriorityChanges)}`);
  return L;
}

// ─────────────────────────── keepalived.json ───────────────────────────

const STATE_NUM: Record<VrrpState, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

/**
 * keepalived's JSON dump: one object per instance with `data` and `stats` (auth_data redacted). `json_version 2`
 * (2.2.8+) wraps it: `{"vrrp": [...], "track_process": [...]}` (the latter only when there are process trackers).
 */
export function formatJson(input: DumpInput): string {
  const vrrp = jsonInstances(input);
  if ((input.config.global.jsonVersion ?? 1) !== 2) return JSON.stringify(vrrp);
  const out: Record<string, unknown> = { vrrp };
  const tps = input.config.trackProcesses ?? [];
  if (tps.length > 0) {
    out.track_process = tps.map((tp) => {
      const v = input.trackProcesses?.[tp.name];
      const o: Record<string, unknown> = { process: tp.process };
      if (tp.params.length > 0) o.parameters = tp.params.join(' ');
      o.param_match = tp.paramMatch;
      o.min_processes = tp.quorum;
      if (tp.quorumMax !== undefined) o.max_processes = tp.quorumMax;
      o.current_processes = v?.current ?? 0;
      o.have_quorum = v?.haveQuorum ?? false;
      o.weight = tp.reverse ? -tp.weight : tp.weight;
      o.terminate_delay = tp.terminateDelay / 1e6;
      o.fork_delay = tp.forkDelay / 1e6;
      o.fork_delay_timer_running = v?.forkTimerRunning ?? false;
      o.terminate_delay_timer_running = v?.terminateTimerRunning ?? false;
      o.full_command = tp.fullCommand;
      return o;
    });
  }
  return JSON.stringify(out);
}

function jsonInstances(input: DumpInput): unknown[] {
  const arr = input.config.instances.map((inst) => {
    const rt = input.runtime[inst.name];
    const set = rt?.vipsSet ?? false;
    const data: Record<string, unknown> = {
      iname: inst.name,
      dont_track_primary: inst.dontTrackPrimary ? 1 : 0,
      skip_check_adv_addr: inst.skipCheckAdvAddr ? 1 : 0,
      strict_mode: inst.strict ? 1 : 0,
      vmac_ifname: '',
      ifp_ifname: inst.interface ?? '',
      master_priority: rt?.masterPriority ?? 0,
      last_transition: rt ? rt.lastTransitionEpochUs / 1e6 : 0,
      garp_delay: inst.garp.masterDelay / 1e6,
      garp_refresh: inst.garp.masterRefresh / 1e6,
      garp_rep: inst.garp.masterRepeat,
      garp_refresh_rep: inst.garp.masterRefreshRepeat,
      garp_lower_prio_delay: inst.garp.lowerPrioDelay / 1e6,
      garp_lower_prio_rep: inst.garp.lowerPrioRepeat,
      lower_prio_no_advert: inst.lowerPrioNoAdvert ? 1 : 0,
      higher_prio_send_advert: inst.higherPrioSendAdvert ? 1 : 0,
      vrid: inst.vrid,
      base_priority: rt?.basePriority ?? inst.priority,
      effective_priority: rt?.effectivePriority ?? inst.priority,
      vipset: set,
      promote_secondaries: inst.promoteSecondaries,
      adver_int: inst.advertInt / 1e6,
      master_adver_int: (rt?.masterAdverIntUs ?? inst.advertInt) / 1e6,
      accept: inst.accept ? 1 : 0,
      nopreempt: inst.nopreempt,
      preempt_delay: inst.preemptDelay / 1e6,
      state: STATE_NUM[rt?.state ?? 'INIT'],
      wantstate: STATE_NUM[rt?.wantState ?? (inst.state === 'MASTER' ? 'MASTER' : 'BACKUP')],
      version: inst.version,
      smtp_alert: inst.smtpAlert,
      notify_deleted: !!inst.notify.deleted,
    };
    const n = inst.notify;
    if (n.backup) data.script_backup = formatCommand(n.backup);
    if (n.master) data.script_master = formatCommand(n.master);
    if (n.fault) data.script_fault = formatCommand(n.fault);
    if (n.stop) data.script_stop = formatCommand(n.stop);
    if (n.generic) data.script = formatCommand(n.generic);
    if (n.masterRxLowerPri) data.script_master_rx_lower_pri = formatCommand(n.masterRxLowerPri);
    data.vips = inst.vips.map((v) => formatVip(v, inst.interface, set));
    if (inst.excludedVips.length > 0) data.evips = inst.excludedVips.map((v) => formatVip(v, inst.interface, set));
    if (inst.trackInterfaces.length > 0) data.track_ifp = inst.trackInterfaces.map((t) => t.name);
    if (inst.trackScripts.length > 0) {
      // keepalived lists the tracked scripts' command lines, not their names.
      data.track_script = inst.trackScripts.map((t) => {
        const script = input.config.scripts.find((s) => s.name === t.name);
        return script ? formatCommand(script.command) : t.name;
      });
    }
    data.auth_type = inst.auth.type === 'NONE' ? 0 : inst.auth.type === 'PASS' ? 1 : 2;
    if (inst.auth.type !== 'NONE') data.auth_data = '********';
    return { data, stats: { ...(rt?.stats ?? ZERO_STATS) } };
  });
  return arr;
}
