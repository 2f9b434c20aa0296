// auth_hmac target (issue 14 §2): signed adverts (keepalived 2.4's HMAC-SHA256-128 trailer) for v2/v3,
// IPv4/IPv6, unicast/multicast instances in enforce, permissive and receive-only modes, time and monotonic
// anti-replay; the golden keepalived 2.4.3 vectors; mutated (message, trailer, lengths), re-signed half the
// time so the checks after the HMAC are reached, with sequences around the receiver's clock (fresh, replayed,
// stale, far ahead, random), wrong/unknown keys and sources, and random buffers. Each input sets the
// receiver's realtime clock (a stepped clock is an input too) and goes through `decodeTrailer`,
// `verifyTrailer` (on a long-lived replay state), `checkAdvert` for every instance of its family and a
// long-lived `VrrpCore` with the HMAC seam. Invariants, checked against an HMAC computed here from the
// wire description (not through src/vrrp/auth-hmac.ts's code):
//   - an advert `verifyTrailer` accepts carries the right HMAC for its key id, and in `time` mode a sequence
//     within the window of the clock; the same advert verified again is a replay;
//   - an advert `checkAdvert` accepts for an `enforce` instance carries a trailer with the right HMAC;
//   - nothing throws; the core's `nextDeadline()` stays after now.
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthHmacConfig, DaemonConfig, VrrpInstanceConfig } from '../../src/config-parser/types.js';
import { parseConfig } from '../../src/config-parser/parse.js';
import { nodeAuthHmacSeam } from '../../src/edges/auth-hmac-crypto.js';
import { addressBytes } from '../../src/net/inet.js';
import { centiseconds } from '../../src/net/units.js';
import {
  AUTH_HMAC_TRAILER_LEN, AuthHmacState, appendTrailer, buildTrailer, clockSeq, decodeTrailer, verifyTrailer, type AuthHmacSeam,
} from '../../src/vrrp/auth-hmac.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import { checkAdvert, locateVrrpMessage, type ReceiveContext } from '../../src/vrrp/receive-checks.js';
import type { ChecksumMode, Family, VrrpState } from '../../src/vrrp/types.js';
import { FakeConfigHost } from '../support/fake-config-host.js';
import { ddmin, mutateBytes, shrinkBytes } from './mutators.js';
import { CoreHarness, fixChecksum, hex, packetFromJson, packetToJson, toPacket, unhex, type PacketInput } from './packets.js';
import { ROOT } from './paths.js';
import type { Rng } from './rng.js';
import { InvariantError, type FuzzTarget, type TargetInstance } from './target.js';

const KEY1 = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const KEY7 = 'havipd-fuzz-ascii-key-of-32-bytes!!';

/** The receiving node: 10.9.0.1 / fe80::1 on eth0; peers 10.9.0.2, 10.9.0.3, fe80::2. */
export const HMAC_CORE_CONFIG = `
global_defs {
    router_id fuzz-hmac
}
${[
  ['H2_MCAST', 2, 71, '', 'enforce', 'time', 1, '1'],
  ['H2_UNICAST', 2, 73, 'unicast_src_ip 10.9.0.1\n    unicast_peer {\n        10.9.0.2\n    }', 'permissive', 'monotonic', 7, '1'],
  ['H3_MCAST', 3, 72, '', 'enforce', 'time', 1, '0.5'],
  ['H3_UNICAST', 3, 74, 'unicast_src_ip 10.9.0.1\n    unicast_peer {\n        10.9.0.2\n        10.9.0.3\n    }', 'enforce', 'time', 7, '1'],
  ['H3_RECV_ONLY', 3, 75, '', 'receive-only', 'time', 1, '1'],
].map(([name, v, vrid, extra, mode, ar, active, adv]) => `vrrp_instance ${name} {
    version ${v}
    interface eth0
    virtual_router_id ${vrid}
    priority 100
    advert_int ${adv}
    ${extra}
    auth_hmac {
        key 1 hex:${KEY1}
        key 7 ${KEY7}
        active_key ${active}
        mode ${mode}
        anti_replay ${ar}
        time_window 5
    }
    virtual_ipaddress {
        10.9.0.${vrid}
    }
}`).join('\n')}
vrrp_instance H6 {
    version 3
    interface eth0
    virtual_router_id 80
    priority 100
    auth_hmac {
        key 1 hex:${KEY1}
        active_key 1
        mode enforce
    }
    virtual_ipaddress {
        fe80::100
        2001:db8::100
    }
}
`;

