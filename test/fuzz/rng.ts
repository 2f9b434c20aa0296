// Seeded PRNG for the fuzzer (mulberry32 over a 32-bit state). Each input is generated from its own
// stream, `inputRng(seed, target, index)`, so any input of a run can be regenerated from (seed, index)
// without replaying the ones before it (the driver uses this for stalled workers and `--replay`).

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). n ≥ 1. */
  int(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  /** true with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

/** FNV-1a of a string, for mixing a target name into a seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The stream of input `index` of `target` in the run seeded `seed`. */
export function inputRng(seed: number, target: string, index: number): Rng {
  let h = (seed ^ hashString(target)) >>> 0;
  h = Math.imul(h ^ (index >>> 16), 0x85ebca6b) ^ Math.imul(index & 0xffff, 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  return new Rng((h ^ (h >>> 16)) >>> 0);
}
