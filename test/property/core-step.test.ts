// The core's step is bounded for any input (issue 8 §1, §4): whatever packets (valid adverts with any
// field values, the zero-interval advert, mutated and random bytes), timer ticks, tracker changes and edge
// faults arrive, in any order and at any times, `step` returns after at most one timer expiry per instance,
// and `nextDeadline()` after a step is later than `now` (or undefined). fast-check, seed recorded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DaemonConfig } from '../../src/config-parser/types.js';
import { VrrpCore } from '../../src/vrrp/core.js';
import type { Input } from '../../src/vrrp/effects.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import type { ReceivedPacket } from '../../src/vrrp/types.js';
import { centiseconds, micros, type Micros } from '../../src/net/units.js';
import { daemonConfig, instanceConfig, s, syncGroup, track } from '../support/config.js';
import { parseText } from '../support/parse-text.js';
import { zeroIntervalConfig, zeroIntervalPacket } from '../support/zero-interval.js';

const SEED = 0x5eed_0008;
const RUNS = 150;

/** Configurations with what their packets look like (family, version, VRIDs, the peer's and our address). */
interface Rig {
  readonly name: string;
  readonly config: () => DaemonConfig;
  readonly family: 4 | 6;
  readonly version: 2 | 3;
  readonly vrids: readonly number[];
  readonly src: string;
  readonly dst: string;
  readonly vips: readonly string[];
  readonly hasIpHeader: boolean;
}

const RIGS: readonly Rig[] = [
  {
    name: 'issue 8 §1: v3 unicast sync group (parsed)',
    config: () => parseText(zeroIntervalConfig()).config!,
    family: 4, version: 3, vrids: [53, 54], src: '127.0.0.3', dst: '127.0.0.2', vips: ['127.0.0.100'], hasIpHeader: false,
  },
  {
    name: 'v2 multicast pair with a weight-0 script, a tracked interface and a file',
    config: () => daemonConfig({
      instances: [
        instanceConfig({ name: 'VI_1', vrid: 51, priority: 150, trackScripts: [track('chk')], trackInterfaces: [track('eth1', 10)], trackFiles: [track('f', 5)] }),
        instanceConfig({ name: 'VI_2', vrid: 52, priority: 100, vips: ['10.0.0.100'], preemptDelay: s(2) }),
      ],
    }),
    family: 4, version: 2, vrids: [51, 52], src: '10.0.0.2', dst: '224.0.0.18', vips: ['10.0.0.100'], hasIpHeader: false,
  },
  {
    name: 'v3 at 0.1 s in a sync group, one owner, garp delays',
    config: () => daemonConfig({
      instances: [
        instanceConfig({ name: 'VI_1', vrid: 61, priority: 255, version: 3, advertInt: s(0.1), garp: { lowerPrioDelay: s(0.05), masterDelay: s(0.2) } }),
        instanceConfig({ name: 'VI_2', vrid: 62, priority: 50, version: 3, advertInt: s(0.1), nopreempt: true }),
      ],
      syncGroups: [syncGroup('G', ['VI_1', 'VI_2'])],
    }),
    family: 4, version: 3, vrids: [61, 62], src: '10.0.0.2', dst: '224.0.0.18', vips: ['10.0.0.100'], hasIpHeader: false,
  },
];

type Packet = { kind: 'advert'; vrid: number; priority: number; interval: number; src: 'peer' | 'other'; mutate: [number, number] | undefined } | { kind: 'zero' } | { kind: 'bytes'; bytes: Uint8Array; vrid: number };
type Event =
  | { kind: 'packet'; packet: Packet }
  | { kind: 'script'; ok: boolean }
  | { kind: 'link'; ifname: 'eth0' | 'eth1'; up: boolean }
  | { kind: 'file'; value: number }
  | { kind: 'address'; present: boolean }
  | { kind: 'fault'; active: boolean };

const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({
    kind: fc.constant('advert' as const),
    vrid: fc.integer({ min: 0, max: 2 }),
    priority: fc.oneof(fc.constantFrom(0, 1, 100, 254, 255), fc.nat(255)),
    interval: fc.oneof(fc.constantFrom(0, 1, 10, 100, 4095), fc.nat(4095)),
    src: fc.constantFrom('peer' as const, 'other' as const),
    mutate: fc.option(fc.tuple(fc.nat(40), fc.integer({ min: 1, max: 255 })), { nil: undefined }),
  }),
  fc.constant({ kind: 'zero' as const }),
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 80 }), vrid: fc.integer({ min: 0, max: 2 }) }),
);

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('packet' as const), packet: packetArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('script' as const), ok: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('link' as const), ifname: fc.constantFrom('eth0' as const, 'eth1' as const), up: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('file' as const), value: fc.integer({ min: -300, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('address' as const), present: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fault' as const), active: fc.boolean() }) },
);

/** Times between inputs: often 0 (same microsecond), often tiny, sometimes seconds. */
const gapArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 5_000_000 }));