export function hmacCoreConfig(): DaemonConfig {
  const host = new FakeConfigHost({ '/etc/keepalived/keepalived.conf': HMAC_CORE_CONFIG });
  const r = parseConfig('/etc/keepalived/keepalived.conf', host, { configId: 'fuzz', allConfig: false, hostInterfaces: ['eth0'] });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.config || errors.length > 0) throw new Error(`fuzz auth_hmac config does not parse: ${JSON.stringify(errors)}`);
  if (r.config.instances.filter((c) => c.authHmac).length !== 6) throw new Error('fuzz auth_hmac config: every instance must have auth_hmac');
  return r.config;
}

/** The receiver's realtime clock at offset 0 (the golden vectors' send time, so they start fresh). */
export const HMAC_BASE_US = 1_796_179_703 * 1_000_000;

/** One input: a packet and the receiver's realtime clock when it arrives (µs after HMAC_BASE_US). */
export interface HmacInput extends PacketInput {
  readonly realtimeUs: number;
}

/** A golden keepalived 2.4.3 signed advert. */
interface Golden {
  readonly family: Family;
  readonly src: string;
  readonly dst: string;
  readonly vrrp: Uint8Array;
}

function goldenVectors(): Golden[] {
  const dir = join(ROOT, 'test', 'golden', 'packets', 'auth-hmac');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const v = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { family: Family; src: string; dst: string; vrrp: string };
      return { family: v.family, src: v.src, dst: v.dst, vrrp: unhex(v.vrrp) };
    });
}

const checksumModeOf = (c: VrrpInstanceConfig): ChecksumMode => (c.version === 2 ? 'plain' : 'pseudo');

/** A stand-in seam for signing at generation time (the clock is not read when signing). */
const SIGNER: AuthHmacSeam = nodeAuthHmacSeam(() => HMAC_BASE_US);

function keyBytes(id: number): Uint8Array {
  return id === 1 ? new Uint8Array(Buffer.from(KEY1, 'hex')) : new TextEncoder().encode(KEY7);
}

const STATES: readonly VrrpState[] = ['BACKUP', 'MASTER', 'INIT', 'FAULT'];

