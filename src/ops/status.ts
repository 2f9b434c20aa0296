// `havipd status [INSTANCE] [--json]` (issue 10 §2): the status document (a stable JSON schema, documented
// in the README) built from the live core snapshot, the configuration in force, the kernel's addresses (the
// link edge's table, kept current by netlink) and the recorder; and its one-screen text form.
// Nothing here reads files a dead daemon left behind, and nothing shows a password or key.

import type { DaemonConfig, TrackRef, VrrpInstanceConfig } from '../config-parser/types.js';
import type { CoreSnapshot, InstanceSnapshot } from '../vrrp/effects.js';
import type { LinkInfo } from '../edges/links.js';
import type { OpsRecorder } from './recorder.js';
import type { VerifyView } from '../vrrp/verify.js';

/** Bumped only on incompatible changes; fields may be added within a version. */
export const STATUS_SCHEMA = 1;

export interface TrackerStatus {
  readonly type: 'script' | 'interface' | 'file';
  readonly name: string;
  /** script: up / down / init; interface: up / down / unknown; file: the value as a string. */
  readonly status: string;
  readonly weight: number;
}

export interface PeerStatus {
  readonly address: string;
  /** Seconds since its last advert for this VRID, null if never heard. */
  readonly lastAdvertAge: number | null;
  readonly lastPriority: number | null;
}

export interface VipStatus {
  readonly address: string;
  readonly prefix: number;
  readonly interface: string;
  /** Present on the interface in the kernel right now; null when the kernel table is not available. */
  readonly present: boolean | null;
  readonly excluded: boolean;
}

export interface InstanceStatus {
  readonly name: string;
  readonly vrid: number;
  readonly family: 4 | 6;
  readonly version: 2 | 3;
  readonly interface: string | null;
  readonly state: string;
  /** ISO time of the last transition, null before the first. */
  readonly since: string | null;
  readonly lastTransition: { readonly from: string; readonly to: string; readonly reason: string } | null;
  readonly priority: { readonly configured: number; readonly effective: number };
  readonly maintenance: boolean;
  /** After a handover: accepting any master until MASTER again. */
  readonly yielding: boolean;
  /** The priority advertised after a takeover, null when none. */
  readonly takeoverPriority: number | null;
  /**
   * havipd: split-brain healing (src/vrrp/healing.ts): re-announcements since start and the last one
   * (its time and the other master heard).
   */
  readonly splitBrain: {
    readonly heals: number;
    readonly last: { readonly time: string; readonly peer: string; readonly peerPriority: number } | null;
    /** The claim watch: another host's ARP claims on a VIP seen as MASTER, bursts sent when one let go, the claimant watched now. */
    readonly claims: number;
    readonly claimReleases: number;
    readonly watching: { readonly mac: string; readonly vip: string } | null;
  };
  readonly faults: readonly string[];
  readonly trackers: readonly TrackerStatus[];
  /** The master as heard on the wire (self when MASTER); null when none heard. */
  readonly master: { readonly address: string; readonly priority: number | null; readonly self: boolean } | null;
  readonly peers: readonly PeerStatus[];
  readonly vips: readonly VipStatus[];
  readonly lastGarp: { readonly time: string; readonly reason: string; readonly interface: string } | null;
  /** keepalived's vrrp_stats names (as in keepalived.stats) and `garp_sent` (frames). */
  readonly counters: Readonly<Record<string, number>>;
  /** Received packets dropped, by havipd's drop reason. */
  readonly drops: Readonly<Record<string, number>>;
  /** Announce and verify (issue 11 §3); null when the instance has no verify command in the settings file. */
  readonly verify: VerifyStatusView | null;
}

export interface VerifyStatusView {
  /** off (not MASTER), verifying, confirmed or unconfirmed. */
  readonly status: string;
  /** The verify command exited 0 in this MASTER term. */
  readonly confirmed: boolean;
  /** Verify attempts in this MASTER term. */
  readonly attempts: number;
  /** none, running, ok or failed. */
  readonly move: string;
  /** How the last command ended (`exit 1`, `timed out (SIGTERM)`), null before the first. */
  readonly lastResult: string | null;
  /** When it was confirmed or found unconfirmed (ISO), null while verifying or off. */
  readonly decidedAt: string | null;
}

