// Packet target: mutations of valid VRRPv2/v3, IPv4/IPv6, PASS adverts (the golden vectors of
// test/golden/packets and encodeAdvert's output for each instance of the fuzz config), with the VRRP
// checksum fixed up half the time so the deeper checks are reached, plus random buffers; through
// `decodeAdvert`, `classifyForDispatch`, `checkAdvert` (all documented not to throw) and a long-lived
// `VrrpCore.step`, packets interleaved with ticks. After every step `nextDeadline()` must be undefined
// or later than now (issue 8 §1), and catching up with the deadlines must take a bounded number of ticks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeVrrpChecksum } from '../../src/vrrp/checksum.js';
import type { AuthHmacSeam } from '../../src/vrrp/auth-hmac.js';
import { VrrpCore } from '../../src/vrrp/core.js';
import type { Effect, Input } from '../../src/vrrp/effects.js';
import { encodeIpv4Header } from '../../src/vrrp/ipv4.js';
import { decodeAdvert, encodeAdvert } from '../../src/vrrp/packet.js';
import { checkAdvert, classifyForDispatch, locateVrrpMessage, type ReceiveContext } from '../../src/vrrp/receive-checks.js';
import type { ChecksumMode, Family, ReceivedPacket, VrrpState } from '../../src/vrrp/types.js';
import { centiseconds, micros } from '../../src/net/units.js';
import type { DaemonConfig } from '../../src/config-parser/types.js';
import { parseConfig } from '../../src/config-parser/parse.js';
import { FakeConfigHost } from '../support/fake-config-host.js';
import { mutateBytes, replayWithHistory, shrinkWithHistory, withHistory } from './mutators.js';
import { ROOT } from './paths.js';
import type { Rng } from './rng.js';
import { InvariantError, type FuzzTarget, type Json, type TargetInstance } from './target.js';


/** The receiving node: 10.9.0.1 / fe80::1 on eth0; the golden vectors' sender is 10.9.0.2. */
export const PACKET_CORE_CONFIG = `
global_defs {
    router_id fuzz
    vrrp_garp_master_delay 1
}
vrrp_instance V2_PASS {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        10.9.0.100
    }
}
vrrp_instance V2_UNICAST {
    state MASTER
    interface eth0
    virtual_router_id 53
    priority 150
    advert_int 1
    unicast_src_ip 10.9.0.1
    unicast_peer {
        10.9.0.2
    }
    virtual_ipaddress {
        10.9.0.103
    }
}
vrrp_instance V3_MCAST {
    version 3
    interface eth0
    virtual_router_id 52
    priority 90
    advert_int 0.5
    virtual_ipaddress {
        10.9.0.101
        10.9.0.102
    }
}
vrrp_instance V3_UNICAST {
    version 3
    interface eth0
    virtual_router_id 54
    priority 100
    advert_int 1
    unicast_src_ip 10.9.0.1
    unicast_peer {
        10.9.0.2
    }
    virtual_ipaddress {
        10.9.0.104
    }
}
vrrp_instance V3_2PEERS_A {
    version 3
    interface eth0
    virtual_router_id 55
    priority 100
    unicast_src_ip 10.9.0.1
    unicast_peer {
        10.9.0.2
    }
    virtual_ipaddress {
        10.9.0.105
    }
}
vrrp_instance V3_2PEERS_B {
    version 3
    interface eth0
    virtual_router_id 55
    priority 80
    unicast_src_ip 10.9.0.1
    unicast_peer {
        10.9.0.3
    }
    virtual_ipaddress {
        10.9.0.115
    }
}
vrrp_instance V3_OLD_CHECKSUM {
    version 3
    interface eth0
    virtual_router_id 56
    priority 100
    unicast_src_ip 10.9.0.1
    unicast_peer {
        10.9.0.2
    }
    virtual_ipaddress {
        10.9.0.106
    }
}
vrrp_instance V6 {
    version 3
    interface eth0
    virtual_router_id 60
    priority 200
    advert_int 1
    virtual_ipaddress {
        fe80::100
        2001:db8::100
    }
}
vrrp_sync_group G {
    group {
        V3_UNICAST
        V3_OLD_CHECKSUM
    }
}
`;

export function packetCoreConfig(): DaemonConfig {
  const host = new FakeConfigHost({ '/etc/keepalived/keepalived.conf': PACKET_CORE_CONFIG });
  const r = parseConfig('/etc/keepalived/keepalived.conf', host, { configId: 'fuzz', allConfig: false, hostInterfaces: ['eth0'] });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.config || errors.length > 0) throw new Error(`fuzz packet config does not parse: ${JSON.stringify(errors)}`);
  return r.config;
}