export function generateHmac(rng: Rng, config: DaemonConfig, golden: readonly Golden[]): HmacInput {
  const dt = rng.chance(0.3) ? 0 : rng.chance(0.97) ? rng.int(1_500_000) : rng.int(30_000_000);
  // the receiver's realtime clock: mostly near the base, sometimes stepped by minutes or years
  const realtimeUs = rng.chance(0.8) ? rng.int(20_000_000) : rng.chance(0.5) ? rng.int(600_000_000) - 300_000_000 : (rng.u32() - 0x8000_0000) * 1_000_000;
  const common = { dt, realtimeUs, state: rng.pick(STATES), lastMaster: rng.chance(0.5), checksumMode: rng.pick<ChecksumMode>(['pseudo', 'plain', 'pseudo-mcast']), ifname: 'eth0', hasIpHeader: false };
  if (rng.chance(0.08)) {
    const family: Family = rng.chance(0.7) ? 4 : 6;
    return { ...common, family, src: family === 4 ? '10.9.0.2' : 'fe80::2', dst: family === 4 ? '224.0.0.18' : 'ff02::12', ttl: 255, data: rng.bytes(rng.range(20, 120)) };
  }
  if (rng.chance(0.15)) {
    const g = rng.pick(golden);
    let data: Uint8Array = Uint8Array.from(g.vrrp);
    if (rng.chance(0.6)) data = mutateBytes(rng, data, golden.map((x) => x.vrrp));
    return { ...common, realtimeUs: rng.chance(0.5) ? 0 : common.realtimeUs, family: g.family, src: g.src, dst: g.dst, ttl: 255, data };
  }
  const c = rng.pick(config.instances);
  const family = c.family;
  const peers = c.unicastPeers.map((p) => p.address);
  const src = rng.chance(0.85) ? (peers.length > 0 ? rng.pick(peers) : family === 4 ? rng.pick(['10.9.0.2', '10.9.0.3', '10.9.0.9']) : rng.pick(['fe80::2', 'fe80::3']))
    : family === 4 ? rng.pick(['10.9.0.1', '10.9.0.200', '0.0.0.0']) : rng.pick(['fe80::1', '::', '2001:db8::1']);
  const dst = peers.length > 0 ? '10.9.0.1' : family === 4 ? '224.0.0.18' : 'ff02::12';
  const checksumMode = checksumModeOf(c);
  const addresses = rng.chance(0.9) ? c.vips.map((v) => v.address) : [];
  const msg = encodeAdvert(
    { version: c.version, vrid: rng.chance(0.95) ? c.vrid : rng.int(256), priority: rng.pick([0, 1, 50, 100, 101, 200, 254, 255]), advertInt: centiseconds(rng.chance(0.9) ? Math.max(1, Math.round(c.advertInt / 10_000)) : rng.int(4096)), addresses, family },
    { src, dst, checksumMode },
  );
  // the sequence, relative to the receiver's clock: fresh, a little off, stale, far, or anything
  const clock = clockSeq(BigInt(HMAC_BASE_US + realtimeUs) * 1000n);
  const r = rng.int(10);
  const seq = r < 5 ? clock + BigInt(rng.int(65536))
    : r < 7 ? clock + (BigInt(rng.int(20_000) - 10_000) << 16n)
      : r < 8 ? clock + (BigInt(rng.int(2_000) - 1_000) << 32n)
        : r < 9 ? BigInt(rng.u32()) << 32n | BigInt(rng.u32())
          : clock - BigInt(rng.int(3)); // around the last one sent: replays
  const keyId = rng.chance(0.85) ? rng.pick([1, 7]) : rng.int(256);
  const key = rng.chance(0.9) ? keyBytes(keyId === 7 ? 7 : 1) : rng.bytes(32);
  const signCtx = { family, version: c.version, vrid: msg[1]!, src: rng.chance(0.95) ? src : family === 4 ? '10.9.0.77' : 'fe80::77' };
  let trailer = buildTrailer(SIGNER, msg, signCtx, key, keyId, seq);
  let body: Uint8Array = msg;
  if (rng.chance(0.4)) {
    // damage: the message, the trailer or both; re-sign half the time so the later checks are reached
    const nMut = rng.range(1, rng.chance(0.7) ? 3 : 8);
    const which = rng.int(3);
    for (let k = 0; k < nMut; k++) {
      if (which !== 1) body = mutateBytes(rng, body);
      if (which !== 0) trailer = mutateBytes(rng, trailer);
    }
    if (rng.chance(0.5) && body.length >= 8) {
      fixChecksum(body, family, src, dst, checksumMode);
      trailer = buildTrailer(SIGNER, body, { ...signCtx, vrid: body[1]! }, key, keyId, seq);
    }
  }
  let data = rng.chance(0.05) ? body : appendTrailer(body, trailer, { family, version: c.version, src, dst });
  if (rng.chance(0.05)) data = data.subarray(0, rng.int(data.length + 1));
  return { ...common, family, src, dst, ttl: rng.chance(0.95) ? 255 : rng.int(256), data };
}

