// The scenario-transcript runner for test/sim/testdata/*.txt (issue 9 §6, after etcd-io/raft's
// interaction tests): one VRRP core built from keepalived.conf text through the real parser, driven by
// scripted peers, ticks, tracker changes, reloads and stop; every effect printed on one line, adverts
// decoded from the bytes the core built, times in ms (µs precision) since the start of the scenario.
//
// Commands (arguments are key=value words; durations as 1s, 250ms, 609.375ms, 40us):
//   config [addr=IP] [detail=false]   + keepalived.conf text. Builds the core; every interface the config
//                                       names gets `addr` (default 10.0.0.1 / fe80::1) as its primary address.
//                                       Prints the parser's warnings, or "ok".
//   start | stop
//   advert from=IP prio=N [vrid=51] [v=2|3] [int=1s] [vips=a,b] [dst=IP] [ttl=255] [if=eth0]
//          [auth=PASS:pw] [count=N every=DUR]    A peer's advert (count > 1: repeated, time advancing in between).
//   junk from=IP [len=3] [if=eth0] [dst=IP] [count=N every=DUR]   A malformed VRRP message of `len` bytes.
//   advance DUR                         Fire every deadline up to now + DUR.
//   script NAME ok|fail | link IF up|down | file NAME VALUE | address IF IP|none | fault INSTANCE REASON on|off
//   reload [plan=show]                  + new keepalived.conf text (the plan of src/vrrp/reload-plan.ts).
//   state                               One line per instance (and group) from the core's snapshot.
//   stats [INSTANCE]                    Non-zero counters.
import type { DaemonConfig, Family } from '../../src/config-parser/types.js';
import { goldenDiagnosticLine } from './parse-text.js';
import { planReload } from '../../src/vrrp/reload-plan.js';
import { VrrpCore } from '../../src/vrrp/core.js';
import type { Effect, Input } from '../../src/vrrp/effects.js';
import { decodeAdvert, encodeAdvert } from '../../src/vrrp/packet.js';
import { centiseconds, micros, type Micros } from '../../src/net/units.js';
import type { DataCase } from './datadriven.js';
import { parseText } from './parse-text.js';

/** `1s`, `250ms`, `609.375ms`, `40us` → µs. */
export function parseDuration(s: string): Micros {
  const m = /^(\d+(?:\.\d+)?)(s|ms|us)$/.exec(s);
  if (!m) throw new Error(`bad duration ${s}`);
  const n = Number(m[1]);
  return micros(Math.round(m[2] === 's' ? n * 1_000_000 : m[2] === 'ms' ? n * 1000 : n));
}

/** µs → `1609.375ms` (exact: three decimals of a millisecond are microseconds). */
export function fmtTime(t: number): string {
  const sign = t < 0 ? '-' : '';
  const a = Math.abs(t);
  return `${sign}${Math.floor(a / 1000)}.${String(a % 1000).padStart(3, '0')}ms`;
}

function fmtInt(v: 2 | 3, cs: number): string {
  return v === 2 ? `${cs / 100}s` : `${cs}cs`;
}