/** A valid advert with its context: what a mutation starts from. */
export interface PacketSeed {
  readonly family: Family;
  readonly version: 2 | 3;
  readonly src: string;
  readonly dst: string;
  readonly checksumMode: ChecksumMode;
  readonly vrrp: Uint8Array;
}

export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function packetSeeds(config: DaemonConfig): PacketSeed[] {
  const seeds: PacketSeed[] = [];
  const dir = join(ROOT, 'test', 'golden', 'packets');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const v = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { family: Family; version: 2 | 3; src: string; dst: string; checksumMode: ChecksumMode; vrrp: string };
    seeds.push({ family: v.family, version: v.version, src: v.src, dst: v.dst, checksumMode: v.checksumMode, vrrp: unhex(v.vrrp) });
  }
  // encodeAdvert for every instance of the core, as its peer would send it (sources: the peers, or 10.9.0.2 / fe80::2).
  for (const c of config.instances) {
    const src = c.unicastPeers[0]?.address ?? (c.family === 4 ? '10.9.0.2' : 'fe80::2');
    const dst = c.unicastPeers.length > 0 ? '10.9.0.1' : c.family === 4 ? '224.0.0.18' : 'ff02::12';
    const checksumMode: ChecksumMode = c.version === 2 ? 'plain' : c.family === 6 ? 'pseudo' : c.name === 'V3_OLD_CHECKSUM' ? 'pseudo-mcast' : 'pseudo';
    for (const priority of [0, 1, 99, 100, 101, 254, 255]) {
      const auth = c.auth.type === 'PASS' ? { type: 1 as const, password: c.auth.password } : undefined;
      const vrrp = encodeAdvert(
        { version: c.version, vrid: c.vrid, priority, advertInt: centiseconds(Math.max(1, Math.round(c.advertInt / 10_000))), addresses: c.vips.map((v) => v.address), family: c.family, ...(auth ? { auth } : {}) },
        { src, dst, checksumMode },
      );
      seeds.push({ family: c.family, version: c.version, src, dst, checksumMode, vrrp });
    }
  }
  return seeds;
}

/** One packet input: the packet as the transport hands it, and how long before it the clock moved. */
export interface PacketInput {
  readonly family: Family;
  readonly hasIpHeader: boolean;
  readonly ifname: string;
  readonly src: string;
  readonly dst: string;
  readonly ttl: number | undefined;
  readonly data: Uint8Array;
  /** µs the clock advances (ticking every deadline on the way) before the packet arrives. */
  readonly dt: number;
  /** The receive context `checkAdvert` is called with directly (besides the core's own). */
  readonly state: VrrpState;
  readonly lastMaster: boolean;
  readonly checksumMode: ChecksumMode;
  /** Packets run first on the same core (their failures ignored): the history a failure needs. */
  readonly before?: readonly PacketInput[];
}

const SRCS4 = ['10.9.0.2', '10.9.0.3', '10.9.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.18', '10.9.0.100'];
const DSTS4 = ['224.0.0.18', '10.9.0.1', '224.0.0.19', '10.9.0.255', '255.255.255.255'];
const SRCS6 = ['fe80::ff:fe00:c10a', 'fe80::2', 'fe80::1', '::', '2001:db8::1', '::ffff:10.9.0.2'];
const DSTS6 = ['ff02::12', 'fe80::1', 'ff02::1', '2001:db8::100'];
const STATES: readonly VrrpState[] = ['BACKUP', 'MASTER', 'INIT', 'FAULT'];
const MODES: readonly ChecksumMode[] = ['pseudo', 'pseudo-mcast', 'plain'];

/** Writes the right VRRP checksum into `msg` (when it is long enough and its version nibble is 2 or 3). */
export function fixChecksum(msg: Uint8Array, family: Family, src: string, dst: string, mode: ChecksumMode): void {
  if (msg.length < 8) return;
  const v = msg[0]! >>> 4;
  if (v !== 2 && v !== 3) return;
  msg[6] = 0;
  msg[7] = 0;
  const c = computeVrrpChecksum(msg, { version: v, family, mode: v === 2 ? 'plain' : mode, src, dst });
  msg[6] = c >>> 8;
  msg[7] = c & 0xff;
}

