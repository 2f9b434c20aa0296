// What the operations plane remembers beside the core's own state (issue 10): the last transition of each
// instance with its reason, the last GARP burst, each peer's last advert, tracker values, and counters the
// core does not keep (transitions by from/to/reason, GARPs sent, reloads). Fed by the shell's effect hook,
// its tracker inputs and the transport's packets; it decides nothing.

import { LOG_EVENT } from '../log-events.js';
import type { Effect, Input } from '../vrrp/effects.js';
import type { ReceivedPacket } from '../vrrp/types.js';
import { EventRing } from './events.js';

export interface LastTransition {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

export interface LastGarp {
  readonly at: number;
  readonly reason: string;
  readonly ifname: string;
  readonly addresses: readonly string[];
}

export interface PeerHeard {
  /** Monotonic milliseconds of the last advert (any validity) from this source for this VRID. */
  readonly mono: number;
  readonly priority: number;
  readonly ifname: string;
}

export interface ReloadRecord {
  readonly at: number;
  readonly result: 'ok' | 'refused' | 'failed';
  readonly message: string;
}

/** Where time comes from (injected in tests). */
export interface RecorderClock {
  /** Epoch milliseconds. */
  epochMs(): number;
  /** Monotonic milliseconds. */
  monoMs(): number;
}

export const systemRecorderClock: RecorderClock = { epochMs: () => Date.now(), monoMs: () => performance.now() };

/** Sources remembered (the oldest is forgotten first). */
const MAX_PEERS = 1024;

const key = (family: number, vrid: number, src: string): string => `${family}|${vrid}|${src}`;

/** VRID and priority of a received VRRP packet (IPv4 header and AH skipped), or undefined when too short. */
export function advertHead(p: ReceivedPacket): { vrid: number; priority: number } | undefined {
  let off = 0;
  const d = p.data;
  if (p.hasIpHeader) {
    if (d.length < 20) return undefined;
    off = (d[0]! & 0x0f) * 4;
    if (d[9] === 51) {
      if (d.length < off + 2) return undefined;
      off += (d[off + 1]! + 2) * 4; // RFC 4302 §2.2: Payload Len in 32-bit words minus 2
    }
  }
  if (d.length < off + 3) return undefined;
  return { vrid: d[off + 1]!, priority: d[off + 2]! };
}

export class OpsRecorder {
  readonly events: EventRing;
  readonly lastTransition = new Map<string, LastTransition>();
  readonly lastGarp = new Map<string, LastGarp>();
  /** havipd: the last split-brain re-announcement per instance (wall clock). */
  readonly lastHeal = new Map<string, { readonly at: number; readonly peer: string; readonly peerPriority: number }>();
  private readonly peers = new Map<string, PeerHeard>();
  /** `script:NAME` → ok, `file:NAME` → value, `link:IF` → up. */
  readonly trackers = new Map<string, boolean | number>();
  /** Transitions by `instance|from|to|reason`. */
  readonly transitions = new Map<string, number>();
  /** GARP/NA frames ordered per instance (bursts × addresses × repeat). */
  readonly garpsSent = new Map<string, number>();
  /** When each instance's verification was last decided (confirmed / unconfirmed), epoch ms. */
  readonly verifyDecided = new Map<string, number>();
  readonly reloads = { ok: 0, refused: 0, failed: 0 };
  lastReload: ReloadRecord | undefined;

  constructor(
    readonly clock: RecorderClock = systemRecorderClock,
    capacity = 1000,
  ) {
    this.events = new EventRing(capacity, () => clock.epochMs());
  }