/** One effect as one line. Adverts are decoded from the bytes the core built. */
export function formatEffect(e: Effect): string[] {
  switch (e.kind) {
    case 'sendAdvert':
      return e.destinations.map((d) => {
        const r = decodeAdvert(d.bytes, e.family);
        if (!r.ok) return `send ${e.instance} UNDECODABLE ${r.reason} ${r.detail}`;
        const a = r.advert;
        const auth = a.authType === 0 ? '' : a.authType === 1 ? ` auth PASS:${new TextDecoder().decode(a.authData).replace(/\0+$/, '')}` : ` auth type ${a.authType}`;
        return `send ${e.instance} ${e.src} > ${d.dst} ttl ${d.ttl}${e.ifname ? ` on ${e.ifname}` : ''}: v${a.version} vrid ${a.vrid} prio ${a.priority} int ${fmtInt(a.version as 2 | 3, a.advertInt)} vips ${a.addresses.join(',') || '-'}${auth}`;
      });
    case 'addVips':
      return [`add-vips ${e.instance} ${e.vips.map((v) => `${v.address}/${v.prefix}${v.dev ? ` dev ${v.dev}` : ''}`).join(', ')}`];
    case 'removeVips':
      return [`del-vips ${e.instance} (${e.reason}) ${e.vips.map((v) => `${v.address}/${v.prefix}`).join(', ')}`];
    case 'addRoutes':
      return [`add-routes ${e.instance} routes [${e.routes.join('; ')}] rules [${e.rules.join('; ')}]`];
    case 'removeRoutes':
      return [`del-routes ${e.instance} (${e.reason}) routes [${e.routes.join('; ')}] rules [${e.rules.join('; ')}]`];
    case 'sendGarp':
      return [`garp ${e.instance} on ${e.ifname} (${e.reason}) ${e.addresses.join(',')} x${e.repeat}`];
    case 'transition':
      return [`transition ${e.instance} ${e.from} -> ${e.to} (${e.reason}) prio ${e.priority}${e.group ? ` group ${e.group}` : ''}${e.notify ? '' : ' no-notify'}`];
    case 'notify':
      return [`notify ${e.instance} ${e.state} (${e.reason}) prio ${e.priority}${e.group ? ` group ${e.group}` : ''}`];
    case 'groupTransition':
      return [`group ${e.group} ${e.from} -> ${e.to} members ${e.members.join(',')}`];
    case 'sendArpProbe':
      return [`arp-probe ${e.instance} on ${e.ifname} for ${e.address}`];
    case 'masterRxLowerPri':
      return [`master-rx-lower-pri ${e.instance} prio ${e.priority}`];
    case 'reannounce':
      return [`reannounce ${e.instance} peer ${e.peer} prio ${e.peerPriority} (ours ${e.priority})${e.rerunNotifyMaster ? ' rerun notify_master' : ''}`];
    case 'priorityChange':
      return [`priority ${e.instance} ${e.from} -> ${e.to} in ${e.state}${e.notify ? ' notify' : ''}`];
    case 'log':
      return [`log ${e.level} ${e.msg}`];
    default: {
      const never: never = e;
      throw new Error(`unknown effect ${JSON.stringify(never)}`);
    }
  }
}

/** Bound on deadlines fired by one `advance` (a deadline that does not move would loop forever). */
const MAX_TICKS = 10_000;

export class TranscriptRunner {
  private core: VrrpCore | undefined;
  private now: Micros = micros(0);
  private addr4 = '10.0.0.1';
  private addr6 = 'fe80::1';