/** HMAC-SHA256-128 over the pseudo-header, the message (checksum as 0) and the trailer's first 12 bytes, written from the wire description. */
function expectedMac(key: Uint8Array, family: Family, version: number, vrid: number, src: string, msg: Uint8Array, trailer: Uint8Array): Buffer | undefined {
  const a = addressBytes(src, family);
  if (!a) return undefined;
  const pseudo = Buffer.alloc(20);
  pseudo[0] = family;
  pseudo[1] = version;
  pseudo[2] = vrid;
  Buffer.from(a).copy(pseudo, 4);
  const m = Buffer.from(msg);
  if (m.length >= 8) m.writeUInt16BE(0, 6);
  return createHmac('sha256', key).update(pseudo).update(m).update(trailer.subarray(0, 12)).update(Buffer.alloc(16)).digest().subarray(0, 16);
}

function macIsRight(cfg: AuthHmacConfig, family: Family, version: number, vrid: number, src: string, msg: Uint8Array, trailer: Uint8Array): boolean {
  const key = cfg.keys.find((k) => k.id === trailer[1]);
  if (!key) return false;
  const mac = expectedMac(key.secret, family, version, vrid, src, msg, trailer);
  return mac !== undefined && mac.equals(Buffer.from(trailer.subarray(12, 28)));
}

/** The long-lived receiver: a core with the HMAC seam, and per-instance replay states for the direct calls. */
export class HmacHarness {
  realtimeUs = 0;
  readonly seam: AuthHmacSeam = nodeAuthHmacSeam(() => HMAC_BASE_US + this.realtimeUs);
  readonly core: CoreHarness;
  readonly states = new Map<string, AuthHmacState>();
  constructor(readonly config: DaemonConfig) {
    this.core = new CoreHarness(config, this.seam);
  }
  state(name: string): AuthHmacState {
    let s = this.states.get(name);
    if (!s) {
      s = new AuthHmacState();
      this.states.set(name, s);
    }
    return s;
  }
}

/** What the inputs reached (for the test that the mix gets past the HMAC): verifyTrailer outcomes, accepted adverts. */
export interface HmacTally {
  readonly verify: Map<string, number>;
  acceptedEnforce: number;
}