export function generatePacket(rng: Rng, seeds: readonly PacketSeed[]): PacketInput {
  // mostly sub-second gaps (adverts arrive every 0.5–1 s); now and then a long silence (master down, preemption, GARP refresh)
  const dt = rng.chance(0.3) ? 0 : rng.chance(0.97) ? rng.int(1_500_000) : rng.int(30_000_000);
  const common = { dt, state: rng.pick(STATES), lastMaster: rng.chance(0.5), checksumMode: rng.pick(MODES), ifname: rng.chance(0.9) ? 'eth0' : rng.pick(['', 'eth1', 'lo']) };
  if (rng.chance(0.1)) {
    // a random buffer
    const family: Family = rng.chance(0.7) ? 4 : 6;
    return {
      ...common,
      family,
      hasIpHeader: family === 4 && rng.chance(0.5),
      src: family === 4 ? rng.pick(SRCS4) : rng.pick(SRCS6),
      dst: family === 4 ? rng.pick(DSTS4) : rng.pick(DSTS6),
      ttl: rng.chance(0.9) ? 255 : rng.int(256),
      data: rng.bytes(rng.int(rng.chance(0.5) ? 64 : 1600)),
    };
  }
  const seed = rng.pick(seeds);
  const donors = seeds.map((s) => s.vrrp);
  let src = seed.src;
  let dst = seed.dst;
  if (rng.chance(0.15)) src = seed.family === 4 ? rng.pick(SRCS4) : rng.pick(SRCS6);
  if (rng.chance(0.15)) dst = seed.family === 4 ? rng.pick(DSTS4) : rng.pick(DSTS6);
  let msg: Uint8Array = Uint8Array.from(seed.vrrp);
  const nMut = rng.chance(0.1) ? 0 : rng.range(1, rng.chance(0.7) ? 3 : 12);
  for (let k = 0; k < nMut; k++) msg = mutateBytes(rng, msg, donors);
  if (rng.chance(0.5)) fixChecksum(msg, seed.family, src, dst, seed.checksumMode);
  const ttl = rng.chance(0.85) ? 255 : rng.chance(0.3) ? undefined : rng.int(256);
  let hasIpHeader = false;
  let data = msg;
  if (seed.family === 4 && rng.chance(0.5)) {
    hasIpHeader = true;
    const ah = rng.chance(0.05);
    let h = encodeIpv4Header({ src, dst, payloadLength: msg.length + (ah ? 24 : 0), ttl: ttl ?? 255, id: rng.int(0x10000), ...(ah ? { protocol: 51 } : {}) }, { fillChecksum: true });
    if (rng.chance(0.2)) h = mutateBytes(rng, h);
    const ahHdr = ah ? rng.bytes(24) : new Uint8Array(0);
    data = Uint8Array.from([...h, ...ahHdr, ...msg]);
  }
  return { ...common, family: seed.family, hasIpHeader, src, dst, ttl, data };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function toPacket(i: PacketInput): ReceivedPacket {
  return { family: i.family, ifname: i.ifname, src: i.src, dst: i.dst, ttl: i.ttl, data: i.data, hasIpHeader: i.hasIpHeader };
}

/** The number of ticks to catch up with the deadlines over `dt` beyond which the core is deemed spinning. */
const MAX_TICKS_PER_ADVANCE = 10_000;

/** A core driven like the runtime does: ticks at each deadline, packets in between. */
export class CoreHarness {
  readonly core: VrrpCore;
  now = 0;
  constructor(config: DaemonConfig, authHmac?: AuthHmacSeam) {
    this.core = new VrrpCore(config, { detail: true, ...(authHmac ? { authHmac } : {}) });
    this.step({ kind: 'interfaceAddress', ifname: 'eth0', family: 4, address: '10.9.0.1' });
    this.step({ kind: 'interfaceAddress', ifname: 'eth0', family: 6, address: 'fe80::1' });
    this.step({ kind: 'start' });
  }
  step(input: Input): readonly Effect[] {
    const out = this.core.step(micros(this.now), input);
    const d = this.core.nextDeadline();
    if (d !== undefined && !(d > this.now)) {
      const due = this.core
        .snapshot()
        .instances.filter((i) => i.sands !== undefined && i.sands <= this.now)
        .map((i) => `${i.name} ${i.state} v${i.version} masterAdverInterval ${i.masterAdverInterval === 0 ? 'zero' : 'non-zero'}`);
      throw new InvariantError(`nextDeadline() ${d} is not after now ${this.now} after a '${input.kind}' step; due: ${due.join(', ') || 'the GARP pacer'}`);
    }
    return out;
  }
  /** Moves the clock by `dt` µs, ticking at every deadline on the way (bounded). */
  advance(dt: number): void {
    const until = this.now + dt;
    for (let n = 0; ; n++) {
      const d = this.core.nextDeadline();
      if (d === undefined || d > until) break;
      if (n >= MAX_TICKS_PER_ADVANCE) throw new InvariantError(`more than ${MAX_TICKS_PER_ADVANCE} ticks to advance ${dt} µs from ${this.now}`);
      this.now = Math.max(this.now, d);
      this.step({ kind: 'tick' });
    }
    this.now = until;
  }
}

/** Runs one packet input through the stateless checks, then through `harness`. Throws on a failure. */
export function runPacket(i: PacketInput, harness: CoreHarness, config: DaemonConfig): void {
  const pkt = toPacket(i);
  // decoder: on the VRRP message (IPv4 raw: after the IP header / AH, as the dispatcher finds it)
  const loc = locateVrrpMessage(pkt);
  const msg = loc.ok ? pkt.data.subarray(loc.layout.vrrpOffset) : pkt.data;
  decodeAdvert(msg, i.family);
  // dispatcher and receive checks, against every instance as it is now
  const snap = harness.core.snapshot();
  classifyForDispatch(
    pkt,
    snap.instances.map((s, k) => ({ name: s.name, vrid: s.vrid, state: s.state, unicast: config.instances[k]!.unicastPeers.length > 0, unicastPeers: config.instances[k]!.unicastPeers.map((p) => p.address), lastPacketSrc: i.lastMaster ? i.src : undefined })),
  );
  for (const c of config.instances) {
    if (c.family !== i.family) continue;
    const ctx: ReceiveContext = {
      config: c,
      global: { checkUnicastSrc: config.global.checkUnicastSrc, skipCheckAdvAddr: config.global.skipCheckAdvAddr, vrrpMcastGroup4: config.global.vrrpMcastGroup4 },
      state: i.state,
      lastMasterAddr: i.lastMaster ? i.src : undefined,
      checksumMode: i.checksumMode,
    };
    checkAdvert(pkt, ctx);
  }
  // the core: the clock moves (ticks on the way), then the packet
  harness.advance(i.dt);
  harness.step({ kind: 'packet', packet: pkt });
}

export function packetToJson(i: PacketInput): Json {
  const { before, ...rest } = i;
  return { ...rest, ttl: i.ttl ?? null, data: hex(i.data), ...(before && before.length > 0 ? { before: before.map(packetToJson) } : {}) } as unknown as Json;
}

export function packetFromJson(j: Json): PacketInput {
  const o = j as unknown as Omit<PacketInput, 'data' | 'ttl' | 'before'> & { data: string; ttl: number | null; before?: Json[] };
  const { before, ...rest } = o;
  return { ...rest, ttl: o.ttl ?? undefined, data: unhex(o.data), ...(before ? { before: before.map(packetFromJson) } : {}) };
}

export const packetTarget: FuzzTarget<PacketInput> = {
  name: 'packets',
  defaultCount: 1_000_000,
  setup(): TargetInstance<PacketInput> {
    const config = packetCoreConfig();
    const seeds = packetSeeds(config);
    let harness = new CoreHarness(config);
    let n = 0;
    const fresh = (): CoreHarness => {
      const h = new CoreHarness(config);
      h.advance(5_000_000); // instances settled into BACKUP / MASTER
      return h;
    };
    return {
      generate: (rng) => generatePacket(rng, seeds),
      run(i) {
        // a long-lived core (leaks show in the heap), restarted now and then so INIT-time paths are hit too
        if (++n % 200_000 === 0) harness = new CoreHarness(config);
        runPacket(i, harness, config);
      },
      reset() {
        harness = new CoreHarness(config);
      },
      replay: (i) => replayWithHistory(i, fresh(), (x, h) => runPacket(x, h, config)),
      withHistory,
      shrink: (i, fails, budget) => shrinkWithHistory(i, 'data', fails, budget),
      toJson: (i) => packetToJson(i),
      fromJson: (j) => packetFromJson(j),
      describe: (i) => `${i.before?.length ? `(after ${i.before.length} packet(s)) ` : ''}IPv${i.family}${i.hasIpHeader ? '+hdr' : ''} ${i.data.length} B ${i.src} -> ${i.dst}: ${hex(i.data.subarray(0, 48))}${i.data.length > 48 ? '…' : ''}`,
    };
  },
};