  run(c: DataCase): string {
    const out: string[] = [];
    const emit = (effects: readonly Effect[]): void => {
      for (const e of effects) for (const l of formatEffect(e)) out.push(`${fmtTime(this.now).padStart(11)}  ${l}`);
    };
    switch (c.cmd) {
      case 'config': {
        const { config, notes } = this.parse(c);
        out.push(...notes);
        this.addr4 = c.args.get('addr') ?? this.addr4;
        this.addr6 = c.args.get('addr6') ?? this.addr6;
        this.core = new VrrpCore(config, { detail: c.args.get('detail') !== 'false' });
        for (const [ifname, family] of interfacesOf(config)) {
          emit(this.step({ kind: 'interfaceAddress', ifname, family, address: family === 4 ? this.addr4 : this.addr6 }));
        }
        break;
      }
      case 'start':
        emit(this.step({ kind: 'start' }));
        break;
      case 'stop':
        emit(this.step({ kind: 'stop' }));
        break;
      case 'advance': {
        const target = micros(this.now + parseDuration(need(c.words[0], c)));
        this.advanceTo(target, emit);
        break;
      }
      case 'advert':
      case 'junk': {
        const count = Number(c.args.get('count') ?? 1);
        const every = parseDuration(c.args.get('every') ?? '0us');
        for (let k = 0; k < count; k++) {
          if (k > 0) this.advanceTo(micros(this.now + every), emit);
          emit(this.step(c.cmd === 'advert' ? this.advert(c) : this.junk(c)));
        }
        break;
      }
      case 'script':
        emit(this.step({ kind: 'script', name: need(c.words[0], c), ok: okWord(c.words[1], c, 'ok', 'fail') }));
        break;
      case 'link':
        emit(this.step({ kind: 'link', ifname: need(c.words[0], c), up: okWord(c.words[1], c, 'up', 'down') }));
        break;
      case 'arp':
        // arp IFNAME SENDER-IP from=MAC: another host's ARP frame with that sender address (the claim watch).
        emit(this.step({ kind: 'arp', ifname: need(c.words[0], c), senderIp: need(c.words[1], c), senderMac: need(c.args.get('from'), c) }));
        break;
      case 'file':
        emit(this.step({ kind: 'file', name: need(c.words[0], c), value: Number(need(c.words[1], c)) }));
        break;
      case 'address': {
        const a = need(c.words[1], c);
        const family: Family = c.args.get('family') === '6' || a.includes(':') ? 6 : 4;
        emit(this.step({ kind: 'interfaceAddress', ifname: need(c.words[0], c), family, address: a === 'none' ? undefined : a }));
        break;
      }
      case 'fault':
        emit(this.step({ kind: 'fault', instance: need(c.words[0], c), reason: okWord(c.words[1], c, 'socket', 'vip-add') ? 'socket' : 'vip-add', active: okWord(c.words[2], c, 'on', 'off') }));
        break;
      case 'reload': {
        const core = this.need(c);
        const { config, notes } = this.parse(c);
        out.push(...notes);
        const plan = planReload(core.currentConfig, config);
        if (c.args.get('plan') === 'show') {
          out.push(`plan kept ${plan.kept.map((k) => (k.from === k.to ? k.from : `${k.from}->${k.to}`) + (k.changed ? '*' : '')).join(',') || '-'} added ${plan.added.join(',') || '-'} removed ${plan.removed.join(',') || '-'}`);
        }
        emit(this.step({ kind: 'reload', config, plan }));
        break;
      }
      case 'state':
        out.push(...this.stateLines(c));
        break;
      case 'stats':
        out.push(...this.statsLines(c));
        break;
      default:
        throw new Error(`line ${c.lineNo}: unknown command ${c.cmd}`);
    }
    return out.length > 0 ? out.join('\n') : 'ok';
  }

  private need(c: DataCase): VrrpCore {
    if (!this.core) throw new Error(`line ${c.lineNo}: ${c.cmd} before config`);
    return this.core;
  }

  private step(input: Input): readonly Effect[] {
    if (!this.core) throw new Error('no config yet');
    return this.core.step(this.now, input);
  }

  private advanceTo(target: Micros, emit: (e: readonly Effect[]) => void): void {
    const core = this.core!;
    for (let n = 0; ; n++) {
      if (n >= MAX_TICKS) throw new Error(`more than ${MAX_TICKS} deadlines before ${fmtTime(target)}`);
      const d = core.nextDeadline();
      if (d === undefined || d > target) break;
      if (d > this.now) this.now = d;
      emit(core.step(this.now, { kind: 'tick' }));
    }
    this.now = target;
  }

  private parse(c: DataCase): { config: DaemonConfig; notes: string[] } {
    const r = parseText(c.input.join('\n') + '\n');
    const notes = r.diagnostics.map((d) => `config ${goldenDiagnosticLine(d).replace('/etc/keepalived/keepalived.conf:', 'line ')}`);
    if (!r.config || r.diagnostics.some((d) => d.severity === 'error')) throw new Error(`line ${c.lineNo}: config does not parse:\n${notes.join('\n')}`);
    return { config: r.config, notes };
  }

