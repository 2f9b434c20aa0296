// src/vrrp/deadline-heap.ts against a plain array model: random resets and updates, the minimum and the
// slots at the minimum after each.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from '../../../src/vrrp/deadline-heap.js';

const modelMin = (keys: readonly (number | undefined)[]): number | undefined => {
  let m: number | undefined;
  for (const k of keys) if (k !== undefined && (m === undefined || k < m)) m = k;
  return m;
};

describe('DeadlineHeap', () => {
  it('an empty heap, and one without deadlines, has no minimum', () => {
    const h = new DeadlineHeap();
    expect(h.min()).toBeUndefined();
    expect(h.someAtMin(() => true)).toBe(false);
    h.reset([undefined, undefined]);
    expect(h.size).toBe(2);
    expect(h.min()).toBeUndefined();
    h.update(1, 7);
    expect(h.min()).toBe(7);
    h.update(1, undefined);
    expect(h.min()).toBeUndefined();
    // A slot outside the heap is ignored (an instance of a list replaced by a reload).
    h.update(5, 1);
    h.update(-1, 1);
    expect(h.min()).toBeUndefined();
  });

  it('the minimum and every slot at it agree with a scan, over random resets and updates', () => {
    // Keys from a small range, so that ties (several slots at the minimum) are common.
    const key = fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 40 }),
        fc.array(fc.oneof(fc.tuple(fc.constant('update' as const), fc.nat(45), key), fc.tuple(fc.constant('reset' as const), fc.array(key, { maxLength: 40 }))), { maxLength: 200 }),
        (initial, ops) => {
          const h = new DeadlineHeap();
          let model = [...initial];
          h.reset(model);
          for (const op of ops) {
            if (op[0] === 'reset') {
              model = [...op[1]];
              h.reset(model);
            } else {
              const [, slot, k] = op;
              h.update(slot, k);
              if (slot < model.length) model[slot] = k;
            }
            const m = modelMin(model);
            expect(h.min()).toBe(m);
            const atMin: number[] = [];
            expect(h.someAtMin((s) => (atMin.push(s), false))).toBe(false);
            expect(atMin.sort((a, b) => a - b)).toEqual(m === undefined ? [] : model.flatMap((k, s) => (k === m ? [s] : [])));
            // It stops at the first slot the predicate accepts.
            if (atMin.length > 0) {
              let calls = 0;
              expect(h.someAtMin(() => (calls++, true))).toBe(true);
              expect(calls).toBe(1);
            }
          }
        },
      ),
      { seed: 1203, numRuns: 300 },
    );
  });
});
