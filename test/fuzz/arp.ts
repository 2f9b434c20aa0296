// ARP target (the claim watch, src/vrrp/healing.ts): mutations of the frames the watch meets — GARPs and
// replies for the fuzz config's VIPs and for other addresses, ARP probes, from a few MACs — plus random
// buffers, through `decodeArp` (documented not to throw) and, when it decodes, a long-lived core's `arp`
// input (as the shell feeds it: any sender address, interface `eth0` mostly), interleaved with ticks so the
// watches probe, get answered or run out. The core's deadline invariants are `CoreHarness`'s.
import type { DaemonConfig } from '../../src/config-parser/types.js';
import { buildArpProbe, buildGarp, decodeArp } from '../../src/garp/frames.js';
import { mutateBytes, replayWithHistory, shrinkWithHistory, withHistory } from './mutators.js';
import { CoreHarness, hex, packetCoreConfig, unhex } from './packets.js';
import type { Rng } from './rng.js';
import type { FuzzTarget, Json, TargetInstance } from './target.js';

export interface ArpInput {
  readonly ifname: string;
  readonly frame: Uint8Array;
  /** µs the clock advances (ticking every deadline on the way) before the frame arrives. */
  readonly dt: number;
  /** Frames run first on the same core (their failures ignored): the history a failure needs. */
  readonly before?: readonly ArpInput[];
}

const MACS = ['52:54:00:00:00:02', '52:54:00:00:00:03', '00:00:5e:00:01:33', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00'];

export function arpSeedFrames(config: DaemonConfig): Uint8Array[] {
  const addrs = [...new Set([...config.instances.flatMap((i) => i.vips.filter((v) => v.family === 4).map((v) => v.address)), '10.9.0.2', '10.9.0.1', '0.0.0.0'])];
  const frames: Uint8Array[] = [];
  for (const a of addrs) {
    for (const mac of MACS.slice(0, 3)) {
      frames.push(buildGarp(mac, a));
      const reply = buildGarp(mac, a);
      reply[21] = 2;
      frames.push(reply);
      frames.push(buildArpProbe(mac, a));
    }
  }
  return frames;
}

export function generateArp(rng: Rng, seeds: readonly Uint8Array[]): ArpInput {
  // Mostly sub-advert gaps so probes get answered; now and then a long silence so watches run out.
  const dt = rng.chance(0.3) ? 0 : rng.chance(0.95) ? rng.int(600_000) : rng.int(10_000_000);
  const ifname = rng.chance(0.9) ? 'eth0' : rng.pick(['', 'eth1', 'lo']);
  if (rng.chance(0.1)) return { ifname, dt, frame: rng.bytes(rng.int(rng.chance(0.5) ? 64 : 1600)) };
  let frame: Uint8Array = Uint8Array.from(rng.pick(seeds));
  const nMut = rng.chance(0.4) ? 0 : rng.range(1, rng.chance(0.7) ? 3 : 10);
  for (let k = 0; k < nMut; k++) frame = mutateBytes(rng, frame, seeds);
  return { ifname, dt, frame };
}

export function runArp(i: ArpInput, h: CoreHarness): void {
  h.advance(i.dt);
  const arp = decodeArp(i.frame);
  if (arp === undefined) return;
  h.step({ kind: 'arp', ifname: i.ifname, senderIp: arp.senderIp, senderMac: arp.senderMac });
}

function toJson(i: ArpInput): Json {
  return { ifname: i.ifname, dt: i.dt, frame: hex(i.frame), ...(i.before ? { before: i.before.map(toJson) } : {}) };
}

function fromJson(j: Json): ArpInput {
  const o = j as { ifname: string; dt: number; frame: string; before?: Json[] };
  return { ifname: o.ifname, dt: o.dt, frame: unhex(o.frame), ...(o.before ? { before: o.before.map(fromJson) } : {}) };
}

export const arpTarget: FuzzTarget<ArpInput> = {
  name: 'arp',
  defaultCount: 100_000,
  setup(): TargetInstance<ArpInput> {
    const config = packetCoreConfig();
    const seeds = arpSeedFrames(config);
    const fresh = (): CoreHarness => {
      const h = new CoreHarness(config);
      h.advance(5_000_000); // instances settled into BACKUP / MASTER
      return h;
    };
    let harness = fresh();
    let n = 0;
    return {
      generate: (rng) => generateArp(rng, seeds),
      run(i) {
        if (++n % 50_000 === 0) harness = fresh();
        runArp(i, harness);
      },
      reset() {
        harness = fresh();
      },
      replay: (i) => replayWithHistory(i, fresh(), runArp),
      withHistory,
      shrink: (i, fails, budget) => shrinkWithHistory(i, 'frame', fails, budget),
      toJson,
      fromJson,
      describe: (i) => `${i.before?.length ? `(after ${i.before.length} frame(s)) ` : ''}${i.ifname || '-'} ${i.frame.length} B: ${hex(i.frame.subarray(0, 42))}${i.frame.length > 42 ? '…' : ''}`,
    };
  },
};
