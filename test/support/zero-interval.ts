// Issue 8 §1 as data: the configuration (a vrrp_sync_group of two VRRPv3 BACKUP instances with unicast
// peers on 127.0.0.x, as the README's UDP rigs run) and the 12-byte VRRPv3 advert with Max Adver Int 0 that
// stalled havipd's event loop for good, plus `runZeroIntervalScenario` which feeds both to a VrrpCore the
// way the runtime loop does. Shared by the unit regression test, its worker, and the UDP-mode interop test.
// No parser import here (the worker transpiles this file's imports): callers parse `zeroIntervalConfig()`.

import { VrrpCore } from '../../src/vrrp/core.js';
import { checkAdvert } from '../../src/vrrp/receive-checks.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import type { DaemonConfig } from '../../src/config-parser/types.js';
import type { AdvertCodec, Effect } from '../../src/vrrp/effects.js';
import type { ReceivedPacket } from '../../src/vrrp/types.js';
import { micros, type Micros } from '../../src/net/units.js';

/** VRRPv3, VRID 53, priority 255, 1 address (127.0.0.100), Max Adver Int 0; checksum for 127.0.0.3 → 127.0.0.2. */
export const ZERO_INTERVAL_ADVERT_HEX = '3135ff01000051e27f000064';

export function zeroIntervalAdvert(): Uint8Array {
  return Uint8Array.from(Buffer.from(ZERO_INTERVAL_ADVERT_HEX, 'hex'));
}

/** The configuration for the daemon on `me` with the peer `peer` (VIPs on `lo`: no default_interface needed). */
export function zeroIntervalConfig(me = '127.0.0.2', peer = '127.0.0.3', routerId = 'hv_zero'): string {
  const inst = (name: string, vrid: number, priority: number, vip: string): string[] => [
    `vrrp_instance ${name} {`,
    '  state BACKUP',
    `  virtual_router_id ${vrid}`,
    `  priority ${priority}`,
    '  advert_int 1',
    '  version 3',
    `  unicast_src_ip ${me}`,
    '  unicast_peer {',
    `    ${peer}`,
    '  }',
    '  virtual_ipaddress {',
    `    ${vip}/32 dev lo`,
    '  }',
    '}',
  ];
  return [
    'global_defs {',
    `  router_id ${routerId}`,
    '}',
    'vrrp_sync_group SG {',
    '  group {',
    '    VI_53',
    '    VI_54',
    '  }',
    '}',
    ...inst('VI_53', 53, 200, '127.0.0.100'),
    ...inst('VI_54', 54, 100, '127.0.0.101'),
    '',
  ].join('\n');
}

/** The advert as the UDP transport hands it to the core (no IP header, TTL unknown). */
export function zeroIntervalPacket(): ReceivedPacket {
  return { family: 4, ifname: '', src: '127.0.0.3', dst: '127.0.0.2', ttl: undefined, data: zeroIntervalAdvert(), hasIpHeader: false };
}

/**
 * A codec whose receive checks let a Max Adver Int of 0 through (as keepalived's do): the packet is
 * checked with the interval set to 1 s and then reported with its real interval, 0. For showing that the
 * timer loop stays bounded whatever interval reaches the state machine.
 */
export const ACCEPT_ZERO_INTERVAL: AdvertCodec = {
  encodeAdvert,
  checkAdvert(pkt, ctx) {
    const data = pkt.data.slice();
    const off = pkt.hasIpHeader ? (data[0]! & 0x0f) * 4 : 0;
    const zero = (data[off]! >> 4) === 3 && (data[off + 4]! & 0x0f) === 0 && data[off + 5] === 0;
    if (!zero) return checkAdvert(pkt, ctx);
    data[off + 5] = 100;
    // Keep the checksum right: the 16-bit word at off+4 grew by 100, so the one's-complement sum drops by 100.
    let sum = ((data[off + 6]! << 8) | data[off + 7]!) - 100;
    if (sum < 0) sum += 0xffff;
    data[off + 6] = sum >> 8;
    data[off + 7] = sum & 0xff;
    const r = checkAdvert({ ...pkt, data }, ctx);
    return r.ok ? { ...r, advert: { ...r.advert, advertInt: 0 as never } } : r;
  },
};

export interface ZeroIntervalRun {
  /** Per step: the time, the input kind, the instance timers the step fired, nextDeadline() after it. */
  readonly steps: readonly { readonly at: Micros; readonly kind: string; readonly expirations: number; readonly next: Micros | undefined }[];
  readonly effects: readonly Effect[];
  readonly drops: Readonly<Record<string, number>>;
  readonly masterAdverInterval53: Micros;
  readonly states: Readonly<Record<string, string>>;
  readonly wantstates: Readonly<Record<string, string>>;
  readonly stopEffects: readonly Effect[];
  /** False when `maxSteps` ran out before `until` (the run stops there). */
  readonly complete: boolean;
}

/**
 * Start at 0, the advert at 1.5 s, then tick at every deadline until `until` (as the runtime loop does:
 * one timer for the earliest deadline), then stop. At most `maxSteps` steps: the run ends early then.
 */
export function runZeroIntervalScenario(config: DaemonConfig, opts: { codec?: AdvertCodec; until?: number; maxSteps?: number } = {}): ZeroIntervalRun {
  const core = new VrrpCore(config, opts.codec ? { codec: opts.codec } : {});
  const until = micros(opts.until ?? 10_000_000);
  const maxSteps = opts.maxSteps ?? 1_000;
  const steps: { at: Micros; kind: string; expirations: number; next: Micros | undefined }[] = [];
  const effects: Effect[] = [];
  const run = (at: Micros, input: Parameters<VrrpCore['step']>[1]): void => {
    effects.push(...core.step(at, input));
    steps.push({ at, kind: input.kind, expirations: core.lastStepExpirations, next: core.nextDeadline() });
  };
  const ticksUntil = (t: Micros): boolean => {
    for (let d = core.nextDeadline(); d !== undefined && d <= t; d = core.nextDeadline()) {
      if (steps.length >= maxSteps) return false;
      run(d, { kind: 'tick' });
    }
    return true;
  };
  run(micros(0), { kind: 'start' });
  ticksUntil(micros(1_500_000));
  run(micros(1_500_000), { kind: 'packet', packet: zeroIntervalPacket() });
  const complete = ticksUntil(until);
  const snap = core.snapshot();
  const i53 = snap.instances.find((i) => i.name === 'VI_53')!;
  const stopEffects = core.step(until, { kind: 'stop' });
  return {
    steps,
    effects,
    drops: { ...i53.stats.drops },
    masterAdverInterval53: i53.masterAdverInterval,
    states: Object.fromEntries(snap.instances.map((i) => [i.name, i.state])),
    wantstates: Object.fromEntries(snap.instances.map((i) => [i.name, i.wantstate])),
    stopEffects,
    complete,
  };
}