export function runHmac(i: HmacInput, h: HmacHarness, tally?: HmacTally): void {
  h.realtimeUs = i.realtimeUs;
  const pkt = toPacket(i);
  const loc = locateVrrpMessage(pkt);
  const off = loc.ok ? loc.layout.vrrpOffset : 0;
  const d = pkt.data;
  const hasTrailer = d.length - off >= 8 + AUTH_HMAC_TRAILER_LEN;
  const msg = d.subarray(off, d.length - AUTH_HMAC_TRAILER_LEN);
  const trailer = d.subarray(d.length - AUTH_HMAC_TRAILER_LEN);
  if (hasTrailer) decodeTrailer(trailer);
  for (const c of h.config.instances) {
    if (c.family !== i.family || !c.authHmac) continue;
    const cfg = c.authHmac;
    // verifyTrailer directly, as the receive checks call it for this instance
    if (hasTrailer && msg[1] === c.vrid) {
      const state = h.state(c.name);
      const peer = c.unicastPeers.find((p) => p.address === i.src);
      const replay = peer ? state.peer(peer.address) : undefined;
      const input = { family: i.family, version: c.version, vrid: c.vrid, src: i.src, msg, trailer };
      const v = verifyTrailer(h.seam, cfg, state, input, replay);
      if (tally) tally.verify.set(v.ok ? 'ok' : v.reason, (tally.verify.get(v.ok ? 'ok' : v.reason) ?? 0) + 1);
      if (v.ok) {
        if (!macIsRight(cfg, i.family, c.version, c.vrid, i.src, msg, trailer)) throw new InvariantError(`verifyTrailer accepted a wrong HMAC (${c.name}, key id ${trailer[1]})`);
        if (cfg.antiReplay === 'time') {
          const sec = Buffer.from(trailer).readUInt32BE(4);
          const nowSec = Math.floor((HMAC_BASE_US + i.realtimeUs) / 1e6) >>> 0;
          const diff = ((nowSec - sec) | 0);
          if (Math.abs(diff) > cfg.timeWindow) throw new InvariantError(`verifyTrailer accepted a stale sequence (${c.name}, skew ${diff} s > ${cfg.timeWindow} s)`);
        }
        const again = verifyTrailer(h.seam, cfg, state, input, replay);
        if (again.ok || again.reason !== 'auth_ext_replay') throw new InvariantError(`the same signed advert verified twice is not a replay (${c.name}: ${again.ok ? 'accepted' : again.reason})`);
      }
    }
    // the receive checks, with the instance's own replay state
    const ctx: ReceiveContext = {
      config: c,
      global: { checkUnicastSrc: h.config.global.checkUnicastSrc, skipCheckAdvAddr: h.config.global.skipCheckAdvAddr, vrrpMcastGroup4: h.config.global.vrrpMcastGroup4 },
      state: i.state,
      lastMasterAddr: i.lastMaster ? i.src : undefined,
      checksumMode: i.checksumMode,
      authHmac: { seam: h.seam, state: h.state(`rx:${c.name}`) },
    };
    const r = checkAdvert(pkt, ctx);
    if (r.ok && cfg.mode === 'enforce') {
      if (!hasTrailer || !macIsRight(cfg, i.family, c.version, c.vrid, i.src, msg, trailer)) {
        throw new InvariantError(`checkAdvert accepted an advert without a right HMAC for an enforce instance (${c.name})`);
      }
      if (tally) tally.acceptedEnforce++;
    }
  }
  h.core.advance(i.dt);
  h.core.step({ kind: 'packet', packet: pkt });
}

export const hmacTarget: FuzzTarget<HmacInput> = {
  name: 'hmac',
  defaultCount: 100_000,
  setup(): TargetInstance<HmacInput> {
    const config = hmacCoreConfig();
    const golden = goldenVectors();
    let h = new HmacHarness(config);
    let n = 0;
    const fresh = (): HmacHarness => {
      const x = new HmacHarness(config);
      x.core.advance(5_000_000);
      return x;
    };
    return {
      generate: (rng) => generateHmac(rng, config, golden),
      run(i) {
        if (++n % 100_000 === 0) h = new HmacHarness(config);
        runHmac(i, h);
      },
      reset() {
        h = new HmacHarness(config);
      },
      replay(i) {
        const x = fresh();
        for (const b of (i.before ?? []) as HmacInput[]) {
          try {
            runHmac(b, x);
          } catch {
            // history only builds the state
          }
        }
        runHmac(i, x);
      },
      withHistory: (before, i) => ({ ...i, before: before.map((b) => ({ ...b, before: undefined })) }),
      shrink(i, fails, budget) {
        let cur = i;
        if (cur.before && cur.before.length > 0) {
          const kept = ddmin(cur.before as HmacInput[], (bs) => fails({ ...cur, before: bs }), Math.floor(budget / 2));
          cur = { ...cur, before: kept };
        }
        const base = cur;
        const data = shrinkBytes(base.data, (dd) => fails({ ...base, data: dd }), Math.ceil(budget / 2));
        return { ...base, data };
      },
      toJson: (i) => packetToJson(i),
      fromJson: (j) => packetFromJson(j) as HmacInput,
      describe: (i) => `${i.before?.length ? `(after ${i.before.length} packet(s)) ` : ''}IPv${i.family} ${i.data.length} B ${i.src} -> ${i.dst} clock +${i.realtimeUs} µs: ${hex(i.data.subarray(0, 48))}${i.data.length > 48 ? '…' : ''}`,
    };
  },
};