function toInput(rig: Rig, e: Event): Input {
  switch (e.kind) {
    case 'packet':
      return { kind: 'packet', packet: toPacket(rig, e.packet) };
    case 'script':
      return { kind: 'script', name: 'chk', ok: e.ok };
    case 'link':
      return { kind: 'link', ifname: e.ifname, up: e.up };
    case 'file':
      return { kind: 'file', name: 'f', value: e.value };
    case 'address':
      return { kind: 'interfaceAddress', ifname: 'eth0', family: rig.family, address: e.present ? (rig.family === 4 ? '10.0.0.1' : 'fe80::1') : undefined };
    case 'fault':
      return { kind: 'fault', instance: 'VI_1', reason: 'socket', active: e.active };
  }
}

function toPacket(rig: Rig, p: Packet): ReceivedPacket {
  const base = { family: rig.family, ifname: '', dst: rig.dst, ttl: 255, hasIpHeader: rig.hasIpHeader } as const;
  if (p.kind === 'zero') return { ...zeroIntervalPacket(), family: 4 };
  if (p.kind === 'bytes') {
    const bytes = p.bytes.slice();
    if (bytes.length > 1) bytes[1] = rig.vrids[p.vrid % rig.vrids.length]!; // reach an instance now and then
    return { ...base, src: rig.src, data: bytes };
  }
  const src = p.src === 'peer' ? rig.src : '10.0.0.250';
  const bytes = encodeAdvert(
    { version: rig.version, vrid: rig.vrids[p.vrid % rig.vrids.length]!, priority: p.priority, advertInt: centiseconds(rig.version === 2 ? 100 : p.interval), addresses: rig.vips, family: rig.family, ...(rig.version === 2 ? { auth: { type: 0 as const } } : {}) },
    { src, dst: rig.dst, checksumMode: 'pseudo' },
  );
  const data = bytes.slice();
  if (p.mutate) {
    const i = p.mutate[0] % data.length;
    data[i] = (data[i]! + p.mutate[1]) & 0xff;
  }
  return { ...base, src, data };
}

describe(`core step properties (seed 0x${SEED.toString(16)})`, () => {
  for (const rig of RIGS) {
    it(`${rig.name}: every step returns after at most one expiry per instance and leaves nextDeadline() after now`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(gapArb, eventArb, fc.boolean()), { minLength: 1, maxLength: 60 }), (events) => {
          const config = rig.config();
          const core = new VrrpCore(config, { detail: true });
          const instances = config.instances.length;
          let now = micros(0);
          const checkTick = (t: Micros): void => {
            core.step(t, { kind: 'tick' });
            expect(core.lastStepExpirations).toBeLessThanOrEqual(instances);
            const d = core.nextDeadline();
            if (d !== undefined) expect(d).toBeGreaterThan(t);
          };
          // The runtime loop: one timer for the earliest deadline; a tick there. Each must move time on.
          const ticksUntil = (t: Micros): void => {
            let n = 0;
            for (let d = core.nextDeadline(); d !== undefined && d <= t; d = core.nextDeadline()) {
              expect(++n).toBeLessThan(100_000);
              checkTick(d);
            }
          };
          core.step(now, { kind: 'interfaceAddress', ifname: 'eth0', family: rig.family, address: rig.family === 4 ? '10.0.0.1' : 'fe80::1' });
          core.step(now, { kind: 'start' });
          for (const [gap, e, late] of events) {
            now = micros(now + gap);
            if (late) {
              // The event loop ran the input before an overdue timer: the tick follows at the same time.
              core.step(now, toInput(rig, e));
              expect(core.lastStepExpirations).toBe(0);
              checkTick(now);
            } else {
              ticksUntil(now);
              core.step(now, toInput(rig, e));
              expect(core.lastStepExpirations).toBe(0);
              const d = core.nextDeadline();
              if (d !== undefined) expect(d).toBeGreaterThan(now);
            }
          }
          ticksUntil(micros(now + 5_000_000));
          core.step(micros(now + 5_000_000), { kind: 'stop' });
          expect(core.nextDeadline()).toBeUndefined();
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }
});