export interface DaemonStatus {
  readonly schema: typeof STATUS_SCHEMA;
  readonly daemon: {
    readonly version: string;
    readonly pid: number;
    readonly configFile: string;
    readonly startedAt: string;
    readonly uptimeSeconds: number;
    readonly transport: string;
    readonly lastReload: { readonly time: string; readonly result: string; readonly message: string } | null;
    readonly eventLoopLagMs: { readonly mean: number; readonly p99: number; readonly max: number };
  };
  readonly instances: readonly InstanceStatus[];
  readonly groups: ReadonlyArray<{ readonly name: string; readonly state: string; readonly members: readonly string[] }>;
}

/** Everything `buildStatus` reads. */
export interface StatusInputs {
  readonly snapshot: CoreSnapshot & { readonly verify?: Readonly<Record<string, VerifyView>> };
  readonly config: DaemonConfig;
  readonly recorder: OpsRecorder;
  /** The kernel's view of an interface (the link edge), or undefined when not watched. */
  readonly link: (ifname: string) => LinkInfo | undefined;
  readonly linksAvailable: boolean;
  readonly meta: {
    readonly version: string;
    readonly pid: number;
    readonly configFile: string;
    readonly startedAtMs: number;
    /** The monotonic clock (`monoMs`) at start: the uptime counts on it, so a wall-clock step does not move it. */
    readonly startedMonoMs?: number;
    readonly transport: string;
    readonly lagMs: { mean: number; p99: number; max: number };
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

function trackers(c: VrrpInstanceConfig, r: OpsRecorder, link: StatusInputs['link']): TrackerStatus[] {
  const out: TrackerStatus[] = [];
  const add = (type: TrackerStatus['type'], refs: readonly TrackRef[], status: (name: string) => string): void => {
    for (const t of refs) out.push({ type, name: t.name, status: status(t.name), weight: t.weight });
  };
  add('script', c.trackScripts, (n) => {
    const v = r.trackers.get(`script:${n}`);
    return v === undefined ? 'init' : v === true ? 'up' : 'down';
  });
  add('interface', c.trackInterfaces, (n) => {
    const l = link(n);
    if (l) return l.up ? 'up' : 'down';
    const v = r.trackers.get(`link:${n}`);
    return v === undefined ? 'unknown' : v === true ? 'up' : 'down';
  });
  add('file', c.trackFiles, (n) => String(r.trackers.get(`file:${n}`) ?? 0));
  return out;
}

function healLast(h: { at: number; peer: string; peerPriority: number } | undefined): InstanceStatus['splitBrain']['last'] {
  return h ? { time: iso(h.at), peer: h.peer, peerPriority: h.peerPriority } : null;
}

function instanceStatus(s: InstanceSnapshot, c: VrrpInstanceConfig, inp: StatusInputs, nowMono: number): InstanceStatus {
  const r = inp.recorder;
  const ifname = c.interface ?? inp.config.global.defaultInterface;
  const lt = r.lastTransition.get(s.name);
  const heard = new Map(r.heardFor(s.family, s.vrid).map((h) => [h.src, h]));
  const peerAddrs = c.unicastPeers.length > 0 ? c.unicastPeers.map((p) => p.address) : [...heard.keys()].filter((a) => a !== s.sourceAddress);
  const peers: PeerStatus[] = peerAddrs.map((a) => {
    const h = heard.get(a);
    return { address: a, lastAdvertAge: h ? round((nowMono - h.mono) / 1000) : null, lastPriority: h ? h.priority : null };
  });
  const vipStatus = (excluded: boolean) => (v: VrrpInstanceConfig['vips'][number]): VipStatus => {
    const dev = v.dev ?? ifname;
    const l = inp.link(dev);
    const present = !inp.linksAvailable ? null : l ? l.addresses[v.family].some((a) => a.address === v.address && a.prefix === v.prefix) : false;
    return { address: v.address, prefix: v.prefix, interface: dev, present, excluded };
  };
  const master =
    s.state === 'MASTER'
      ? { address: s.sourceAddress ?? '', priority: s.effectivePriority, self: true }
      : s.masterAddress !== undefined
        ? { address: s.masterAddress, priority: s.masterPriority ?? heard.get(s.masterAddress)?.priority ?? null, self: false }
        : null;
  const g = r.lastGarp.get(s.name);
  const { drops, ...counts } = s.stats;
  return {
    name: s.name,
    vrid: s.vrid,
    family: s.family,
    version: s.version,
    interface: s.interface ?? null,
    state: s.state,
    since: lt ? iso(lt.at) : null,
    lastTransition: lt ? { from: lt.from, to: lt.to, reason: lt.reason } : null,
    priority: { configured: c.priority, effective: s.effectivePriority },
    maintenance: s.admin.maintenance,
    yielding: s.admin.yielding,
    takeoverPriority: s.admin.boost ?? null,
    splitBrain: {
      heals: s.healing.heals,
      last: healLast(r.lastHeal.get(s.name)),
      claims: s.healing.claims,
      claimReleases: s.healing.claimReleases,
      watching: s.healing.watching ? { mac: s.healing.watching.mac, vip: s.healing.watching.vip } : null,
    },
    faults: [...s.faults],
    trackers: trackers(c, r, inp.link),
    master,
    peers,
    vips: [...c.vips.map(vipStatus(false)), ...c.excludedVips.map(vipStatus(true))],
    lastGarp: g ? { time: iso(g.at), reason: g.reason, interface: g.ifname } : null,
    counters: { ...counts, garp_sent: r.garpsSent.get(s.name) ?? 0 },
    drops: { ...drops } as Record<string, number>,
    verify: verifyStatus(inp.snapshot.verify?.[s.name], r.verifyDecided.get(s.name)),
  };
}

function verifyStatus(v: VerifyView | undefined, decidedMs: number | undefined): VerifyStatusView | null {
  if (!v) return null;
  const decided = v.status === 'confirmed' || v.status === 'unconfirmed';
  return { status: v.status, confirmed: v.status === 'confirmed', attempts: v.attempts, move: v.move, lastResult: v.lastResult ?? null, decidedAt: decided && decidedMs !== undefined ? iso(decidedMs) : null };
}

/** The status document; `instance` narrows it to one instance (undefined when that instance does not exist). */
export function buildStatus(inp: StatusInputs, instance?: string): DaemonStatus | undefined {
  const nowEpoch = inp.recorder.clock.epochMs();
  const nowMono = inp.recorder.clock.monoMs();
  const byName = new Map(inp.config.instances.map((c) => [c.name, c]));
  const snaps = inp.snapshot.instances.filter((s) => byName.has(s.name) && (instance === undefined || s.name === instance));
  if (instance !== undefined && snaps.length === 0) return undefined;
  const lr = inp.recorder.lastReload;
  return {
    schema: STATUS_SCHEMA,
    daemon: {
      version: inp.meta.version,
      pid: inp.meta.pid,
      configFile: inp.meta.configFile,
      startedAt: iso(inp.meta.startedAtMs),
      // havipd: a duration, so CLOCK_MONOTONIC (a `date -s` or NTP step would add or remove hours on the wall clock).
      // Test: test/unit/ops/status-uptime.test.ts; test/interop/clock-step.test.ts.
      uptimeSeconds: Math.max(0, Math.round((inp.meta.startedMonoMs !== undefined ? nowMono - inp.meta.startedMonoMs : nowEpoch - inp.meta.startedAtMs) / 1000)),
      transport: inp.meta.transport,
      lastReload: lr ? { time: iso(lr.at), result: lr.result, message: lr.message } : null,
      eventLoopLagMs: { mean: round(inp.meta.lagMs.mean), p99: round(inp.meta.lagMs.p99), max: round(inp.meta.lagMs.max) },
    },
    instances: snaps.map((s) => instanceStatus(s, byName.get(s.name)!, inp, nowMono)),
    groups: inp.snapshot.groups.map((g) => ({ name: g.name, state: g.state, members: [...g.members] })),
  };
}

function ago(iso8601: string, nowMs: number): string {
  const sec = Math.max(0, (nowMs - Date.parse(iso8601)) / 1000);
  return duration(sec);
}

export function duration(sec: number): string {
  if (sec < 60) return `${sec < 10 ? sec.toFixed(1) : Math.round(sec)}s`;
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m}m${String(Math.floor(sec % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** The text form: a header line for the daemon and five lines per instance (one screen for a pair). */
export function renderStatus(st: DaemonStatus, nowMs: number = Date.now()): string {
  const d = st.daemon;
  const lines: string[] = [];
  const reload = d.lastReload ? `reload ${d.lastReload.result} ${ago(d.lastReload.time, nowMs)} ago` : 'no reload';
  lines.push(`havipd ${d.version}  pid ${d.pid}  up ${duration(d.uptimeSeconds)}  ${d.configFile}  ${reload}  loop lag p99 ${d.eventLoopLagMs.p99} ms`);
  for (const i of st.instances) {
    const since = i.since ? ` since ${i.since.slice(11, 19)}Z (${ago(i.since, nowMs)} ago${i.lastTransition ? `, ${i.lastTransition.reason}` : ''})` : '';
    const hold = [i.maintenance && 'MAINTENANCE', i.yielding && 'yielding', i.takeoverPriority !== null && `takeover prio ${i.takeoverPriority}`].filter(Boolean).join(', ');
    lines.push(`${i.name}  vrid ${i.vrid}  ${i.interface ?? '-'}  ${i.state}${since}  prio ${i.priority.effective}/${i.priority.configured}${hold ? `  [${hold}]` : ''}${i.faults.length ? `  faults: ${i.faults.join(', ')}` : ''}`);
    const master = i.master ? (i.master.self ? `self ${i.master.address}` : `${i.master.address} prio ${i.master.priority ?? '?'}`) : 'none heard';
    const peers = i.peers.length ? i.peers.map((p) => `${p.address} ${p.lastAdvertAge === null ? 'never heard' : `${duration(p.lastAdvertAge)} ago`}${p.lastPriority !== null ? ` (prio ${p.lastPriority})` : ''}`).join(', ') : 'none';
    lines.push(`  master: ${master}   peers: ${peers}`);
    const vips = i.vips.length ? i.vips.map((v) => `${v.address}/${v.prefix} ${v.interface} ${v.present === null ? '?' : v.present ? 'present' : 'absent'}`).join(', ') : 'none';
    lines.push(`  vips: ${vips}`);
    const tr = i.trackers.length ? i.trackers.map((t) => `${t.type} ${t.name} ${t.status} (${t.weight >= 0 ? '+' : ''}${t.weight})`).join(', ') : 'none';
    lines.push(`  trackers: ${tr}`);
    const c = i.counters;
    const drops = Object.values(i.drops).reduce((a, b) => a + b, 0);
    const garp = i.lastGarp ? `${ago(i.lastGarp.time, nowMs)} ago (${i.lastGarp.reason})` : 'never';
    lines.push(`  last garp: ${garp}  adverts sent ${c.advert_sent ?? 0} rcvd ${c.advert_rcvd ?? 0}  drops ${drops}  became master ${c.become_master ?? 0}  released ${c.release_master ?? 0}${i.splitBrain.heals > 0 ? `  split-brain heals ${i.splitBrain.heals}` : ''}${i.splitBrain.watching ? `  watching ${i.splitBrain.watching.mac} (claims ${i.splitBrain.watching.vip})` : ''}`);
    if (i.verify) {
      const v = i.verify;
      lines.push(`  verify: ${v.status}${v.attempts ? ` after ${v.attempts} attempt(s)` : ''}${v.lastResult ? ` (last ${v.lastResult})` : ''}${v.move !== 'none' ? `  move ${v.move}` : ''}`);
    }
  }
  for (const g of st.groups) lines.push(`group ${g.name}: ${g.state} (${g.members.join(', ')})`);
  return `${lines.join('\n')}\n`;
}
