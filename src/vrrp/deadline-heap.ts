// The earliest of many per-instance deadlines, kept as they change: an indexed binary min-heap over slots
// 0..n-1 (one per instance). `VrrpCore.nextDeadline()` runs after every step, and a BACKUP of 255 instances
// steps once per advert received; the instance an advert comes for is, in steady state, the one whose down
// timer was the earliest, so the minimum moves with almost every packet. A scan of all instances per packet
// (what this replaces) cost O(n); an update here is O(log n).

/** No deadline. */
const NONE = Number.POSITIVE_INFINITY;

export class DeadlineHeap {
  /** Deadline by slot (µs; `NONE` for none). */
  private keys: number[] = [];
  /** Heap position → slot. */
  private heap: number[] = [];
  /** Slot → heap position. */
  private pos: number[] = [];

  /** Slots in the heap. */
  get size(): number {
    return this.keys.length;
  }

  /** Replaces every slot: slot k gets `keys[k]` (undefined: no deadline). O(n). */
  reset(keys: readonly (number | undefined)[]): void {
    const n = keys.length;
    this.keys = new Array<number>(n);
    this.heap = new Array<number>(n);
    this.pos = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      this.keys[k] = keys[k] ?? NONE;
      this.heap[k] = k;
      this.pos[k] = k;
    }
    for (let p = (n >> 1) - 1; p >= 0; p--) this.down(p);
  }

  /** Slot `slot` now has deadline `key` (undefined: none). O(log n); a slot outside the heap is ignored. */
  update(slot: number, key: number | undefined): void {
    if (slot < 0 || slot >= this.keys.length) return;
    const k = key ?? NONE;
    const old = this.keys[slot]!;
    if (k === old) return;
    this.keys[slot] = k;
    if (k < old) this.up(this.pos[slot]!);
    else this.down(this.pos[slot]!);
  }

  /** The earliest deadline, or undefined when no slot has one. */
  min(): number | undefined {
    if (this.heap.length === 0) return undefined;
    const m = this.keys[this.heap[0]!]!;
    return m === NONE ? undefined : m;
  }

  /** Whether `pred` holds for a slot whose deadline is the earliest (all such slots are tried, in heap order). */
  someAtMin(pred: (slot: number) => boolean): boolean {
    const m = this.min();
    if (m === undefined) return false;
    // Slots equal to the minimum form a subtree at the root: walk it, pruning at larger keys.
    const stack = [0];
    const n = this.heap.length;
    while (stack.length > 0) {
      const p = stack.pop()!;
      const slot = this.heap[p]!;
      if (this.keys[slot] !== m) continue;
      if (pred(slot)) return true;
      const c = 2 * p + 1;
      if (c < n) stack.push(c);
      if (c + 1 < n) stack.push(c + 1);
    }
    return false;
  }

  private up(p: number): void {
    const { heap, keys, pos } = this;
    const slot = heap[p]!;
    const key = keys[slot]!;
    while (p > 0) {
      const parent = (p - 1) >> 1;
      const ps = heap[parent]!;
      if (keys[ps]! <= key) break;
      heap[p] = ps;
      pos[ps] = p;
      p = parent;
    }
    heap[p] = slot;
    pos[slot] = p;
  }

  private down(p: number): void {
    const { heap, keys, pos } = this;
    const n = heap.length;
    const slot = heap[p]!;
    const key = keys[slot]!;
    for (;;) {
      let c = 2 * p + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[heap[c + 1]!]! < keys[heap[c]!]!) c++;
      const cs = heap[c]!;
      if (keys[cs]! >= key) break;
      heap[p] = cs;
      pos[cs] = p;
      p = c;
    }
    heap[p] = slot;
    pos[slot] = p;
  }
}
