// A fake L2 segment for simulations: nodes by name and address, multicast and unicast delivery,
// cut / isolate / drop / delay with a seeded PRNG (no wall clock, no Math.random).
import { micros, type Micros } from '../../src/net/units.js';

/** mulberry32: a small seeded PRNG, good enough for drop decisions. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Delivery {
  readonly at: Micros;
  readonly from: string;
  readonly to: string;
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly bytes: Uint8Array;
}

export class FakeNetwork {
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<string>();
  private readonly addrs = new Map<string, string>(); // node → address
  private readonly rand: () => number;
  /** Probability that a packet is lost. */
  dropRate = 0;
  /** One-way latency. */
  latency: Micros;
  /** Extra random latency up to this much (seeded). */
  jitter: Micros = micros(0);
  sent = 0;
  dropped = 0;

  constructor(opts: { seed?: number; latency?: Micros } = {}) {
    this.rand = prng(opts.seed ?? 1);
    this.latency = opts.latency ?? micros(100);
  }

  attach(node: string, address: string): void {
    this.addrs.set(node, address);
  }
  nodes(): string[] {
    return [...this.addrs.keys()];
  }
  addressOf(node: string): string | undefined {
    return this.addrs.get(node);
  }

  private key(a: string, b: string): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }
  cut(a: string, b: string): void {
    this.cuts.add(this.key(a, b));
  }
  heal(a: string, b: string): void {
    this.cuts.delete(this.key(a, b));
  }
  isolate(a: string): void {
    this.isolated.add(a);
  }
  rejoin(a: string): void {
    this.isolated.delete(a);
  }
  healAll(): void {
    this.cuts.clear();
    this.isolated.clear();
  }
  connected(a: string, b: string): boolean {
    return a !== b && !this.isolated.has(a) && !this.isolated.has(b) && !this.cuts.has(this.key(a, b));
  }

  /** Routes one packet; returns the deliveries it produces (multicast: every connected node). */
  route(now: Micros, from: string, src: string, dst: string, ttl: number, bytes: Uint8Array): Delivery[] {
    this.sent++;
    const first = Number(dst.split('.')[0]);
    const multicast = dst.toLowerCase().startsWith('ff') || (first >= 224 && first <= 239);
    const targets = multicast ? this.nodes().filter((n) => n !== from) : this.nodes().filter((n) => this.addrs.get(n) === dst);
    const out: Delivery[] = [];
    for (const to of targets) {
      if (!this.connected(from, to)) continue;
      if (this.dropRate > 0 && this.rand() < this.dropRate) {
        this.dropped++;
        continue;
      }
      const extra = this.jitter > 0 ? Math.floor(this.rand() * this.jitter) : 0;
      out.push({ at: micros(now + this.latency + extra), from, to, src, dst, ttl, bytes });
    }
    return out;
  }
}