  onEffect(e: Effect): void {
    switch (e.kind) {
      case 'transition': {
        this.lastTransition.set(e.instance, { from: e.from, to: e.to, reason: e.reason, at: this.clock.epochMs() });
        const k = `${e.instance}|${e.from}|${e.to}|${e.reason}`;
        this.transitions.set(k, (this.transitions.get(k) ?? 0) + 1);
        this.events.push({ kind: 'transition', instance: e.instance, message: `(${e.instance}) ${e.from} -> ${e.to} (${e.reason})`, fields: { from: e.from, to: e.to, reason: e.reason, priority: e.priority } });
        return;
      }
      case 'sendGarp':
        this.lastGarp.set(e.instance, { at: this.clock.epochMs(), reason: e.reason, ifname: e.ifname, addresses: e.addresses });
        this.garpsSent.set(e.instance, (this.garpsSent.get(e.instance) ?? 0) + e.repeat * e.addresses.length);
        return;
      case 'reannounce':
        this.lastHeal.set(e.instance, { at: this.clock.epochMs(), peer: e.peer, peerPriority: e.peerPriority });
        this.events.push({
          kind: 'split-brain',
          instance: e.instance,
          message: `(${e.instance}) split brain: ${e.peer} was MASTER too (priority ${e.peerPriority}, ours ${e.priority}) - re-announced${e.rerunNotifyMaster ? ', notify_master re-run' : ''}`,
          fields: { peer: e.peer, peerPriority: e.peerPriority, priority: e.priority, rerunNotifyMaster: e.rerunNotifyMaster },
        });
        return;
      case 'priorityChange':
        this.events.push({ kind: 'priority', instance: e.instance, message: `(${e.instance}) effective priority ${e.from} -> ${e.to}`, fields: { from: e.from, to: e.to } });
        return;
      case 'log':
        if (e.event === 'fault.reason') this.events.push({ kind: 'fault', ...(e.instance ? { instance: e.instance } : {}), message: e.msg, fields: { reason: String(e.fields?.reason ?? '') } });
        else if (e.event === LOG_EVENT.commandApplied || e.event === LOG_EVENT.commandRefused) this.events.push({ kind: 'command', ...(e.instance ? { instance: e.instance } : {}), message: e.msg });
        // The claim watch (src/vrrp/healing.ts): another host's claim on a VIP, and its release.
        else if (e.event === LOG_EVENT.vipClaim || e.event === LOG_EVENT.vipClaimReleased) this.events.push({ kind: 'split-brain', ...(e.instance ? { instance: e.instance } : {}), message: e.msg, fields: { event: e.event } });
        else if (e.event.startsWith('verify.') && e.instance !== undefined) {
          // Announce and verify (issue 11 §3): every attempt, re-GARP, decision and move is an event.
          if (e.event === LOG_EVENT.verifyConfirmed || e.event === LOG_EVENT.verifyUnconfirmed) this.verifyDecided.set(e.instance, this.clock.epochMs());
          this.events.push({ kind: 'verify', instance: e.instance, message: e.msg, fields: { event: e.event.slice('verify.'.length) } });
        }
        return;
      default:
        return;
    }
  }

  /** Tracker inputs as fed to the core: a change of value is an event. */
  onInput(i: Input): void {
    let k: string;
    let v: boolean | number;
    let msg: string;
    switch (i.kind) {
      case 'script':
        k = `script:${i.name}`;
        v = i.ok;
        msg = `VRRP_Script(${i.name}) ${i.ok ? 'succeeded' : 'failed'}`;
        break;
      case 'file':
        k = `file:${i.name}`;
        v = i.value;
        msg = `track_file ${i.name} value ${i.value}`;
        break;
      case 'link':
        k = `link:${i.ifname}`;
        v = i.up;
        msg = `Netlink reports ${i.ifname} ${i.up ? 'up' : 'down'}`;
        break;
      default:
        return;
    }
    const before = this.trackers.get(k);
    this.trackers.set(k, v);
    if (before !== undefined && before !== v) this.events.push({ kind: 'tracker', message: msg, fields: { tracker: k, value: v } });
  }

  onPacket(p: ReceivedPacket): void {
    const h = advertHead(p);
    if (!h) return;
    const k = key(p.family, h.vrid, p.src);
    // Most recent last; bounded, so spoofed sources cannot grow it without limit.
    this.peers.delete(k);
    this.peers.set(k, { mono: this.clock.monoMs(), priority: h.priority, ifname: p.ifname });
    if (this.peers.size > MAX_PEERS) this.peers.delete(this.peers.keys().next().value as string);
  }

  /** The last advert heard from `src` for this VRID, or undefined. */
  peer(family: number, vrid: number, src: string): PeerHeard | undefined {
    return this.peers.get(key(family, vrid, src));
  }

  /** Every source heard for this VRID (multicast instances have no configured peers). */
  heardFor(family: number, vrid: number): Array<{ src: string } & PeerHeard> {
    const prefix = `${family}|${vrid}|`;
    const out: Array<{ src: string } & PeerHeard> = [];
    for (const [k, v] of this.peers) if (k.startsWith(prefix)) out.push({ src: k.slice(prefix.length), ...v });
    return out;
  }

  reload(result: ReloadRecord['result'], message: string): void {
    this.reloads[result]++;
    this.lastReload = { at: this.clock.epochMs(), result, message };
    this.events.push({ kind: 'reload', message: `reload ${result}${message ? `: ${message}` : ''}`, fields: { result } });
  }
}
