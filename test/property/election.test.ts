// Election laws as properties (fast-check; seeds recorded so failures replay).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareAddresses, peerLoses, peerWins } from '../../src/vrrp/election.js';
import { effectivePriority } from '../../src/vrrp/priority.js';
import { masterDownInterval, skewTime } from '../../src/vrrp/timers.js';
import { micros } from '../../src/net/units.js';
import { instanceConfig, s } from '../support/config.js';
import { connectedMasters, Sim } from '../support/sim.js';

const SEED = 0x5eed5798;

describe('election laws', () => {
  it('Master_Down_Interval never grows with priority (seed 0x5eed5798)', () => {
    fc.assert(
      fc.property(fc.constantFrom(2 as const, 3 as const), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 4095 }), fc.integer({ min: 1, max: 10 }), (v, p1, p2, cs, n) => {
        const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const iv = micros(cs * 10_000);
        expect(masterDownInterval(v, hi, iv, n)).toBeLessThanOrEqual(masterDownInterval(v, lo, iv, n));
        expect(skewTime(v, hi, iv)).toBeLessThanOrEqual(skewTime(v, lo, iv));
        expect(skewTime(v, lo, iv)).toBeLessThan(v === 2 ? 1_000_000 : iv + 1);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('between two distinct routers exactly one wins on the MASTER side (seed 0x5eed5798)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 255 }), fc.ipV4(), fc.ipV4(), (pa, pb, a, b) => {
        fc.pre(!(pa === pb && compareAddresses(a, b) === 0));
        const aWinsAtB = peerWins(pa, pb, compareAddresses(a, b)); // B is MASTER, sees A's advert
        const bWinsAtA = peerWins(pb, pa, compareAddresses(b, a));
        expect(aWinsAtB).not.toBe(bWinsAtA);
        expect(peerLoses(pa, pb, compareAddresses(a, b))).toBe(bWinsAtA);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('the effective priority of a non-owner stays in 1..254, an owner stays 255 (seed 0x5eed5798)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), fc.integer({ min: -2000, max: 2000 }), (base, delta) => {
        const e = effectivePriority(base, base + delta);
        if (base === 255) expect(e).toBe(255);
        else {
          expect(e).toBeGreaterThanOrEqual(1);
          expect(e).toBeLessThanOrEqual(254);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('simulation: routers started together elect exactly one MASTER, the highest (priority, address) (seed 0x5eed5798)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2 as const, 3 as const),
        fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 254 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (version, uniq, any, seed) => {
          // Mix: distinct priorities, or possibly equal ones (then the higher address decides).
          const prios = seed % 2 === 0 ? uniq : any;
          const sim = new Sim({ seed, latency: micros(100 + (seed % 500)) });
          prios.forEach((p, i) => sim.addNode(`N${i}`, { address: `10.0.0.${i + 1}`, instances: [instanceConfig({ version, priority: p })] }));
          sim.startAll();
          sim.runUntil(s(15));
          const best = prios.map((p, i) => ({ p, i })).sort((x, y) => y.p - x.p || y.i - x.i)[0]!;
          expect(sim.masters()).toEqual([`N${best.i}`]);
          expect(connectedMasters(sim)).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('simulation: the address owner always ends MASTER, whenever it starts (seed 0x5eed5798)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 254 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 20_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (others, ownerStart, seed) => {
          const sim = new Sim({ seed });
          others.forEach((p, i) => sim.addNode(`N${i}`, { address: `10.0.0.${i + 10}`, instances: [instanceConfig({ priority: p })] }));
          sim.addNode('OWNER', { address: '10.0.0.1', instances: [instanceConfig({ priority: 255 })] });
          for (let i = 0; i < others.length; i++) sim.start(`N${i}`);
          sim.start('OWNER', micros(ownerStart));
          sim.runUntil(micros(ownerStart + 5_000_000));
          expect(sim.masters()).toEqual(['OWNER']);
        },
      ),
      { seed: SEED, numRuns: 30 },
    );
  });
});