  private advert(c: DataCase): Input {
    const cfg = this.need(c).currentConfig;
    const src = need(c.args.get('from'), c);
    const family: Family = src.includes(':') ? 6 : 4;
    const vrid = Number(c.args.get('vrid') ?? 51);
    const inst = cfg.instances.find((i) => i.vrid === vrid && i.family === family) ?? cfg.instances[0]!;
    const version = Number(c.args.get('v') ?? inst.version) as 2 | 3;
    const dst = c.args.get('dst') ?? (family === 4 ? '224.0.0.18' : 'ff02::12');
    const intUs = parseDuration(c.args.get('int') ?? '1s');
    const vips = c.args.has('vips') ? c.args.get('vips')!.split(',').filter((v) => v !== '') : inst.vips.filter((v) => v.family === family).map((v) => v.address);
    const authArg = c.args.get('auth');
    const auth = authArg?.startsWith('PASS:') ? { type: 1 as const, password: authArg.slice(5) } : undefined;
    const bytes = encodeAdvert(
      { version, vrid, priority: Number(need(c.args.get('prio'), c)), advertInt: centiseconds(Math.round(intUs / 10_000)), addresses: vips, family, ...(auth ? { auth } : {}) },
      { src, dst, checksumMode: version === 2 ? 'plain' : 'pseudo' },
    );
    return { kind: 'packet', packet: { family, ifname: c.args.get('if') ?? inst.interface ?? 'eth0', src, dst, ttl: Number(c.args.get('ttl') ?? 255), data: bytes, hasIpHeader: false } };
  }

  private junk(c: DataCase): Input {
    const src = need(c.args.get('from'), c);
    const family: Family = src.includes(':') ? 6 : 4;
    const len = Number(c.args.get('len') ?? 3);
    const data = new Uint8Array(len).fill(0x21);
    const dst = c.args.get('dst') ?? (family === 4 ? '224.0.0.18' : 'ff02::12');
    return { kind: 'packet', packet: { family, ifname: c.args.get('if') ?? 'eth0', src, dst, ttl: 255, data, hasIpHeader: false } };
  }

  private stateLines(c: DataCase): string[] {
    const snap = this.need(c).snapshot();
    const out = snap.instances.map((i) => {
      const prio = i.effectivePriority === i.basePriority ? `${i.basePriority}` : `${i.effectivePriority} (base ${i.basePriority})`;
      const master = i.masterAddress ? ` master ${i.masterAddress}/${i.masterPriority ?? '?'}` : '';
      const sands = i.sands !== undefined ? ` timer ${fmtTime(i.sands)}` : '';
      const faults = i.faults.length > 0 ? ` faults [${i.faults.join('; ')}]` : '';
      const vips = i.vipSet ? ' vips-set' : '';
      return `${i.name} ${i.state} prio ${prio}${master}${sands}${faults}${vips}`;
    });
    for (const g of snap.groups) out.push(`group ${g.name} ${g.state} members ${g.members.join(',')}`);
    return out;
  }

  private statsLines(c: DataCase): string[] {
    const snap = this.need(c).snapshot();
    const out: string[] = [];
    for (const i of snap.instances) {
      if (c.words[0] !== undefined && i.name !== c.words[0]) continue;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(i.stats)) if (typeof v === 'number' && v !== 0) parts.push(`${k} ${v}`);
      for (const [k, v] of Object.entries(i.stats.drops)) if (v) parts.push(`drop.${k} ${v}`);
      out.push(`${i.name} ${parts.join(', ') || 'all zero'}`);
    }
    if (snap.unknownVrid > 0) out.push(`unknown-vrid ${snap.unknownVrid}`);
    return out;
  }
}

function interfacesOf(config: DaemonConfig): Array<[string, Family]> {
  const seen = new Map<string, [string, Family]>();
  for (const i of config.instances) {
    const ifname = i.interface ?? config.global.defaultInterface;
    seen.set(`${i.family}/${ifname}`, [ifname, i.family]);
  }
  return [...seen.values()];
}

function need(v: string | undefined, c: DataCase): string {
  if (v === undefined) throw new Error(`line ${c.lineNo}: ${c.cmd}: missing argument in "${c.line}"`);
  return v;
}

function okWord(v: string | undefined, c: DataCase, yes: string, no: string): boolean {
  if (v === yes) return true;
  if (v === no) return false;
  throw new Error(`line ${c.lineNo}: expected ${yes} or ${no} in "${c.line}"`);
}
